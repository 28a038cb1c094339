//! The napi surface: argument conversion, promises and error objects only. The work is
//! in the modules below.

mod base64url;
mod claims;
mod error;
mod fetch;
mod identity;
mod json_object;
mod jwks;
mod key_store;
mod options;
mod pool;
mod inline;
mod stats;
mod token;
mod token_cache;
mod verifier;
pub mod fuzzing;

mod js;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use std::collections::HashMap;
use std::sync::Arc;

/// Options of `verifyIdToken` and `prefetchKeys`.
#[napi(object)]
pub struct VerifyOptions {
    /// Must equal the token's `iss`; discovery reads `${issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The token's `aud` must contain one of these.
    pub audience: Either<String, Vec<String>>,
    /// Skips discovery.
    pub jwks_uri: Option<String>,
    /// Allowed `alg` values. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA.
    pub algorithms: Option<Vec<String>>,
    /// Seconds of clock skew allowed on exp, nbf and iat. Default 30, at most 60.
    pub clock_tolerance: Option<f64>,
    /// Claims that must be present besides iss, sub, aud, exp and iat, which always must.
    pub required_claims: Option<Vec<String>>,
}

impl From<VerifyOptions> for options::VerifyOptions {
    fn from(o: VerifyOptions) -> Self {
        options::VerifyOptions {
            issuer: o.issuer,
            audience: match o.audience {
                Either::A(one) => vec![one],
                Either::B(many) => many,
            },
            jwks_uri: o.jwks_uri,
            algorithms: o.algorithms,
            clock_tolerance: o.clock_tolerance,
            required_claims: o.required_claims,
        }
    }
}

const VERIFY_OPTION_NAMES: [&str; 6] = ["issuer", "audience", "jwksUri", "algorithms", "clockTolerance", "requiredClaims"];
const IDENTITY_OPTION_NAMES: [&str; 6] =
    ["allowedDomains", "homeDomain", "userNameClaim", "groupsClaim", "namespace", "requireEmailVerifiedClaim"];

/// A misspelt option (`algorithm`, `audiences`) would otherwise be ignored silently and
/// its default used: refuse names the function does not know.
fn check_option_names(env: &Env, raw: &Unknown<'_>, known: &[&str]) -> std::result::Result<(), error::Error> {
    let unknown = js::own_keys(env, raw).unwrap_or_default().into_iter().find(|name| !known.contains(&name.as_str()));
    match unknown {
        None => Ok(()),
        Some(name) => Err(error::Error::new(
            error::Code::InvalidOptions,
            format!("options.{name} is not a known option (known: {})", known.join(", ")),
        )),
    }
}

fn verifier_for(env: &Env, raw_options: Unknown<'_>) -> std::result::Result<Arc<verifier::Verifier>, error::Error> {
    check_option_names(env, &raw_options, &VERIFY_OPTION_NAMES)?;
    // Converted here rather than by the macro so that a bad options object rejects the
    // promise with ERR_INVALID_OPTIONS instead of throwing synchronously.
    let options = unsafe { <VerifyOptions as FromNapiValue>::from_napi_value(env.raw(), raw_options.raw()) }
        .map_err(|e| error::Error::new(error::Code::InvalidOptions, format!("the options are invalid: {}", e.reason)))?;
    verifier::for_options(&options.into())
}

/// Verifies an OIDC ID token and resolves with its claims. Rejects with an Error whose
/// `code` is one of these (the message never contains the token or its claims):
/// - `ERR_INVALID_OPTIONS`: the options are wrong (the message names the option).
/// - `ERR_JWS_INVALID`: not a compact JWS: structure, base64url, header JSON, size
///   (16 KiB at most), or a JWE.
/// - `ERR_JOSE_NOT_SUPPORTED`: `crit`, `b64` or a nested JWT (`cty: JWT`).
/// - `ERR_JOSE_ALG_NOT_ALLOWED`: `alg` not in the allow-list; `none` and HMAC never are.
/// - `ERR_JWKS_NO_MATCHING_KEY`: no key of the issuer fits the token's `kid` and `alg`.
/// - `ERR_JWKS_MULTIPLE_MATCHING_KEYS`: no `kid` and several keys fit.
/// - `ERR_JWK_INVALID`: the issuer's key for the token is unusable (e.g. RSA < 2048 bits).
/// - `ERR_JWS_SIGNATURE_VERIFICATION_FAILED`: the signature does not verify.
/// - `ERR_JWT_INVALID`: the payload is not a JSON object (or repeats a member name).
/// - `ERR_JWT_EXPIRED`: `exp` has passed (beyond the clock tolerance).
/// - `ERR_JWT_CLAIM_VALIDATION_FAILED`: iss, aud, azp, nbf, iat or a required claim;
///   the error's `claim` property names it.
/// - `ERR_ISSUER_UNAVAILABLE`: discovery or JWKS could not be fetched or were invalid,
///   and no keys are cached.
/// - `ERR_INTERNAL`: a bug; reported instead of crashing the process.
#[napi(
    catch_unwind,
    ts_args_type = "token: string, options: VerifyOptions",
    ts_return_type = "Promise<Record<string, unknown>>"
)]
pub fn verify_id_token(env: &Env, token: Unknown<'_>, options: Unknown<'_>) -> Result<js::Raw> {
    let token = match js::string(&env, &token) {
        Some(token) => token,
        None => {
            return js::settled(env, Err(error::Error::new(error::Code::JwsInvalid, "the token is not a string")))
        }
    };
    let verifier = match verifier_for(env, options) {
        Ok(v) => v,
        Err(e) => return js::settled(env, Err(e)),
    };
    // The proxy resends the same token on every request: answer those without a hop.
    if let Some(claims) = verifier.cached(&token) {
        return js::settled(env, Ok(claims));
    }
    // With warm keys no call waits on the network. One call at a time is cheapest right
    // here (a hop to another thread costs more than an RSA verify); once calls overlap,
    // they go to the pool so that every core verifies.
    // While keys are being fetched (a refresh is rare) the old path answers after the
    // event loop has turned, as it always did.
    let keys = verifier.store().current().filter(|_| !verifier.store().fetching());
    if let Some(keys) = keys {
        if pool::idle() && inline::may_run() {
            let step = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| verifier.verify_with(&token, Some(&keys), false)));
            match step {
                Ok(verifier::Step::Done(outcome)) => {
                    inline::ran();
                    stats::count(if outcome.is_ok() { stats::VERIFY_OK } else { stats::VERIFY_ERROR });
                    return js::settled(env, outcome);
                }
                // An unknown kid: the async path below may refetch.
                Ok(_) => {}
                Err(_) => {
                    stats::count(stats::VERIFY_ERROR);
                    return js::settled(env, Err(js::internal()));
                }
            }
        } else if let Some(promise) = pool::submit(env.raw(), verifier.clone(), token.clone(), keys)? {
            return Ok(promise);
        }
    }
    let work = async move {
        // Run apart so that a panic becomes ERR_INTERNAL instead of aborting Node.
        let outcome = tokio::spawn(async move { verifier.verify(&token).await }).await;
        Ok(outcome.unwrap_or_else(|_| Err(js::internal())))
    };
    let promise = env.spawn_future_with_callback(work, |env, outcome| js::claims_or_error(env, outcome))?;
    Ok(js::Raw(promise.value().value))
}

/// Checks options exactly as `verifyIdToken` will, synchronously, so a host can refuse a
/// bad configuration at start-up. Throws ERR_INVALID_OPTIONS whose message starts with
/// `options.<name>` for the option at fault.
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions")]
pub fn validate_options(env: &Env, options: Unknown<'_>) -> Result<()> {
    verifier_for(env, options).map(|_| ()).map_err(|e| js::error(env, &e))
}

/// Fetches the issuer's discovery document and JWKS into the shared cache. Resolves
/// when keys are held; rejects with ERR_ISSUER_UNAVAILABLE (or ERR_INVALID_OPTIONS)
/// otherwise. Meant for start-up, where a failure should be logged, not fatal.
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions", ts_return_type = "Promise<void>")]
pub fn prefetch_keys(env: &Env, options: Unknown<'_>) -> Result<js::Raw> {
    let verifier = match verifier_for(env, options) {
        Ok(v) => v,
        Err(e) => return js::settled_unit(env, Err(e)),
    };
    let work = async move {
        let outcome = tokio::spawn(async move { verifier.store().prefetch().await.map(|_| ()) }).await;
        Ok(outcome.unwrap_or_else(|_| Err(js::internal())))
    };
    let promise = env.spawn_future_with_callback(work, |env, outcome| js::unit_or_error(env, outcome))?;
    Ok(js::Raw(promise.value().value))
}

#[napi(object)]
pub struct IdentityOptions {
    /// Email domains allowed to sign in (ASCII, exact, case-insensitive). Empty: any.
    pub allowed_domains: Option<Vec<String>>,
    /// Users of this email domain are named by their local part (`jane`); users of other
    /// domains by `<local part>_at_<domain>`. Must be one of `allowedDomains` when those are set.
    pub home_domain: Option<String>,
    /// Claim that holds the user entity name. Default: derived from the email.
    pub user_name_claim: Option<String>,
    /// Claim that lists the user's groups, for ownership refs.
    pub groups_claim: Option<String>,
    /// Namespace of the user and of groups given without one. Default `default`.
    pub namespace: Option<String>,
    /// Treat a token without `email_verified` as unverified. Default false (Entra ID omits it).
    pub require_email_verified_claim: Option<bool>,
}

#[napi(object)]
pub struct Profile {
    /// Only a plain, verified address.
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub picture: Option<String>,
}

#[napi(object)]
pub struct Identity {
    pub profile: Profile,
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
    pub address: String,
    pub local_part: String,
    pub domain: String,
}

/// The claims object as JSON, read the way JS itself reads it: a cyclic, over-deep or
/// unserialisable object is our error, not a crash or napi's InvalidArg.
fn claims_from(env: &Env, claims: &Unknown<'_>) -> std::result::Result<serde_json::Map<String, serde_json::Value>, error::Error> {
    let invalid = |why: &str| error::Error::new(error::Code::IdentityClaimsInvalid, format!("the claims {why}"));
    if claims.get_type().ok() != Some(ValueType::Object) {
        return Err(invalid("are not an object"));
    }
    let text = js::json_stringify(env, claims).ok_or_else(|| invalid("cannot be read as JSON (cyclic or too deep)"))?;
    json_object::parse(text.as_bytes()).map_err(|why| invalid(&format!("{why} (or nest deeper than 128 levels)")))
}

fn identity_options(env: &Env, options: Option<Unknown<'_>>) -> std::result::Result<identity::IdentityOptions, error::Error> {
    let Some(raw) = options.filter(|o| !matches!(o.get_type(), Ok(ValueType::Undefined | ValueType::Null))) else {
        return Ok(identity::IdentityOptions::default());
    };
    check_option_names(env, &raw, &IDENTITY_OPTION_NAMES)?;
    let o = unsafe { <IdentityOptions as FromNapiValue>::from_napi_value(env.raw(), raw.raw()) }
        .map_err(|e| error::Error::new(error::Code::InvalidOptions, format!("the options are invalid: {}", e.reason)))?;
    Ok(identity::IdentityOptions {
        allowed_domains: o.allowed_domains.unwrap_or_default(),
        home_domain: o.home_domain,
        user_name_claim: o.user_name_claim,
        groups_claim: o.groups_claim,
        namespace: o.namespace,
        require_email_verified_claim: o.require_email_verified_claim.unwrap_or(false),
    })
}

fn profile_value(p: identity::Profile) -> Profile {
    Profile { email: p.email, display_name: p.display_name, picture: p.picture }
}

/// Turns verified claims into the Backstage sign-in identity. Throws an Error whose
/// `code` is one of:
/// - `ERR_IDENTITY_CLAIM_MISSING`: the claim that names the user (email by default) is absent.
/// - `ERR_IDENTITY_EMAIL_INVALID`: the email is not one plain address (two `@`, quotes...).
/// - `ERR_IDENTITY_EMAIL_NOT_VERIFIED`: the email would be used but is not verified.
/// - `ERR_IDENTITY_DOMAIN_NOT_ALLOWED`: the email's domain is not in `allowedDomains`.
/// - `ERR_IDENTITY_INVALID_NAME`: a derived user or group name is not a valid entity name.
/// - `ERR_IDENTITY_CLAIMS_INVALID`: the claims are not a JSON object (cyclic, too deep).
/// - `ERR_INVALID_OPTIONS`: an unknown option, an invalid namespace or domain.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_identity(env: &Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Identity> {
    let run = || {
        let claims = claims_from(env, &claims)?;
        identity::resolve(&claims, &identity_options(env, options)?)
    };
    let id = run().map_err(|e| js::error(env, &e))?;
    Ok(Identity {
        profile: profile_value(id.profile),
        user_entity_name: id.user_entity_name,
        user_entity_ref: id.user_entity_ref,
        ownership_entity_refs: id.ownership_entity_refs,
        annotations: id.annotations.into_iter().collect(),
    })
}

/// The token's email for a resolver that finds the user by it: one plain address,
/// verified, in `allowedDomains` (the same rules as `resolveIdentity`, without naming a
/// user). Throws with the codes of `resolveIdentity`.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_email(env: &Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<CheckedEmail> {
    let run = || {
        let claims = claims_from(env, &claims)?;
        let options = identity_options(env, options)?;
        let email = identity::checked_email(&claims, &options, "to find the user")?;
        Ok::<_, error::Error>(CheckedEmail {
            address: email.address.to_owned(),
            local_part: email.local_part.to_owned(),
            domain: email.domain.to_owned(),
        })
    };
    run().map_err(|e| js::error(env, &e))
}

/// Checks identity options exactly as `resolveIdentity` will, so a host can refuse a bad
/// configuration at start-up. Throws ERR_INVALID_OPTIONS naming the option.
#[napi(catch_unwind, ts_args_type = "options: IdentityOptions")]
pub fn validate_identity_options(env: &Env, options: Unknown<'_>) -> Result<()> {
    identity_options(env, Some(options)).and_then(|o| identity::validate(&o)).map_err(|e| js::error(env, &e))
}

/// The profile Backstage shows for these claims: name, picture, and the email only when
/// it is a plain, verified address.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_profile(env: &Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Profile> {
    let run = || {
        let claims = claims_from(env, &claims)?;
        let options = identity_options(env, options)?;
        Ok::<_, error::Error>(identity::profile(&claims, options.require_email_verified_claim))
    };
    run().map(profile_value).map_err(|e| js::error(env, &e))
}

/// Process-wide counters since start: key and token cache hits and misses, discovery and
/// JWKS fetches by result, verifications by result.
#[napi]
pub fn cache_stats() -> HashMap<String, f64> {
    stats::snapshot().into_iter().map(|(name, n)| (name.to_owned(), n as f64)).collect()
}

/// Every error code this package produces.
#[napi]
pub fn error_codes() -> Vec<&'static str> {
    error::Code::ALL.iter().map(|c| c.as_str()).collect()
}
