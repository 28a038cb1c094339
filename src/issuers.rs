//! What `OidcVerifier.issuers()` reports about each configured issuer: for start-up logs,
//! metrics by issuer, and the warnings about a JWKS file that went bad.

use napi_derive::napi;
use oidc_proxy_core::Verifier;

/// A JWKS file as last polled.
#[napi(object)]
pub struct JwksFileStatus {
    /// The path as configured.
    pub path: String,
    /// Why the file's current content is not in use (the last good keys keep serving);
    /// absent while it is in use.
    pub problem: Option<String>,
    /// Times the file went from good to bad: report each episode once.
    pub bad_episodes: f64,
    /// Times a changed, good content replaced the keys.
    pub reloads: f64,
}

/// One configured issuer, in the order of the options (the single form is one entry).
#[napi(object)]
pub struct IssuerStatus {
    pub issuer: String,
    /// Where its keys come from: `discovery`, `jwksUri`, `jwks` or `jwksFile`.
    #[napi(ts_type = "'discovery' | 'jwksUri' | 'jwks' | 'jwksFile'")]
    pub keys: String,
    /// The entry's `allowedDomains`; empty: it may vouch for any email.
    pub allowed_domains: Vec<String>,
    /// Tokens of this issuer verified (cache hits included), since the verifier was built.
    pub verified: f64,
    /// Tokens refused once this issuer was chosen by their `iss`.
    pub refused: f64,
    /// For `keys: 'jwksFile'`.
    pub jwks_file: Option<JwksFileStatus>,
}

pub fn statuses(verifier: &Verifier) -> Vec<IssuerStatus> {
    (0..verifier.issuer_count())
        .map(|i| {
            let counts = verifier.issuer_counts(i);
            IssuerStatus {
                issuer: verifier.issuer(i).unwrap_or_default().to_owned(),
                keys: verifier.key_source(i).unwrap_or_default().to_owned(),
                allowed_domains: verifier.issuer_allowed_domains(i).to_vec(),
                verified: counts.verified as f64,
                refused: counts.refused as f64,
                jwks_file: verifier.jwks_file_status(i).map(|f| JwksFileStatus {
                    path: f.path.display().to_string(),
                    problem: f.problem,
                    bad_episodes: f.bad_episodes as f64,
                    reloads: f.reloads as f64,
                }),
            }
        })
        .collect()
}
