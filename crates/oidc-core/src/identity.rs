//! From verified claims to the Backstage sign-in identity. Pure and synchronous.
//!
//! Every rule about emails lives here, so the domain check and the user name always see
//! the same address:
//! - one parse: exactly one `@`, both sides non-empty, no quotes, spaces or controls;
//!   anything else is ERR_IDENTITY_EMAIL_INVALID, never repaired;
//! - `email_verified`: `true`/`"true"` (any case) verified, `false`/`"false"` not, any
//!   other value refused; a missing claim counts as verified unless
//!   `requireEmailVerifiedClaim` (Entra ID omits the claim);
//! - domains compare ASCII case-insensitively; a non-ASCII domain never equals an ASCII one.
//!
//! The user entity name, when it comes from the email, is injective (OIDC Core 5.7: an
//! email is not a unique identifier, so two addresses must never become one user):
//! - the local part alone for addresses in the home domain (`homeDomain`, or the one
//!   domain of `allowedDomains` when exactly one is allowed and `homeDomain` is unset: no
//!   other domain can sign in, so local parts stay unique); such a local part may not
//!   contain `_at_` (any case), which is reserved for the next form;
//! - `<local part>_at_<domain, lower case>` for every other address. Domains hold no `_`,
//!   so the last `_at_` splits the name back into the address.
//!
//! A local part that is not a valid entity name (`jane+ops`, `o'brien`, `jöns`) is
//! refused with ERR_IDENTITY_INVALID_NAME, never shortened or rewritten.
//!
//! Groups never refuse a sign-in: a value that cannot name a group is left out and
//! reported, so one odd group (Okta's `Engineering Team`) does not lock a user out.

use crate::error::{Code, Error, Result};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Default)]
pub struct IdentityOptions {
    pub allowed_domains: Vec<String>,
    pub home_domain: Option<String>,
    pub user_name_claim: Option<String>,
    pub groups_claim: Option<String>,
    pub namespace: Option<String>,
    pub require_email_verified_claim: bool,
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

/// An address that passed the one parse: `local_part@domain`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Email<'a> {
    pub address: &'a str,
    pub local_part: &'a str,
    pub domain: &'a str,
}

/// What the name derivation reserves in home-domain local parts.
const SEPARATOR: &str = "_at_";

/// Backstage's rule for entity names (catalog-model's `KubernetesValidatorFunctions.isValidObjectName`).
pub fn is_valid_entity_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Backstage's rule for namespaces (`isValidNamespace`): a DNS label.
pub fn is_valid_namespace(ns: &str) -> bool {
    let bytes = ns.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

/// An ASCII domain name as configured: letters, digits, `-` and `.`, no empty label.
pub fn is_ascii_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 253
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63 && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    claims.get(name).and_then(Value::as_str)
}

fn invalid_name(message: String) -> Error {
    Error::new(Code::IdentityInvalidName, message)
}

fn invalid_option(option: &str, problem: impl std::fmt::Display) -> Error {
    Error::option(option, problem)
}

/// The one parse of an address. Refuses rather than guesses: what this returns is what
/// both the domain check and the user name see.
pub fn parse_email(address: &str) -> Result<Email<'_>> {
    let refuse = |why: &str| Error::new(Code::IdentityEmailInvalid, format!("the email claim is not a plain address: {why}"));
    let mut parts = address.split('@');
    let (Some(local_part), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(refuse("it must hold exactly one @"));
    };
    if local_part.is_empty() || domain.is_empty() {
        return Err(refuse("a side of the @ is empty"));
    }
    if address.chars().any(|c| c == '"' || c == '\\' || c.is_whitespace() || c.is_control()) {
        return Err(refuse("quoted local parts, spaces and control characters are not accepted"));
    }
    Ok(Email { address, local_part, domain })
}

/// Whether `email_verified` lets the email stand for the user.
fn email_verified(claims: &Map<String, Value>, require_claim: bool) -> Result<bool> {
    match claims.get("email_verified") {
        None => Ok(!require_claim),
        Some(Value::Bool(verified)) => Ok(*verified),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(Error::new(
            Code::IdentityEmailNotVerified,
            "the email_verified claim is neither true nor false, so the email cannot be trusted",
        )),
    }
}

/// The token's email, parsed once, verified and in `allowedDomains`: the address an email
/// resolver may match the catalog with. `purpose` completes "needed ...".
pub fn checked_email<'a>(claims: &'a Map<String, Value>, options: &IdentityOptions, purpose: &str) -> Result<Email<'a>> {
    check_domains(options)?;
    let address = match claims.get("email") {
        Some(Value::String(address)) => address,
        _ => return Err(Error::new(Code::IdentityClaimMissing, format!("the token has no email claim, needed {purpose}"))),
    };
    let email = parse_email(address)?;
    if !email_verified(claims, options.require_email_verified_claim)? {
        let why = if claims.contains_key("email_verified") { "is marked unverified" } else { "has no email_verified claim" };
        return Err(Error::new(Code::IdentityEmailNotVerified, format!("the token's email {why}, so it cannot be used {purpose}")));
    }
    if !options.allowed_domains.is_empty() && !options.allowed_domains.iter().any(|d| d.eq_ignore_ascii_case(email.domain)) {
        return Err(Error::new(Code::IdentityDomainNotAllowed, "the email's domain is not in allowedDomains"));
    }
    Ok(email)
}

fn check_domains(options: &IdentityOptions) -> Result<()> {
    if let Some(bad) = options.allowed_domains.iter().find(|d| !is_ascii_domain(d)) {
        return Err(invalid_option(
            "allowedDomains",
            format!("{bad:?} is not an ASCII domain name (write internationalised domains in their xn-- form)"),
        ));
    }
    if let Some(home) = &options.home_domain {
        if !is_ascii_domain(home) {
            return Err(invalid_option("homeDomain", "is not an ASCII domain name"));
        }
        if !options.allowed_domains.is_empty() && !options.allowed_domains.iter().any(|d| d.eq_ignore_ascii_case(home)) {
            return Err(invalid_option("homeDomain", "must be one of allowedDomains"));
        }
    }
    Ok(())
}

/// The domain whose users are named by their local part: `homeDomain`, else the only
/// allowed domain when exactly one is allowed (module docs).
pub fn home_domain(options: &IdentityOptions) -> Option<&str> {
    match (&options.home_domain, options.allowed_domains.as_slice()) {
        (Some(home), _) => Some(home),
        (None, [only]) => Some(only),
        _ => None,
    }
}

/// The user entity name for an address; injective up to letter case (module docs).
pub fn name_from_email(email: &Email<'_>, home_domain: Option<&str>) -> Result<String> {
    if !is_valid_entity_name(email.local_part) {
        return Err(invalid_name("the email's local part is not a valid Backstage entity name".into()));
    }
    if home_domain.is_some_and(|home| home.eq_ignore_ascii_case(email.domain)) {
        if email.local_part.to_ascii_lowercase().contains(SEPARATOR) {
            return Err(invalid_name(format!(
                "a local part in the home domain may not contain {SEPARATOR:?}, which names users of other domains"
            )));
        }
        return Ok(email.local_part.to_owned());
    }
    if !is_ascii_domain(email.domain) {
        return Err(invalid_name("the email's domain is not an ASCII domain name".into()));
    }
    let name = format!("{}{SEPARATOR}{}", email.local_part, email.domain.to_ascii_lowercase());
    if !is_valid_entity_name(&name) {
        return Err(invalid_name(
            "the name made from the email is longer than 63 characters (set homeDomain for short names, or userNameClaim)".into(),
        ));
    }
    Ok(name)
}

/// The profile Backstage shows and custom resolvers read. An email that is not a plain,
/// verified address is left out, so nothing can match a user by it.
pub fn profile(claims: &Map<String, Value>, require_email_verified_claim: bool) -> Profile {
    let email = string_claim(claims, "email")
        .filter(|address| parse_email(address).is_ok())
        .filter(|_| email_verified(claims, require_email_verified_claim) == Ok(true));
    Profile {
        email: email.map(str::to_owned),
        display_name: string_claim(claims, "name").map(str::to_owned),
        picture: string_claim(claims, "picture").map(str::to_owned),
    }
}

/// The option rules, for a host to check its configuration at start-up.
pub fn validate(options: &IdentityOptions) -> Result<()> {
    if !options.namespace.as_deref().is_none_or(is_valid_namespace) {
        return Err(invalid_option("namespace", "is not a valid Backstage namespace"));
    }
    if options.user_name_claim.as_deref() == Some("") {
        return Err(invalid_option("userNameClaim", "must not be empty"));
    }
    if options.groups_claim.as_deref() == Some("") {
        return Err(invalid_option("groupsClaim", "must not be empty"));
    }
    check_domains(options)
}

pub fn resolve(claims: &Map<String, Value>, options: &IdentityOptions) -> Result<Identity> {
    validate(options)?;
    let namespace = options.namespace.as_deref().unwrap_or("default");
    if !options.allowed_domains.is_empty() {
        checked_email(claims, options, "to check allowedDomains")?;
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
            let email = checked_email(claims, options, "to name the user")?;
            name_from_email(&email, home_domain(options))?
        }
    };
    let user_entity_ref = format!("user:{namespace}/{user_entity_name}");

    let mut ownership_entity_refs = vec![user_entity_ref.clone()];
    for group in groups(claims, options).refs {
        if !ownership_entity_refs.contains(&group) {
            ownership_entity_refs.push(group);
        }
    }

    let profile = profile(claims, options.require_email_verified_claim);
    let mut annotations = Vec::new();
    for (claim, annotation) in [("iss", "openid.net/iss"), ("sub", "openid.net/sub")] {
        if let Some(value) = string_claim(claims, claim) {
            annotations.push((annotation.to_owned(), value.to_owned()));
        }
    }
    if let Some(email) = &profile.email {
        annotations.push(("openid.net/email".to_owned(), email.clone()));
    }

    Ok(Identity { profile, user_entity_name, user_entity_ref, ownership_entity_refs, annotations })
}

/// The token's groups as refs, and the values that could not name a group.
#[derive(Debug, Default, PartialEq)]
pub struct Groups {
    /// `group:<namespace>/<name>`, each once, in the token's order.
    pub refs: Vec<String>,
    /// The values left out, as JSON text (a string value without its quotes).
    pub left_out: Vec<String>,
}

/// The `groupsClaim` values as group refs. A string or a list of strings; each value is
/// `name`, `ns/name`, `group:ns/name`, or a Keycloak full path `/parent/name` (its last
/// segment, so `/a/devs` and `/b/devs` are both `devs`). Anything else is left out.
pub fn groups(claims: &Map<String, Value>, options: &IdentityOptions) -> Groups {
    let mut out = Groups::default();
    let Some(claim) = options.groups_claim.as_deref() else {
        return out;
    };
    let namespace = options.namespace.as_deref().unwrap_or("default");
    let values: Vec<&Value> = match claims.get(claim) {
        None | Some(Value::Null) => vec![],
        Some(Value::Array(items)) => items.iter().collect(),
        Some(single) => vec![single],
    };
    for value in values {
        match value.as_str().and_then(|g| group_ref(g, namespace)) {
            Some(group) if !out.refs.contains(&group) => out.refs.push(group),
            Some(_) => {}
            None => out.left_out.push(value.as_str().map_or_else(|| value.to_string(), str::to_owned)),
        }
    }
    out
}

/// `name`, `ns/name`, `group:ns/name` or `/path/to/name` as a full group ref, or None.
fn group_ref(value: &str, default_namespace: &str) -> Option<String> {
    if let Some(path) = value.strip_prefix('/') {
        let name = path.rsplit('/').next().unwrap_or_default();
        return is_valid_entity_name(name).then(|| format!("group:{default_namespace}/{name}"));
    }
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

/// The naming rule these options put in effect, with an example of each form, for the
/// start-up log.
pub fn describe_naming(options: &IdentityOptions) -> String {
    let namespace = options.namespace.as_deref().unwrap_or("default");
    if let Some(claim) = options.user_name_claim.as_deref().filter(|c| *c != "email") {
        return format!("users are named by their {claim} claim: user:{namespace}/<{claim}>");
    }
    let example = |domain: &str| {
        let address = format!("jane@{domain}");
        let email = Email { address: &address, local_part: "jane", domain };
        let name = name_from_email(&email, home_domain(options)).unwrap_or_default();
        format!("{address} -> user:{namespace}/{name}")
    };
    match (home_domain(options), options.home_domain.is_none()) {
        (Some(home), true) => format!(
            "users of the one allowed domain are named by their email's local part: {} (set homeDomain to say so explicitly)",
            example(home)
        ),
        (Some(home), false) => {
            let other = options.allowed_domains.iter().find(|d| !d.eq_ignore_ascii_case(home)).map_or("other.example", String::as_str);
            let others =
                if options.allowed_domains.len() == 1 { String::new() } else { format!("; other domains keep theirs: {}", example(other)) };
            format!("users of {home} are named by their email's local part: {}{others}", example(home))
        }
        (None, _) => {
            let domain = options.allowed_domains.first().map_or("example.com", String::as_str);
            format!(
                "users are named by their whole email: {} (set homeDomain to name one domain's users by their local part)",
                example(domain)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn base() -> Map<String, Value> {
        claims(json!({"iss": "https://idp", "sub": "s-1", "email": "Jane.Doe@Example.com", "name": "Jane Doe",
                      "picture": "https://img/j.png", "groups": ["admins", "team-a/devs", "group:default/ops", "admins"]}))
    }

    fn with_email(email: &str) -> Map<String, Value> {
        let mut c = base();
        c.insert("email".into(), json!(email));
        c
    }

    fn home(domain: &str) -> IdentityOptions {
        IdentityOptions { home_domain: Some(domain.into()), ..Default::default() }
    }

    fn code(c: &Map<String, Value>, o: &IdentityOptions) -> Code {
        resolve(c, o).unwrap_err().code
    }

    #[test]
    fn derives_profile_name_refs_and_annotations() {
        let id = resolve(&base(), &IdentityOptions { groups_claim: Some("groups".into()), ..home("example.com") }).unwrap();
        assert_eq!(id.profile.email.as_deref(), Some("Jane.Doe@Example.com"));
        assert_eq!(id.profile.display_name.as_deref(), Some("Jane Doe"));
        assert_eq!(id.user_entity_name, "Jane.Doe");
        assert_eq!(id.ownership_entity_refs, ["user:default/Jane.Doe", "group:default/admins", "group:team-a/devs", "group:default/ops"]);
        assert_eq!(id.annotations[0], ("openid.net/iss".to_string(), "https://idp".to_string()));
        assert_eq!(id.annotations.len(), 3);
    }

    #[test]
    fn without_a_home_domain_the_name_keeps_the_domain() {
        let id = resolve(&base(), &IdentityOptions::default()).unwrap();
        assert_eq!(id.user_entity_ref, "user:default/Jane.Doe_at_example.com");
        let other = resolve(&with_email("jane.doe@example.org"), &home("example.com")).unwrap();
        assert_eq!(other.user_entity_name, "jane.doe_at_example.org");
    }

    #[test]
    fn two_addresses_never_become_one_user() {
        // Pairs that the old derivation (local part, `+tag` dropped) merged or that a
        // careless separator would.
        let addresses = [
            "jane@example.com",
            "jane@example.org",
            "jane+ops@example.com",
            "jane_at_example.org@example.com",
            "jane_at_example.com@example.org",
            "jane.example@com.org",
            "jane@example.com.org",
            "j@a.b",
            "j_at_a@b",
            "J_AT_a.b@example.com",
            "jane_at_example.com@example.com",
        ];
        for options in [IdentityOptions::default(), home("example.com"), home("example.org")] {
            let mut seen: Vec<(String, String)> = vec![];
            for address in addresses {
                let Ok(id) = resolve(&with_email(address), &options) else {
                    continue;
                };
                let name = id.user_entity_ref.to_ascii_lowercase();
                for (other, other_name) in &seen {
                    assert!(
                        other_name != &name || other.eq_ignore_ascii_case(address),
                        "{address} and {other} both became {name} with {options:?}"
                    );
                }
                seen.push((address.to_owned(), name));
            }
            assert!(seen.len() >= 5, "{options:?}: {seen:?}");
        }
    }

    #[test]
    fn plus_tags_are_refused_not_folded() {
        for options in [IdentityOptions::default(), home("example.com")] {
            assert_eq!(code(&with_email("jane+ops@example.com"), &options), Code::IdentityInvalidName);
        }
    }

    #[test]
    fn home_domain_local_parts_may_not_look_like_other_domains() {
        assert_eq!(code(&with_email("bob_AT_other.org@example.com"), &home("example.com")), Code::IdentityInvalidName);
        assert!(resolve(&with_email("bob_at_other.org@elsewhere.com"), &home("example.com")).is_ok());
    }

    #[test]
    fn an_address_is_parsed_once_and_refused_when_odd() {
        for email in [
            "alice@evil.org@example.com",
            "@example.com",
            "alice@",
            "noat",
            "\"a@b\"@example.com",
            "a b@example.com",
            "a\u{0}@example.com",
            "a\\@example.com",
        ] {
            let o = IdentityOptions { allowed_domains: vec!["example.com".into()], ..Default::default() };
            assert_eq!(code(&with_email(email), &o), Code::IdentityEmailInvalid, "{email}");
            assert_eq!(code(&with_email(email), &IdentityOptions::default()), Code::IdentityEmailInvalid, "{email}");
            assert_eq!(profile(&with_email(email), false).email, None, "{email}");
        }
    }

    #[test]
    fn invalid_names_are_refused_not_rewritten() {
        for email in ["o'brien@example.com", "jöns@example.com", "a..-@example.com", "-x@example.com"] {
            assert_eq!(code(&with_email(email), &home("example.com")), Code::IdentityInvalidName, "{email}");
        }
        assert_eq!(code(&with_email(&format!("{}@example.com", "a".repeat(64))), &home("example.com")), Code::IdentityInvalidName);
        assert_eq!(code(&with_email(&format!("{}@example.com", "a".repeat(50))), &IdentityOptions::default()), Code::IdentityInvalidName);
        assert_eq!(code(&with_email("a@ex_ample.com"), &IdentityOptions::default()), Code::IdentityInvalidName);
    }

    #[test]
    fn groups_never_refuse_and_keycloak_paths_name_their_last_segment() {
        let o = IdentityOptions { groups_claim: Some("groups".into()), ..home("example.com") };
        let mut c = base();
        c.insert(
            "groups".into(),
            json!([
                "/team-a",
                "/parent/devs",
                "/other/devs",
                "Engineering Team",
                "user:default/x",
                7,
                "/",
                "/a/",
                "ops/admins",
                "group:default/ops"
            ]),
        );
        let id = resolve(&c, &o).unwrap();
        assert_eq!(
            id.ownership_entity_refs,
            ["user:default/Jane.Doe", "group:default/team-a", "group:default/devs", "group:ops/admins", "group:default/ops"]
        );
        let g = groups(&c, &o);
        assert_eq!(g.left_out, ["Engineering Team", "user:default/x", "7", "/", "/a/"]);
        c.insert("groups".into(), json!("/platform/sre"));
        assert_eq!(groups(&c, &o).refs, ["group:default/sre"]);
        let ns = IdentityOptions { namespace: Some("corp".into()), ..o };
        assert_eq!(groups(&c, &ns).refs, ["group:corp/sre"]);
    }

    #[test]
    fn one_allowed_domain_is_the_home_domain() {
        let one = IdentityOptions { allowed_domains: vec!["example.com".into()], ..Default::default() };
        assert_eq!(resolve(&base(), &one).unwrap().user_entity_ref, "user:default/Jane.Doe");
        let two = IdentityOptions { allowed_domains: vec!["example.com".into(), "example.org".into()], ..Default::default() };
        assert_eq!(resolve(&base(), &two).unwrap().user_entity_ref, "user:default/Jane.Doe_at_example.com");
        let explicit = IdentityOptions { home_domain: Some("example.org".into()), ..two.clone() };
        assert_eq!(resolve(&base(), &explicit).unwrap().user_entity_name, "Jane.Doe_at_example.com");
        assert!(describe_naming(&one).contains("jane@example.com -> user:default/jane"), "{}", describe_naming(&one));
        assert!(describe_naming(&two).contains("jane_at_example.com"), "{}", describe_naming(&two));
        assert!(describe_naming(&explicit).contains("jane@example.org -> user:default/jane;"), "{}", describe_naming(&explicit));
        assert!(describe_naming(&explicit).contains("jane_at_example.com"), "{}", describe_naming(&explicit));
    }

    #[test]
    fn allowed_domains_are_exact_ascii_and_case_insensitive() {
        let ok = IdentityOptions { allowed_domains: vec!["example.com".into()], ..Default::default() };
        assert!(resolve(&base(), &ok).is_ok());
        let sub = IdentityOptions { allowed_domains: vec!["ample.com".into(), "sub.example.com".into()], ..Default::default() };
        assert_eq!(code(&base(), &sub), Code::IdentityDomainNotAllowed);
        // KELVIN SIGN lower-cases to k in Unicode, never in ASCII.
        let korp = IdentityOptions { allowed_domains: vec!["korp.com".into()], ..Default::default() };
        assert_eq!(code(&with_email("alice@\u{212A}orp.com"), &korp), Code::IdentityDomainNotAllowed);
        assert!(resolve(&with_email("alice@KORP.com"), &korp).is_ok());
        let bad = IdentityOptions { allowed_domains: vec!["\u{212A}orp.com".into()], ..Default::default() };
        assert_eq!(code(&base(), &bad), Code::InvalidOptions);
        let outside = IdentityOptions { home_domain: Some("other.com".into()), ..ok.clone() };
        assert_eq!(code(&base(), &outside), Code::InvalidOptions);
    }

    #[test]
    fn email_verified_true_false_or_refused() {
        for (value, verified) in [
            (json!(true), true),
            (json!("TRUE"), true),
            (json!("true"), true),
            (json!(false), false),
            (json!("False"), false),
            (json!("false"), false),
        ] {
            let mut c = base();
            c.insert("email_verified".into(), value.clone());
            let outcome = resolve(&c, &IdentityOptions::default());
            assert_eq!(outcome.is_ok(), verified, "{value}");
            if !verified {
                assert_eq!(outcome.unwrap_err().code, Code::IdentityEmailNotVerified);
            }
            assert_eq!(profile(&c, false).email.is_some(), verified, "{value}");
        }
        for value in [json!("yes"), json!(1), json!(null), json!(["true"])] {
            let mut c = base();
            c.insert("email_verified".into(), value.clone());
            assert_eq!(code(&c, &IdentityOptions::default()), Code::IdentityEmailNotVerified, "{value}");
            assert_eq!(profile(&c, false).email, None);
        }
    }

    #[test]
    fn a_missing_email_verified_follows_the_option() {
        assert!(resolve(&base(), &IdentityOptions::default()).is_ok());
        let strict = IdentityOptions { require_email_verified_claim: true, ..Default::default() };
        assert_eq!(code(&base(), &strict), Code::IdentityEmailNotVerified);
        assert_eq!(profile(&base(), true).email, None);
        let mut c = base();
        c.insert("email_verified".into(), json!(true));
        assert!(resolve(&c, &strict).is_ok());
    }

    #[test]
    fn unverified_emails_do_not_pass_allowed_domains_even_with_a_name_claim() {
        let mut c = base();
        c.insert("email_verified".into(), json!(false));
        c.insert("preferred_username".into(), json!("jdoe"));
        let o = IdentityOptions {
            allowed_domains: vec!["example.com".into()],
            user_name_claim: Some("preferred_username".into()),
            ..Default::default()
        };
        assert_eq!(code(&c, &o), Code::IdentityEmailNotVerified);
        c.remove("email");
        assert_eq!(code(&c, &o), Code::IdentityClaimMissing);
    }

    #[test]
    fn a_configured_claim_and_namespace_name_the_user() {
        let mut c = base();
        c.insert("preferred_username".into(), json!("jdoe"));
        let o =
            IdentityOptions { user_name_claim: Some("preferred_username".into()), namespace: Some("corp".into()), ..Default::default() };
        assert_eq!(resolve(&c, &o).unwrap().user_entity_ref, "user:corp/jdoe");
        let o = IdentityOptions { user_name_claim: Some("missing".into()), ..Default::default() };
        assert_eq!(code(&c, &o), Code::IdentityClaimMissing);
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
