//! Verified-token cache. The proxy sends the same ID token on every request, so the
//! second and later checks of a token can skip the signature. An entry is used only
//! while the token's own exp/nbf allow it and while the key that verified it is still
//! in the issuer's JWKS. Bounded: the oldest entries go first.
//!
//! Slots are found by a keyed hash of the token's last 64 bytes (its signature, for any
//! token that verifies) and its length, not of all of it: a lookup is on the path of every
//! request. The slot holds the whole token, compared in full, so a token that only shares
//! those bytes is a miss; two that share a slot replace each other (only verified tokens
//! are stored, and the hash key is random per process).

use crate::claims::Lifetime;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Ids of verifications, unique in the process: a token verified anew gets a new one.
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// Entries per verifier configuration; with ~1.2 KB tokens and ~1 KB of claims this
/// bounds the cache near 12 MB.
pub const CAPACITY: usize = 5000;

pub struct Entry {
    /// Set by `insert`: names this verification of the token while the entry lives.
    pub id: u64,
    pub claims_json: Arc<str>,
    /// Which configured issuer verified the token, so a hit reports it too.
    pub issuer_index: usize,
    pub lifetime: Lifetime,
    pub key_fingerprint: u64,
}

/// What a lookup found: the claims, the issuer that verified them, the entry's id.
pub struct Hit {
    pub claims_json: Arc<str>,
    pub issuer_index: usize,
    pub id: u64,
}

#[derive(Default)]
struct Inner {
    entries: HashMap<u64, (Box<str>, Entry)>,
    order: VecDeque<u64>,
}

pub struct TokenCache {
    capacity: usize,
    hasher: RandomState,
    inner: Mutex<Inner>,
}

const TAIL: usize = 64;

impl TokenCache {
    pub fn new(capacity: usize) -> Self {
        TokenCache { capacity, hasher: RandomState::new(), inner: Mutex::new(Inner::default()) }
    }

    fn slot(&self, token: &str) -> u64 {
        let bytes = token.as_bytes();
        self.hasher.hash_one((bytes.len(), &bytes[bytes.len().saturating_sub(TAIL)..]))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entry if `usable` accepts it; an entry it refuses is dropped.
    pub fn get(&self, token: &str, usable: impl FnOnce(&Entry) -> bool) -> Option<Hit> {
        let slot = self.slot(token);
        let mut inner = self.lock();
        let (held, entry) = inner.entries.get(&slot)?;
        if **held != *token {
            return None;
        }
        if usable(entry) {
            return Some(Hit { claims_json: Arc::clone(&entry.claims_json), issuer_index: entry.issuer_index, id: entry.id });
        }
        inner.entries.remove(&slot);
        None
    }

    /// Keeps the entry and returns the id it was given (0 when nothing is kept).
    pub fn insert(&self, token: &str, mut entry: Entry) -> u64 {
        if self.capacity == 0 {
            return 0;
        }
        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        entry.id = id;
        let slot = self.slot(token);
        let mut inner = self.lock();
        if inner.entries.insert(slot, (Box::from(token), entry)).is_some() {
            return id;
        }
        inner.order.push_back(slot);
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
        id
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
        Entry { id: 0, claims_json: Arc::from("{}"), issuer_index: 0, lifetime: Lifetime { exp: 10.0, nbf: None }, key_fingerprint: fp }
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
    fn tokens_sharing_a_tail_are_told_apart() {
        let cache = TokenCache::new(10);
        let sig = "s".repeat(100);
        let (a, b) = (format!("aaa.{sig}"), format!("bbb.{sig}"));
        cache.insert(&a, entry(1));
        assert!(cache.get(&b, |_| true).is_none(), "same slot, another token: a miss");
        assert!(cache.get(&a, |_| true).is_some(), "and the entry stays");
        cache.insert(&b, entry(1));
        assert!(cache.get(&b, |_| true).is_some());
        assert!(cache.get(&a, |_| true).is_none(), "the newer one took the slot");
        assert!(cache.get("", |_| true).is_none());
    }

    #[test]
    fn a_token_verified_anew_gets_a_new_id() {
        let cache = TokenCache::new(10);
        cache.insert("a", entry(1));
        let first = cache.get("a", |_| true).unwrap().id;
        assert_eq!(cache.get("a", |_| true).unwrap().id, first, "the same verification keeps its id");
        cache.get("a", |_| false);
        cache.insert("a", entry(1));
        assert_ne!(cache.get("a", |_| true).unwrap().id, first);
        cache.insert("b", entry(1));
        assert_ne!(cache.get("b", |_| true).unwrap().id, cache.get("a", |_| true).unwrap().id);
    }

    #[test]
    fn a_hit_reports_the_issuer_that_verified() {
        let cache = TokenCache::new(10);
        cache.insert("a", Entry { issuer_index: 2, ..entry(1) });
        assert_eq!(cache.get("a", |e| e.issuer_index == 2).unwrap().issuer_index, 2);
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
