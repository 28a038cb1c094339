//! The napi surface of the core's identity rules: `IdentityResolver`, built once from its
//! options, and the one-call functions over the same code.
//!
//! Claims are read by name, only the ones the rules use (email, email_verified, name,
//! picture, iss, sub and the configured name and groups claims), each as JSON.stringify
//! reads it: the rest of a claims object never crosses over.

use crate::js::{self, Property};
use crate::options;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::identity::{self, IdentityOptions as Options};
use oidc_proxy_core::{Code, Error};
use serde_json::{Map, Value};
use std::collections::HashMap;

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

/// The claims every rule may read; the options add the name and groups claims.
const CLAIMS_READ: [&str; 6] = ["email", "email_verified", "name", "picture", "iss", "sub"];

/// The claims these options read, as a JSON object: a value that cannot be read as JSON
/// (a throwing getter, a cycle, nesting deeper than 128 levels) is our error, not a crash.
fn claims_from(env: &Env, claims: &Unknown<'_>, options: &Options) -> std::result::Result<Map<String, Value>, Error> {
    let invalid = |why: &str| Error::new(Code::IdentityClaimsInvalid, format!("the claims {why}"));
    if claims.get_type().ok() != Some(ValueType::Object) || claims.is_array().unwrap_or(true) {
        return Err(invalid("are not an object"));
    }
    let mut names: Vec<&str> = CLAIMS_READ.to_vec();
    names.extend(options.user_name_claim.as_deref());
    names.extend(options.groups_claim.as_deref());
    let values =
        js::own_properties(env, claims, &names).ok_or_else(|| invalid("cannot be read as JSON (a getter threw, a cycle, or too deep)"))?;
    let mut map = Map::new();
    for (name, value) in names.into_iter().zip(values) {
        let value = match value {
            Property::Absent => continue,
            Property::String(s) => Value::String(s),
            Property::Bool(b) => Value::Bool(b),
            Property::Null => Value::Null,
            // serde_json refuses nesting deeper than 128 levels.
            Property::Json(text) => serde_json::from_str(&text).map_err(|_| invalid("nest deeper than 128 levels"))?,
        };
        map.insert(name.to_owned(), value);
    }
    Ok(map)
}

fn profile_value(p: identity::Profile) -> Profile {
    Profile { email: p.email, display_name: p.display_name, picture: p.picture }
}

fn identity_of(env: &Env, claims: &Unknown<'_>, options: &Options) -> std::result::Result<Identity, Error> {
    let id = identity::resolve(&claims_from(env, claims, options)?, options)?;
    Ok(Identity {
        profile: profile_value(id.profile),
        user_entity_name: id.user_entity_name,
        user_entity_ref: id.user_entity_ref,
        ownership_entity_refs: id.ownership_entity_refs,
        annotations: id.annotations.into_iter().collect(),
    })
}

fn email_of(env: &Env, claims: &Unknown<'_>, options: &Options) -> std::result::Result<CheckedEmail, Error> {
    let claims = claims_from(env, claims, options)?;
    let email = identity::checked_email(&claims, options, "to find the user")?;
    Ok(CheckedEmail { address: email.address.to_owned(), local_part: email.local_part.to_owned(), domain: email.domain.to_owned() })
}

fn profile_of(env: &Env, claims: &Unknown<'_>, options: &Options) -> std::result::Result<Profile, Error> {
    let claims = claims_from(env, claims, options)?;
    Ok(profile_value(identity::profile(&claims, options.require_email_verified_claim)))
}

fn checked_options(env: &Env, options: Option<&Unknown<'_>>) -> std::result::Result<Options, Error> {
    let options = options::identity_options(env, options)?;
    identity::validate(&options)?;
    Ok(options)
}

/// The identity rules for one set of options, checked once (at start-up) and applied to
/// the claims of every sign-in.
#[napi]
pub struct IdentityResolver {
    options: Options,
}

#[napi]
impl IdentityResolver {
    /// Checks the options. Throws ERR_INVALID_OPTIONS with an `option` property.
    #[napi(constructor, catch_unwind, ts_args_type = "options?: IdentityOptions")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> napi::Result<Self> {
        let options = checked_options(&env, options.as_ref()).map_err(|e| js::error(&env, &e))?;
        Ok(IdentityResolver { options })
    }

    /// `resolveIdentity(claims, options)` with this resolver's options.
    #[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>")]
    pub fn identity(&self, env: Env, claims: Unknown<'_>) -> napi::Result<Identity> {
        identity_of(&env, &claims, &self.options).map_err(|e| js::error(&env, &e))
    }

    /// `resolveEmail(claims, options)` with this resolver's options.
    #[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>")]
    pub fn email(&self, env: Env, claims: Unknown<'_>) -> napi::Result<CheckedEmail> {
        email_of(&env, &claims, &self.options).map_err(|e| js::error(&env, &e))
    }

    /// `resolveProfile(claims, options)` with this resolver's options.
    #[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>")]
    pub fn profile(&self, env: Env, claims: Unknown<'_>) -> napi::Result<Profile> {
        profile_of(&env, &claims, &self.options).map_err(|e| js::error(&env, &e))
    }
}

/// Turns verified claims into the Backstage sign-in identity. Throws an Error whose
/// `code` is ERR_IDENTITY_* (see `ErrorCode`) or ERR_INVALID_OPTIONS.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_identity(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> napi::Result<Identity> {
    let options = options::identity_options(&env, options.as_ref()).map_err(|e| js::error(&env, &e))?;
    identity_of(&env, &claims, &options).map_err(|e| js::error(&env, &e))
}

/// The token's email for a resolver that finds the user by it: one plain address,
/// verified, in `allowedDomains` (the rules of `resolveIdentity`, without naming a user).
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_email(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> napi::Result<CheckedEmail> {
    let options = options::identity_options(&env, options.as_ref()).map_err(|e| js::error(&env, &e))?;
    email_of(&env, &claims, &options).map_err(|e| js::error(&env, &e))
}

/// The profile Backstage shows for these claims: name, picture, and the email only when
/// it is a plain, verified address.
#[napi(catch_unwind, ts_args_type = "claims: Record<string, unknown>, options?: IdentityOptions")]
pub fn resolve_profile(env: Env, claims: Unknown<'_>, options: Option<Unknown<'_>>) -> napi::Result<Profile> {
    let options = options::identity_options(&env, options.as_ref()).map_err(|e| js::error(&env, &e))?;
    profile_of(&env, &claims, &options).map_err(|e| js::error(&env, &e))
}

/// Checks identity options exactly as `resolveIdentity` does, so a host can refuse a bad
/// configuration at start-up. Throws ERR_INVALID_OPTIONS with an `option` property.
#[napi(catch_unwind, ts_args_type = "options: IdentityOptions")]
pub fn validate_identity_options(env: Env, options: Unknown<'_>) -> napi::Result<()> {
    checked_options(&env, Some(&options)).map(|_| ()).map_err(|e| js::error(&env, &e))
}
