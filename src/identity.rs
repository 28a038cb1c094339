//! From verified claims to the Backstage sign-in identity. Pure and synchronous.
//!
//! Derivation, exactly:
//! - profile: email <- `email`, displayName <- `name`, picture <- `picture` (strings only).
//! - user entity name: the `userNameClaim` value when configured (other than `email`),
//!   else the local part of `email` (text before the last `@`) with any `+tag` removed.
//!   It must be a valid Backstage entity name (1-63 characters, letters and digits with
//!   `-`, `_` or `.` inside); otherwise sign-in is refused, never rewritten.
//! - user entity ref: `user:<namespace>/<name>`, namespace `default` unless configured.
//! - ownership refs: the user ref, then one `group:<ns>/<name>` per entry of the
//!   `groupsClaim` (a string or an array of strings; each entry `name`, `ns/name` or
//!   `group:ns/name`; namespace defaults to the configured one).
//! - annotations: `openid.net/iss`, `openid.net/sub`, `openid.net/email` when present.
//! - allowedDomains (when non-empty): the email's domain, lower-cased, must equal one
//!   of them; subdomains are not implied.
//! - an email whose `email_verified` claim is `false` is never used to name the user or
//!   to pass the domain check.

use crate::error::{Code, Error, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct IdentityOptions {
    pub allowed_domains: Vec<String>,
    pub user_name_claim: Option<String>,
    pub groups_claim: Option<String>,
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub picture: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub profile: Profile,
    pub user_entity_name: String,
    pub user_entity_ref: String,
    pub ownership_entity_refs: Vec<String>,
    pub annotations: Vec<(String, String)>,
}

/// Backstage's rule for entity names (KubernetesValidatorFunctions.isValidObjectName).
pub fn is_valid_entity_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Backstage's rule for namespaces: a DNS label.
pub fn is_valid_namespace(ns: &str) -> bool {
    let bytes = ns.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn invalid_name(message: String) -> Error {
    Error::new(Code::IdentityInvalidName, message)
}

fn verified_email<'a>(claims: &'a Map<String, Value>, purpose: &str) -> Result<&'a str> {
    let email = string_claim(claims, "email")
        .ok_or_else(|| Error::new(Code::IdentityClaimMissing, format!("the token has no email claim, needed {purpose}")))?;
    if claims.get("email_verified") == Some(&Value::Bool(false)) {
        return Err(Error::new(
            Code::IdentityEmailNotVerified,
            format!("the token's email is marked unverified (email_verified: false), so it cannot be used {purpose}"),
        ));
    }
    Ok(email)
}

fn split_email(email: &str) -> Result<(&str, &str)> {
    match email.rsplit_once('@') {
        Some((local, domain)) if !local.is_empty() && !domain.is_empty() => Ok((local, domain)),
        _ => Err(invalid_name("the email claim is not an email address".into())),
    }
}

pub fn resolve(claims: &Map<String, Value>, options: &IdentityOptions) -> Result<Identity> {
    let namespace = options.namespace.as_deref().unwrap_or("default");
    if !is_valid_namespace(namespace) {
        return Err(Error::new(Code::InvalidOptions, "options.namespace is not a valid Backstage namespace"));
    }

    if !options.allowed_domains.is_empty() {
        let email = verified_email(claims, "to check allowedDomains")?;
        let (_, domain) = split_email(email)?;
        let domain = domain.to_ascii_lowercase();
        if !options.allowed_domains.iter().any(|d| d.eq_ignore_ascii_case(&domain)) {
            return Err(Error::new(Code::IdentityDomainNotAllowed, "the email's domain is not in allowedDomains"));
        }
    }

    let name_claim = options.user_name_claim.as_deref().filter(|c| *c != "email");
    let user_entity_name = match name_claim {
        Some(claim) => {
            let value = string_claim(claims, claim).ok_or_else(|| {
                Error::new(Code::IdentityClaimMissing, format!("the token has no {claim} claim (userNameClaim) as a string"))
            })?;
            if !is_valid_entity_name(value) {
                return Err(invalid_name(format!("the {claim} claim is not a valid Backstage entity name")));
            }
            value.to_owned()
        }
        None => {
            let email = verified_email(claims, "to name the user")?;
            let (local, _) = split_email(email)?;
            let local = local.split('+').next().unwrap_or(local);
            if !is_valid_entity_name(local) {
                return Err(invalid_name("the email's local part is not a valid Backstage entity name".into()));
            }
            local.to_owned()
        }
    };
    let user_entity_ref = format!("user:{namespace}/{user_entity_name}");

    let mut ownership_entity_refs = vec![user_entity_ref.clone()];
    if let Some(claim) = options.groups_claim.as_deref() {
        let groups: Vec<&Value> = match claims.get(claim) {
            None | Some(Value::Null) => vec![],
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single) => vec![single],
        };
        for group in groups {
            let Value::String(group) = group else {
                return Err(invalid_name(format!("the {claim} claim (groupsClaim) holds a value that is not a string")));
            };
            let group_ref = group_ref(group, namespace)
                .ok_or_else(|| invalid_name(format!("the {claim} claim (groupsClaim) holds a value that is not a valid group name or reference")))?;
            if !ownership_entity_refs.contains(&group_ref) {
                ownership_entity_refs.push(group_ref);
            }
        }
    }

    let mut annotations = Vec::new();
    for (claim, annotation) in [("iss", "openid.net/iss"), ("sub", "openid.net/sub"), ("email", "openid.net/email")] {
        if let Some(value) = string_claim(claims, claim) {
            annotations.push((annotation.to_owned(), value.to_owned()));
        }
    }

    Ok(Identity {
        profile: Profile {
            email: string_claim(claims, "email").map(str::to_owned),
            display_name: string_claim(claims, "name").map(str::to_owned),
            picture: string_claim(claims, "picture").map(str::to_owned),
        },
        user_entity_name,
        user_entity_ref,
        ownership_entity_refs,
        annotations,
    })
}

/// `name`, `ns/name` or `group:ns/name` as a full group ref, or None when invalid.
fn group_ref(value: &str, default_namespace: &str) -> Option<String> {
    let rest = match value.split_once(':') {
        Some((kind, rest)) if kind.eq_ignore_ascii_case("group") => rest,
        Some(_) => return None,
        None => value,
    };
    let (namespace, name) = match rest.split_once('/') {
        Some((ns, name)) => (ns, name),
        None => (default_namespace, rest),
    };
    (is_valid_namespace(namespace) && is_valid_entity_name(name)).then(|| format!("group:{namespace}/{name}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn base() -> Map<String, Value> {
        claims(json!({"iss": "https://idp", "sub": "s-1", "email": "Jane.Doe+ci@Example.com", "name": "Jane Doe",
                      "picture": "https://img/j.png", "groups": ["admins", "team-a/devs", "group:default/ops", "admins"]}))
    }

    #[test]
    fn derives_profile_name_refs_and_annotations() {
        let id = resolve(&base(), &IdentityOptions { groups_claim: Some("groups".into()), ..Default::default() }).unwrap();
        assert_eq!(id.profile.email.as_deref(), Some("Jane.Doe+ci@Example.com"));
        assert_eq!(id.profile.display_name.as_deref(), Some("Jane Doe"));
        assert_eq!(id.user_entity_name, "Jane.Doe");
        assert_eq!(id.user_entity_ref, "user:default/Jane.Doe");
        assert_eq!(
            id.ownership_entity_refs,
            ["user:default/Jane.Doe", "group:default/admins", "group:team-a/devs", "group:default/ops"]
        );
        assert_eq!(id.annotations[0], ("openid.net/iss".to_string(), "https://idp".to_string()));
        assert_eq!(id.annotations.len(), 3);
    }

    #[test]
    fn a_configured_claim_and_namespace_name_the_user() {
        let mut c = base();
        c.insert("preferred_username".into(), json!("jdoe"));
        let o = IdentityOptions { user_name_claim: Some("preferred_username".into()), namespace: Some("corp".into()), ..Default::default() };
        assert_eq!(resolve(&c, &o).unwrap().user_entity_ref, "user:corp/jdoe");
        let o = IdentityOptions { user_name_claim: Some("missing".into()), ..Default::default() };
        assert_eq!(resolve(&c, &o).unwrap_err().code, Code::IdentityClaimMissing);
    }

    #[test]
    fn invalid_names_are_refused_not_rewritten() {
        for email in ["o'brien@example.com", "jöns@example.com", "a..@example.com", "-x@example.com", "@example.com", "noat"] {
            let mut c = base();
            c.insert("email".into(), json!(email));
            assert_eq!(resolve(&c, &IdentityOptions::default()).unwrap_err().code, Code::IdentityInvalidName, "{email}");
        }
        let mut c = base();
        c.insert("email".into(), json!(format!("{}@example.com", "a".repeat(64))));
        assert_eq!(resolve(&c, &IdentityOptions::default()).unwrap_err().code, Code::IdentityInvalidName);
        let o = IdentityOptions { groups_claim: Some("groups".into()), ..Default::default() };
        for bad in [json!(["/admins"]), json!(["user:default/x"]), json!([7])] {
            let mut c = base();
            c.insert("groups".into(), bad);
            assert_eq!(resolve(&c, &o).unwrap_err().code, Code::IdentityInvalidName);
        }
    }

    #[test]
    fn allowed_domains_are_exact_and_case_insensitive() {
        let ok = IdentityOptions { allowed_domains: vec!["example.com".into()], ..Default::default() };
        assert!(resolve(&base(), &ok).is_ok());
        let sub = IdentityOptions { allowed_domains: vec!["ample.com".into(), "sub.example.com".into()], ..Default::default() };
        assert_eq!(resolve(&base(), &sub).unwrap_err().code, Code::IdentityDomainNotAllowed);
        let mut c = base();
        c.insert("email".into(), json!("jane@example.com@evil.com"));
        assert_eq!(resolve(&c, &ok).unwrap_err().code, Code::IdentityDomainNotAllowed);
    }

    #[test]
    fn unverified_or_missing_email_cannot_name_the_user() {
        let mut c = base();
        c.insert("email_verified".into(), json!(false));
        assert_eq!(resolve(&c, &IdentityOptions::default()).unwrap_err().code, Code::IdentityEmailNotVerified);
        c.remove("email");
        assert_eq!(resolve(&c, &IdentityOptions::default()).unwrap_err().code, Code::IdentityClaimMissing);
    }

    #[test]
    fn entity_name_rules_match_backstage() {
        assert!(is_valid_entity_name("a"));
        assert!(is_valid_entity_name("a-b_c.d"));
        assert!(is_valid_entity_name("a--b"));
        assert!(!is_valid_entity_name("a-"));
        assert!(!is_valid_entity_name(""));
        assert!(is_valid_namespace("team-a"));
        assert!(!is_valid_namespace("Team"));
    }
}
