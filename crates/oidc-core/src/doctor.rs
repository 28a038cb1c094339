//! `backstage-oidc-proxy doctor`: checks an issuer the way the verifier will use it, one
//! result per check. Every rule is the verifier's own: the transport of [`fetch`], the
//! discovery reading of [`key_store`], the key rules of [`jwks`], the options of
//! [`options`]. Values from the network are shown escaped ([`inspect::escape`]); this is
//! for the operator's terminal.

use crate::fetch;
use crate::inspect::escape;
use crate::jwks::KeySet;
use crate::key_store::{discovery_url, read_discovery};
use crate::options::{KeySource, VerifyOptions, DEFAULT_ALGORITHMS};
use crate::token::parse_algorithm;
use reqwest::Url;
use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Check {
    /// `options`, `reachable`, `issuer`, `jwks`, `algorithms` or `clock`.
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
}

fn check(name: &'static str, status: Status, detail: impl Into<String>) -> Check {
    Check { name, status, detail: detail.into() }
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64())
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, the form RFC 9110 5.6.7 says
/// senders use) into Unix seconds.
pub fn parse_http_date(value: &str) -> Option<i64> {
    let rest = value.trim().split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    let month =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].iter().position(|m| *m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms[..] else {
        return None;
    };
    if !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    Some(days * 86400 + h * 3600 + m * 60 + s)
}

/// The issuer's clock against ours: its `Date` (whole seconds, so +0.5 on average) minus
/// the middle of the request.
fn clock_check(date: Option<&str>, sent: f64, received: f64, tolerance: f64, source: &str) -> Check {
    let Some(date) = date else {
        return check("clock", Status::Warn, format!("the {source} response has no Date header: the clock offset is unknown"));
    };
    let Some(issuer_time) = parse_http_date(date) else {
        return check("clock", Status::Warn, format!("the {source} response's Date header ({}) cannot be read", escape(date)));
    };
    let offset = issuer_time as f64 + 0.5 - (sent + received) / 2.0;
    let side = if offset >= 0.0 { "ahead of" } else { "behind" };
    let detail = format!(
        "the issuer's clock is {:.1} s {side} this machine's (its Date header: {}); clockTolerance is {tolerance} s",
        offset.abs(),
        escape(date)
    );
    let status = if offset.abs() > tolerance { Status::Fail } else { Status::Pass };
    check("clock", status, detail)
}

fn algorithms_check(doc: &serde_json::Map<String, Value>, configured: &[String]) -> Check {
    let Some(Value::Array(offered)) = doc.get("id_token_signing_alg_values_supported") else {
        return check("algorithms", Status::Warn, "the discovery document has no id_token_signing_alg_values_supported list");
    };
    let offered: Vec<&str> = offered.iter().filter_map(Value::as_str).collect();
    let common: Vec<&str> = offered.iter().copied().filter(|a| configured.iter().any(|c| c == a)).collect();
    let shown = offered.iter().map(|a| escape(a)).collect::<Vec<_>>().join(", ");
    if common.is_empty() {
        let detail = format!("the issuer signs ID tokens with {shown}; none is in the configured algorithms ({})", configured.join(", "));
        check("algorithms", Status::Fail, detail)
    } else {
        check("algorithms", Status::Pass, format!("the issuer offers {shown}; usable here: {}", common.join(", ")))
    }
}

/// The JWKS checked by the verifier's own key rules: usable keys, their algorithms, unique `kid`s.
fn jwks_check(doc: &serde_json::Map<String, Value>, url: &Url, configured: &[String]) -> Check {
    let set = match KeySet::parse(doc) {
        Ok(set) => set,
        Err(why) => return check("jwks", Status::Fail, format!("{url}: {why}")),
    };
    let algorithms: Vec<_> = configured.iter().filter_map(|a| parse_algorithm(a)).collect();
    let fits = |key: &&crate::jwks::Key| algorithms.iter().any(|alg| key.family.fits(*alg) && key.alg.is_none_or(|a| a == *alg));
    let usable = set.keys.iter().filter(fits).count();
    let mut kids: Vec<&str> = set.keys.iter().filter_map(|k| k.kid.as_deref()).collect();
    kids.sort_unstable();
    let mut duplicates: Vec<String> = kids.windows(2).filter(|w| w[0] == w[1]).map(|w| escape(w[0])).collect();
    duplicates.dedup();
    let mut notes: Vec<String> = set
        .rejected
        .iter()
        .map(|r| {
            format!("key {} set aside: {}", r.kid.as_deref().map_or_else(|| "without kid".into(), |k| format!("{:?}", escape(k))), r.reason)
        })
        .collect();
    let summary = format!("{url}: {} signing key(s), {usable} usable with the configured algorithms", set.keys.len());
    let status = if usable == 0 || !duplicates.is_empty() {
        if !duplicates.is_empty() {
            notes.insert(0, format!("kid used by more than one key: {}", duplicates.join(", ")));
        }
        Status::Fail
    } else if notes.is_empty() {
        Status::Pass
    } else {
        Status::Warn
    };
    let detail = if notes.is_empty() { summary } else { format!("{summary}; {}", notes.join("; ")) };
    check("jwks", status, detail)
}

/// Runs every check against the issuer these options name. Never fails: a problem is a
/// failing check, and checks that depend on it are skipped.
pub async fn diagnose(options: &VerifyOptions) -> Vec<Check> {
    let config = match options.to_config() {
        Ok(config) => config,
        Err(e) => return vec![check("options", Status::Fail, e.message)],
    };
    let configured: Vec<String> = options.algorithms.clone().unwrap_or_else(|| DEFAULT_ALGORITHMS.iter().map(|a| a.to_string()).collect());
    let several = config.issuers.len() > 1;
    let mut checks = Vec::new();
    for entry in &config.issuers {
        let issuer = entry.rules.issuer.as_str();
        let found = match &entry.keys {
            KeySource::Inline(_) => pinned("the inline jwks"),
            KeySource::File { path, .. } => pinned(&format!("the jwksFile {}", path.display())),
            KeySource::Discovery => diagnose_issuer(issuer, None, entry.rules.clock_tolerance, &configured).await,
            KeySource::JwksUri(uri) => diagnose_issuer(issuer, Some(uri.clone()), entry.rules.clock_tolerance, &configured).await,
        };
        // Several issuers: each line says which one it is about.
        checks.extend(found.into_iter().map(|c| if several { Check { detail: format!("{issuer}: {}", c.detail), ..c } } else { c }));
    }
    checks
}

/// Pinned keys passed the key rules when the options were read; nothing is fetched.
fn pinned(source: &str) -> Vec<Check> {
    vec![
        check("jwks", Status::Pass, format!("pinned keys from {source} are usable; no network call is made for this issuer")),
        check("clock", Status::Skip, "pinned keys: no issuer is asked, so its clock is unknown"),
    ]
}

async fn diagnose_issuer(issuer: &str, jwks_uri: Option<Url>, tolerance: f64, configured: &[String]) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut clock = None;
    let mut jwks_uri = jwks_uri;

    // Discovery: what the verifier reads unless jwksUri is set; doctor reads it anyway for
    // the algorithms and the clock, and says so when it is optional.
    let optional = jwks_uri.is_some();
    match discovery_url(issuer) {
        Err(why) => checks.push(check("reachable", if optional { Status::Skip } else { Status::Fail }, why)),
        Ok(url) => {
            let sent = unix_now();
            let fetched = fetch::get_json("discovery document", &url).await;
            let received = unix_now();
            match fetched {
                Err(why) => {
                    let why = if optional { format!("{why} (not needed: jwksUri is configured)") } else { why };
                    checks.push(check("reachable", if optional { Status::Warn } else { Status::Fail }, why));
                }
                Ok(fetched) => {
                    checks.push(check("reachable", Status::Pass, format!("the discovery document at {url} answered")));
                    let doc = &fetched.body;
                    match read_discovery(issuer, &url, doc) {
                        Ok(uri) => {
                            checks.push(check("issuer", Status::Pass, format!("the discovery document names {}", issuer)));
                            jwks_uri.get_or_insert(uri);
                        }
                        // Same issuer: the problem is its jwks_uri, reported by the jwks check.
                        Err(why) if doc.get("issuer").and_then(Value::as_str) == Some(issuer) => {
                            checks.push(check("issuer", Status::Pass, format!("the discovery document names {}", issuer)));
                            if !optional {
                                checks.push(check("jwks", Status::Fail, why));
                            }
                        }
                        Err(why) => {
                            let named = doc.get("issuer").map_or_else(
                                || "no issuer".into(),
                                |v| v.as_str().map_or_else(|| "a non-string issuer".into(), |s| format!("\"{}\"", escape(s))),
                            );
                            let detail = format!("{why}: it names {named}, the configuration says \"{}\"", issuer);
                            checks.push(check("issuer", Status::Fail, detail));
                        }
                    }
                    checks.push(algorithms_check(doc, configured));
                    clock = Some(clock_check(fetched.date.as_deref(), sent, received, tolerance, "discovery"));
                }
            }
        }
    }

    match jwks_uri {
        Some(url) => {
            let sent = unix_now();
            let fetched = fetch::get_json("JWKS", &url).await;
            let received = unix_now();
            match fetched {
                Err(why) => checks.push(check("jwks", Status::Fail, why)),
                Ok(fetched) => {
                    checks.push(jwks_check(&fetched.body, &url, configured));
                    clock.get_or_insert_with(|| clock_check(fetched.date.as_deref(), sent, received, tolerance, "JWKS"));
                }
            }
        }
        None if !checks.iter().any(|c| c.name == "jwks") => {
            checks.push(check("jwks", Status::Skip, "no JWKS URL is known (discovery did not give one)"));
        }
        None => {}
    }
    checks.push(clock.unwrap_or_else(|| check("clock", Status::Skip, "the issuer did not answer, so its clock is unknown")));
    checks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_imf_fixdates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(parse_http_date("Tue, 29 Feb 2028 23:59:59 GMT"), Some(1835481599));
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn clock_offsets_beyond_the_tolerance_fail() {
        let now = 1_000_000.0;
        let date = |t: i64| {
            // 1970-01-12 13:46:40 GMT is 1_000_000.
            let s = t - 1_000_000;
            format!("Mon, 12 Jan 1970 13:{:02}:{:02} GMT", 46 + (40 + s) / 60, (40 + s) % 60)
        };
        assert_eq!(clock_check(Some(&date(1_000_000)), now, now, 30.0, "discovery").status, Status::Pass);
        let late = clock_check(Some(&date(1_000_045)), now, now, 30.0, "discovery");
        assert_eq!(late.status, Status::Fail);
        assert!(late.detail.contains("45.5 s ahead"), "{}", late.detail);
        assert_eq!(clock_check(None, now, now, 30.0, "discovery").status, Status::Warn);
    }

    #[test]
    fn algorithms_must_overlap() {
        let doc = |algs: Value| serde_json::json!({ "id_token_signing_alg_values_supported": algs }).as_object().unwrap().clone();
        let rs = vec!["RS256".to_string()];
        assert_eq!(algorithms_check(&doc(serde_json::json!(["RS256", "ES256"])), &rs).status, Status::Pass);
        assert_eq!(algorithms_check(&doc(serde_json::json!(["ES256"])), &rs).status, Status::Fail);
        assert_eq!(algorithms_check(&serde_json::Map::new(), &rs).status, Status::Warn);
    }
}
