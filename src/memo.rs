//! Frozen answers, one per kept verification: a token answered again from the token cache
//! gets the very object it got before, deeply frozen, instead of a fresh `JSON.parse` of
//! the kept claims text (that copy was the gap to fast-jwt's cache on a repeated token).
//!
//! An entry is found only from what the token cache answered: its key is the identity of
//! the cache entry's claims text (held here, so the address cannot be reused while the
//! entry lives) and, for a sign-in, of the rules. So an entry is used only while the cache
//! would use its verification: within the token's lifetime, its key still in the issuer's
//! JWKS, under the options of the verifier that made it. Bounded in entries and in bytes of
//! claims text, the oldest going first. Lives with the JS environment (napi instance data),
//! as its objects do.

use oidc_proxy_core::sign_in::SignInRules;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use napi::bindgen_prelude::*;

/// Entries and bytes of claims text kept at most (a parsed object takes about twice its text).
pub const MAX_ENTRIES: usize = 1024;
pub const MAX_BYTES: usize = 4 << 20;

/// Whose answer: the claims of a verification, or a sign-in under these rules.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    claims: usize,
    rules: usize,
}

struct Entry {
    // Held for the identity of the key, not read.
    _claims: Arc<str>,
    _rules: Option<Arc<SignInRules>>,
    object: ObjectRef<false>,
    bytes: usize,
}

#[derive(Default)]
pub struct Memo {
    entries: HashMap<Key, Entry>,
    order: VecDeque<Key>,
    bytes: usize,
}

fn key(claims: &Arc<str>, rules: Option<&Arc<SignInRules>>) -> Key {
    Key { claims: Arc::as_ptr(claims).cast::<u8>() as usize, rules: rules.map_or(0, |r| Arc::as_ptr(r) as usize) }
}

impl Memo {
    pub fn get<'env>(&self, env: &'env Env, claims: &Arc<str>, rules: Option<&Arc<SignInRules>>) -> Option<Object<'env>> {
        self.entries.get(&key(claims, rules))?.object.get_value(env).ok()
    }

    /// Keeps `object` (frozen by the caller) as the answer for these claims and rules.
    pub fn insert(
        &mut self,
        env: &Env,
        claims: &Arc<str>,
        rules: Option<&Arc<SignInRules>>,
        object: &Object<'_>,
        bytes: usize,
    ) -> Result<()> {
        let key = key(claims, rules);
        let entry = Entry { _claims: Arc::clone(claims), _rules: rules.cloned(), object: object.create_ref()?, bytes };
        if let Some(old) = self.entries.insert(key, entry) {
            self.bytes -= old.bytes;
            old.object.unref(env)?;
        } else {
            self.order.push_back(key);
        }
        self.bytes += bytes;
        while self.entries.len() > MAX_ENTRIES || self.bytes > MAX_BYTES {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some(old) = self.entries.remove(&oldest) {
                self.bytes -= old.bytes;
                old.object.unref(env)?;
            }
        }
        Ok(())
    }
}
