//! HTTP GET of discovery and JWKS documents, with the limits an auth path needs:
//! https only (loopback excepted), bounded time, bounded size, no redirects.

use crate::json_object;
use once_cell::sync::Lazy;
use reqwest::header::CACHE_CONTROL;
use reqwest::{Client, StatusCode, Url};
use serde_json::{Map, Value};
use std::net::IpAddr;
use std::time::Duration;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The whole request, body included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
pub const MAX_BODY_BYTES: usize = 256 * 1024;

pub struct Fetched {
    pub body: Map<String, Value>,
    /// From `Cache-Control: max-age`; `Some(0)` for no-cache / no-store.
    pub max_age: Option<Duration>,
    /// The response's `Date` header, as sent (for the clock check of `doctor`).
    pub date: Option<String>,
}

static CLIENT: Lazy<Result<Client, String>> = Lazy::new(build_client);

fn build_client() -> Result<Client, String> {
    let mut builder = Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        // A redirect could lead from https to plain http; issuers do not need them.
        .redirect(reqwest::redirect::Policy::none())
        // Keys are fetched minutes apart: a kept-alive connection would mostly be one the
        // issuer has closed by then, and a request sent on it fails. A new one each time.
        .pool_max_idle_per_host(0)
        .user_agent(concat!("backstage-oidc-proxy-provider/", env!("CARGO_PKG_VERSION")));
    // Node's way of adding private CAs; honour it so the addon trusts what Node trusts.
    if let Some(path) = std::env::var_os("NODE_EXTRA_CA_CERTS") {
        let pem = std::fs::read(&path).map_err(|e| format!("NODE_EXTRA_CA_CERTS ({}) cannot be read: {e}", path.to_string_lossy()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|_| format!("NODE_EXTRA_CA_CERTS ({}) is not a PEM bundle", path.to_string_lossy()))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder.build().map_err(|e| format!("the HTTP client cannot be built: {e}"))
}

pub fn is_loopback_host(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// Accepts https URLs, and http only towards loopback (for local development and tests).
pub fn check_url(what: &str, url: &str) -> Result<Url, String> {
    let parsed = Url::parse(url).map_err(|_| format!("the {what} is not a valid URL"))?;
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" if is_loopback_host(&parsed) => Ok(parsed),
        "http" => Err(format!("the {what} must use https (plain http is allowed only for loopback hosts)")),
        _ => Err(format!("the {what} must be an https URL")),
    }
}

pub async fn get_json(what: &str, url: &Url) -> Result<Fetched, String> {
    let client = CLIENT.as_ref().map_err(Clone::clone)?;
    let mut response =
        client.get(url.clone()).header(reqwest::header::ACCEPT, "application/json").send().await.map_err(|e| describe(what, url, &e))?;
    let status = response.status();
    if status != StatusCode::OK {
        return Err(format!("the {what} at {url} answered HTTP {}", status.as_u16()));
    }
    if response.content_length().is_some_and(|len| len > MAX_BODY_BYTES as u64) {
        return Err(format!("the {what} at {url} is larger than {MAX_BODY_BYTES} bytes"));
    }
    let max_age = response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).and_then(max_age);
    let date = response.headers().get(reqwest::header::DATE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(what, url, &e))? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(format!("the {what} at {url} is larger than {MAX_BODY_BYTES} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    let body = json_object::parse(&body).map_err(|why| format!("the {what} at {url} {why}"))?;
    Ok(Fetched { body, max_age, date })
}

fn describe(what: &str, url: &Url, e: &reqwest::Error) -> String {
    let why = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "could not be reached (connection failed)".to_string()
    } else {
        "could not be fetched".to_string()
    };
    format!("the {what} at {url} {why}")
}

/// Reads `max-age` from a Cache-Control value; no-store and no-cache mean zero.
pub fn max_age(header: &str) -> Option<Duration> {
    let mut found = None;
    for directive in header.split(',') {
        let directive = directive.trim();
        if directive.eq_ignore_ascii_case("no-store") || directive.eq_ignore_ascii_case("no-cache") {
            return Some(Duration::ZERO);
        }
        if let Some((name, value)) = directive.split_once('=') {
            if name.trim().eq_ignore_ascii_case("max-age") {
                found = value.trim().trim_matches('"').parse::<u64>().ok().map(Duration::from_secs);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("issuer", "https://login.example.com").is_ok());
        assert!(check_url("issuer", "http://127.0.0.1:8080").is_ok());
        assert!(check_url("issuer", "http://127.1.2.3").is_ok());
        assert!(check_url("issuer", "http://localhost:3000/x").is_ok());
        assert!(check_url("issuer", "http://[::1]:3000").is_ok());
        assert!(check_url("issuer", "http://login.example.com").is_err());
        assert!(check_url("issuer", "http://localhost.example.com").is_err());
        assert!(check_url("issuer", "http://10.0.0.1").is_err());
        assert!(check_url("issuer", "ftp://127.0.0.1").is_err());
        assert!(check_url("issuer", "not a url").is_err());
    }

    #[test]
    fn reads_cache_control() {
        assert_eq!(max_age("public, max-age=600"), Some(Duration::from_secs(600)));
        assert_eq!(max_age("max-age=\"60\", must-revalidate"), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("max-age=600, no-cache"), Some(Duration::ZERO));
        assert_eq!(max_age("public"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }
}
