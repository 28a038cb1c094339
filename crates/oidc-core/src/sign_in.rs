//! Everything a sign-in's resolvers need from one verified token, computed in one pass: the
//! host crosses into the core once per sign-in and its resolvers only look users up in the
//! catalog. One result per configured resolver entry, since each entry has its own identity
//! options; an entry's refusal is kept in its result and only counts if the chain reaches it.

use crate::error::{Code, Error, Result};
use crate::identity::{self, Email, IdentityOptions};
use crate::inspect;
use serde_json::{json, Map, Value};

/// What a resolver entry looks the user up by.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup {
    /// The checked email (profile email or an email annotation).
    Email,
    /// The checked email, and its local part as a user name.
    EmailLocalPart,
    /// A claim's value; `as_name`: it must be a valid entity name to find anyone.
    Claim { claim: String, as_name: bool },
    /// The token's `iss` and `sub`.
    Subject,
    /// The whole identity, without the catalog.
    Identity,
    /// Nothing: a host's own resolver, which reads the claims itself.
    Nothing,
}

#[derive(Debug, Clone)]
pub struct ResolverRules {
    pub lookup: Lookup,
    pub identity: IdentityOptions,
    /// Name the user from the email when the catalog has no User
    /// (`dangerouslyAllowSignInWithoutUserInCatalog`).
    pub fallback_name: bool,
}

#[derive(Debug, Clone, Default)]
pub struct SignInRules {
    pub require_email_verified_claim: bool,
    pub resolvers: Vec<ResolverRules>,
}

/// At most this many left-out group values are reported per sign-in, each escaped and cut
/// as the refusal log's values are (`inspect::escape`): a token can hold thousands of
/// attacker-chosen values.
const REPORTED_VALUES: usize = 5;

impl SignInRules {
    /// Checks every entry's options as `identity::validate` does, naming the entry.
    pub fn validate(&self) -> Result<()> {
        for (index, entry) in self.resolvers.iter().enumerate() {
            let at = |option: &str| format!("resolvers[{index}].{option}");
            identity::validate(&entry.identity).map_err(|e| match &e.option {
                Some(option) => Error::option(&at(option), e.message.trim_start_matches(&format!("options.{option}: "))),
                None => e,
            })?;
            if matches!(&entry.lookup, Lookup::Claim { claim, .. } if claim.is_empty()) {
                return Err(Error::option(&at("claim"), "must not be empty"));
            }
        }
        Ok(())
    }

    /// The start-up description of each entry that makes names from emails.
    pub fn naming(&self) -> Vec<Option<String>> {
        self.resolvers
            .iter()
            .map(|entry| match entry.lookup {
                Lookup::Identity => Some(identity::describe_naming(&entry.identity)),
                Lookup::Email if entry.fallback_name => Some(identity::describe_naming(&entry.identity)),
                _ => None,
            })
            .collect()
    }

    /// The sign-in result for verified claims, as JSON text:
    /// `{"claims", "profile", "resolvers": [one per entry], "groupsLeftOut"}`.
    /// `issuer_domains`: the domains the token's issuer may assert emails in (empty: any).
    pub fn evaluate(&self, claims_json: &str, issuer_domains: &[String]) -> Result<String> {
        let claims: Map<String, Value> = serde_json::from_str(claims_json)
            .map_err(|_| Error::new(Code::IdentityClaimsInvalid, "the verified claims are not a JSON object"))?;
        let email_usable = issuer_allows_email(&claims, issuer_domains);
        let mut profile = identity::profile(&claims, self.require_email_verified_claim);
        if email_usable.is_err() {
            profile.email = None;
        }
        let mut left_out: Vec<String> = Vec::new();
        let resolvers: Vec<Value> = self
            .resolvers
            .iter()
            .map(|entry| {
                let options = IdentityOptions { require_email_verified_claim: self.require_email_verified_claim, ..entry.identity.clone() };
                let groups = identity::groups(&claims, &options);
                for value in &groups.left_out {
                    if !left_out.contains(value) {
                        left_out.push(value.clone());
                    }
                }
                entry_result(entry, &claims, &options, &email_usable, groups.refs).unwrap_or_else(|e| json!({ "error": error_json(&e) }))
            })
            .collect();
        let groups_left_out = (!left_out.is_empty()).then(|| {
            json!({
                "count": left_out.len(),
                "values": left_out.iter().take(REPORTED_VALUES).map(|v| inspect::escape(v)).collect::<Vec<_>>(),
            })
        });
        let rest = json!({
            "profile": { "email": profile.email, "displayName": profile.display_name, "picture": profile.picture },
            "resolvers": resolvers,
            "groupsLeftOut": groups_left_out,
        });
        // The claims go in as the token had them: no second serialisation.
        let rest = rest.to_string();
        Ok(format!("{{\"claims\":{claims_json},{}", &rest[1..]))
    }
}

/// An email from an issuer outside its `allowedDomains` is unusable, whatever a resolver allows:
/// any listed issuer could otherwise assert anyone's address.
fn issuer_allows_email(claims: &Map<String, Value>, issuer_domains: &[String]) -> Result<()> {
    if issuer_domains.is_empty() {
        return Ok(());
    }
    let Some(Ok(email)) = claims.get("email").and_then(Value::as_str).map(identity::parse_email) else {
        return Ok(());
    };
    if issuer_domains.iter().any(|d| d.eq_ignore_ascii_case(email.domain)) {
        Ok(())
    } else {
        Err(Error::new(
            Code::IdentityDomainNotAllowed,
            "the email's domain is not in the allowedDomains of the issuer that signed the token",
        ))
    }
}

fn entry_result(
    entry: &ResolverRules,
    claims: &Map<String, Value>,
    options: &IdentityOptions,
    email_usable: &Result<()>,
    groups: Vec<String>,
) -> Result<Value> {
    let usable = || email_usable.clone();
    Ok(match &entry.lookup {
        Lookup::Email => {
            usable()?;
            let email = identity::checked_email(claims, options, "to find the user")?;
            let mut out = json!({ "email": email_json(&email), "groups": groups });
            if entry.fallback_name {
                out["fallback"] = match identity::name_from_email(&email, identity::home_domain(options)) {
                    Ok(name) => json!({ "name": name }),
                    Err(e) => json!({ "error": error_json(&e) }),
                };
            }
            out
        }
        Lookup::EmailLocalPart => {
            usable()?;
            let email = identity::checked_email(claims, options, "to find the user")?;
            // The email's own domain as the home domain: the local part by the naming rules,
            // so `jane+ops` is refused rather than shortened to `jane`.
            let name = identity::name_from_email(&email, Some(email.domain))?;
            json!({ "email": email_json(&email), "name": name, "groups": groups })
        }
        Lookup::Claim { claim, as_name } => match claims.get(claim.as_str()) {
            None | Some(Value::Null) => json!({ "absent": format!("the token has no {claim} claim") }),
            Some(Value::String(value)) if !value.is_empty() => {
                if *as_name && !identity::is_valid_entity_name(value) {
                    json!({ "absent": format!("the {claim} claim is not a valid entity name, so no User can have it as its name") })
                } else {
                    json!({ "value": value, "groups": groups })
                }
            }
            Some(_) => {
                return Err(Error {
                    claim: Some(claim.clone()),
                    ..Error::new(Code::IdentityClaimsInvalid, format!("the {claim} claim is not a non-empty string"))
                })
            }
        },
        Lookup::Subject => {
            let string = |name: &str| claims.get(name).and_then(Value::as_str);
            json!({ "iss": string("iss"), "sub": string("sub"), "groups": groups })
        }
        Lookup::Identity => {
            let from_email = options.user_name_claim.as_deref().is_none_or(|c| c == "email");
            if from_email || !options.allowed_domains.is_empty() {
                usable()?;
            }
            let id = identity::resolve(claims, options)?;
            json!({
                "userEntityName": id.user_entity_name,
                "userEntityRef": id.user_entity_ref,
                "ownershipEntityRefs": id.ownership_entity_refs,
            })
        }
        Lookup::Nothing => json!({}),
    })
}

fn email_json(email: &Email<'_>) -> Value {
    json!({ "address": email.address, "localPart": email.local_part, "domain": email.domain })
}

fn error_json(e: &Error) -> Value {
    json!({ "code": e.code.as_str(), "message": e.message, "claim": e.claim })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(lookup: Lookup, identity: IdentityOptions) -> SignInRules {
        SignInRules { require_email_verified_claim: false, resolvers: vec![ResolverRules { lookup, identity, fallback_name: true }] }
    }

    fn run(rules: &SignInRules, claims: Value, issuer_domains: &[String]) -> Value {
        let out = rules.evaluate(&claims.to_string(), issuer_domains).unwrap();
        serde_json::from_str(&out).unwrap()
    }

    fn jane() -> Value {
        json!({"iss": "https://idp", "sub": "s1", "email": "jane@example.com", "preferred_username": "jane", "oid": 7,
               "groups": ["/a/devs", "Engineering Team"]})
    }

    #[test]
    fn one_result_per_entry_with_the_claims_as_given() {
        let groups = IdentityOptions { groups_claim: Some("groups".into()), ..Default::default() };
        let r = SignInRules {
            require_email_verified_claim: false,
            resolvers: vec![
                ResolverRules { lookup: Lookup::Email, identity: groups.clone(), fallback_name: true },
                ResolverRules {
                    lookup: Lookup::Claim { claim: "preferred_username".into(), as_name: true },
                    identity: groups,
                    fallback_name: false,
                },
                ResolverRules {
                    lookup: Lookup::Claim { claim: "oid".into(), as_name: false },
                    identity: Default::default(),
                    fallback_name: false,
                },
                ResolverRules {
                    lookup: Lookup::Claim { claim: "tid".into(), as_name: false },
                    identity: Default::default(),
                    fallback_name: false,
                },
            ],
        };
        let out = run(&r, jane(), &[]);
        assert_eq!(out["claims"], jane());
        assert_eq!(out["profile"]["email"], "jane@example.com");
        assert_eq!(out["resolvers"][0]["email"]["address"], "jane@example.com");
        assert_eq!(out["resolvers"][0]["fallback"]["name"], "jane_at_example.com");
        assert_eq!(out["resolvers"][0]["groups"], json!(["group:default/devs"]));
        assert_eq!(out["resolvers"][1]["value"], "jane");
        assert_eq!(out["resolvers"][2]["error"]["code"], "ERR_IDENTITY_CLAIMS_INVALID");
        assert_eq!(out["resolvers"][2]["error"]["claim"], "oid");
        assert!(out["resolvers"][3]["absent"].is_string());
        assert_eq!(out["groupsLeftOut"], json!({"count": 1, "values": ["Engineering Team"]}));
    }

    #[test]
    fn a_claim_that_cannot_be_a_name_finds_no_one() {
        let r = rules(Lookup::Claim { claim: "upn".into(), as_name: true }, Default::default());
        let out = run(&r, json!({"upn": "jane@contoso.com"}), &[]);
        assert!(out["resolvers"][0]["absent"].as_str().unwrap().contains("not a valid entity name"));
        let out = run(&r, json!({"upn": ""}), &[]);
        assert_eq!(out["resolvers"][0]["error"]["code"], "ERR_IDENTITY_CLAIMS_INVALID");
    }

    #[test]
    fn an_issuer_restricted_to_domains_cannot_assert_others() {
        let r = rules(Lookup::Identity, Default::default());
        let out = run(&r, jane(), &["example.org".into()]);
        assert_eq!(out["resolvers"][0]["error"]["code"], "ERR_IDENTITY_DOMAIN_NOT_ALLOWED");
        assert!(out["profile"]["email"].is_null());
        let out = run(&r, jane(), &["EXAMPLE.com".into()]);
        assert_eq!(out["resolvers"][0]["userEntityRef"], "user:default/jane_at_example.com");
        // A name claim needs no email: the sign-in goes on, without the email.
        let by_claim =
            rules(Lookup::Identity, IdentityOptions { user_name_claim: Some("preferred_username".into()), ..Default::default() });
        let out = run(&by_claim, jane(), &["example.org".into()]);
        assert_eq!(out["resolvers"][0]["userEntityRef"], "user:default/jane");
    }

    #[test]
    fn left_out_groups_are_reported_cut_and_escaped() {
        let many: Vec<String> = (0..9).map(|i| format!("bad group {i}\n{}", "x".repeat(80))).collect();
        let r = rules(Lookup::Identity, IdentityOptions { groups_claim: Some("groups".into()), ..Default::default() });
        let out = run(&r, json!({"email": "jane@example.com", "groups": many}), &[]);
        assert_eq!(out["groupsLeftOut"]["count"], 9);
        let values = out["groupsLeftOut"]["values"].as_array().unwrap();
        assert_eq!(values.len(), 5);
        assert!(values.iter().all(|v| !v.as_str().unwrap().contains('\n') && v.as_str().unwrap().ends_with('…')));
    }
}
