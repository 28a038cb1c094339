//! One configured verifier: parse, choose the key, check the signature and the claims,
//! remember the result. In steps, so a host can run each where it fits: `cached` (a token
//! verified before), `verify_held` (the keys held now, never waiting on the network, saying
//! when it would have to), `verify_waiting` (the rest); `verify` does all three.

use crate::claims::{self, Lifetime};
use crate::error::{Code, Error, Result};
use crate::jwks::{self, Choice};
use crate::key_store::{self, KeyStore, Snapshot};
use crate::options::{Config, VerifyOptions};
use crate::stats;
use crate::token;
use crate::token_cache::{self, Entry, TokenCache};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Verifier {
    config: Config,
    store: Arc<KeyStore>,
    cache: TokenCache,
}

/// What an attempt with the keys held now came to.
enum Step {
    Done(Result<Arc<str>>),
    /// No keys are held yet.
    NeedKeys,
    /// The token's kid is not in this generation of the keys.
    UnknownKid(u64),
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

impl Verifier {
    /// Checks the options and builds the verifier. Its key store is shared with every
    /// other verifier of the same issuer (and JWKS URI); its token cache is its own.
    pub fn new(options: &VerifyOptions) -> Result<Verifier> {
        let config = options.to_config()?;
        let store = key_store::shared(&config.rules.issuer, config.jwks_uri.as_ref());
        Ok(Verifier { config, store, cache: TokenCache::new(token_cache::CAPACITY) })
    }

    pub fn store(&self) -> &Arc<KeyStore> {
        &self.store
    }

    /// A token verified before, still within its lifetime, its key still in the JWKS: the
    /// claims without the signature check. None when it is not such a token.
    pub fn cached(&self, token: &str) -> Option<Result<Arc<str>>> {
        // No keys held: nothing cached can be used (counted as a key miss by `verify_held`).
        let keys = self.store.current()?;
        let hit = self.lookup(token, &keys);
        stats::count(if hit.is_some() { stats::TOKEN_CACHE_HIT } else { stats::TOKEN_CACHE_MISS });
        let (claims, _) = hit?;
        stats::count(stats::KEY_CACHE_HIT);
        Some(counted(Ok(claims)))
    }

    /// The claims of a token this verifier verified before, if it still would (within its
    /// lifetime, its key still in the issuer's JWKS), and the id of that verification: the
    /// same for as long as it holds, never given to another. Not counted as a verification.
    pub fn verified_before(&self, token: &str) -> Option<(Arc<str>, u64)> {
        self.lookup(token, &self.store.current()?)
    }

    fn lookup(&self, token: &str, keys: &Snapshot) -> Option<(Arc<str>, u64)> {
        let now = now();
        let tolerance = self.config.rules.clock_tolerance;
        self.cache.get(token, |e| e.lifetime.valid_at(now, tolerance) && keys.keys.contains_fingerprint(e.key_fingerprint))
    }

    /// Verifies a token that `cached` did not answer, with the keys held now. None when the
    /// network is needed (no keys yet, or an unknown kid): then `verify_waiting` finishes.
    pub fn verify_held(&self, token: &str) -> Option<Result<Arc<str>>> {
        let keys = self.store.current();
        stats::count(if keys.is_some() { stats::KEY_CACHE_HIT } else { stats::KEY_CACHE_MISS });
        match self.attempt(token, keys.as_ref(), false) {
            Step::Done(result) => Some(counted(result)),
            Step::NeedKeys | Step::UnknownKid(_) => None,
        }
    }

    /// Full verification, waiting for the keys when needed.
    pub async fn verify(&self, token: &str) -> Result<Arc<str>> {
        if let Some(result) = self.cached(token) {
            return result;
        }
        match self.verify_held(token) {
            Some(result) => result,
            None => self.verify_waiting(token).await,
        }
    }

    /// The rest of a verification that `verify_held` could not finish.
    pub async fn verify_waiting(&self, token: &str) -> Result<Arc<str>> {
        let result = async {
            let mut keys = self.store.current();
            let mut refetched = false;
            loop {
                match self.attempt(token, keys.as_ref(), refetched) {
                    Step::Done(result) => return result,
                    Step::NeedKeys => keys = Some(self.store.keys().await?),
                    Step::UnknownKid(generation) => {
                        refetched = true;
                        keys = self.store.refetch_for_unknown_kid(generation).await.or(keys);
                    }
                }
            }
        };
        counted(result.await)
    }

    /// Verifies against the given keys only, never fetching: for tests and fuzzing.
    pub fn verify_with(&self, token: &str, keys: &Snapshot) -> Result<Arc<str>> {
        match self.attempt(token, Some(keys), true) {
            Step::Done(result) => result,
            Step::NeedKeys | Step::UnknownKid(_) => Err(Error::new(Code::JwksNoMatchingKey, "no key matches")),
        }
    }

    fn attempt(&self, token: &str, keys: Option<&Snapshot>, after_refetch: bool) -> Step {
        let parsed = match token::parse(token) {
            Ok(parsed) => parsed,
            Err(e) => return Step::Done(Err(e)),
        };
        if !self.config.algorithms.contains(&parsed.alg) {
            return Step::Done(Err(Error::new(Code::JoseAlgNotAllowed, "the token's algorithm is not in the allowed list")));
        }
        let Some(keys) = keys else {
            return Step::NeedKeys;
        };
        let key = match keys.keys.choose(parsed.alg, parsed.kid.as_deref()) {
            Choice::Key(key) => key,
            Choice::NoMatch if !after_refetch && parsed.kid.is_some() => return Step::UnknownKid(keys.generation),
            Choice::NoMatch => {
                return Step::Done(Err(Error::new(
                    Code::JwksNoMatchingKey,
                    "no key in the issuer's JWKS matches the token's kid and algorithm",
                )))
            }
            Choice::Multiple => {
                return Step::Done(Err(Error::new(
                    Code::JwksMultipleMatchingKeys,
                    "the token has no kid and several keys in the issuer's JWKS fit its algorithm",
                )))
            }
            Choice::Unusable(reason) => {
                return Step::Done(Err(Error::new(Code::JwkInvalid, format!("the issuer's key for this token is unusable: {reason}"))))
            }
        };
        if let Err(e) = jwks::verify_signature(key, parsed.alg, parsed.signing_input.as_bytes(), parsed.signature) {
            return Step::Done(Err(e));
        }
        let lifetime: Lifetime = match claims::check(&parsed.claims, &self.config.rules, now()) {
            Ok(lifetime) => lifetime,
            Err(e) => return Step::Done(Err(e)),
        };
        let claims_json: Arc<str> = Arc::from(parsed.payload_json);
        self.cache.insert(token, Entry { id: 0, claims_json: Arc::clone(&claims_json), lifetime, key_fingerprint: key.fingerprint });
        Step::Done(Ok(claims_json))
    }
}

/// Every verification's outcome is counted here, once.
fn counted(result: Result<Arc<str>>) -> Result<Arc<str>> {
    stats::count(if result.is_ok() { stats::VERIFY_OK } else { stats::VERIFY_ERROR });
    result
}
