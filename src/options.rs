//! Options as JS callers give them, read into the core's options. Reading is ours, not the
//! macro's, so that a wrong option is ERR_INVALID_OPTIONS naming it (an unknown name too:
//! a typo such as `algorithm` must not be ignored and its default used).

use crate::js;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::identity;
use oidc_proxy_core::{Code, Error};
use serde_json::Value;

/// Options of `verifyIdToken`, `validateOptions`, `prefetchKeys` and `new OidcVerifier`:
/// either one issuer (`issuer`, `audience`, and optionally its keys) or `issuers`, a list.
#[napi(object)]
pub struct VerifyOptions {
    /// Must equal the token's `iss`; discovery reads `${issuer}/.well-known/openid-configuration`.
    /// Required unless `issuers` is given.
    pub issuer: Option<String>,
    /// The token's `aud` must contain one of these. Required unless `issuers` is given.
    pub audience: Option<Either<String, Vec<String>>>,
    /// The issuer's JWKS URL; skips discovery.
    pub jwks_uri: Option<String>,
    /// Pinned keys: the issuer's JWKS, as an object or as JSON text. No network call is
    /// made for this issuer. Excludes `jwksUri` and `jwksFile`.
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub jwks: Option<Value>,
    /// Pinned keys: a JWKS file (relative to the working directory), read again whenever
    /// its content changes (polled about 4 times a second; a bad new content keeps the
    /// last good keys, see `OidcVerifier.issuers()`). No network call is made for this
    /// issuer. Excludes `jwksUri` and `jwks`.
    pub jwks_file: Option<String>,
    /// Several trusted issuers, each with its own audience and keys; the token's `iss`
    /// (compared byte for byte) chooses one. Excludes the top-level `issuer`, `audience`,
    /// `jwksUri`, `jwks` and `jwksFile`.
    pub issuers: Option<Vec<IssuerOptions>>,
    /// Allowed `alg` values. Default: RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 EdDSA.
    pub algorithms: Option<Vec<String>>,
    /// Seconds of clock skew allowed on exp, nbf and iat. Default 30, at most 60.
    pub clock_tolerance: Option<f64>,
    /// Claims that must be present besides iss, sub, aud, exp and iat, which always must.
    pub required_claims: Option<Vec<String>>,
}

/// One entry of `VerifyOptions.issuers`.
#[napi(object)]
pub struct IssuerOptions {
    /// Must equal the `iss` of this issuer's tokens, byte for byte (a trailing slash counts).
    pub issuer: String,
    /// This issuer's tokens must carry one of these in `aud`; other issuers' audiences do not count.
    pub audience: Either<String, Vec<String>>,
    /// As `VerifyOptions.jwksUri`, for this issuer.
    pub jwks_uri: Option<String>,
    /// As `VerifyOptions.jwks`, for this issuer.
    #[napi(ts_type = "string | Record<string, unknown>")]
    pub jwks: Option<Value>,
    /// As `VerifyOptions.jwksFile`, for this issuer.
    pub jwks_file: Option<String>,
    /// The email domains this issuer may vouch for (ASCII, exact, case-insensitive); empty
    /// or absent: any. Applied by the identity rules to tokens this issuer verified.
    pub allowed_domains: Option<Vec<String>>,
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

const VERIFY_OPTION_NAMES: [&str; 9] =
    ["issuer", "audience", "jwksUri", "jwks", "jwksFile", "issuers", "algorithms", "clockTolerance", "requiredClaims"];
const ISSUER_OPTION_NAMES: [&str; 6] = ["issuer", "audience", "jwksUri", "jwks", "jwksFile", "allowedDomains"];
const IDENTITY_OPTION_NAMES: [&str; 6] =
    ["allowedDomains", "homeDomain", "userNameClaim", "groupsClaim", "namespace", "requireEmailVerifiedClaim"];

/// The option names the reader accepts, by object: a host's own config checks build on
/// these rather than keep a list of their own.
#[napi(object)]
pub struct OptionNames {
    /// `VerifyOptions` (`new OidcVerifier`).
    pub verify: Vec<String>,
    /// One entry of `issuers`.
    pub issuer: Vec<String>,
    /// `IdentityOptions`.
    pub identity: Vec<String>,
}

#[napi]
pub fn option_names() -> OptionNames {
    let owned = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect();
    OptionNames { verify: owned(&VERIFY_OPTION_NAMES), issuer: owned(&ISSUER_OPTION_NAMES), identity: owned(&IDENTITY_OPTION_NAMES) }
}

/// `prefix` names where the object sits (`issuers[1].`), for the error.
fn check_names(env: &Env, raw: &Unknown<'_>, known: &[&str], prefix: &str) -> std::result::Result<(), Error> {
    let keys = js::own_keys(env, raw).ok_or_else(|| match prefix {
        "" => Error::new(Code::InvalidOptions, "the options must be an object"),
        entry => Error::option(entry.trim_end_matches('.'), "must be an object"),
    })?;
    match keys.into_iter().find(|name| !known.contains(&name.as_str())) {
        None => Ok(()),
        Some(name) => Err(Error::option(&format!("{prefix}{name}"), format!("is not a known option (known: {})", known.join(", ")))),
    }
}

/// The names inside each `issuers` entry, checked as the top level's are.
fn check_issuer_names(env: &Env, raw: &Unknown<'_>) -> std::result::Result<(), Error> {
    let object: Object = read(raw)?;
    let Some(list) = object.get::<Unknown>("issuers").ok().flatten() else { return Ok(()) };
    if !list.is_array().unwrap_or(false) {
        return Err(Error::option("issuers", "must be an array of issuer entries"));
    }
    let list: Array = read(&list)?;
    for i in 0..list.len() {
        if let Some(entry) = list.get::<Unknown>(i).ok().flatten() {
            check_names(env, &entry, &ISSUER_OPTION_NAMES, &format!("issuers[{i}]."))?;
        }
    }
    Ok(())
}

fn audience(audience: Either<String, Vec<String>>) -> Vec<String> {
    match audience {
        Either::A(one) => vec![one],
        Either::B(many) => many,
    }
}

/// An inline JWKS as the JSON text the core parses; `option` names it for the error.
fn jwks_text(jwks: Option<Value>, option: &str) -> std::result::Result<Option<String>, Error> {
    match jwks {
        None => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(object @ Value::Object(_)) => Ok(Some(object.to_string())),
        Some(_) => Err(Error::option(option, "must be a JWKS object or its JSON text")),
    }
}

fn read<T: FromNapiValue>(raw: &Unknown<'_>) -> std::result::Result<T, Error> {
    T::from_unknown(*raw).map_err(|e| Error::new(Code::InvalidOptions, format!("the options are invalid: {}", e.reason)))
}

pub fn verify_options(env: &Env, raw: &Unknown<'_>) -> std::result::Result<oidc_proxy_core::VerifyOptions, Error> {
    check_names(env, raw, &VERIFY_OPTION_NAMES, "")?;
    check_issuer_names(env, raw)?;
    let o: VerifyOptions = read(raw)?;
    if o.issuers.is_some() {
        if let Some(key) = [("issuer", o.issuer.is_some()), ("audience", o.audience.is_some())].iter().find(|(_, given)| *given) {
            return Err(Error::option(
                "issuers",
                format!("cannot be combined with the top-level {}: give either issuer and audience, or issuers", key.0),
            ));
        }
    }
    Ok(oidc_proxy_core::VerifyOptions {
        issuer: o.issuer.unwrap_or_default(),
        audience: o.audience.map(audience).unwrap_or_default(),
        jwks_uri: o.jwks_uri,
        jwks: jwks_text(o.jwks, "jwks")?,
        jwks_file: o.jwks_file,
        issuers: match o.issuers {
            None => None,
            Some(list) => Some(
                list.into_iter()
                    .enumerate()
                    .map(|(i, e)| {
                        Ok(oidc_proxy_core::IssuerOptions {
                            issuer: e.issuer,
                            audience: audience(e.audience),
                            jwks_uri: e.jwks_uri,
                            jwks: jwks_text(e.jwks, &format!("issuers[{i}].jwks"))?,
                            jwks_file: e.jwks_file,
                            allowed_domains: e.allowed_domains,
                        })
                    })
                    .collect::<std::result::Result<Vec<_>, Error>>()?,
            ),
        },
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
    check_names(env, raw, &IDENTITY_OPTION_NAMES, "")?;
    let o: IdentityOptions = read(raw)?;
    Ok(identity::IdentityOptions {
        allowed_domains: o.allowed_domains.unwrap_or_default(),
        home_domain: o.home_domain,
        user_name_claim: o.user_name_claim,
        groups_claim: o.groups_claim,
        namespace: o.namespace,
        require_email_verified_claim: o.require_email_verified_claim.unwrap_or(false),
    })
}
