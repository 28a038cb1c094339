//! The napi surface of one sign-in: `SignInRules`, built once at start-up from the resolver
//! entries, for `OidcVerifier.signIn`, the one native call a sign-in makes.

use crate::js;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::identity::IdentityOptions;
use oidc_proxy_core::sign_in::{self, Lookup, ResolverRules};
use oidc_proxy_core::verifier::Verified;
use oidc_proxy_core::{Error, Verifier};
use std::sync::Arc;

/// What one resolver entry needs computed from a verified token.
#[napi(object)]
pub struct SignInResolverRules {
    /// `email`, `emailLocalPart`, `claim`, `subject`, `identity` or `nothing` (a resolver that reads the claims itself).
    pub lookup: String,
    /// For `claim`: the claim to read.
    pub claim: Option<String>,
    /// For `claim`: the value names a User, so it must be a valid entity name to find one.
    pub claim_is_name: Option<bool>,
    /// As in `IdentityOptions`.
    pub allowed_domains: Option<Vec<String>>,
    /// As in `IdentityOptions`.
    pub home_domain: Option<String>,
    /// As in `IdentityOptions`.
    pub user_name_claim: Option<String>,
    /// As in `IdentityOptions`.
    pub groups_claim: Option<String>,
    /// As in `IdentityOptions`.
    pub namespace: Option<String>,
    /// Name the user from the email too, for `dangerouslyAllowSignInWithoutUserInCatalog`.
    pub fallback_name: Option<bool>,
}

/// Options of `new SignInRules`.
#[napi(object)]
pub struct SignInRulesOptions {
    /// Treat a token without `email_verified` as unverified. Default false.
    pub require_email_verified_claim: Option<bool>,
    /// One entry per configured resolver, in order.
    pub resolvers: Vec<SignInResolverRules>,
}

fn lookup(entry: &SignInResolverRules) -> std::result::Result<Lookup, Error> {
    Ok(match entry.lookup.as_str() {
        "email" => Lookup::Email,
        "emailLocalPart" => Lookup::EmailLocalPart,
        "subject" => Lookup::Subject,
        "identity" => Lookup::Identity,
        "nothing" => Lookup::Nothing,
        "claim" => Lookup::Claim {
            claim: entry.claim.clone().ok_or_else(|| Error::option("claim", "is required for the claim lookup"))?,
            as_name: entry.claim_is_name.unwrap_or(false),
        },
        other => return Err(Error::option("lookup", format!("{other:?} is not a lookup"))),
    })
}

fn core_rules(options: SignInRulesOptions) -> std::result::Result<sign_in::SignInRules, Error> {
    let resolvers = options
        .resolvers
        .into_iter()
        .map(|entry| {
            Ok(ResolverRules {
                lookup: lookup(&entry)?,
                fallback_name: entry.fallback_name.unwrap_or(false),
                identity: IdentityOptions {
                    allowed_domains: entry.allowed_domains.unwrap_or_default(),
                    home_domain: entry.home_domain,
                    user_name_claim: entry.user_name_claim,
                    groups_claim: entry.groups_claim,
                    namespace: entry.namespace,
                    require_email_verified_claim: false,
                },
            })
        })
        .collect::<std::result::Result<Vec<_>, Error>>()?;
    let rules = sign_in::SignInRules { require_email_verified_claim: options.require_email_verified_claim.unwrap_or(false), resolvers };
    rules.validate()?;
    Ok(rules)
}

/// The identity rules of a sign-in's resolver entries, checked once.
#[napi]
pub struct SignInRules {
    pub(crate) inner: Arc<sign_in::SignInRules>,
}

#[napi]
impl SignInRules {
    /// Checks every entry's options. Throws ERR_INVALID_OPTIONS naming the entry and option.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: SignInRulesOptions) -> napi::Result<Self> {
        core_rules(options).map(|r| SignInRules { inner: Arc::new(r) }).map_err(|e| js::error(&env, &e))
    }

    /// For each entry, the naming rule it puts in effect with an example of each form, or
    /// null when it names no one from an email: for the start-up log.
    #[napi(catch_unwind)]
    pub fn naming(&self) -> Vec<Option<String>> {
        self.inner.naming()
    }

    /// The same results for claims given as JSON text, verifying nothing: for a resolver of
    /// this package used on its own, outside the provider's resolver chain.
    #[napi(catch_unwind)]
    pub fn evaluate(&self, env: Env, claims_json: String) -> napi::Result<String> {
        self.inner.evaluate(&claims_json, &[]).map_err(|e| js::error(&env, &e))
    }
}

/// The sign-in result of a verified token: `{"id", "repeated", "issuer", "claims", "profile", "resolvers", "groupsLeftOut"}`.
/// `id` is the verifier's id of its kept verification (see `verificationId`); `repeated`:
/// the token was answered from the token cache (this verifier had verified it before).
/// The email rules see the `allowedDomains` of the issuer that verified the token.
pub fn result(
    verifier: &Verifier,
    verified: &Verified,
    rules: &sign_in::SignInRules,
    repeated: bool,
) -> std::result::Result<Arc<str>, Error> {
    let id = if verified.id == 0 { "null".to_owned() } else { verified.id.to_string() };
    let rest = rules.evaluate(&verified.claims_json, verifier.issuer_allowed_domains(verified.issuer_index))?;
    let issuer = serde_json::Value::from(verifier.issuer(verified.issuer_index).unwrap_or_default());
    Ok(Arc::from(format!("{{\"id\":{id},\"repeated\":{repeated},\"issuer\":{issuer},{}", &rest[1..])))
}
