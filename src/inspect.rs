//! The napi surface of the core's unverified token reading: `inspectToken` for refusal log
//! lines (escaped, cut, never a mailbox) and `decodeToken` for the CLI's `decode`.

use crate::js;
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::{header, inspect};
use std::time::{SystemTime, UNIX_EPOCH};

/// What a refusal log line shows of a token, read without verifying it. Each string is
/// escaped and cut at 64 characters; a value with an `@` keeps only its domain.
#[napi(object)]
pub struct TokenSummary {
    /// The header's `alg`.
    pub alg: Option<String>,
    /// The header's `kid`.
    pub kid: Option<String>,
    pub iss: Option<String>,
    /// Up to five audiences, then `+N more`.
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub sub: Option<String>,
    /// Whole seconds from now to `exp`; negative once expired.
    pub exp_in: Option<i64>,
}

/// Reads the log line's fields of a token (or of a header value: a `Bearer ` form too)
/// without verifying it; never throws (what cannot be read is left out, a non-string gives
/// an empty summary).
#[napi(catch_unwind, ts_args_type = "token: string")]
pub fn inspect_token(token: Unknown<'_>) -> TokenSummary {
    let token = js::string(&token).unwrap_or_default();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64());
    let s = inspect::summarize(header::token_from_header(&token), now);
    TokenSummary { alg: s.alg, kid: s.kid, iss: s.iss, aud: s.aud, azp: s.azp, sub: s.sub, exp_in: s.exp_in }
}

/// A token taken apart, unverified: for the operator's own terminal only.
#[napi(object)]
pub struct DecodedToken {
    /// `jws` (a compact JWS, three parts) or `jwe` (encrypted, five parts: only the header is readable).
    pub kind: String,
    /// The protected header, as JSON text.
    pub header: String,
    /// The payload (claims), as JSON text; absent for a JWE.
    pub payload: Option<String>,
}

/// Decodes a compact JWS (or a JWE's header) without verifying it. Throws ERR_JWS_INVALID
/// when the input is neither, naming the part at fault.
#[napi(catch_unwind, ts_args_type = "token: string")]
pub fn decode_token(env: Env, token: Unknown<'_>) -> Result<DecodedToken> {
    let token = js::string(&token).unwrap_or_default();
    match inspect::decode(&token) {
        Ok(d) => Ok(DecodedToken { kind: d.kind.to_owned(), header: d.header, payload: d.payload }),
        Err(e) => Err(js::error(&env, &e)),
    }
}
