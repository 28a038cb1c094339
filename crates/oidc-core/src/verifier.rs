//! One configured verifier: parse, choose the issuer and its key, check the signature and
//! the claims, remember the result. In steps, so a host can run each where it fits:
//! `cached` (a token verified before), `verify_held` (the keys held now, never waiting on
//! the network, saying when it would have to), `verify_waiting` (the rest); `verify` does
//! all three.
//!
//! Several issuers: each has its own keys (a shared fetching store, or pinned keys) and
//! its own audience; the token's `iss`, read alone before verification (issuer_pick.rs),
//! chooses which. Everything else (algorithms, tolerance, required claims, the token
//! cache) is the verifier's.

use crate::claims::{self, ClaimRules, Lifetime};
use crate::error::{Code, Error, Result};
use crate::issuer_pick;
use crate::jwks::{self, Choice};
use crate::key_store::{self, KeyStore, Snapshot};
use crate::options::{Config, IssuerConfig, KeySource, VerifyOptions};
use crate::pinned::{FileStatus, PinnedKeys};
use crate::stats;
use crate::token;
use crate::token_cache::{self, Entry, Hit, TokenCache};
use jsonwebtoken::Algorithm;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A verified token: its claims (the payload's JSON text) and which configured issuer
/// (index into the options' `issuers`, 0 for the single-issuer form) verified it.
#[derive(Debug, Clone)]
pub struct Verified {
    pub claims_json: Arc<str>,
    pub issuer_index: usize,
    /// The id of this verification while the token cache keeps it (see `verified_before`);
    /// 0 when the cache keeps nothing (capacity 0).
    pub id: u64,
}

/// Where one issuer's keys come from at run time.
enum Keys {
    Fetched(Arc<KeyStore>),
    Pinned(Arc<PinnedKeys>),
}

impl Keys {
    fn current(&self) -> Option<Snapshot> {
        match self {
            Keys::Fetched(store) => store.current(),
            Keys::Pinned(pinned) => Some(pinned.current()),
        }
    }

    async fn wait(&self) -> Result<Snapshot> {
        match self {
            Keys::Fetched(store) => store.keys().await,
            Keys::Pinned(pinned) => Ok(pinned.current()),
        }
    }

    /// Whether an unknown kid may be a rotation worth a refetch; pinned keys are never fetched.
    fn fetched(&self) -> bool {
        matches!(self, Keys::Fetched(_))
    }

    async fn refetch_for_unknown_kid(&self, generation: u64) -> Option<Snapshot> {
        match self {
            Keys::Fetched(store) => store.refetch_for_unknown_kid(generation).await,
            Keys::Pinned(pinned) => Some(pinned.current()),
        }
    }
}

struct Issuer {
    rules: ClaimRules,
    /// The option the keys come from: `discovery`, `jwksUri`, `jwks` or `jwksFile`.
    source: &'static str,
    allowed_domains: Vec<String>,
    keys: Keys,
    verified: AtomicU64,
    refused: AtomicU64,
}

/// One issuer's verifications since the verifier was built, for metrics by issuer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssuerCounts {
    pub verified: u64,
    /// Refused after this issuer was chosen (a token naming no listed issuer counts nowhere).
    pub refused: u64,
}

pub struct Verifier {
    issuers: Vec<Issuer>,
    /// Issuers given as a list: `iss` chooses one before verification.
    listed: bool,
    algorithms: Vec<Algorithm>,
    clock_tolerance: f64,
    cache: TokenCache,
}

/// What an attempt with the keys held now came to.
enum Step {
    /// The outcome, and the issuer it belongs to when one was chosen.
    Done(Result<Verified>, Option<usize>),
    /// No keys of this issuer are held yet.
    NeedKeys(usize),
    /// The token's kid is not in this generation of this issuer's keys.
    UnknownKid(usize, u64),
}

fn now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

impl Verifier {
    /// Checks the options and builds the verifier. A fetching issuer's key store is shared
    /// with every other verifier of the same issuer (and JWKS URI); pinned keys and the
    /// token cache are this verifier's own.
    pub fn new(options: &VerifyOptions) -> Result<Verifier> {
        let Config { issuers, listed, algorithms } = options.to_config()?;
        let clock_tolerance = issuers[0].rules.clock_tolerance; // the same for every issuer
        let issuers = issuers
            .into_iter()
            .enumerate()
            .map(|(i, IssuerConfig { rules, keys, allowed_domains })| {
                let source = match &keys {
                    KeySource::Discovery => "discovery",
                    KeySource::JwksUri(_) => "jwksUri",
                    KeySource::Inline(_) => "jwks",
                    KeySource::File { .. } => "jwksFile",
                };
                let keys = match keys {
                    KeySource::Discovery => Keys::Fetched(key_store::shared(&rules.issuer, None)),
                    KeySource::JwksUri(uri) => Keys::Fetched(key_store::shared(&rules.issuer, Some(&uri))),
                    KeySource::Inline(set) => Keys::Pinned(PinnedKeys::inline(set)),
                    KeySource::File { path, content, keys } => {
                        let option = if listed { format!("issuers[{i}].jwksFile") } else { "jwksFile".into() };
                        let shown = path.display().to_string();
                        let pinned = PinnedKeys::watch(path, content, keys)
                            .map_err(|e| Error::option(&option, format!("cannot watch the file {shown:?}: {e}")))?;
                        Keys::Pinned(pinned)
                    }
                };
                Ok(Issuer { rules, source, allowed_domains, keys, verified: AtomicU64::new(0), refused: AtomicU64::new(0) })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Verifier { issuers, listed, algorithms, clock_tolerance, cache: TokenCache::new(token_cache::CAPACITY) })
    }

    pub fn issuer_count(&self) -> usize {
        self.issuers.len()
    }

    /// The configured issuer string of an entry.
    pub fn issuer(&self, index: usize) -> Option<&str> {
        self.issuers.get(index).map(|i| i.rules.issuer.as_str())
    }

    /// Where the entry's keys come from: `discovery`, `jwksUri`, `jwks` or `jwksFile`.
    pub fn key_source(&self, index: usize) -> Option<&'static str> {
        self.issuers.get(index).map(|i| i.source)
    }

    /// The entry's `allowedDomains` (empty: the entry restricts nothing), for the identity
    /// rules to apply to an email from a token `Verified::issuer_index` says it verified.
    pub fn issuer_allowed_domains(&self, index: usize) -> &[String] {
        self.issuers.get(index).map_or(&[], |i| &i.allowed_domains)
    }

    pub fn issuer_counts(&self, index: usize) -> IssuerCounts {
        self.issuers.get(index).map_or_else(Default::default, |i| IssuerCounts {
            verified: i.verified.load(Ordering::Relaxed),
            refused: i.refused.load(Ordering::Relaxed),
        })
    }

    /// How the entry's JWKS file stands; None when its keys do not come from a file.
    pub fn jwks_file_status(&self, index: usize) -> Option<FileStatus> {
        match &self.issuers.get(index)?.keys {
            Keys::Pinned(pinned) => pinned.file_status(),
            Keys::Fetched(_) => None,
        }
    }

    /// Fetches the entry's keys now (a fetching store), for warming at start-up; pinned
    /// keys are held from the start.
    pub async fn prefetch(&self, index: usize) -> Result<()> {
        match &self.issuers.get(index).ok_or_else(|| Error::new(Code::Internal, "no such issuer"))?.keys {
            Keys::Fetched(store) => store.prefetch().await.map(|_| ()),
            Keys::Pinned(_) => Ok(()),
        }
    }

    /// A token verified before, still within its lifetime, its key still in the JWKS: the
    /// claims without the signature check. None when it is not such a token.
    pub fn cached(&self, token: &str) -> Option<Result<Verified>> {
        // One issuer and no keys held: nothing cached can be used (counted as a key miss by
        // `verify_held`).
        let single = match &self.issuers[..] {
            [only] => Some(only.keys.current()?),
            _ => None,
        };
        let hit = self.lookup(token, single);
        stats::count(if hit.is_some() { stats::TOKEN_CACHE_HIT } else { stats::TOKEN_CACHE_MISS });
        let hit = hit?;
        stats::count(stats::KEY_CACHE_HIT);
        let index = hit.issuer_index;
        Some(self.counted(Ok(Verified { claims_json: hit.claims_json, issuer_index: index, id: hit.id }), Some(index)))
    }

    /// The claims of a token this verifier verified before, if it still would (within its
    /// lifetime, its key still in the issuer's JWKS), with the id of that verification (`id`): the
    /// same for as long as it holds, never given to another. Not counted as a verification.
    pub fn verified_before(&self, token: &str) -> Option<Verified> {
        let single = match &self.issuers[..] {
            [only] => Some(only.keys.current()?),
            _ => None,
        };
        let hit = self.lookup(token, single)?;
        Some(Verified { claims_json: hit.claims_json, issuer_index: hit.issuer_index, id: hit.id })
    }

    /// One key-store read per lookup: the keys of the only issuer when given, else those of
    /// the issuer the entry names.
    fn lookup(&self, token: &str, keys: Option<Snapshot>) -> Option<Hit> {
        let now = now();
        let tolerance = self.clock_tolerance;
        self.cache.get(token, |e| {
            let keys = keys.or_else(|| self.issuers.get(e.issuer_index)?.keys.current());
            e.lifetime.valid_at(now, tolerance) && keys.is_some_and(|k| k.keys.contains_fingerprint(e.key_fingerprint))
        })
    }

    /// Verifies a token that `cached` did not answer, with the keys held now. None when the
    /// network is needed (no keys yet, or an unknown kid): then `verify_waiting` finishes.
    pub fn verify_held(&self, token: &str) -> Option<Result<Verified>> {
        let mut counted_keys = false;
        let step = self.attempt(
            token,
            |issuer| {
                let keys = issuer.keys.current();
                stats::count(if keys.is_some() { stats::KEY_CACHE_HIT } else { stats::KEY_CACHE_MISS });
                counted_keys = true;
                keys
            },
            false,
        );
        if !counted_keys {
            // Refused before any keys were looked at: counted as before, a key-cache hit or
            // miss of the (first) issuer.
            stats::count(if self.issuers[0].keys.current().is_some() { stats::KEY_CACHE_HIT } else { stats::KEY_CACHE_MISS });
        }
        match step {
            Step::Done(result, index) => Some(self.counted(result, index)),
            Step::NeedKeys(_) | Step::UnknownKid(..) => None,
        }
    }

    /// Full verification, waiting for the keys when needed.
    pub async fn verify(&self, token: &str) -> Result<Verified> {
        if let Some(result) = self.cached(token) {
            return result;
        }
        match self.verify_held(token) {
            Some(result) => result,
            None => self.verify_waiting(token).await,
        }
    }

    /// The rest of a verification that `verify_held` could not finish.
    pub async fn verify_waiting(&self, token: &str) -> Result<Verified> {
        let mut chosen = None;
        let result = async {
            // The keys last obtained, and whose they are.
            let mut held: Option<(usize, Snapshot)> = None;
            let mut refetched = false;
            loop {
                let step = self.attempt(
                    token,
                    |issuer| match &held {
                        Some((index, keys)) if std::ptr::eq(&self.issuers[*index], issuer) => Some(keys.clone()),
                        _ => issuer.keys.current(),
                    },
                    refetched,
                );
                match step {
                    Step::Done(result, index) => {
                        chosen = index;
                        return result;
                    }
                    Step::NeedKeys(index) => {
                        chosen = Some(index);
                        held = Some((index, self.issuers[index].keys.wait().await?));
                    }
                    Step::UnknownKid(index, generation) => {
                        refetched = true;
                        let keys = self.issuers[index].keys.refetch_for_unknown_kid(generation).await;
                        held = keys.map(|k| (index, k)).or(held);
                    }
                }
            }
        };
        let result = result.await;
        self.counted(result, chosen)
    }

    /// Verifies against the given keys only, never fetching: for tests and fuzzing.
    pub fn verify_with(&self, token: &str, keys: &Snapshot) -> Result<Verified> {
        match self.attempt(token, |_| Some(keys.clone()), true) {
            Step::Done(result, _) => result,
            Step::NeedKeys(_) | Step::UnknownKid(..) => Err(Error::new(Code::JwksNoMatchingKey, "no key matches")),
        }
    }

    /// The configured issuer a token names. For a list, `iss` is read (alone) now and must
    /// be one of them, byte for byte; the single-issuer form checks `iss` with the other
    /// claims, after the signature.
    fn choose(&self, payload: &[u8]) -> Result<usize> {
        if !self.listed {
            return Ok(0);
        }
        let iss = issuer_pick::read(payload)?;
        self.issuers
            .iter()
            .position(|i| i.rules.issuer.as_bytes() == iss.as_bytes())
            .ok_or_else(|| Error::claim("iss", "the iss claim is not one of the configured issuers"))
    }

    fn attempt(&self, token: &str, keys_of: impl FnOnce(&Issuer) -> Option<Snapshot>, after_refetch: bool) -> Step {
        let jws = match token::parse_jws(token) {
            Ok(jws) => jws,
            Err(e) => return Step::Done(Err(e), None),
        };
        let index = match self.choose(&jws.payload) {
            Ok(index) => index,
            Err(e) => return Step::Done(Err(e), None),
        };
        let done = |result: Result<Verified>| Step::Done(result, Some(index));
        let issuer = &self.issuers[index];
        if !self.algorithms.contains(&jws.alg) {
            return done(Err(Error::new(Code::JoseAlgNotAllowed, "the token's algorithm is not in the allowed list")));
        }
        let Some(keys) = keys_of(issuer) else {
            return Step::NeedKeys(index);
        };
        let key = match keys.keys.choose(jws.alg, jws.kid.as_deref()) {
            Choice::Key(key) => key,
            Choice::NoMatch if !after_refetch && jws.kid.is_some() && issuer.keys.fetched() => {
                return Step::UnknownKid(index, keys.generation)
            }
            Choice::NoMatch => {
                return done(Err(Error::new(Code::JwksNoMatchingKey, "no key in the issuer's JWKS matches the token's kid and algorithm")))
            }
            Choice::Multiple => {
                return done(Err(Error::new(
                    Code::JwksMultipleMatchingKeys,
                    "the token has no kid and several keys in the issuer's JWKS fit its algorithm",
                )))
            }
            Choice::Unusable(reason) => {
                return done(Err(Error::new(Code::JwkInvalid, format!("the issuer's key for this token is unusable: {reason}"))))
            }
        };
        // Signature first: the payload is parsed and its claims checked only once the
        // signature over the raw segments holds.
        if let Err(e) = jwks::verify_signature(key, jws.alg, jws.signing_input.as_bytes(), &jws.signature) {
            return done(Err(e));
        }
        let parsed = match token::read_payload(jws) {
            Ok(parsed) => parsed,
            Err(e) => return done(Err(e)),
        };
        let lifetime: Lifetime = match token::claims(&parsed).and_then(|claims| claims::check(&claims, &issuer.rules, now())) {
            Ok(lifetime) => lifetime,
            Err(e) => return done(Err(e)),
        };
        let claims_json: Arc<str> = Arc::from(parsed.payload_json);
        let entry = Entry { id: 0, claims_json: Arc::clone(&claims_json), issuer_index: index, lifetime, key_fingerprint: key.fingerprint };
        let id = self.cache.insert(token, entry);
        done(Ok(Verified { claims_json, issuer_index: index, id }))
    }

    /// Every verification's outcome is counted here, once: process-wide, and for the issuer
    /// it was checked against when one was chosen.
    fn counted(&self, result: Result<Verified>, index: Option<usize>) -> Result<Verified> {
        stats::count(if result.is_ok() { stats::VERIFY_OK } else { stats::VERIFY_ERROR });
        if let Some(issuer) = index.and_then(|i| self.issuers.get(i)) {
            let counter = if result.is_ok() { &issuer.verified } else { &issuer.refused };
            counter.fetch_add(1, Ordering::Relaxed);
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::IssuerOptions;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::{json, Value};

    // Two Ed25519 keys (PKCS#8, base64url) and their public `x`, one per test issuer.
    const KEYS: [(&str, &str, &str); 2] = [
        ("a", "MC4CAQAwBQYDK2VwBCIEIE069tToavSQz-0yzeknop7edW3Gob6cEOgQTxKGo7af", "Qn99M2pm4a-aTvcApMtZ87sBgVnrv8aHYFsOsEOjgqE"),
        ("b", "MC4CAQAwBQYDK2VwBCIEIHifDl7s9u8BL-AYbj3Y6Ak6-3lEFvFgBNMMx-iZnz7O", "yKpUPMbSudpKBfjjrcsPr4Fx1QYRIy5FvIhFvm5xw5U"),
    ];
    const A: &str = "https://a.example";
    const B: &str = "https://b.example/";

    fn jwks(key: usize) -> String {
        let (kid, _, x) = KEYS[key];
        json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x, "use": "sig" }] }).to_string()
    }

    fn sign(key: usize, claims: Value) -> String {
        let (kid, der, _) = KEYS[key];
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(kid.into());
        let der = crate::base64url::decode(der.as_bytes()).unwrap();
        encode(&header, &claims, &EncodingKey::from_ed_der(&der)).unwrap()
    }

    fn claims(iss: &str, aud: &str) -> Value {
        let now = now() as u64;
        json!({ "iss": iss, "aud": aud, "sub": "jane", "iat": now, "exp": now + 600 })
    }

    fn entry(issuer: &str, audience: &str, key: usize) -> IssuerOptions {
        IssuerOptions { issuer: issuer.into(), audience: vec![audience.into()], jwks: Some(jwks(key)), ..Default::default() }
    }

    fn two_issuers() -> Verifier {
        let mut b = entry(B, "app-b", 1);
        b.allowed_domains = Some(vec!["b.example".into()]);
        Verifier::new(&VerifyOptions { issuers: Some(vec![entry(A, "app-a", 0), b]), ..Default::default() }).unwrap()
    }

    fn verify(v: &Verifier, token: &str) -> Result<Verified> {
        v.cached(token).or_else(|| v.verify_held(token)).expect("pinned keys never need the network")
    }

    fn refusal(v: &Verifier, token: &str) -> (Code, Option<String>) {
        let e = verify(v, token).unwrap_err();
        (e.code, e.claim)
    }

    /// A compact JWS with any payload bytes, signed by a test key.
    fn sign_raw(key: usize, payload: &[u8]) -> String {
        let (kid, der, _) = KEYS[key];
        let header = crate::base64url::encode(json!({ "alg": "EdDSA", "kid": kid }).to_string().as_bytes());
        let input = format!("{header}.{}", crate::base64url::encode(payload));
        let der = crate::base64url::decode(der.as_bytes()).unwrap();
        let signature = jsonwebtoken::crypto::sign(input.as_bytes(), &EncodingKey::from_ed_der(&der), Algorithm::EdDSA).unwrap();
        format!("{input}.{signature}")
    }

    #[test]
    fn the_signature_is_checked_before_the_payload_is_read() {
        let v =
            Verifier::new(&VerifyOptions { issuer: A.into(), audience: vec!["app-a".into()], jwks: Some(jwks(0)), ..Default::default() })
                .unwrap();
        // Signed by the issuer's key, the payload is read and refused for what it is...
        for payload in [&b"[1,2]"[..], b"not json", b"{\"a\":1,\"a\":2}"] {
            assert_eq!(refusal(&v, &sign_raw(0, payload)).0, Code::JwtInvalid);
        }
        let expired = json!({ "iss": A, "aud": "app-a", "sub": "jane", "iat": 1, "exp": 2 }).to_string();
        assert_eq!(refusal(&v, &sign_raw(0, expired.as_bytes())).0, Code::JwtExpired);
        // ...signed by another key (same kid), it is never read: the signature fails first.
        let forged = |payload: &[u8]| {
            let good = sign_raw(0, payload);
            let other = sign_raw(1, payload);
            format!("{}.{}", &good[..good.rfind('.').unwrap()], &other[other.rfind('.').unwrap() + 1..])
        };
        for payload in [&b"[1,2]"[..], b"not json", expired.as_bytes()] {
            assert_eq!(refusal(&v, &forged(payload)).0, Code::JwsSignatureVerificationFailed);
        }
    }

    #[test]
    fn each_token_is_verified_by_the_issuer_it_names() {
        let v = two_issuers();
        assert_eq!(verify(&v, &sign(0, claims(A, "app-a"))).unwrap().issuer_index, 0);
        let b = sign(1, claims(B, "app-b"));
        assert_eq!(verify(&v, &b).unwrap().issuer_index, 1);
        assert_eq!(verify(&v, &b).unwrap().issuer_index, 1, "a cached hit reports its issuer too");
        assert_eq!(v.verified_before(&b).unwrap().issuer_index, 1);
        assert_eq!(v.issuer_counts(1), IssuerCounts { verified: 2, refused: 0 });
        assert_eq!((v.issuer_allowed_domains(0), v.issuer_allowed_domains(1)), (&[][..], &["b.example".to_string()][..]));
    }

    #[test]
    fn an_audience_counts_only_for_its_own_issuer() {
        let v = two_issuers();
        assert_eq!(refusal(&v, &sign(1, claims(B, "app-a"))), (Code::JwtClaimValidationFailed, Some("aud".into())));
        assert_eq!(v.issuer_counts(1).refused, 1);
    }

    #[test]
    fn a_key_counts_only_for_its_own_issuer() {
        let v = two_issuers();
        assert_eq!(refusal(&v, &sign(0, claims(B, "app-b"))).0, Code::JwksNoMatchingKey);
    }

    #[test]
    fn an_unlisted_missing_or_mistyped_iss_is_refused_before_any_key() {
        let v = two_issuers();
        let iss = (Code::JwtClaimValidationFailed, Some("iss".to_string()));
        // Byte for byte: B is listed with its trailing slash, A without.
        for unlisted in ["https://c.example", "https://b.example", "https://a.example/", "HTTPS://a.example"] {
            assert_eq!(refusal(&v, &sign(0, claims(unlisted, "app-a"))), iss, "{unlisted}");
        }
        let mut missing = claims(A, "app-a");
        missing.as_object_mut().unwrap().remove("iss");
        assert_eq!(refusal(&v, &sign(0, missing)), iss);
        let mut number = claims(A, "app-a");
        number["iss"] = json!(7);
        assert_eq!(refusal(&v, &sign(0, number)), iss);
        assert_eq!(v.issuer_counts(0), IssuerCounts::default(), "no issuer was chosen, none is charged");
    }

    #[test]
    fn the_single_issuer_form_is_index_zero_and_checks_iss_after_the_signature() {
        let options = VerifyOptions { issuer: A.into(), audience: vec!["app-a".into()], jwks: Some(jwks(0)), ..Default::default() };
        let v = Verifier::new(&options).unwrap();
        assert_eq!(verify(&v, &sign(0, claims(A, "app-a"))).unwrap().issuer_index, 0);
        assert_eq!(refusal(&v, &sign(1, claims(B, "app-a"))).0, Code::JwksNoMatchingKey, "no iss check before the key");
        assert_eq!(refusal(&v, &sign(0, claims(B, "app-a"))).1.as_deref(), Some("iss"));
    }

    #[test]
    fn pinned_keys_follow_the_fetched_key_rules() {
        // Two keys with one kid: the same ambiguity a fetched JWKS gets.
        let (kid, _, x) = KEYS[0];
        let twice = json!({ "keys": [
            { "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": x },
            { "kty": "OKP", "crv": "Ed25519", "kid": kid, "x": KEYS[1].2 },
        ] });
        let options =
            VerifyOptions { issuer: A.into(), audience: vec!["app-a".into()], jwks: Some(twice.to_string()), ..Default::default() };
        let v = Verifier::new(&options).unwrap();
        assert_eq!(refusal(&v, &sign(0, claims(A, "app-a"))).0, Code::JwksMultipleMatchingKeys);
    }
}
