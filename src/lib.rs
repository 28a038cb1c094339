//! The napi surface of the `oidc-proxy-core` crate: the verifier class, the documented
//! functions, argument reading and error objects. The work is in the core.
//!
//! Every verification goes through `dispatch::verify`: a token verified before is a cache
//! lookup answered with the object it got before; any other is checked on the calling
//! thread when nothing else is waiting, else off it in napi's runtime. A panic in any
//! step becomes ERR_INTERNAL, never an abort.

mod dispatch;
mod doctor;
mod identity;
mod inspect;
mod issuers;
mod js;
mod memo;
mod options;
mod runtime;
mod sign_in;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::{header, stats, Code, Error, Verifier};
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use doctor::{diagnose_issuer, IssuerCheck};
pub use identity::{
    resolve_email, resolve_identity, resolve_profile, validate_identity_options, CheckedEmail, Identity, IdentityResolver, Profile,
};
pub use inspect::{decode_token, inspect_token, DecodedToken, TokenSummary};
pub use issuers::{IssuerStatus, JwksFileStatus};
pub use options::{option_names, IdentityOptions, IssuerOptions, OptionNames, VerifyOptions};
pub use sign_in::{SignInResolverRules, SignInRules, SignInRulesOptions};

/// Every error code this package throws or rejects with, as the `code` of the Error. The
/// core's table (`oidc_proxy_core::error`) is the list; this enum only gives TypeScript its
/// union, and `__test__/core-api.test.mjs` checks the two against each other both ways.
#[napi(string_enum = "UPPER_SNAKE")]
pub enum ErrorCode {
    /// The options are wrong; the error's `option` names the one at fault.
    ErrInvalidOptions,
    /// Not a compact JWS: structure, base64url, header JSON, size (16 KiB at most), or a JWE.
    ErrJwsInvalid,
    /// `crit`, `b64` or a nested JWT (`cty: JWT`).
    ErrJoseNotSupported,
    /// `alg` not in the allow-list; `none` and HMAC never are.
    ErrJoseAlgNotAllowed,
    /// No key of the issuer fits the token's `kid` and `alg`.
    ErrJwksNoMatchingKey,
    /// No `kid`, and several keys fit.
    ErrJwksMultipleMatchingKeys,
    /// The issuer's key for the token is unusable (e.g. RSA under 2048 bits).
    ErrJwkInvalid,
    /// The signature does not verify.
    ErrJwsSignatureVerificationFailed,
    /// The payload is not a JSON object (or repeats a member name).
    ErrJwtInvalid,
    /// `exp` has passed, beyond the clock tolerance; `claim` is `exp`.
    ErrJwtExpired,
    /// A claim rule failed (iss, aud, azp, sub, nbf, iat, typ, a required claim); `claim` names it.
    ErrJwtClaimValidationFailed,
    /// Discovery or JWKS could not be fetched or were invalid, and no keys are held.
    ErrIssuerUnavailable,
    /// The request carries no ID token in the configured header (the Backstage module's refusal).
    ErrIdTokenMissing,
    /// The claim that names the user (email by default) is absent.
    ErrIdentityClaimMissing,
    /// The email's domain is not in `allowedDomains`.
    ErrIdentityDomainNotAllowed,
    /// A derived user or group name is not a valid entity name.
    ErrIdentityInvalidName,
    /// The email would decide who the user is, but it is not verified.
    ErrIdentityEmailNotVerified,
    /// The email is not one plain address (two `@`, quotes, an empty side...).
    ErrIdentityEmailInvalid,
    /// A claim a resolver reads is not a non-empty string, or the claims are not a JSON object.
    ErrIdentityClaimsInvalid,
    /// No resolver found a User (the Backstage module's refusal).
    ErrSignInNoUser,
    /// A bug, reported instead of crashing the process.
    ErrInternal,
}

/// Every error code, as the core spells them (a test compares them with `ErrorCode`).
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    Code::ALL.iter().map(|c| c.as_str()).collect()
}

/// One error code of the core's table.
#[napi(object)]
pub struct ErrorCodeInfo {
    pub code: String,
    /// The HTTP status the Backstage module answers a refused sign-in with.
    pub status: u32,
    /// What an operator can do about it, in one line.
    pub remedy: String,
}

/// The core's error table: every code with its HTTP status and remedy, in order.
#[napi]
pub fn error_code_table() -> Vec<ErrorCodeInfo> {
    Code::ALL
        .iter()
        .map(|c| ErrorCodeInfo { code: c.as_str().to_owned(), status: u32::from(c.status()), remedy: c.remedy().to_owned() })
        .collect()
}

fn verify_on<'env>(env: &'env Env, verifier: &Arc<Verifier>, token: &Unknown<'_>) -> Result<js::Promise<'env>> {
    let Some(token) = js::string(token) else {
        return js::rejected(env, &Error::new(Code::JwsInvalid, "the token is not a string"));
    };
    dispatch::verify(env, verifier, token, dispatch::Answer::Claims)
}

/// A sign-in: the verification of `verify_on`, then the sign-in result computed in the same
/// place (on the calling thread, or off it in napi's runtime).
fn sign_in_on<'env>(
    env: &'env Env,
    verifier: &Arc<Verifier>,
    header_value: &Unknown<'_>,
    rules: &Arc<oidc_proxy_core::sign_in::SignInRules>,
) -> Result<js::Promise<'env>> {
    let Some(value) = js::string(header_value) else {
        return js::rejected(env, &Error::new(Code::JwsInvalid, "the token is not a string"));
    };
    let token = header::token_from_header(&value).to_owned();
    dispatch::verify(env, verifier, token, dispatch::Answer::SignIn(Arc::clone(rules)))
}

/// Warms the keys of one issuer, or of all (each tried; the first failure is the answer,
/// naming its issuer when there are several).
fn prefetch_on(env: &Env, verifier: Arc<Verifier>, index: Option<usize>) -> Result<PromiseRaw<'_, ()>> {
    let work = async move {
        let outcome = tokio::spawn(async move {
            let several = verifier.issuer_count() > 1;
            let mut first_failure = Ok(());
            for i in index.map_or(0..verifier.issuer_count(), |i| i..i + 1) {
                if let (Err(e), Ok(())) = (verifier.prefetch(i).await, &first_failure) {
                    let message = if several { format!("{}: {}", verifier.issuer(i).unwrap_or_default(), e.message) } else { e.message };
                    first_failure = Err(Error { message, ..e });
                }
            }
            first_failure
        })
        .await;
        Ok(outcome.unwrap_or_else(|_| Err(js::internal())))
    };
    env.spawn_future_with_callback(work, js::unit_or_error)
}

/// An OIDC ID token verifier for one issuer and audience, built once (at start-up) and
/// used for every request. Verifiers of one issuer share its keys; each keeps its own
/// cache of verified tokens.
#[napi]
pub struct OidcVerifier {
    inner: Arc<Verifier>,
}

#[napi]
impl OidcVerifier {
    /// Checks the options and builds the verifier. Throws ERR_INVALID_OPTIONS with an
    /// `option` property naming the option at fault.
    #[napi(constructor, catch_unwind, ts_args_type = "options: VerifyOptions")]
    pub fn new(env: Env, options: Unknown<'_>) -> Result<Self> {
        let verifier = options::verify_options(&env, &options).and_then(|o| Verifier::new(&o));
        verifier.map(|v| OidcVerifier { inner: Arc::new(v) }).map_err(|e| js::error(&env, &e))
    }

    /// Verifies an ID token and resolves with its claims; rejects with an Error whose
    /// `code` is an `ErrorCode` (and `claim` for claim failures). Messages never contain
    /// the token or a claim value.
    ///
    /// Treat the claims as read-only. A token this verifier verified before is answered
    /// with one shared object, deeply frozen (`Object.freeze`), the same for every caller
    /// while the token cache keeps the verification (the trade fast-jwt's cache makes, but
    /// frozen, so no caller can change it for the next); its first answer is the caller's
    /// own. Copy (`structuredClone`) to change it.
    ///
    /// With the issuer's keys held, a call that is alone (no other verification waiting
    /// off the thread, none checked here since the microtasks last ran) is checked on the
    /// calling thread, about 25 µs for RS256, and its promise is already settled; calls made
    /// together go to napi's threads after the first. So awaiting one verification at a time
    /// holds the event loop as a synchronous verifier would.
    #[napi(catch_unwind, ts_args_type = "token: string", ts_return_type = "Promise<Readonly<Record<string, unknown>>>")]
    pub fn verify<'env>(&self, env: &'env Env, token: Unknown<'_>) -> Result<js::Promise<'env>> {
        verify_on(env, &self.inner, &token)
    }

    /// The one native call of a sign-in: reads the token from the header's value (a
    /// `Bearer ` form too), verifies it as `verify` does, and resolves with the claims, the
    /// profile, one result per resolver entry of `rules`, the id of this verification
    /// (see `verificationId`) and `repeated`, true when the token was verified before and
    /// answered from the token cache. Rejects as `verify` does; an entry's refusal is in its result.
    /// Answers again are one shared, deeply frozen object per token and `rules`, as for `verify`.
    #[napi(catch_unwind, ts_args_type = "headerValue: string, rules: SignInRules", ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn sign_in<'env>(&self, env: &'env Env, header_value: Unknown<'_>, rules: &SignInRules) -> Result<js::Promise<'env>> {
        sign_in_on(env, &self.inner, &header_value, &rules.inner)
    }

    /// When this verifier verified the token before and it would still verify (within its
    /// lifetime, its key still in the issuer's JWKS): a number that names that verification,
    /// the same for as long as it holds and never given to another. Else null. Never checks
    /// a signature, never waits: for a host's own cache of what it did with a verified token.
    #[napi(catch_unwind, ts_args_type = "token: string")]
    pub fn verification_id(&self, token: Unknown<'_>) -> Option<f64> {
        let token = js::string(&token)?;
        // Ids count up from 1: far below 2^53, so exact as a JS number.
        self.inner.verified_before(&token).map(|verified| verified.id as f64)
    }

    /// Fetches the issuer's discovery document and JWKS now (of the issuer at `issuerIndex`
    /// in `issuers`, or of every issuer). Resolves when keys are held; rejects with
    /// ERR_ISSUER_UNAVAILABLE otherwise. Pinned keys are always held. For start-up, where a
    /// failure should be logged, not fatal.
    #[napi(catch_unwind, ts_args_type = "issuerIndex?: number", ts_return_type = "Promise<void>")]
    pub fn prefetch_keys<'env>(&self, env: &'env Env, issuer_index: Option<u32>) -> Result<PromiseRaw<'env, ()>> {
        match issuer_index.map(|i| i as usize) {
            Some(i) if i >= self.inner.issuer_count() => {
                js::settled_unit(env, Err(Error::option("issuerIndex", "names no configured issuer")))
            }
            index => prefetch_on(env, Arc::clone(&self.inner), index),
        }
    }

    /// Each configured issuer (one for the single-issuer form): where its keys come from,
    /// its `allowedDomains`, its verifications so far, and how its JWKS file stands. Cheap:
    /// a host may poll it (the module does, every second, to report a file gone bad).
    #[napi(catch_unwind)]
    pub fn issuers(&self) -> Vec<IssuerStatus> {
        issuers::statuses(&self.inner)
    }
}

/// Verifiers of the one-call functions, by options: a caller that invents options per
/// call evicts the least recently used instead of growing this.
const RECENT_VERIFIERS: usize = 16;
type Recent = Vec<(oidc_proxy_core::VerifyOptions, Arc<Verifier>)>;
static RECENT: Lazy<Mutex<Recent>> = Lazy::new(Default::default);

fn verifier_for(env: &Env, options: &Unknown<'_>) -> std::result::Result<Arc<Verifier>, Error> {
    let options = options::verify_options(env, options)?;
    let mut recent = RECENT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = recent.iter().position(|(o, _)| *o == options) {
        let entry = recent.remove(i);
        let verifier = Arc::clone(&entry.1);
        recent.insert(0, entry);
        return Ok(verifier);
    }
    let verifier = Arc::new(Verifier::new(&options)?);
    recent.insert(0, (options, Arc::clone(&verifier)));
    recent.truncate(RECENT_VERIFIERS);
    Ok(verifier)
}

/// `new OidcVerifier(options).verify(token)` for one-off calls, with the verifier kept
/// for the next call with equal options. Rejects with ERR_INVALID_OPTIONS for bad options.
/// Claims are read-only: answers again are shared and frozen, as for `OidcVerifier.verify`.
#[napi(catch_unwind, ts_args_type = "token: string, options: VerifyOptions", ts_return_type = "Promise<Readonly<Record<string, unknown>>>")]
pub fn verify_id_token<'env>(env: &'env Env, token: Unknown<'_>, options: Unknown<'_>) -> Result<js::Promise<'env>> {
    match verifier_for(env, &options) {
        Ok(verifier) => verify_on(env, &verifier, &token),
        Err(e) => js::rejected(env, &e),
    }
}

/// Fetches the keys for these options now (see `OidcVerifier.prefetchKeys`).
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions", ts_return_type = "Promise<void>")]
pub fn prefetch_keys<'env>(env: &'env Env, options: Unknown<'_>) -> Result<PromiseRaw<'env, ()>> {
    match verifier_for(env, &options) {
        Ok(verifier) => prefetch_on(env, verifier, None),
        Err(e) => js::settled_unit(env, Err(e)),
    }
}

/// Checks options exactly as `new OidcVerifier` does, building nothing. Throws
/// ERR_INVALID_OPTIONS with an `option` property.
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions")]
pub fn validate_options(env: Env, options: Unknown<'_>) -> Result<()> {
    let checked = options::verify_options(&env, &options).and_then(|o| o.to_config().map(|_| ()));
    checked.map_err(|e| js::error(&env, &e))
}

/// Process-wide counters since start.
#[napi(object)]
pub struct CacheStats {
    /// Verifications that found the issuer's keys held.
    pub key_cache_hit: f64,
    /// Verifications that had to wait for the issuer's keys.
    pub key_cache_miss: f64,
    /// Tokens answered from the verified-token cache.
    pub token_cache_hit: f64,
    /// Tokens looked up there and verified anew.
    pub token_cache_miss: f64,
    /// Discovery documents fetched and accepted.
    pub discovery_fetch_ok: f64,
    /// Discovery fetches that failed or were refused.
    pub discovery_fetch_error: f64,
    /// JWK Sets fetched and accepted.
    pub jwks_fetch_ok: f64,
    /// JWKS fetches that failed or were refused.
    pub jwks_fetch_error: f64,
    /// Verifications that succeeded, each counted once whichever way it went.
    pub verify_ok: f64,
    /// Verifications that failed, each counted once.
    pub verify_error: f64,
    /// Verifications checked on the calling thread (the event loop).
    pub checked_on_calling_thread: f64,
    /// Verifications checked on the checking thread.
    pub checked_on_checking_thread: f64,
    /// Verifications checked on the async worker: the checking thread's overflow, and those that waited for keys.
    pub checked_on_async_worker: f64,
}

/// Key and token cache hits and misses, discovery and JWKS fetches by result,
/// verifications by result and by the thread that checked them (the core's counters, by
/// name; see `counters()`).
#[napi]
pub fn cache_stats() -> CacheStats {
    let v = stats::values();
    let n = |i: usize| v[i] as f64;
    CacheStats {
        key_cache_hit: n(stats::KEY_CACHE_HIT),
        key_cache_miss: n(stats::KEY_CACHE_MISS),
        token_cache_hit: n(stats::TOKEN_CACHE_HIT),
        token_cache_miss: n(stats::TOKEN_CACHE_MISS),
        discovery_fetch_ok: n(stats::DISCOVERY_FETCH_OK),
        discovery_fetch_error: n(stats::DISCOVERY_FETCH_ERROR),
        jwks_fetch_ok: n(stats::JWKS_FETCH_OK),
        jwks_fetch_error: n(stats::JWKS_FETCH_ERROR),
        verify_ok: n(stats::VERIFY_OK),
        verify_error: n(stats::VERIFY_ERROR),
        checked_on_calling_thread: n(stats::CHECKED_ON_CALLING_THREAD),
        checked_on_checking_thread: n(stats::CHECKED_ON_CHECKING_THREAD),
        checked_on_async_worker: n(stats::CHECKED_ON_ASYNC_WORKER),
    }
}

/// One of the core's counters with the metric and attributes it is exported as.
#[napi(object)]
pub struct Counter {
    /// The `CacheStats` member it is.
    pub name: String,
    pub metric: String,
    /// The metric's description.
    pub description: String,
    pub attributes: HashMap<String, String>,
    pub value: f64,
}

/// Every counter of the core's one table, with its metric name and attributes: what the
/// Backstage module exports, declared once in the core.
#[napi]
pub fn counters() -> Vec<Counter> {
    stats::COUNTERS
        .iter()
        .zip(stats::values())
        .map(|(c, value)| Counter {
            name: c.name.to_owned(),
            metric: c.metric.name.to_owned(),
            description: c.metric.description.to_owned(),
            attributes: c.attributes.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            value: value as f64,
        })
        .collect()
}
