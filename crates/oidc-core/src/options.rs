//! Verification options as the JS caller gives them, checked once and turned into a
//! configuration. Bad options are the operator's mistake: they get ERR_INVALID_OPTIONS
//! with the option's name.

use crate::claims::ClaimRules;
use crate::error::{Error, Result};
use crate::fetch;
use crate::token::parse_algorithm;
use jsonwebtoken::Algorithm;
use reqwest::Url;

pub const DEFAULT_ALGORITHMS: [&str; 9] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
pub const DEFAULT_CLOCK_TOLERANCE: f64 = 30.0;
pub const MAX_CLOCK_TOLERANCE: f64 = 60.0;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyOptions {
    pub issuer: String,
    pub audience: Vec<String>,
    pub jwks_uri: Option<String>,
    pub algorithms: Option<Vec<String>>,
    pub clock_tolerance: Option<f64>,
    pub required_claims: Option<Vec<String>>,
}

// Options are map keys for callers that keep verifiers by options; the tolerance is
// compared by its bits (a NaN never gets that far: it is refused).
impl Eq for VerifyOptions {}

impl std::hash::Hash for VerifyOptions {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (&self.issuer, &self.audience, &self.jwks_uri, &self.algorithms, &self.required_claims).hash(h);
        self.clock_tolerance.map(f64::to_bits).hash(h);
    }
}

pub struct Config {
    pub rules: ClaimRules,
    pub algorithms: Vec<Algorithm>,
    pub jwks_uri: Option<Url>,
}

fn invalid(option: &str, problem: impl std::fmt::Display) -> Error {
    Error::option(option, problem)
}

impl VerifyOptions {
    pub fn to_config(&self) -> Result<Config> {
        if self.issuer.is_empty() {
            return Err(invalid("issuer", "is required"));
        }
        let jwks_uri = match &self.jwks_uri {
            Some(uri) => Some(fetch::check_url("jwksUri", uri).map_err(|why| invalid("jwksUri", why))?),
            None => {
                fetch::check_url("issuer", &self.issuer).map_err(|why| invalid("issuer", why))?;
                None
            }
        };
        if self.audience.is_empty() || self.audience.iter().any(|a| a.is_empty()) {
            return Err(invalid("audience", "must be a non-empty string or array of non-empty strings"));
        }
        let algorithms = match &self.algorithms {
            None => DEFAULT_ALGORITHMS.iter().map(|a| parse_algorithm(a).expect("default algorithms parse")).collect(),
            Some(names) if names.is_empty() => return Err(invalid("algorithms", "must not be empty")),
            Some(names) => names
                .iter()
                .map(|name| {
                    parse_algorithm(name).ok_or_else(|| {
                        invalid(
                            "algorithms",
                            format!(
                                "{name:?} is not supported (allowed: {}; none and HMAC are never accepted)",
                                DEFAULT_ALGORITHMS.join(", ")
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?,
        };
        let clock_tolerance = self.clock_tolerance.unwrap_or(DEFAULT_CLOCK_TOLERANCE);
        if !(0.0..=MAX_CLOCK_TOLERANCE).contains(&clock_tolerance) {
            return Err(invalid("clockTolerance", format!("must be between 0 and {MAX_CLOCK_TOLERANCE} seconds")));
        }
        // Added to the claims OIDC makes mandatory (claims::MANDATORY), never instead of them.
        let required = match &self.required_claims {
            None => vec![],
            Some(claims) if claims.iter().any(|c| c.is_empty()) => return Err(invalid("requiredClaims", "must not hold empty names")),
            Some(claims) => claims.clone(),
        };
        Ok(Config {
            rules: ClaimRules { issuer: self.issuer.clone(), audiences: self.audience.clone(), clock_tolerance, required },
            algorithms,
            jwks_uri,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn base() -> VerifyOptions {
        VerifyOptions { issuer: "https://login.example.com".into(), audience: vec!["backstage".into()], ..Default::default() }
    }

    fn error(change: impl FnOnce(&mut VerifyOptions)) -> String {
        let mut o = base();
        change(&mut o);
        let e = o.to_config().err().expect("options must be refused");
        assert_eq!(e.code, Code::InvalidOptions);
        e.message
    }

    #[test]
    fn defaults() {
        let c = base().to_config().unwrap();
        assert_eq!(c.algorithms.len(), 9);
        assert_eq!(c.rules.clock_tolerance, 30.0);
        assert!(c.rules.required.is_empty(), "only the mandatory claims by default");
    }

    #[test]
    fn refusals_name_the_option() {
        assert!(error(|o| o.issuer.clear()).contains("issuer"));
        assert!(error(|o| o.issuer = "http://login.example.com".into()).contains("https"));
        assert!(error(|o| o.audience.clear()).contains("audience"));
        assert!(error(|o| o.algorithms = Some(vec!["HS256".into()])).contains("HMAC"));
        assert!(error(|o| o.algorithms = Some(vec!["none".into()])).contains("algorithms"));
        assert!(error(|o| o.algorithms = Some(vec![])).contains("algorithms"));
        assert!(error(|o| o.clock_tolerance = Some(61.0)).contains("clockTolerance"));
        assert!(error(|o| o.clock_tolerance = Some(f64::NAN)).contains("clockTolerance"));
        assert!(error(|o| o.jwks_uri = Some("http://keys.example.com".into())).contains("jwksUri"));
    }

    #[test]
    fn a_jwks_uri_skips_discovery_so_any_issuer_string_is_fine() {
        let mut o = base();
        o.issuer = "urn:example:issuer".into();
        o.jwks_uri = Some("http://127.0.0.1:9/jwks".into());
        assert!(o.to_config().is_ok());
    }
}
