//! Verified-token cache. The proxy sends the same ID token on every request, so the
//! second and later checks of a token can skip the signature. An entry is used only
//! while the token's own exp/nbf allow it and while the key that verified it is still
//! in the issuer's JWKS. Bounded: the oldest entries go first.

use crate::claims::Lifetime;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Entries per verifier configuration; with ~1.2 KB tokens and ~1 KB of claims this
/// bounds the cache near 12 MB.
pub const CAPACITY: usize = 5000;

pub struct Entry {
    pub claims_json: Arc<str>,
    pub lifetime: Lifetime,
    pub key_fingerprint: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<Arc<str>, Entry>,
    order: VecDeque<Arc<str>>,
}

pub struct TokenCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl TokenCache {
    pub fn new(capacity: usize) -> Self {
        TokenCache { capacity, inner: Mutex::new(Inner::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The cached claims if `usable` accepts the entry; an entry it refuses is dropped.
    pub fn get(&self, token: &str, usable: impl FnOnce(&Entry) -> bool) -> Option<Arc<str>> {
        let mut inner = self.lock();
        let entry = inner.entries.get(token)?;
        if usable(entry) {
            return Some(Arc::clone(&entry.claims_json));
        }
        inner.entries.remove(token);
        None
    }

    pub fn insert(&self, token: &str, entry: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut inner = self.lock();
        let key: Arc<str> = Arc::from(token);
        if inner.entries.insert(Arc::clone(&key), entry).is_some() {
            return;
        }
        inner.order.push_back(key);
        while inner.entries.len() > self.capacity {
            match inner.order.pop_front() {
                Some(old) => inner.entries.remove(&old),
                None => break,
            };
        }
        // `order` can still name entries that `get` dropped; compact it now and then.
        if inner.order.len() > 2 * self.capacity {
            let Inner { entries, order } = &mut *inner;
            order.retain(|k| entries.contains_key(k));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fp: u64) -> Entry {
        Entry { claims_json: Arc::from("{}"), lifetime: Lifetime { exp: 10.0, nbf: None }, key_fingerprint: fp }
    }

    #[test]
    fn hits_and_drops_refused_entries() {
        let cache = TokenCache::new(10);
        cache.insert("a", entry(1));
        assert!(cache.get("a", |e| e.key_fingerprint == 1).is_some());
        assert!(cache.get("a", |e| e.key_fingerprint == 2).is_none());
        assert!(cache.get("a", |_| true).is_none(), "a refused entry is gone");
    }

    #[test]
    fn stays_bounded_oldest_first() {
        let cache = TokenCache::new(3);
        for t in ["a", "b", "c", "d", "e"] {
            cache.insert(t, entry(1));
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get("a", |_| true).is_none());
        assert!(cache.get("e", |_| true).is_some());
        for i in 0..10_000 {
            cache.insert(&format!("t{i}"), entry(1));
            cache.get(&format!("t{i}"), |_| false);
        }
        assert!(cache.lock().order.len() <= 6);
    }
}
