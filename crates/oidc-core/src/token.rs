//! Compact JWS parsing and the header rules that hold before any key is looked at.

use crate::base64url;
use crate::error::{Code, Error, Result};
use crate::json_object::{self, Members};
use jsonwebtoken::Algorithm;
use serde_json::Value;

/// Largest token accepted, in bytes. Node's default limit for all request headers
/// together is 16 KiB, so no real proxy-forwarded token is larger.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// A compact JWS whose structure and header passed; the payload is not read yet.
#[derive(Debug)]
pub struct Jws<'a> {
    pub alg: Algorithm,
    pub kid: Option<String>,
    /// `header.payload`, the bytes the signature covers.
    pub signing_input: &'a str,
    /// The signature, decoded once, here.
    pub signature: Vec<u8>,
    /// The payload's bytes, decoded but not read: nothing in them is looked at before the
    /// signature is checked, but the bounded read of `iss` that picks an issuer's keys.
    pub payload: Vec<u8>,
}

/// A JWS whose payload is text: an ID token before its signature is checked.
#[derive(Debug)]
pub struct Token<'a> {
    pub alg: Algorithm,
    pub kid: Option<String>,
    pub signing_input: &'a str,
    pub signature: Vec<u8>,
    /// The payload text; `claims` reads it as a JSON object.
    pub payload_json: String,
}

fn invalid(message: &str) -> Error {
    Error::new(Code::JwsInvalid, message)
}

pub fn parse_algorithm(name: &str) -> Option<Algorithm> {
    Some(match name {
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

/// The JWS layer: structure, size, canonical base64url, header rules.
pub fn parse_jws(token: &str) -> Result<Jws<'_>> {
    if token.is_empty() {
        return Err(invalid("the token is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(invalid(&format!("the token is larger than {MAX_TOKEN_BYTES} bytes")));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid("the token is not a compact JWS (three dot-separated parts)"));
    };
    match parts.count() {
        0 => {}
        2 => return Err(invalid("the token is a JWE (encrypted); a signed ID token (compact JWS) is required")),
        _ => return Err(invalid("the token is not a compact JWS (three dot-separated parts)")),
    }
    if signature.is_empty() {
        return Err(Error::new(Code::JoseAlgNotAllowed, "the token is unsigned"));
    }
    let signature = base64url::decode(signature.as_bytes()).ok_or_else(|| invalid("the signature is not canonical base64url"))?;
    let header_bytes =
        base64url::decode(header_b64.as_bytes()).ok_or_else(|| invalid("the protected header is not canonical base64url"))?;
    let header = std::str::from_utf8(&header_bytes)
        .map_err(|_| "is not valid JSON")
        .and_then(json_object::members)
        .map_err(|why| invalid(&format!("the protected header {why}")))?;
    let (alg, kid) = check_header(&header)?;
    let payload = base64url::decode(payload_b64.as_bytes()).ok_or_else(|| invalid("the payload is not canonical base64url"))?;
    Ok(Jws { alg, kid, signing_input: &token[..header_b64.len() + 1 + payload_b64.len()], signature, payload })
}

/// An ID token: the JWS layer, then the payload as a JSON object.
pub fn parse(token: &str) -> Result<Token<'_>> {
    let token = read_payload(parse_jws(token)?)?;
    claims(&token)?;
    Ok(token)
}

/// The payload of a JWS as text: for a verifier, only once the signature is checked.
pub fn read_payload(jws: Jws<'_>) -> Result<Token<'_>> {
    let Jws { alg, kid, signing_input, signature, payload } = jws;
    let payload_json = String::from_utf8(payload).map_err(|_| Error::new(Code::JwtInvalid, "the payload is not UTF-8"))?;
    Ok(Token { alg, kid, signing_input, signature, payload_json })
}

/// The payload's claims: a JSON object without duplicate names, each claim read when asked for.
pub fn claims<'t>(token: &'t Token<'_>) -> Result<Members<'t>> {
    json_object::members(&token.payload_json).map_err(|why| Error::new(Code::JwtInvalid, format!("the payload {why}")))
}

/// `value` names the media type `application/<subtype>`, in either spelling, any case.
fn media_type_is(value: &str, subtype: &str) -> bool {
    let short = match value.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => &value[12..],
        _ => value,
    };
    short.eq_ignore_ascii_case(subtype)
}

/// RFC 8725 3.11: a token of another kind (an access token `at+jwt`, a logout token
/// `logout+jwt`, ...) must not pass as an ID token. ID tokens carry no `typ` or `JWT`.
fn check_typ(header: &Members<'_>) -> Result<()> {
    match header.get("typ") {
        None => Ok(()),
        Some(Value::String(typ)) if media_type_is(&typ, "jwt") => Ok(()),
        Some(_) => Err(Error::claim("typ", "the header's typ says this is not an ID token (only JWT is accepted)")),
    }
}

fn check_header(header: &Members<'_>) -> Result<(Algorithm, Option<String>)> {
    if header.contains("enc") {
        return Err(invalid("the token is a JWE (encrypted); a signed ID token is required"));
    }
    // RFC 7515 4.1.11: a recipient must refuse extensions it does not understand; we
    // understand none, so any `crit` is refused.
    if header.contains("crit") {
        return Err(Error::new(Code::JoseNotSupported, "the header lists critical extensions (crit), which are not supported"));
    }
    // RFC 7797: b64=false changes what the signature covers.
    if let Some(b64) = header.get("b64") {
        if b64 != Value::Bool(true) {
            return Err(Error::new(Code::JoseNotSupported, "unencoded payloads (b64) are not supported"));
        }
    }
    // RFC 7515 4.1.10: a media type may omit its "application/" prefix, so both spellings
    // name a nested JWT.
    if let Some(Value::String(cty)) = header.get("cty") {
        if media_type_is(&cty, "jwt") {
            return Err(Error::new(Code::JoseNotSupported, "nested JWTs (cty: JWT) are not supported"));
        }
    }
    check_typ(header)?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg,
        Some(_) => return Err(invalid("the header's alg is not a string")),
        None => return Err(invalid("the header has no alg")),
    };
    let alg = parse_algorithm(&alg)
        .ok_or_else(|| Error::new(Code::JoseAlgNotAllowed, "the token's algorithm is not supported (none and HMAC are never accepted)"))?;
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid),
        Some(_) => return Err(invalid("the header's kid is not a string")),
    };
    Ok((alg, kid))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        crate::base64url::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(payload))
    }

    fn code(t: &str) -> Code {
        parse(t).unwrap_err().code
    }

    #[test]
    fn parses_a_well_formed_token() {
        let t = token(r#"{"alg":"RS256","kid":"k1"}"#, r#"{"sub":"a"}"#);
        let parsed = parse(&t).unwrap();
        assert_eq!(parsed.alg, Algorithm::RS256);
        assert_eq!(parsed.kid.as_deref(), Some("k1"));
        assert_eq!(parsed.payload_json, r#"{"sub":"a"}"#);
        assert_eq!(parsed.signature, b"sig");
    }

    #[test]
    fn refuses_structure_problems() {
        assert_eq!(code(""), Code::JwsInvalid);
        assert_eq!(code("a.b"), Code::JwsInvalid);
        assert_eq!(code("a.b.c.d.e"), Code::JwsInvalid);
        assert_eq!(code(&"a".repeat(MAX_TOKEN_BYTES + 1)), Code::JwsInvalid);
        assert_eq!(code(&format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64("{}"))), Code::JoseAlgNotAllowed);
        assert_eq!(code(&format!("{}=.{}.c2ln", b64(r#"{"alg":"RS256"}"#), b64("{}"))), Code::JwsInvalid);
    }

    #[test]
    fn refuses_header_features() {
        assert_eq!(code(&token(r#"{"alg":"none"}"#, "{}")), Code::JoseAlgNotAllowed);
        assert_eq!(code(&token(r#"{"alg":"HS256"}"#, "{}")), Code::JoseAlgNotAllowed);
        assert_eq!(code(&token(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "{}")), Code::JoseNotSupported);
        assert_eq!(code(&token(r#"{"alg":"RS256","b64":false}"#, "{}")), Code::JoseNotSupported);
        assert_eq!(code(&token(r#"{"alg":"RS256","cty":"JWT"}"#, "{}")), Code::JoseNotSupported);
        assert_eq!(code(&token(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#, "{}")), Code::JwsInvalid);
        assert_eq!(code(&token(r#"{"alg":"RS256","alg":"none"}"#, "{}")), Code::JwsInvalid);
        assert_eq!(code(&token(r#"{"alg":"RS256","kid":7}"#, "{}")), Code::JwsInvalid);
        for cty in ["jwt", "application/JWT", "APPLICATION/jwt"] {
            let header = format!(r#"{{"alg":"RS256","cty":"{cty}"}}"#);
            assert_eq!(code(&token(&header, "{}")), Code::JoseNotSupported, "{cty}");
        }
    }

    #[test]
    fn only_id_token_types_pass() {
        for typ in ["JWT", "jwt", "application/jwt", "Application/JWT"] {
            let header = format!(r#"{{"alg":"RS256","typ":"{typ}"}}"#);
            assert!(parse(&token(&header, "{}")).is_ok(), "{typ}");
        }
        for typ in ["at+jwt", "application/at+jwt", "logout+jwt", "JOSE", "", "application/"] {
            let header = format!(r#"{{"alg":"RS256","typ":"{typ}"}}"#);
            let e = parse(&token(&header, "{}")).unwrap_err();
            assert_eq!((e.code, e.claim.as_deref()), (Code::JwtClaimValidationFailed, Some("typ")), "{typ}");
        }
        let e = parse(&token(r#"{"alg":"RS256","typ":7}"#, "{}")).unwrap_err();
        assert_eq!(e.claim.as_deref(), Some("typ"));
    }

    #[test]
    fn refuses_bad_payloads() {
        assert_eq!(code(&token(r#"{"alg":"RS256"}"#, "[]")), Code::JwtInvalid);
        assert_eq!(code(&token(r#"{"alg":"RS256"}"#, r#"{"sub":"a","sub":"b"}"#)), Code::JwtInvalid);
        assert_eq!(code(&token(r#"{"alg":"RS256"}"#, "not json")), Code::JwtInvalid);
    }
}
