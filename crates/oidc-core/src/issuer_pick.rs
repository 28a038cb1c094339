//! The one look at an unverified payload: its `iss`, to choose which configured issuer's
//! keys and rules verify the token. Only that member is read (the others are skipped
//! without being kept), and nothing else is trusted from it.

use crate::error::{Code, Error, Result};
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// A member name, compared without keeping it.
struct IsIss(bool);

impl<'de> Deserialize<'de> for IsIss {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct NameVisitor;
        impl Visitor<'_> for NameVisitor {
            type Value = IsIss;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<IsIss, E> {
                Ok(IsIss(name == "iss"))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// The payload's `iss`: None when absent, Some(None) when not a string.
struct Iss(Option<Option<String>>);

impl<'de> Deserialize<'de> for Iss {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct PayloadVisitor;
        impl<'de> Visitor<'de> for PayloadVisitor {
            type Value = Iss;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> std::result::Result<Iss, A::Error> {
                let mut iss = None;
                while let Some(IsIss(is_iss)) = access.next_key()? {
                    if !is_iss {
                        access.next_value::<IgnoredAny>()?;
                        continue;
                    }
                    // Two readers must never see two issuers (json_object.rs).
                    if iss.is_some() {
                        return Err(de::Error::custom("duplicate member name"));
                    }
                    iss = Some(match access.next_value::<Value>()? {
                        Value::String(s) => Some(s),
                        _ => None,
                    });
                }
                Ok(Iss(iss))
            }
        }
        deserializer.deserialize_map(PayloadVisitor)
    }
}

/// The `iss` string of a payload (the bytes of a JWS payload, at most a token's size).
/// Missing or not a string: the `iss` claim error every unlisted issuer gets.
pub fn read(payload: &[u8]) -> Result<String> {
    match serde_json::from_slice::<Iss>(payload) {
        Ok(Iss(Some(Some(iss)))) => Ok(iss),
        Ok(Iss(Some(None))) => Err(Error::claim("iss", "the iss claim is not a string")),
        Ok(Iss(None)) => Err(Error::claim("iss", "the iss claim is missing")),
        Err(e) if e.to_string().starts_with("duplicate member name") => {
            Err(Error::new(Code::JwtInvalid, "the payload has a duplicate member name"))
        }
        Err(e) if e.is_data() => Err(Error::new(Code::JwtInvalid, "the payload is not a JSON object")),
        Err(_) => Err(Error::new(Code::JwtInvalid, "the payload is not valid JSON")),
    }
}

#[cfg(test)]
mod tests {
    use super::read;
    use crate::error::Code;

    #[test]
    fn reads_iss_only() {
        assert_eq!(read(br#"{"sub":"a","iss":"https://a.example/","x":[{"iss":"no"}]}"#).unwrap(), "https://a.example/");
        assert_eq!(read(br#"{"iss":"https:\/\/a"}"#).unwrap(), "https://a", "as the claim rules read it");
    }

    #[test]
    fn deep_nesting_elsewhere_is_skipped_without_recursion() {
        let payload = format!(r#"{{"x":{}{},"iss":"a"}}"#, "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(read(payload.as_bytes()).unwrap(), "a");
        let deep_iss = format!(r#"{{"iss":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(read(deep_iss.as_bytes()).unwrap_err().code, Code::JwtInvalid, "serde_json's depth limit, not a stack overflow");
    }

    #[test]
    fn refuses_missing_mistyped_duplicated_or_garbage() {
        for (payload, code, claim) in [
            (&br#"{"sub":"a"}"#[..], Code::JwtClaimValidationFailed, Some("iss")),
            (br#"{"iss":7}"#, Code::JwtClaimValidationFailed, Some("iss")),
            (br#"{"iss":null}"#, Code::JwtClaimValidationFailed, Some("iss")),
            (br#"{"iss":["a"]}"#, Code::JwtClaimValidationFailed, Some("iss")),
            (br#"{"iss":"a","iss":"b"}"#, Code::JwtInvalid, None),
            (br#"["iss"]"#, Code::JwtInvalid, None),
            (br#"{"iss":"a"} x"#, Code::JwtInvalid, None),
            (b"", Code::JwtInvalid, None),
        ] {
            let e = read(payload).unwrap_err();
            assert_eq!((e.code, e.claim.as_deref()), (code, claim), "{}", String::from_utf8_lossy(payload));
        }
    }
}
