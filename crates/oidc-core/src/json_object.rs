//! Parses a JSON object and refuses duplicate member names. RFC 7515 section 4 lets a
//! parser either reject duplicates or take the last; taking the last lets two parsers
//! (ours and whoever reads the claims next) see different values, so we reject.

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
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

/// Deepest nesting of arrays and objects inside a member's value that `parse` accepts
/// (serde_json's recursion limit, the object itself being one more level).
pub const MAX_VALUE_DEPTH: usize = 126;

/// An object's members with each value kept as its JSON text, parsed only when read: an ID
/// token's checks read a few of its claims, and parsing all of them into `Value`s was most
/// of the allocations of a verification. Refuses what `parse` refuses.
pub struct Members<'a> {
    /// Sorted by name, names unique.
    sorted: Vec<(Cow<'a, str>, &'a RawValue)>,
}

impl Members<'_> {
    fn raw(&self, name: &str) -> Option<&str> {
        let i = self.sorted.binary_search_by(|(n, _)| n.as_ref().cmp(name)).ok()?;
        Some(self.sorted[i].1.get())
    }

    /// The member's value, parsed now; None when the object has no such member.
    pub fn get(&self, name: &str) -> Option<Value> {
        // Cannot fail: the text was read as a JSON value no deeper than serde_json allows.
        serde_json::from_str(self.raw(name)?).ok()
    }

    /// Whether the object has the member, whatever its value.
    pub fn contains(&self, name: &str) -> bool {
        self.raw(name).is_some()
    }

    /// Whether the object has the member with a value other than null, without parsing it.
    pub fn has_value(&self, name: &str) -> bool {
        self.raw(name).is_some_and(|raw| raw != "null")
    }
}

/// A member name: borrowed from the text, or unescaped into a new string.
struct Name<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct NameVisitor;
        impl<'de> Visitor<'de> for NameVisitor {
            type Value = Name<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Borrowed(name)))
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<Name<'de>, E> {
                Ok(Name(Cow::Owned(name.to_owned())))
            }
        }
        deserializer.deserialize_str(NameVisitor)
    }
}

/// How deeply arrays and objects nest in a JSON value's text (0 for a scalar).
fn depth(text: &str) -> usize {
    let (mut deepest, mut level, mut in_string, mut escaped) = (0, 0usize, false, false);
    for b in text.bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                level += 1;
                deepest = deepest.max(level);
            }
            b']' | b'}' => level = level.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Any JSON value, read the way `Value` reads one (escapes decoded, numbers in range,
/// nesting within serde_json's limit) and kept nowhere.
struct Valid;

impl<'de> Deserialize<'de> for Valid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValidVisitor;
        impl<'de> Visitor<'de> for ValidVisitor {
            type Value = Valid;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Valid, E> {
                Ok(Valid)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut items: A) -> Result<Valid, A::Error> {
                while items.next_element::<Valid>()?.is_some() {}
                Ok(Valid)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut members: A) -> Result<Valid, A::Error> {
                while members.next_entry::<Valid, Valid>()?.is_some() {}
                Ok(Valid)
            }
        }
        deserializer.deserialize_any(ValidVisitor)
    }
}

struct UniqueMembers<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for UniqueMembers<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = UniqueMembers<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<UniqueMembers<'de>, A::Error> {
                let mut members = Vec::new();
                while let Some(Name(name)) = access.next_key()? {
                    members.push((name, access.next_value()?));
                }
                Ok(UniqueMembers(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

/// Whether a raw value is one `parse` accepts. serde_json skips a raw value without its
/// depth limit, its `\u` escape checks or its numbers' range; `parse` has them. A string
/// without escapes has none of these, and is most of an ID token.
fn well_formed(text: &str) -> bool {
    if text.starts_with(['[', '{']) && depth(text) > MAX_VALUE_DEPTH {
        return false;
    }
    let plain_string = text.starts_with('"') && !text.contains('\\');
    plain_string || serde_json::from_str::<Valid>(text).is_ok()
}

/// The object's members, or a short reason that never quotes the input (the reasons of `parse`).
pub fn members(text: &str) -> Result<Members<'_>, &'static str> {
    let mut sorted = match serde_json::from_str::<UniqueMembers>(text) {
        Ok(UniqueMembers(members)) => members,
        Err(e) if e.is_data() => return Err("is not a JSON object"),
        Err(_) => return Err("is not valid JSON"),
    };
    if !sorted.iter().all(|(_, value)| well_formed(value.get())) {
        return Err("is not valid JSON");
    }
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    if sorted.windows(2).any(|pair| pair[0].0 == pair[1].0) {
        return Err("has a duplicate member name");
    }
    Ok(Members { sorted })
}

#[cfg(test)]
mod tests {
    use super::{members, parse, MAX_VALUE_DEPTH};

    #[test]
    fn parses_objects() {
        let m = parse(br#"{"a":1,"b":{"a":2}}"#).unwrap();
        assert_eq!(m["a"], 1);
    }

    /// `members` refuses and accepts what `parse` does, and reads values as `parse` does.
    #[test]
    fn members_agree_with_parse() {
        let deep = |n: usize| format!(r#"{{"a":{}1{}}}"#, "[".repeat(n), "]".repeat(n));
        let objects = |n: usize| format!(r#"{{"a":{}1{}}}"#, r#"{"b":"#.repeat(n), "}".repeat(n));
        let texts = [
            r#"{"a":1,"b":{"a":2}}"#.to_string(),
            r#"{ "a" : null , "b" : [ ] , "c":"null" }"#.into(),
            r#"{"a":1,"a":2}"#.into(),
            r#"{"a":1,"\u0061":2}"#.into(),
            r#"{"b":"x]]]\"[[[","a":["{",{"c":"}"}]}"#.into(),
            "[1]".into(),
            "\"x\"".into(),
            "{".into(),
            r#"{"a":1} x"#.into(),
            deep(MAX_VALUE_DEPTH),
            deep(MAX_VALUE_DEPTH + 1),
            objects(MAX_VALUE_DEPTH),
            objects(MAX_VALUE_DEPTH + 1),
            deep(5000),
            r#"{"a":"\ud800"}"#.into(),
            r#"{"a":["\udc00x"]}"#.into(),
            r#"{"a":"\ud83d\ude00","b":"\u00e9\n"}"#.into(),
            r#"{"exp":1e400}"#.into(),
            r#"{"exp":[-1e309]}"#.into(),
            r#"{"exp":1e308,"n":-0,"i":18446744073709551616}"#.into(),
        ];
        for text in &texts {
            let old = parse(text.as_bytes());
            let new = members(text);
            assert_eq!(old.as_ref().err(), new.as_ref().err(), "{text:.40}");
            if let (Ok(old), Ok(new)) = (old, new) {
                for (name, value) in &old {
                    assert_eq!(new.get(name).as_ref(), Some(value), "{name}");
                    assert_eq!(new.has_value(name), !value.is_null(), "{name}");
                    assert!(new.contains(name), "{name}");
                }
                assert_eq!(new.get("missing"), None);
            }
        }
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
