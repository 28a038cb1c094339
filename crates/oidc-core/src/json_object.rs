//! Parses a JSON object and refuses duplicate member names. RFC 7515 section 4 lets a
//! parser either reject duplicates or take the last; taking the last lets two parsers
//! (ours and whoever reads the claims next) see different values, so we reject.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

struct UniqueObject(Map<String, Value>);

impl<'de> Deserialize<'de> for UniqueObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor;
        impl<'de> Visitor<'de> for ObjectVisitor {
            type Value = UniqueObject;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueObject, A::Error> {
                let mut map = Map::new();
                while let Some(key) = access.next_key::<String>()? {
                    if map.contains_key(&key) {
                        return Err(de::Error::custom("duplicate member name"));
                    }
                    let value: Value = access.next_value()?;
                    map.insert(key, value);
                }
                Ok(UniqueObject(map))
            }
        }
        deserializer.deserialize_map(ObjectVisitor)
    }
}

/// The object, or a short reason that never quotes the input.
pub fn parse(bytes: &[u8]) -> Result<Map<String, Value>, &'static str> {
    match serde_json::from_slice::<UniqueObject>(bytes) {
        Ok(UniqueObject(map)) => Ok(map),
        Err(e) if e.to_string().starts_with("duplicate member name") => Err("has a duplicate member name"),
        Err(e) if e.is_data() => Err("is not a JSON object"),
        Err(_) => Err("is not valid JSON"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_objects() {
        let m = parse(br#"{"a":1,"b":{"a":2}}"#).unwrap();
        assert_eq!(m["a"], 1);
    }

    #[test]
    fn refuses_duplicates_non_objects_and_garbage() {
        assert_eq!(parse(br#"{"a":1,"a":2}"#), Err("has a duplicate member name"));
        assert_eq!(parse(b"[1]"), Err("is not a JSON object"));
        assert_eq!(parse(b"\"x\""), Err("is not a JSON object"));
        assert_eq!(parse(b"{"), Err("is not valid JSON"));
        assert_eq!(parse(br#"{"a":1} x"#), Err("is not valid JSON"));
        assert_eq!(parse(b"\xff"), Err("is not valid JSON"));
    }
}
