//! Options as JS callers give them, read into the core's options. Reading is ours, not the
//! macro's, so that a wrong option is ERR_INVALID_OPTIONS naming it (an unknown name too:
//! a typo such as `algorithm` must not be ignored and its default used).

use crate::js;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::identity;
use oidc_proxy_core::{Code, Error};

/// Options of `verifyIdToken`, `validateOptions`, `prefetchKeys` and `new OidcVerifier`.
#[napi(object)]
pub struct VerifyOptions {
    /// Must equal the token's `iss`; discovery reads `${issuer}/.well-known/openid-configuration`.
    pub issuer: String,
    /// The token's `aud` must contain one of these.
    pub audience: Either<String, Vec<String>>,
    /// The issuer's JWKS URL; skips discovery.
    pub jwks_uri: Option<String>,
    /// Allowed `alg` values. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA.
    pub algorithms: Option<Vec<String>>,
    /// Seconds of clock skew allowed on exp, nbf and iat. Default 30, at most 60.
    pub clock_tolerance: Option<f64>,
    /// Claims that must be present besides iss, sub, aud, exp and iat, which always must.
    pub required_claims: Option<Vec<String>>,
}

/// Options of `resolveIdentity`, `resolveEmail`, `resolveProfile` and `validateIdentityOptions`.
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

const VERIFY_OPTION_NAMES: [&str; 6] = ["issuer", "audience", "jwksUri", "algorithms", "clockTolerance", "requiredClaims"];
const IDENTITY_OPTION_NAMES: [&str; 6] =
    ["allowedDomains", "homeDomain", "userNameClaim", "groupsClaim", "namespace", "requireEmailVerifiedClaim"];

fn check_names(env: &Env, raw: &Unknown<'_>, known: &[&str]) -> std::result::Result<(), Error> {
    let keys = js::own_keys(env, raw).ok_or_else(|| Error::new(Code::InvalidOptions, "the options must be an object"))?;
    match keys.into_iter().find(|name| !known.contains(&name.as_str())) {
        None => Ok(()),
        Some(name) => Err(Error::option(&name, format!("is not a known option (known: {})", known.join(", ")))),
    }
}

fn read<T: FromNapiValue>(env: &Env, raw: &Unknown<'_>) -> std::result::Result<T, Error> {
    unsafe { T::from_napi_value(env.raw(), raw.raw()) }
        .map_err(|e| Error::new(Code::InvalidOptions, format!("the options are invalid: {}", e.reason)))
}

pub fn verify_options(env: &Env, raw: &Unknown<'_>) -> std::result::Result<oidc_proxy_core::VerifyOptions, Error> {
    check_names(env, raw, &VERIFY_OPTION_NAMES)?;
    let o: VerifyOptions = read(env, raw)?;
    Ok(oidc_proxy_core::VerifyOptions {
        issuer: o.issuer,
        audience: match o.audience {
            Either::A(one) => vec![one],
            Either::B(many) => many,
        },
        jwks_uri: o.jwks_uri,
        algorithms: o.algorithms,
        clock_tolerance: o.clock_tolerance,
        required_claims: o.required_claims,
    })
}

/// Absent (undefined or null) options are the defaults.
pub fn identity_options(env: &Env, raw: Option<&Unknown<'_>>) -> std::result::Result<identity::IdentityOptions, Error> {
    let Some(raw) = raw.filter(|o| !matches!(o.get_type(), Ok(ValueType::Undefined | ValueType::Null))) else {
        return Ok(identity::IdentityOptions::default());
    };
    check_names(env, raw, &IDENTITY_OPTION_NAMES)?;
    let o: IdentityOptions = read(env, raw)?;
    Ok(identity::IdentityOptions {
        allowed_domains: o.allowed_domains.unwrap_or_default(),
        home_domain: o.home_domain,
        user_name_claim: o.user_name_claim,
        groups_claim: o.groups_claim,
        namespace: o.namespace,
        require_email_verified_claim: o.require_email_verified_claim.unwrap_or(false),
    })
}
