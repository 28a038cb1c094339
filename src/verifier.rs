//! One configured verifier: parse, choose the key, check the signature and the claims,
//! remember the result. `verify_with` is synchronous and never waits on the network; it
//! says when it needs keys, and `verify` does the waiting.

use crate::claims::{self, Lifetime};
use crate::error::{Code, Error, Result};
use crate::jwks::{self, Choice};
use crate::key_store::{self, KeyStore, Snapshot};
use crate::options::{Config, VerifyOptions};
use crate::stats;
use crate::token;
use crate::token_cache::{self, Entry, TokenCache};
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub struct Verifier {
    config: Config,
    store: Arc<KeyStore>,
    cache: TokenCache,
}

/// What a synchronous attempt came to.
pub enum Step {
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
    pub fn new(config: Config) -> Verifier {
        let store = key_store::shared(&config.rules.issuer, config.jwks_uri.as_ref());
        Verifier { config, store, cache: TokenCache::new(token_cache::CAPACITY) }
    }

    pub fn store(&self) -> &Arc<KeyStore> {
        &self.store
    }

    /// The claims of a token verified before, if it is still valid and its key is still
    /// published.
    pub fn cached(&self, token: &str) -> Option<Arc<str>> {
        let keys = self.store.current()?;
        let tolerance = self.config.rules.clock_tolerance;
        let now = now();
        let hit = self
            .cache
            .get(token, |e| e.lifetime.valid_at(now, tolerance) && keys.keys.contains_fingerprint(e.key_fingerprint));
        stats::count(if hit.is_some() { stats::TOKEN_CACHE_HIT } else { stats::TOKEN_CACHE_MISS });
        hit
    }

    /// Verifies with the keys held now, or says what is missing.
    pub fn verify_with(&self, token: &str, keys: Option<&Snapshot>, after_refetch: bool) -> Step {
        let parsed = match token::parse(token) {
            Ok(parsed) => parsed,
            Err(e) => return Step::Done(Err(e)),
        };
        if !self.config.algorithms.contains(&parsed.alg) {
            return Step::Done(Err(Error::new(Code::JoseAlgNotAllowed, "the token's algorithm is not in the allowed list")));
        }
        let Some(keys) = keys else { return Step::NeedKeys };
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
        if let Err(e) = jwks::verify_signature(key, parsed.alg, parsed.signing_input, parsed.signature) {
            return Step::Done(Err(e));
        }
        let lifetime: Lifetime = match claims::check(&parsed.claims, &self.config.rules, now()) {
            Ok(lifetime) => lifetime,
            Err(e) => return Step::Done(Err(e)),
        };
        let claims_json: Arc<str> = Arc::from(parsed.payload_json);
        self.cache.insert(
            token,
            Entry { claims_json: Arc::clone(&claims_json), lifetime, key_fingerprint: key.fingerprint },
        );
        Step::Done(Ok(claims_json))
    }

    /// Full verification, waiting for keys when none are held yet.
    pub async fn verify(&self, token: &str) -> Result<Arc<str>> {
        let result = self.verify_inner(token).await;
        stats::count(if result.is_ok() { stats::VERIFY_OK } else { stats::VERIFY_ERROR });
        result
    }

    async fn verify_inner(&self, token: &str) -> Result<Arc<str>> {
        if let Some(hit) = self.cached(token) {
            return Ok(hit);
        }
        let mut keys = self.store.current();
        let mut refetched = false;
        loop {
            match self.verify_with(token, keys.as_ref(), refetched) {
                Step::Done(result) => return result,
                Step::NeedKeys => keys = Some(self.store.keys().await?),
                Step::UnknownKid(generation) => {
                    refetched = true;
                    keys = self.store.refetch_for_unknown_kid(generation).await.or(keys);
                }
            }
        }
    }
}

const MAX_VERIFIERS: usize = 64;

static VERIFIERS: Lazy<Mutex<HashMap<String, Arc<Verifier>>>> = Lazy::new(Default::default);

/// The verifier for these options, built once and shared.
pub fn for_options(options: &VerifyOptions) -> Result<Arc<Verifier>> {
    let key = options.cache_key();
    let mut verifiers = VERIFIERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(v) = verifiers.get(&key) {
        return Ok(Arc::clone(v));
    }
    let verifier = Arc::new(Verifier::new(options.to_config()?));
    // Options come from configuration, so few exist; a caller that invents them per
    // request must not grow this map without bound.
    if verifiers.len() >= MAX_VERIFIERS {
        verifiers.clear();
    }
    verifiers.insert(key, Arc::clone(&verifier));
    Ok(verifier)
}
