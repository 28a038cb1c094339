//! Verification options as the JS caller gives them, checked once and turned into a
//! configuration. Bad options are the operator's mistake: they get ERR_INVALID_OPTIONS
//! with the option's name.

use crate::claims::ClaimRules;
use crate::error::{Error, Result};
use crate::fetch;
use crate::identity;
use crate::jwks::KeySet;
use crate::pinned;
use crate::token::parse_algorithm;
use jsonwebtoken::Algorithm;
use reqwest::Url;
use std::path::PathBuf;

pub const DEFAULT_ALGORITHMS: [&str; 9] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];
pub const DEFAULT_CLOCK_TOLERANCE: f64 = 30.0;
pub const MAX_CLOCK_TOLERANCE: f64 = 60.0;

/// One trusted issuer of a provider that accepts several (`issuers`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct IssuerOptions {
    pub issuer: String,
    pub audience: Vec<String>,
    pub jwks_uri: Option<String>,
    /// Pinned keys: a JWKS as JSON text.
    pub jwks: Option<String>,
    /// Pinned keys: a JWKS file, polled for changes.
    pub jwks_file: Option<String>,
    /// The email domains this issuer may vouch for; empty: any. Enforced by the identity
    /// rules, on `Verified::issuer_index`.
    pub allowed_domains: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct VerifyOptions {
    /// The single-issuer form; empty when `issuers` is given.
    pub issuer: String,
    pub audience: Vec<String>,
    pub jwks_uri: Option<String>,
    pub jwks: Option<String>,
    pub jwks_file: Option<String>,
    /// The several-issuer form; excludes the five options above.
    pub issuers: Option<Vec<IssuerOptions>>,
    pub algorithms: Option<Vec<String>>,
    pub clock_tolerance: Option<f64>,
    pub required_claims: Option<Vec<String>>,
}

// Options are map keys for callers that keep verifiers by options; the tolerance is
// compared by its bits (a NaN never gets that far: it is refused).
impl Eq for VerifyOptions {}

impl std::hash::Hash for VerifyOptions {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (&self.issuer, &self.audience, &self.jwks_uri, &self.jwks, &self.jwks_file, &self.issuers).hash(h);
        (&self.algorithms, &self.required_claims).hash(h);
        self.clock_tolerance.map(f64::to_bits).hash(h);
    }
}

/// Where an issuer's keys come from.
pub enum KeySource {
    /// Discovery, then the JWKS it names.
    Discovery,
    JwksUri(Url),
    /// An inline JWKS, checked.
    Inline(KeySet),
    /// A JWKS file, read and checked once here; the verifier polls it.
    File {
        path: PathBuf,
        content: Vec<u8>,
        keys: KeySet,
    },
}

pub struct IssuerConfig {
    pub rules: ClaimRules,
    pub keys: KeySource,
    pub allowed_domains: Vec<String>,
}

pub struct Config {
    /// In the order configured; `Verified::issuer_index` indexes this.
    pub issuers: Vec<IssuerConfig>,
    /// Given as a list: a token's `iss` picks its entry before verification.
    pub listed: bool,
    pub algorithms: Vec<Algorithm>,
}

fn invalid(option: &str, problem: impl std::fmt::Display) -> Error {
    Error::option(option, problem)
}

/// The options one issuer is made of, whichever form they came in.
struct Entry<'a> {
    /// `""` or `issuers[2].`: how error messages name this entry's options.
    prefix: String,
    issuer: &'a str,
    audience: &'a [String],
    jwks_uri: Option<&'a str>,
    jwks: Option<&'a str>,
    jwks_file: Option<&'a str>,
    allowed_domains: &'a [String],
}

impl Entry<'_> {
    fn config(&self, clock_tolerance: f64, required: &[String]) -> Result<IssuerConfig> {
        let name = |option: &str| format!("{}{option}", self.prefix);
        if self.issuer.is_empty() {
            return Err(invalid(&name("issuer"), "is required"));
        }
        if self.audience.is_empty() || self.audience.iter().any(|a| a.is_empty()) {
            return Err(invalid(&name("audience"), "must be a non-empty string or array of non-empty strings"));
        }
        let sources = [("jwksUri", self.jwks_uri.is_some()), ("jwks", self.jwks.is_some()), ("jwksFile", self.jwks_file.is_some())];
        let given: Vec<&str> = sources.iter().filter(|(_, given)| *given).map(|(source, _)| *source).collect();
        if let [first, second, ..] = given[..] {
            return Err(invalid(
                &name(second),
                format!("excludes {first}: jwksUri, jwks and jwksFile are three ways to give one issuer's keys"),
            ));
        }
        let keys = match (self.jwks_uri, self.jwks, self.jwks_file) {
            (Some(uri), _, _) => KeySource::JwksUri(fetch::check_url("jwksUri", uri).map_err(|why| invalid(&name("jwksUri"), why))?),
            (_, Some(text), _) => KeySource::Inline(pinned::parse(text.as_bytes()).map_err(|why| invalid(&name("jwks"), why))?),
            (_, _, Some(file)) => {
                let (path, content, keys) = pinned::load(file).map_err(|why| invalid(&name("jwksFile"), why))?;
                KeySource::File { path, content, keys }
            }
            (None, None, None) => {
                fetch::check_url("issuer", self.issuer).map_err(|why| invalid(&name("issuer"), why))?;
                KeySource::Discovery
            }
        };
        if let Some(bad) = self.allowed_domains.iter().find(|d| !identity::is_ascii_domain(d)) {
            return Err(invalid(
                &name("allowedDomains"),
                format!("{bad:?} is not an ASCII domain name (write internationalised domains in their xn-- form)"),
            ));
        }
        Ok(IssuerConfig {
            rules: ClaimRules {
                issuer: self.issuer.to_owned(),
                audiences: self.audience.to_vec(),
                clock_tolerance,
                required: required.to_vec(),
            },
            keys,
            allowed_domains: self.allowed_domains.to_vec(),
        })
    }
}

impl VerifyOptions {
    /// The entries, from either form; refuses a mix of the two.
    fn entries(&self) -> Result<Vec<Entry<'_>>> {
        let Some(list) = &self.issuers else {
            return Ok(vec![Entry {
                prefix: String::new(),
                issuer: &self.issuer,
                audience: &self.audience,
                jwks_uri: self.jwks_uri.as_deref(),
                jwks: self.jwks.as_deref(),
                jwks_file: self.jwks_file.as_deref(),
                allowed_domains: &[],
            }]);
        };
        let top_level = [
            ("issuer", !self.issuer.is_empty()),
            ("audience", !self.audience.is_empty()),
            ("jwksUri", self.jwks_uri.is_some()),
            ("jwks", self.jwks.is_some()),
            ("jwksFile", self.jwks_file.is_some()),
        ];
        if let Some((key, _)) = top_level.iter().find(|(_, given)| *given) {
            return Err(invalid(
                "issuers",
                format!("cannot be combined with the top-level {key}: give either issuer and audience, or issuers (each entry with its own audience and keys)"),
            ));
        }
        if list.is_empty() {
            return Err(invalid("issuers", "must list at least one issuer"));
        }
        for (i, entry) in list.iter().enumerate() {
            if let Some(first) = list[..i].iter().position(|e| e.issuer == entry.issuer) {
                return Err(invalid(
                    &format!("issuers[{i}].issuer"),
                    format!("repeats issuers[{first}].issuer: each issuer may be listed once"),
                ));
            }
        }
        Ok(list
            .iter()
            .enumerate()
            .map(|(i, e)| Entry {
                prefix: format!("issuers[{i}]."),
                issuer: &e.issuer,
                audience: &e.audience,
                jwks_uri: e.jwks_uri.as_deref(),
                jwks: e.jwks.as_deref(),
                jwks_file: e.jwks_file.as_deref(),
                allowed_domains: e.allowed_domains.as_deref().unwrap_or_default(),
            })
            .collect())
    }

    pub fn to_config(&self) -> Result<Config> {
        let entries = self.entries()?;
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
        let issuers = entries.iter().map(|e| e.config(clock_tolerance, &required)).collect::<Result<Vec<_>>>()?;
        Ok(Config { issuers, listed: self.issuers.is_some(), algorithms })
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
        assert_eq!(c.issuers[0].rules.clock_tolerance, 30.0);
        assert!(c.issuers[0].rules.required.is_empty(), "only the mandatory claims by default");
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

    fn listed(entries: Vec<IssuerOptions>) -> VerifyOptions {
        VerifyOptions { issuers: Some(entries), ..Default::default() }
    }

    fn issuer(url: &str) -> IssuerOptions {
        IssuerOptions { issuer: url.into(), audience: vec!["backstage".into()], ..Default::default() }
    }

    fn refusal(o: VerifyOptions) -> (String, String) {
        let e = o.to_config().err().expect("options must be refused");
        (e.option.unwrap(), e.message)
    }

    #[test]
    fn several_issuers_each_with_its_own_rules() {
        let mut b = issuer("https://b.example/");
        b.audience = vec!["other".into()];
        b.allowed_domains = Some(vec!["b.example".into()]);
        let c = listed(vec![issuer("https://a.example"), b]).to_config().unwrap();
        assert!(c.listed);
        assert_eq!(c.issuers[1].rules.audiences, vec!["other".to_string()]);
        assert_eq!(c.issuers[1].allowed_domains, vec!["b.example".to_string()]);
        assert!(matches!(c.issuers[0].keys, KeySource::Discovery));
    }

    #[test]
    fn the_two_forms_exclude_each_other() {
        let mut mixed = listed(vec![issuer("https://a.example")]);
        mixed.issuer = "https://a.example".into();
        let (option, message) = refusal(mixed);
        assert_eq!(option, "issuers");
        assert!(message.contains("top-level issuer"), "{message}");
        let mut mixed = listed(vec![issuer("https://a.example")]);
        mixed.jwks_uri = Some("https://a.example/keys".into());
        assert!(refusal(mixed).1.contains("jwksUri"));
        assert_eq!(refusal(listed(vec![])).0, "issuers");
    }

    #[test]
    fn entries_are_checked_and_named() {
        let (option, message) =
            refusal(listed(vec![issuer("https://a.example"), issuer("https://b.example"), issuer("https://a.example")]));
        assert_eq!(option, "issuers[2].issuer");
        assert!(message.contains("issuers[0]"), "{message}");
        let mut two_sources = issuer("https://a.example");
        two_sources.jwks_uri = Some("https://a.example/keys".into());
        two_sources.jwks_file = Some("keys.json".into());
        let (option, message) = refusal(listed(vec![two_sources]));
        assert_eq!(option, "issuers[0].jwksFile");
        assert!(message.contains("excludes jwksUri"), "{message}");
        let mut no_audience = issuer("https://a.example");
        no_audience.audience.clear();
        assert_eq!(refusal(listed(vec![issuer("https://b.example"), no_audience])).0, "issuers[1].audience");
        let mut unicode = issuer("https://a.example");
        unicode.allowed_domains = Some(vec!["bücher.example".into()]);
        assert_eq!(refusal(listed(vec![unicode])).0, "issuers[0].allowedDomains");
        let mut bad_keys = issuer("https://a.example");
        bad_keys.jwks = Some("{\"keys\":[]}".into());
        assert_eq!(refusal(listed(vec![bad_keys])).0, "issuers[0].jwks");
        assert_eq!(
            error(|o| o.jwks_file = Some("/nonexistent/keys.json".into())),
            "options.jwksFile: the file \"/nonexistent/keys.json\" cannot be read: No such file or directory (os error 2)"
        );
    }
}
