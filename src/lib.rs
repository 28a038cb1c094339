//! The napi surface of the `oidc-proxy-core` crate: the verifier class, the documented
//! functions, argument reading and error objects. The work is in the core.
//!
//! One way through a verification: on the calling thread when it needs no network (a
//! token verified before, or the issuer's keys held), else as a future on napi's runtime
//! that waits for the keys. A panic in either becomes ERR_INTERNAL, never an abort.

mod js;
mod options;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::{identity, json_object, stats, Code, Error, Verifier};
use once_cell::sync::Lazy;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

pub use options::{IdentityOptions, VerifyOptions};

/// Every error code this package throws or rejects with, as the `code` of the Error.
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
    /// The claims are not a JSON object (cyclic, too deep, not an object).
    ErrIdentityClaimsInvalid,
    /// A bug, reported instead of crashing the process.
    ErrInternal,
}

/// Exhaustive both ways at compile time: a code added to the core must be added here.
impl From<Code> for ErrorCode {
    fn from(code: Code) -> ErrorCode {
        match code {
            Code::InvalidOptions => ErrorCode::ErrInvalidOptions,
            Code::JwsInvalid => ErrorCode::ErrJwsInvalid,
            Code::JoseNotSupported => ErrorCode::ErrJoseNotSupported,
            Code::JoseAlgNotAllowed => ErrorCode::ErrJoseAlgNotAllowed,
            Code::JwksNoMatchingKey => ErrorCode::ErrJwksNoMatchingKey,
            Code::JwksMultipleMatchingKeys => ErrorCode::ErrJwksMultipleMatchingKeys,
            Code::JwkInvalid => ErrorCode::ErrJwkInvalid,
            Code::JwsSignatureVerificationFailed => ErrorCode::ErrJwsSignatureVerificationFailed,
            Code::JwtInvalid => ErrorCode::ErrJwtInvalid,
            Code::JwtExpired => ErrorCode::ErrJwtExpired,
            Code::JwtClaimValidationFailed => ErrorCode::ErrJwtClaimValidationFailed,
            Code::IssuerUnavailable => ErrorCode::ErrIssuerUnavailable,
            Code::IdentityClaimMissing => ErrorCode::ErrIdentityClaimMissing,
            Code::IdentityDomainNotAllowed => ErrorCode::ErrIdentityDomainNotAllowed,
            Code::IdentityInvalidName => ErrorCode::ErrIdentityInvalidName,
            Code::IdentityEmailNotVerified => ErrorCode::ErrIdentityEmailNotVerified,
            Code::IdentityEmailInvalid => ErrorCode::ErrIdentityEmailInvalid,
            Code::IdentityClaimsInvalid => ErrorCode::ErrIdentityClaimsInvalid,
            Code::Internal => ErrorCode::ErrInternal,
        }
    }
}

/// Every error code, as the core spells them (a test compares them with `ErrorCode`).
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    Code::ALL.iter().map(|c| c.as_str()).collect()
}

fn verify_on(env: &Env, verifier: &Arc<Verifier>, token: &Unknown<'_>) -> Result<js::Raw> {
    let Some(token) = js::string(env, token) else {
        return js::settled(env, Err(Error::new(Code::JwsInvalid, "the token is not a string")));
    };
    match catch_unwind(AssertUnwindSafe(|| verifier.verify_now(&token))) {
        Ok(Some(outcome)) => js::settled(env, outcome),
        Err(_) => js::settled(env, Err(js::internal())),
        Ok(None) => {
            let verifier = Arc::clone(verifier);
            let work = async move {
                // Spawned apart so that a panic comes back as a JoinError, not an abort.
                let outcome = tokio::spawn(async move { verifier.verify_waiting(&token).await }).await;
                Ok(outcome.unwrap_or_else(|_| Err(js::internal())))
            };
            let promise = env.spawn_future_with_callback(work, js::claims_or_error)?;
            Ok(js::Raw(promise.value().value))
        }
    }
}

fn prefetch_on(env: &Env, verifier: Arc<Verifier>) -> Result<js::Raw> {
    let work = async move {
        let outcome = tokio::spawn(async move { verifier.store().prefetch().await.map(|_| ()) }).await;
        Ok(outcome.unwrap_or_else(|_| Err(js::internal())))
    };
    let promise = env.spawn_future_with_callback(work, js::unit_or_error)?;
    Ok(js::Raw(promise.value().value))
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
    #[napi(catch_unwind, ts_args_type = "token: string", ts_return_type = "Promise<Record<string, unknown>>")]
    pub fn verify(&self, env: Env, token: Unknown<'_>) -> Result<js::Raw> {
        verify_on(&env, &self.inner, &token)
    }

    /// Fetches the issuer's discovery document and JWKS now. Resolves when keys are held;
    /// rejects with ERR_ISSUER_UNAVAILABLE otherwise. For start-up, where a failure should
    /// be logged, not fatal.
    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn prefetch_keys(&self, env: Env) -> Result<js::Raw> {
        prefetch_on(&env, Arc::clone(&self.inner))
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
#[napi(catch_unwind, ts_args_type = "token: string, options: VerifyOptions", ts_return_type = "Promise<Record<string, unknown>>")]
pub fn verify_id_token(env: Env, token: Unknown<'_>, options: Unknown<'_>) -> Result<js::Raw> {
    match verifier_for(&env, &options) {
        Ok(verifier) => verify_on(&env, &verifier, &token),
        Err(e) => js::settled(&env, Err(e)),
    }
}

/// Fetches the keys for these options now (see `OidcVerifier.prefetchKeys`).
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions", ts_return_type = "Promise<void>")]
pub fn prefetch_keys(env: Env, options: Unknown<'_>) -> Result<js::Raw> {
    match verifier_for(&env, &options) {
        Ok(verifier) => prefetch_on(&env, verifier),
        Err(e) => js::settled_unit(&env, Err(e)),
    }
}

/// Checks options exactly as `new OidcVerifier` does, building nothing. Throws
/// ERR_INVALID_OPTIONS with an `option` property.
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions")]
pub fn validate_options(env: Env, options: Unknown<'_>) -> Result<()> {
    let checked = options::verify_options(&env, &options).and_then(|o| o.to_config().map(|_| ()));
    checked.map_err(|e| js::error(&env, &e))
}

/// What Backstage shows of the user.
#[napi(object)]
pub struct Profile {
    /// The `email` claim, only when it is a plain, verified address.
    pub email: Option<String>,
    /// The `name` claim.
    pub display_name: Option<String>,
    /// The `picture` claim.
    pub picture: Option<String>,
}

/// The Backstage sign-in identity of a verified token.
#[napi(object)]
pub struct Identity {
    /// What Backstage shows of the user.
    pub profile: Profile,
    /// The user entity's name (see `IdentityOptions.homeDomain` for names made from emails).
    pub user_entity_name: String,
    /// `user:<namespace>/<name>`
    pub user_entity_ref: String,
    /// The user ref, then `group:<namespace>/<name>` for each group.
    pub ownership_entity_refs: Vec<String>,
    /// `openid.net/iss`, `openid.net/sub`, and `openid.net/email` for a verified email.
    pub annotations: HashMap<String, String>,
}

/// A verified email address in an allowed domain, split once.
#[napi(object)]
pub struct CheckedEmail {
    /// The whole address, as the token has it.
    pub address: String,
    /// The part before the `@`.
    pub local_part: String,
    /// The part after the `@`.
    pub domain: String,
}

/// The claims object as JSON, read the way JS itself reads it: a cyclic, over-deep or
/// unserialisable object is our error, not a crash or napi's InvalidArg.
fn claims_from(env: &Env, claims: &Unknown<'_>) -> std::result::Result<serde_json::Map<String, serde_json::Value>, Error> {
    let invalid = |why: &str| Error::new(Code::IdentityClaimsInvalid, format!("the claims {why}"));
    if claims.get_type().ok() != Some(ValueType::Object) {
        return Err(invalid("are not an object"));
    }
    let text = js::json_stringify(env, claims).ok_or_else(|| invalid("cannot be read as JSON (cyclic or too deep)"))?;
    json_object::parse(text.as_bytes()).map_err(|why| invalid(&format!("{why} (or nest deeper than 128 levels)")))
}

fn profile_value(p: identity::Profile) -> Profile {
    Profile { email: p.email, display_name: p.display_name, picture: p.picture }
}

/// Turns verified claims into the Backstage sign-in identity. Throws an Error whose
/// `code` is ERR_IDENTITY_* (see `ErrorCode`) or ERR_INVALID_OPTIONS.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_identity(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Identity> {
    let run = || {
        let claims = claims_from(&env, &claims)?;
        identity::resolve(&claims, &options::identity_options(&env, options.as_ref())?)
    };
    let id = run().map_err(|e| js::error(&env, &e))?;
    Ok(Identity {
        profile: profile_value(id.profile),
        user_entity_name: id.user_entity_name,
        user_entity_ref: id.user_entity_ref,
        ownership_entity_refs: id.ownership_entity_refs,
        annotations: id.annotations.into_iter().collect(),
    })
}

/// The token's email for a resolver that finds the user by it: one plain address,
/// verified, in `allowedDomains` (the rules of `resolveIdentity`, without naming a user).
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_email(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<CheckedEmail> {
    let run = || {
        let claims = claims_from(&env, &claims)?;
        let options = options::identity_options(&env, options.as_ref())?;
        let email = identity::checked_email(&claims, &options, "to find the user")?;
        Ok::<_, Error>(CheckedEmail {
            address: email.address.to_owned(),
            local_part: email.local_part.to_owned(),
            domain: email.domain.to_owned(),
        })
    };
    run().map_err(|e| js::error(&env, &e))
}

/// The profile Backstage shows for these claims: name, picture, and the email only when
/// it is a plain, verified address.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_profile(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Profile> {
    let run = || {
        let claims = claims_from(&env, &claims)?;
        let options = options::identity_options(&env, options.as_ref())?;
        Ok::<_, Error>(identity::profile(&claims, options.require_email_verified_claim))
    };
    run().map(profile_value).map_err(|e| js::error(&env, &e))
}

/// Checks identity options exactly as `resolveIdentity` does, so a host can refuse a bad
/// configuration at start-up. Throws ERR_INVALID_OPTIONS with an `option` property.
#[napi(catch_unwind, ts_args_type = "options: IdentityOptions")]
pub fn validate_identity_options(env: Env, options: Unknown<'_>) -> Result<()> {
    let checked = options::identity_options(&env, Some(&options)).and_then(|o| identity::validate(&o));
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
}

/// Key and token cache hits and misses, discovery and JWKS fetches by result,
/// verifications by result.
#[napi]
pub fn cache_stats() -> CacheStats {
    let c = stats::counts();
    CacheStats {
        key_cache_hit: c.key_cache_hit as f64,
        key_cache_miss: c.key_cache_miss as f64,
        token_cache_hit: c.token_cache_hit as f64,
        token_cache_miss: c.token_cache_miss as f64,
        discovery_fetch_ok: c.discovery_fetch_ok as f64,
        discovery_fetch_error: c.discovery_fetch_error as f64,
        jwks_fetch_ok: c.jwks_fetch_ok as f64,
        jwks_fetch_error: c.jwks_fetch_error as f64,
        verify_ok: c.verify_ok as f64,
        verify_error: c.verify_error as f64,
    }
}
