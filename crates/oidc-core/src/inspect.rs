//! Reading a token without verifying it, for diagnosis only: nothing read here is trusted
//! or used to decide anything.
//!
//! - [`summarize`] picks the few fields a refusal log line shows (header `alg`, `kid`;
//!   `iss`, `aud`, `azp`, `sub`, seconds to `exp`). The token is attacker-chosen, so every
//!   value is escaped and cut, and anything that looks like an email keeps only its domain.
//!   It never fails: what cannot be read is left out.
//! - [`decode`] gives the whole header and payload as JSON text, for the operator's own
//!   terminal (`backstage-oidc-proxy decode`).

use crate::base64url;
use crate::error::{Code, Error, Result};
use crate::json_object;
use crate::token::MAX_TOKEN_BYTES;
use serde_json::{Map, Value};

/// Longest value a log line shows, in characters, before `…`.
pub const MAX_VALUE_CHARS: usize = 64;
/// Audiences shown at most; more are counted.
pub const MAX_AUDIENCES: usize = 5;

/// What a refusal log line may show of a token; every string escaped and cut.
#[derive(Debug, Default, PartialEq)]
pub struct Summary {
    pub alg: Option<String>,
    pub kid: Option<String>,
    pub iss: Option<String>,
    pub aud: Vec<String>,
    pub azp: Option<String>,
    pub sub: Option<String>,
    /// Whole seconds from `now` to `exp`, negative once expired.
    pub exp_in: Option<i64>,
}

/// Escapes a token-chosen string for a log line: printable ASCII stays, except `"` and `\`;
/// everything else (controls, newlines, non-ASCII) becomes `\u{..}`. Cut at
/// MAX_VALUE_CHARS characters of the input, marked with `…`.
pub fn escape(value: &str) -> String {
    let mut out = String::new();
    for (i, c) in value.chars().enumerate() {
        if i == MAX_VALUE_CHARS {
            out.push('…');
            break;
        }
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    out
}

/// A value with an `@` may be an email (some issuers use it as `sub`): only the part
/// after the last `@` is kept.
fn without_mailbox(value: &str) -> String {
    match value.rfind('@') {
        Some(at) => format!("…@{}", escape(&value[at + 1..])),
        None => escape(value),
    }
}

fn text(map: &Map<String, Value>, name: &str) -> Option<String> {
    map.get(name).and_then(Value::as_str).map(without_mailbox)
}

/// The token's parts, decoded, if they are base64url JSON objects (no other checks).
fn part(segment: Option<&str>) -> Option<Map<String, Value>> {
    json_object::parse(&base64url::decode(segment?.as_bytes())?).ok()
}

/// The log line's fields of `token`, read without verifying anything; `now` in Unix seconds.
pub fn summarize(token: &str, now: f64) -> Summary {
    if token.len() > MAX_TOKEN_BYTES {
        return Summary::default();
    }
    let mut segments = token.split('.');
    let header = part(segments.next()).unwrap_or_default();
    // A JWE's second part is an encrypted key, not claims: only its header is read.
    let claims = if header.contains_key("enc") { Map::new() } else { part(segments.next()).unwrap_or_default() };
    let aud = match claims.get("aud") {
        Some(Value::String(a)) => vec![without_mailbox(a)],
        Some(Value::Array(list)) => {
            let mut shown: Vec<String> =
                list.iter().take(MAX_AUDIENCES).map(|a| a.as_str().map_or_else(|| "?".into(), without_mailbox)).collect();
            if list.len() > MAX_AUDIENCES {
                shown.push(format!("+{} more", list.len() - MAX_AUDIENCES));
            }
            shown
        }
        _ => vec![],
    };
    let exp_in = claims.get("exp").and_then(Value::as_f64).filter(|e| e.is_finite()).map(|e| (e - now).floor() as i64);
    Summary {
        alg: text(&header, "alg"),
        kid: text(&header, "kid"),
        iss: text(&claims, "iss"),
        aud,
        azp: text(&claims, "azp"),
        sub: text(&claims, "sub"),
        exp_in,
    }
}

/// A token taken apart for the operator to read.
#[derive(Debug, PartialEq)]
pub struct Decoded {
    /// The protected header, as JSON text.
    pub header: String,
    /// The payload as JSON text; absent for a JWE, whose payload is encrypted.
    pub payload: Option<String>,
    /// `jws` (three parts) or `jwe` (five parts).
    pub kind: &'static str,
}

fn not_jws(why: &str) -> Error {
    Error::new(Code::JwsInvalid, why)
}

fn json_text(segment: &str, what: &str) -> Result<String> {
    let bytes = base64url::decode(segment.as_bytes()).ok_or_else(|| not_jws(&format!("the {what} is not canonical base64url")))?;
    let object = json_object::parse(&bytes).map_err(|why| not_jws(&format!("the {what} {why}")))?;
    serde_json::to_string(&object).map_err(|_| not_jws(&format!("the {what} cannot be shown")))
}

/// Takes a compact JWS (or a JWE's header) apart without verifying it. Errors with
/// ERR_JWS_INVALID, naming the part, when the input is neither.
pub fn decode(token: &str) -> Result<Decoded> {
    let token = token.trim();
    if token.is_empty() {
        return Err(not_jws("the input is empty"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(not_jws(&format!("the input is larger than {MAX_TOKEN_BYTES} bytes")));
    }
    let segments: Vec<&str> = token.split('.').collect();
    match segments.len() {
        3 => Ok(Decoded { header: json_text(segments[0], "header")?, payload: Some(json_text(segments[1], "payload")?), kind: "jws" }),
        5 => Ok(Decoded { header: json_text(segments[0], "header")?, payload: None, kind: "jwe" }),
        n => Err(not_jws(&format!("the input has {n} dot-separated parts; a compact JWS has three"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64url::encode(s.as_bytes())
    }

    fn token(header: &str, payload: &str) -> String {
        format!("{}.{}.c2ln", b64(header), b64(payload))
    }

    #[test]
    fn summarizes_the_logged_fields() {
        let t = token(
            r#"{"alg":"RS256","kid":"k1"}"#,
            r#"{"iss":"https://idp","aud":["a","b"],"azp":"a","sub":"u1","exp":1000,"email":"jane@example.com","name":"Jane"}"#,
        );
        let s = summarize(&t, 1010.5);
        assert_eq!(s.alg.as_deref(), Some("RS256"));
        assert_eq!(s.kid.as_deref(), Some("k1"));
        assert_eq!(s.iss.as_deref(), Some("https://idp"));
        assert_eq!(s.aud, vec!["a", "b"]);
        assert_eq!(s.azp.as_deref(), Some("a"));
        assert_eq!(s.sub.as_deref(), Some("u1"));
        assert_eq!(s.exp_in, Some(-11));
    }

    #[test]
    fn values_are_escaped_cut_and_never_a_mailbox() {
        let long = "x".repeat(100);
        let t = token(r#"{"alg":"RS256\n\"x"}"#, &format!(r#"{{"iss":"{long}","sub":"jane@example.com","aud":"ü","azp":7}}"#));
        let s = summarize(&t, 0.0);
        assert_eq!(s.alg.as_deref(), Some("RS256\\u{a}\\\"x"));
        assert_eq!(s.iss.unwrap(), format!("{}…", "x".repeat(64)));
        assert_eq!(s.sub.as_deref(), Some("…@example.com"));
        assert_eq!(s.aud, vec!["\\u{fc}"]);
        assert_eq!(s.azp, None, "a non-string is left out");
    }

    #[test]
    fn many_audiences_are_counted() {
        let t = token(r#"{"alg":"RS256"}"#, r#"{"aud":["1","2","3","4","5","6","7"]}"#);
        assert_eq!(summarize(&t, 0.0).aud, vec!["1", "2", "3", "4", "5", "+2 more"]);
    }

    #[test]
    fn garbage_gives_an_empty_summary() {
        for t in ["", "garbage", "a.b.c", "....", &"a".repeat(MAX_TOKEN_BYTES + 1)] {
            assert_eq!(summarize(t, 0.0), Summary::default(), "{t:.20}");
        }
        let jwe = format!("{}.{}.iv.ct.tag", b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#), b64(r#"{"sub":"x"}"#));
        let s = summarize(&jwe, 0.0);
        assert_eq!((s.alg.as_deref(), s.sub), (Some("RSA-OAEP"), None));
    }

    #[test]
    fn decodes_for_the_operator() {
        let d = decode(&format!(" {}\n", token(r#"{"alg":"RS256"}"#, r#"{"email":"jane@example.com"}"#))).unwrap();
        assert_eq!((d.kind, d.header.as_str()), ("jws", r#"{"alg":"RS256"}"#));
        assert_eq!(d.payload.as_deref(), Some(r#"{"email":"jane@example.com"}"#));
        let jwe = format!("{}.k.iv.ct.tag", b64(r#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#));
        assert_eq!(decode(&jwe).unwrap().kind, "jwe");
        for bad in ["", "garbage", "a.b", "a.b.c", &token("[]", "{}"), &token(r#"{"alg":"RS256"}"#, "nope")] {
            assert_eq!(decode(bad).unwrap_err().code, Code::JwsInvalid, "{bad}");
        }
    }
}
