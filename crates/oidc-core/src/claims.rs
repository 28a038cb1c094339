//! Claim rules for an OIDC ID token (OIDC Core 3.1.3.7 and RFC 7519 section 4.1).
//! jsonwebtoken's `Validation` checks some claims only when present and none of the
//! types strictly, so the rules live here, each one explicit.

use crate::error::{Error, Result};
use crate::json_object::Members;
use serde_json::Value;

pub struct ClaimRules {
    pub issuer: String,
    pub audiences: Vec<String>,
    /// Seconds of clock skew allowed on exp, nbf and iat.
    pub clock_tolerance: f64,
    /// Claims that must be present and not null, besides the ones OIDC makes mandatory
    /// (MANDATORY), which always are.
    pub required: Vec<String>,
}

/// When a verified token stops being valid, for the verified-token cache.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lifetime {
    pub exp: f64,
    pub nbf: Option<f64>,
}

impl Lifetime {
    pub fn valid_at(&self, now: f64, tolerance: f64) -> bool {
        now <= self.exp + tolerance && self.nbf.is_none_or(|nbf| now + tolerance >= nbf)
    }
}

/// OIDC Core 2: every ID token has these. No option can stop requiring them.
pub const MANDATORY: [&str; 5] = ["iss", "sub", "aud", "exp", "iat"];

/// OIDC Core 2: `sub` is at most 255 ASCII characters.
pub const MAX_SUB_LEN: usize = 255;

fn present(claims: &Members<'_>, name: &str) -> Option<Value> {
    claims.get(name).filter(|v| !v.is_null())
}

fn number(claims: &Members<'_>, name: &str) -> Result<Option<f64>> {
    match present(claims, name) {
        None => Ok(None),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if f.is_finite() => Ok(Some(f)),
            _ => Err(Error::claim(name, format!("the {name} claim is not a finite number"))),
        },
        Some(_) => Err(Error::claim(name, format!("the {name} claim is not a number"))),
    }
}

fn string(claims: &Members<'_>, name: &str) -> Result<Option<String>> {
    match present(claims, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::claim(name, format!("the {name} claim is not a string"))),
    }
}

pub fn check(claims: &Members<'_>, rules: &ClaimRules, now: f64) -> Result<Lifetime> {
    check_issuer(claims, rules)?;
    check_audience(claims, rules)?;
    let lifetime = check_times(claims, rules.clock_tolerance, now)?;
    check_subject(claims)?;
    string(claims, "email")?;
    check_typ(claims)?;
    check_required(claims, rules)?;
    Ok(lifetime)
}

fn check_issuer(claims: &Members<'_>, rules: &ClaimRules) -> Result<()> {
    match string(claims, "iss")? {
        None => Err(Error::claim("iss", "the iss claim is missing")),
        Some(iss) if iss != rules.issuer => Err(Error::claim("iss", "the iss claim does not match the configured issuer")),
        Some(_) => Ok(()),
    }
}

/// `aud` contains a configured audience; with several audiences, `azp` names us.
fn check_audience(claims: &Members<'_>, rules: &ClaimRules) -> Result<()> {
    let aud = present(claims, "aud");
    let mut audiences: Vec<&str> = match &aud {
        None => return Err(Error::claim("aud", "the aud claim is missing")),
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|item| item.as_str().ok_or_else(|| Error::claim("aud", "the aud claim holds a value that is not a string")))
            .collect::<Result<_>>()?,
        Some(_) => return Err(Error::claim("aud", "the aud claim is not a string or a non-empty array of strings")),
    };
    // `[A, A]` names one party: it must not count as several for the azp rule.
    audiences.sort_unstable();
    audiences.dedup();
    if !audiences.iter().any(|aud| rules.audiences.iter().any(|want| want == aud)) {
        return Err(Error::claim("aud", "the aud claim does not contain the configured audience"));
    }
    // OIDC Core 3.1.3.7 steps 4 and 5: with several audiences the token must say which
    // party it was issued to, and that party must be us.
    match string(claims, "azp")? {
        None if audiences.len() > 1 => Err(Error::claim("azp", "the token has several audiences but no azp claim")),
        Some(azp) if !rules.audiences.contains(&azp) => Err(Error::claim("azp", "the azp claim is not the configured audience")),
        _ => Ok(()),
    }
}

/// `exp` present and not past, `iat` and `nbf` not in the future, each within the tolerance.
fn check_times(claims: &Members<'_>, tolerance: f64, now: f64) -> Result<Lifetime> {
    let exp = number(claims, "exp")?.ok_or_else(|| Error::claim("exp", "the exp claim is missing"))?;
    if now > exp + tolerance {
        let expired = Error::new(crate::error::Code::JwtExpired, "the token has expired (exp is in the past)");
        return Err(Error { claim: Some("exp".into()), ..expired });
    }
    if number(claims, "iat")?.is_some_and(|iat| iat > now + tolerance) {
        return Err(Error::claim("iat", "the iat claim is in the future"));
    }
    let nbf = number(claims, "nbf")?;
    if nbf.is_some_and(|nbf| nbf > now + tolerance) {
        return Err(Error::claim("nbf", "the token is not valid yet (nbf is in the future)"));
    }
    Ok(Lifetime { exp, nbf })
}

fn check_subject(claims: &Members<'_>) -> Result<()> {
    match string(claims, "sub")? {
        None => Err(Error::claim("sub", "the sub claim is missing")),
        Some(sub) if sub.is_empty() || sub.len() > MAX_SUB_LEN || !sub.is_ascii() => {
            Err(Error::claim("sub", "the sub claim is not 1 to 255 ASCII characters"))
        }
        Some(_) => Ok(()),
    }
}

/// Keycloak marks the token kind in the payload: `ID` for ID tokens, `Bearer` for access
/// tokens. Where the claim is present, only `ID` passes.
fn check_typ(claims: &Members<'_>) -> Result<()> {
    match present(claims, "typ") {
        None => Ok(()),
        Some(Value::String(typ)) if typ == "ID" => Ok(()),
        Some(_) => Err(Error::claim("typ", "the typ claim says this is not an ID token")),
    }
}

fn check_required(claims: &Members<'_>, rules: &ClaimRules) -> Result<()> {
    for name in MANDATORY.iter().copied().chain(rules.required.iter().map(String::as_str)) {
        if !claims.has_value(name) {
            return Err(Error::claim(name, format!("the required {name} claim is missing")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;
    use serde_json::{json, Map};

    const NOW: f64 = 1_700_000_000.0;

    fn rules() -> ClaimRules {
        ClaimRules {
            issuer: "https://issuer.example".into(),
            audiences: vec!["backstage".into()],
            clock_tolerance: 30.0,
            required: vec!["email".into()],
        }
    }

    fn good() -> Value {
        json!({"iss": "https://issuer.example", "aud": "backstage", "sub": "u1", "email": "a@b.c",
               "iat": NOW - 10.0, "exp": NOW + 300.0})
    }

    fn with(patch: Value) -> Map<String, Value> {
        let mut claims = good().as_object().unwrap().clone();
        for (k, v) in patch.as_object().unwrap() {
            if v == "DELETE" {
                claims.remove(k);
            } else {
                claims.insert(k.clone(), v.clone());
            }
        }
        claims
    }

    /// `check` of these claims, as a payload's text.
    fn check_map(claims: &Map<String, Value>, rules: &ClaimRules, now: f64) -> Result<Lifetime> {
        let text = Value::Object(claims.clone()).to_string();
        check(&crate::json_object::members(&text).unwrap(), rules, now)
    }

    fn failure(patch: Value) -> (Code, Option<String>) {
        let e = check_map(&with(patch), &rules(), NOW).unwrap_err();
        (e.code, e.claim)
    }

    #[test]
    fn accepts_a_valid_token_and_reports_its_lifetime() {
        let life = check_map(&with(json!({"nbf": NOW - 5.0})), &rules(), NOW).unwrap();
        assert_eq!(life, Lifetime { exp: NOW + 300.0, nbf: Some(NOW - 5.0) });
        check_map(&with(json!({"exp": NOW + 0.5, "iat": NOW + 29.5})), &rules(), NOW).unwrap();
    }

    #[test]
    fn iss_must_match_exactly() {
        assert_eq!(failure(json!({"iss": "https://issuer.example/"})), (Code::JwtClaimValidationFailed, Some("iss".into())));
        assert_eq!(failure(json!({"iss": "DELETE"})), (Code::JwtClaimValidationFailed, Some("iss".into())));
        assert_eq!(failure(json!({"iss": ["https://issuer.example"]})), (Code::JwtClaimValidationFailed, Some("iss".into())));
    }

    #[test]
    fn aud_must_contain_ours_and_be_well_typed() {
        assert_eq!(failure(json!({"aud": "other"})).1, Some("aud".into()));
        assert_eq!(failure(json!({"aud": "DELETE"})).1, Some("aud".into()));
        assert_eq!(failure(json!({"aud": []})).1, Some("aud".into()));
        assert_eq!(failure(json!({"aud": ["backstage", 1]})).1, Some("aud".into()));
        assert_eq!(failure(json!({"aud": {"backstage": true}})).1, Some("aud".into()));
        check_map(&with(json!({"aud": ["backstage"]})), &rules(), NOW).unwrap();
    }

    #[test]
    fn several_audiences_need_our_azp() {
        assert_eq!(failure(json!({"aud": ["backstage", "other"]})).1, Some("azp".into()));
        assert_eq!(failure(json!({"aud": ["backstage", "other"], "azp": "other"})).1, Some("azp".into()));
        assert_eq!(failure(json!({"azp": "other"})).1, Some("azp".into()));
        check_map(&with(json!({"aud": ["backstage", "other"], "azp": "backstage"})), &rules(), NOW).unwrap();
    }

    #[test]
    fn exp_is_required_numeric_and_enforced_with_tolerance() {
        assert_eq!(failure(json!({"exp": NOW - 31.0})), (Code::JwtExpired, Some("exp".into())));
        check_map(&with(json!({"exp": NOW - 29.0})), &rules(), NOW).unwrap();
        assert_eq!(failure(json!({"exp": "DELETE"})).1, Some("exp".into()));
        // CVE-2026-25537: a string exp must not be treated as absent.
        assert_eq!(failure(json!({"exp": "9999999999"})).1, Some("exp".into()));
        assert_eq!(failure(json!({"exp": true})).1, Some("exp".into()));
    }

    #[test]
    fn nbf_and_iat_must_not_be_in_the_future() {
        assert_eq!(failure(json!({"nbf": NOW + 31.0})).1, Some("nbf".into()));
        assert_eq!(failure(json!({"nbf": "0"})).1, Some("nbf".into()));
        assert_eq!(failure(json!({"iat": NOW + 31.0})).1, Some("iat".into()));
        assert_eq!(failure(json!({"iat": "0"})).1, Some("iat".into()));
    }

    #[test]
    fn required_claims_must_be_present_and_typed() {
        assert_eq!(failure(json!({"email": "DELETE"})).1, Some("email".into()));
        assert_eq!(failure(json!({"email": null})).1, Some("email".into()));
        assert_eq!(failure(json!({"sub": "DELETE"})).1, Some("sub".into()));
        assert_eq!(failure(json!({"iat": "DELETE"})).1, Some("iat".into()));
        assert_eq!(failure(json!({"sub": 5})).1, Some("sub".into()));
        assert_eq!(failure(json!({"email": ["a@b.c"]})).1, Some("email".into()));
        let mut r = rules();
        r.required = vec!["groups".into()];
        assert_eq!(check_map(&with(json!({})), &r, NOW).unwrap_err().claim.as_deref(), Some("groups"));
        r.required = vec![];
        check_map(&with(json!({"email": "DELETE"})), &r, NOW).unwrap();
    }

    #[test]
    fn oidc_mandatory_claims_cannot_be_switched_off() {
        let mut r = rules();
        r.required = vec!["groups".into()];
        for claim in MANDATORY {
            let mut claims = with(json!({"groups": ["g"]}));
            claims.remove(claim);
            assert_eq!(check_map(&claims, &r, NOW).unwrap_err().claim.as_deref(), Some(claim), "{claim}");
        }
    }

    #[test]
    fn sub_is_1_to_255_ascii_characters() {
        for bad in [json!(""), json!("é"), json!("x".repeat(256)), json!(null)] {
            assert_eq!(failure(json!({"sub": bad})).1, Some("sub".into()), "{bad}");
        }
        check_map(&with(json!({"sub": "x".repeat(255)})), &rules(), NOW).unwrap();
    }

    #[test]
    fn a_repeated_audience_is_one_audience() {
        check_map(&with(json!({"aud": ["backstage", "backstage"]})), &rules(), NOW).unwrap();
        assert_eq!(failure(json!({"aud": ["backstage", "backstage", "other"]})).1, Some("azp".into()));
    }

    #[test]
    fn a_payload_typ_must_say_id_token() {
        check_map(&with(json!({"typ": "ID"})), &rules(), NOW).unwrap();
        for typ in [json!("Bearer"), json!("id"), json!("Refresh"), json!(1)] {
            assert_eq!(failure(json!({"typ": typ})).1, Some("typ".into()), "{typ}");
        }
    }

    #[test]
    fn lifetime_rechecks_on_cache_hits() {
        let life = Lifetime { exp: NOW, nbf: Some(NOW - 100.0) };
        assert!(life.valid_at(NOW + 30.0, 30.0));
        assert!(!life.valid_at(NOW + 31.0, 30.0));
        assert!(!life.valid_at(NOW - 131.0, 30.0));
    }
}
