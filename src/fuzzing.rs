//! A hidden door into the core for the fuzz targets (`fuzz/`) and the Wycheproof vector
//! tests (`tests/wycheproof.rs`): they need the parsers and the signature check without
//! Node, napi or the network. Not an API: nothing here is stable or documented for users.
//! Every function runs the same code `verifyIdToken` runs; only the glue is here.
#![doc(hidden)]

use crate::base64url;
use crate::error::{Code, Error};
use crate::json_object;
use crate::jwks::{self, Choice, KeySet};
use crate::key_store::{self, Snapshot};
use crate::options::VerifyOptions;
use crate::token;
use crate::verifier::{self, Step};
use std::sync::Arc;

/// Every algorithm the core knows, to ask a key set for each.
pub const ALGORITHMS: [&str; 9] = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"];

fn code(e: Error) -> &'static str {
    e.code.as_str()
}

/// Parses a token as verification does (structure, base64url, header rules, payload JSON).
pub fn parse_token(token: &str) -> Result<(), &'static str> {
    token::parse(token).map(|_| ()).map_err(code)
}

/// A JWKS document as the key cache would hold it.
fn key_set(jwks: &[u8]) -> Result<KeySet, String> {
    let doc = json_object::parse(jwks).map_err(|why| format!("the JWKS {why}"))?;
    KeySet::parse(&doc)
}

/// Parses a JWKS document, then asks it for a key for every algorithm, with the kid of
/// each of its keys and with none. Returns how many keys were usable.
pub fn parse_jwks(jwks: &[u8]) -> Result<usize, String> {
    let set = key_set(jwks)?;
    let kids: Vec<Option<String>> =
        set.keys.iter().map(|k| k.kid.clone()).chain(set.rejected.iter().map(|r| r.kid.clone())).chain([None]).collect();
    for alg in ALGORITHMS {
        let alg = token::parse_algorithm(alg).expect("known algorithm");
        for kid in &kids {
            let _ = set.choose(alg, kid.as_deref());
        }
    }
    Ok(set.keys.len())
}

/// Reads a discovery document fetched for `issuer`; returns the JWKS URI it names.
pub fn parse_discovery(issuer: &str, doc: &[u8]) -> Result<String, String> {
    let url = reqwest::Url::parse(&format!("{}/.well-known/openid-configuration", issuer.trim_end_matches('/')))
        .map_err(|_| "the issuer is not a URL".to_string())?;
    let doc = json_object::parse(doc).map_err(|why| format!("the discovery document {why}"))?;
    key_store::read_discovery(issuer, &url, &doc).map(|u| u.to_string())
}

/// Full verification of `token` against the keys of `jwks`, as `verifyIdToken` does once
/// keys are held: the claims JSON, or the error code.
pub fn verify(token: &str, jwks: &[u8], issuer: &str, audience: &str) -> Result<String, &'static str> {
    let options = VerifyOptions { issuer: issuer.into(), audience: vec![audience.into()], ..Default::default() };
    let verifier = verifier::for_options(&options).map_err(code)?;
    let keys = key_set(jwks).map_err(|_| Code::IssuerUnavailable.as_str())?;
    let snapshot = Snapshot { keys: Arc::new(keys), generation: 0 };
    match verifier.verify_with(token, Some(&snapshot), true) {
        Step::Done(result) => result.map(|claims| claims.to_string()).map_err(code),
        // Keys are given and the refetch is marked done, so neither can happen.
        Step::NeedKeys | Step::UnknownKid(_) => Err(Code::Internal.as_str()),
    }
}

/// The JWS layer only: structure, header rules, key choice and signature. The payload is
/// not read as claims, so JOSE test vectors whose payload is not a JSON object can be
/// judged on their signature.
pub fn verify_jws_signature(token: &str, jwks: &[u8]) -> Result<(), &'static str> {
    let invalid = Code::JwsInvalid.as_str();
    if token.is_empty() || token.len() > token::MAX_TOKEN_BYTES {
        return Err(invalid);
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, payload_b64, signature] = parts[..] else { return Err(invalid) };
    if signature.is_empty() {
        return Err(Code::JoseAlgNotAllowed.as_str());
    }
    for part in [payload_b64, signature] {
        base64url::decode(part.as_bytes()).ok_or(invalid)?;
    }
    let header = base64url::decode(header_b64.as_bytes()).ok_or(invalid)?;
    let header = json_object::parse(&header).map_err(|_| invalid)?;
    let (alg, kid) = token::check_header(&header).map_err(code)?;
    let keys = key_set(jwks).map_err(|_| Code::IssuerUnavailable.as_str())?;
    let key = match keys.choose(alg, kid.as_deref()) {
        Choice::Key(key) => key,
        Choice::NoMatch => return Err(Code::JwksNoMatchingKey.as_str()),
        Choice::Multiple => return Err(Code::JwksMultipleMatchingKeys.as_str()),
        Choice::Unusable(_) => return Err(Code::JwkInvalid.as_str()),
    };
    jwks::verify_signature(key, alg, &token[..header_b64.len() + 1 + payload_b64.len()], signature).map_err(code)
}

/// A raw signature check with one JWK, for signature vectors whose message is not a JWS
/// signing input. `Err` when the key is refused; `Ok(false)` when the signature is.
pub fn verify_raw(jwk: &[u8], alg: &str, message: &[u8], signature_b64url: &str) -> Result<bool, String> {
    let jwk = json_object::parse(jwk).map_err(|why| format!("the JWK {why}"))?;
    let doc = serde_json::json!({ "keys": [jwk] });
    let keys = KeySet::parse(doc.as_object().expect("an object"))?;
    let alg = token::parse_algorithm(alg).ok_or_else(|| format!("unknown algorithm {alg}"))?;
    let key = match keys.choose(alg, None) {
        Choice::Key(key) => key,
        Choice::Unusable(why) => return Err(why.to_string()),
        _ => return Err(keys.rejected.first().map_or_else(|| "no key fits".to_string(), |r| r.reason.clone())),
    };
    Ok(jsonwebtoken::crypto::verify(signature_b64url, message, &key.decoding_key, alg).unwrap_or(false))
}

#[cfg(test)]
#[path = "wycheproof.rs"]
mod wycheproof;
