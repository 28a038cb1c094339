//! A JWK Set turned into verification keys, and the choice of key for a token.
//! Keys we cannot use are kept aside with the reason, so a token naming one gets a
//! precise error instead of "no matching key".

use crate::base64url;
use crate::error::{Code, Error, Result};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

pub const MIN_RSA_BITS: usize = 2048;
pub const MAX_RSA_BITS: usize = 8192;
/// More keys than any real issuer publishes; bounds work per refresh.
pub const MAX_KEYS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl Family {
    pub fn fits(self, alg: Algorithm) -> bool {
        use Algorithm::*;
        matches!(
            (self, alg),
            (Family::Rsa, RS256 | RS384 | RS512 | PS256 | PS384 | PS512)
                | (Family::P256, ES256)
                | (Family::P384, ES384)
                | (Family::Ed25519, EdDSA)
        )
    }
}

pub struct Key {
    pub kid: Option<String>,
    pub family: Family,
    pub alg: Option<Algorithm>,
    pub decoding_key: DecodingKey,
    /// Identifies the key material; verified-token cache entries remember it so they
    /// die with the key.
    pub fingerprint: u64,
}

pub struct Rejected {
    pub kid: Option<String>,
    pub reason: String,
}

#[derive(Default)]
pub struct KeySet {
    pub keys: Vec<Key>,
    pub rejected: Vec<Rejected>,
}

pub enum Choice<'a> {
    Key(&'a Key),
    NoMatch,
    Multiple,
    Unusable(&'a str),
}

impl KeySet {
    /// Parses a JWKS document. Unusable keys are set aside, not fatal: issuers publish
    /// encryption keys and key types we do not verify with next to their signing keys.
    pub fn parse(doc: &Map<String, Value>) -> std::result::Result<KeySet, String> {
        let keys = match doc.get("keys") {
            Some(Value::Array(keys)) => keys,
            _ => return Err("the JWKS document has no \"keys\" array".into()),
        };
        if keys.len() > MAX_KEYS {
            return Err(format!("the JWKS document has more than {MAX_KEYS} keys"));
        }
        let mut set = KeySet::default();
        for jwk in keys {
            let Value::Object(jwk) = jwk else {
                set.rejected.push(Rejected { kid: None, reason: "a JWKS entry is not an object".into() });
                continue;
            };
            let kid = match jwk.get("kid") {
                Some(Value::String(kid)) => Some(kid.clone()),
                _ => None,
            };
            match parse_key(jwk) {
                Ok(Some(mut key)) => {
                    key.kid = kid;
                    set.keys.push(key)
                }
                Ok(None) => {}
                Err(reason) => set.rejected.push(Rejected { kid, reason }),
            }
        }
        Ok(set)
    }

    pub fn contains_fingerprint(&self, fingerprint: u64) -> bool {
        self.keys.iter().any(|k| k.fingerprint == fingerprint)
    }

    pub fn choose(&self, alg: Algorithm, kid: Option<&str>) -> Choice<'_> {
        let mut found: Option<&Key> = None;
        for key in &self.keys {
            if kid.is_some() && key.kid.as_deref() != kid {
                continue;
            }
            if !key.family.fits(alg) || key.alg.is_some_and(|a| a != alg) {
                continue;
            }
            if found.is_some() {
                return Choice::Multiple;
            }
            found = Some(key);
        }
        if let Some(key) = found {
            return Choice::Key(key);
        }
        if let Some(kid) = kid {
            if let Some(r) = self.rejected.iter().find(|r| r.kid.as_deref() == Some(kid)) {
                return Choice::Unusable(&r.reason);
            }
        }
        Choice::NoMatch
    }
}

fn string<'a>(jwk: &'a Map<String, Value>, name: &str) -> std::result::Result<&'a str, String> {
    match jwk.get(name) {
        Some(Value::String(s)) => Ok(s),
        _ => Err(format!("the key has no \"{name}\" string")),
    }
}

fn bytes(jwk: &Map<String, Value>, name: &str) -> std::result::Result<Vec<u8>, String> {
    base64url::decode(string(jwk, name)?.as_bytes()).ok_or_else(|| format!("the key's \"{name}\" is not canonical base64url"))
}

/// Identifies the whole JWK: its key material and every member that says how it may be
/// used (`alg`, `use`, `key_ops`, `kid`), so re-publishing the same key under other terms
/// retires what was verified under the old ones.
fn fingerprint(jwk: &Map<String, Value>) -> u64 {
    let mut h = DefaultHasher::new();
    // serde_json's map is ordered by name here, so equal JWKs hash equally.
    serde_json::to_string(jwk).unwrap_or_default().hash(&mut h);
    h.finish()
}

/// `Ok(None)` for keys that are not for signatures (`use: enc`, no `verify` in key_ops).
fn parse_key(jwk: &Map<String, Value>) -> std::result::Result<Option<Key>, String> {
    if !for_verifying(jwk) {
        return Ok(None);
    }
    let alg = key_alg(jwk)?;
    let (family, decoding_key) = match string(jwk, "kty")? {
        "RSA" => (Family::Rsa, rsa_key(jwk)?),
        "EC" => ec_key(jwk)?,
        "OKP" => (Family::Ed25519, ed25519_key(jwk)?),
        // Symmetric keys are never used: an issuer's JWKS must not let a token choose HMAC.
        "oct" => return Ok(None),
        other => return Err(format!("the key type {other:?} is not supported")),
    };
    if alg.is_some_and(|alg| !family.fits(alg)) {
        return Err("the key's \"alg\" does not fit its key type".into());
    }
    Ok(Some(Key { kid: None, family, alg, decoding_key, fingerprint: fingerprint(jwk) }))
}

/// `use` and `key_ops`, where present, allow signature verification; other keys are skipped.
fn for_verifying(jwk: &Map<String, Value>) -> bool {
    let use_ok = match jwk.get("use") {
        None => true,
        Some(Value::String(u)) => u == "sig",
        Some(_) => false,
    };
    let ops_ok = match jwk.get("key_ops") {
        None => true,
        Some(Value::Array(ops)) => ops.iter().any(|op| op == "verify"),
        Some(_) => false,
    };
    use_ok && ops_ok
}

/// The key's own `alg`, which then pins the tokens it may verify.
fn key_alg(jwk: &Map<String, Value>) -> std::result::Result<Option<Algorithm>, String> {
    match jwk.get("alg") {
        None => Ok(None),
        Some(Value::String(a)) => {
            crate::token::parse_algorithm(a).map(Some).ok_or_else(|| format!("the key's algorithm {a:?} is not supported"))
        }
        Some(_) => Err("the key's \"alg\" is not a string".into()),
    }
}

/// An RSA key of 2048 to 8192 bits with an odd exponent of at least 3 and without the ROCA
/// fingerprint; `n` and `e` are decoded once, here.
fn rsa_key(jwk: &Map<String, Value>) -> std::result::Result<DecodingKey, String> {
    let n = bytes(jwk, "n")?;
    let e = bytes(jwk, "e")?;
    let first = n.iter().position(|b| *b != 0).unwrap_or(n.len());
    let significant = &n[first..];
    if significant.is_empty() {
        return Err("the RSA key's modulus is empty or zero".into());
    }
    let bits = significant.len() * 8 - significant.first().map_or(8, |b| b.leading_zeros() as usize);
    if bits < MIN_RSA_BITS {
        return Err(format!("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"));
    }
    if bits > MAX_RSA_BITS {
        return Err(format!("the RSA key has {bits} bits; at most {MAX_RSA_BITS} are supported"));
    }
    if e.is_empty() || e.len() > 4 {
        return Err("the RSA key's exponent is out of range".into());
    }
    // RFC 8017 3.1: e is odd and at least 3. With e = 1 a "signature" is the padded
    // hash itself, which anyone can write.
    let exponent = e.iter().fold(0u64, |v, b| v << 8 | *b as u64);
    if exponent < 3 || exponent % 2 == 0 {
        return Err(format!("the RSA key's exponent {exponent} is not an odd number of at least 3"));
    }
    if has_roca_fingerprint(significant) {
        return Err("the RSA key has the ROCA fingerprint (CVE-2017-15361): its private key can be computed".into());
    }
    Ok(DecodingKey::from_rsa_raw_components(&n, &e))
}

/// A P-256 or P-384 key with coordinates of the curve's size, as the uncompressed point.
fn ec_key(jwk: &Map<String, Value>) -> std::result::Result<(Family, DecodingKey), String> {
    let crv = string(jwk, "crv")?;
    let (family, size) = match crv {
        "P-256" => (Family::P256, 32),
        "P-384" => (Family::P384, 48),
        _ => return Err(format!("the EC curve {crv:?} is not supported")),
    };
    let (x, y) = (bytes(jwk, "x")?, bytes(jwk, "y")?);
    if x.len() != size || y.len() != size {
        return Err(format!("the {crv} key's coordinates are not {size} bytes"));
    }
    // SEC 1 2.3.3: 0x04 then x then y, what from_ec_components builds from base64.
    let point = [&[0x04], x.as_slice(), y.as_slice()].concat();
    Ok((family, DecodingKey::from_ec_der(&point)))
}

fn ed25519_key(jwk: &Map<String, Value>) -> std::result::Result<DecodingKey, String> {
    let crv = string(jwk, "crv")?;
    if crv != "Ed25519" {
        return Err(format!("the OKP curve {crv:?} is not supported"));
    }
    let x = bytes(jwk, "x")?;
    if x.len() != 32 {
        return Err("the Ed25519 key is not 32 bytes".into());
    }
    // The raw public key, what from_ed_components builds from base64.
    Ok(DecodingKey::from_ed_der(&x))
}

/// ROCA (CVE-2017-15361): moduli made by a flawed Infineon generator are 65537^a mod M
/// (times a small factor), so for each prime p below n mod p lies in the subgroup that
/// 65537 generates mod p. A random modulus passes all 38 checks with negligible
/// probability; a ROCA modulus always does. Wycheproof lists such keys as to be refused.
fn has_roca_fingerprint(modulus: &[u8]) -> bool {
    const PRIMES: [u32; 38] = [
        3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131,
        137, 139, 149, 151, 157, 163, 167,
    ];
    PRIMES.iter().all(|&p| {
        let residue = modulus.iter().fold(0u32, |r, b| (r * 256 + *b as u32) % p);
        let generator = 65537 % p;
        let mut power = 1;
        loop {
            if power == residue {
                return true;
            }
            power = power * generator % p;
            if power == 1 {
                return false;
            }
        }
    })
}

/// Checks the decoded `signature` over `message` with `key` as `alg`; a `Vec` because that is
/// what jsonwebtoken's verifiers take (a slice would be copied into one per call).
#[allow(clippy::ptr_arg)]
pub fn verify_signature(key: &Key, alg: Algorithm, message: &[u8], signature: &Vec<u8>) -> Result<()> {
    let failed = || Error::new(Code::JwsSignatureVerificationFailed, "the signature could not be checked with the issuer's key");
    // The signature arrives decoded (token.rs): jsonwebtoken's `crypto::verify` would decode
    // it again, so its provider's verifier is asked directly.
    let provider = jsonwebtoken::crypto::CryptoProvider::try_get_default().ok_or_else(failed)?;
    let verifier = (provider.verifier_factory)(&alg, &key.decoding_key).map_err(|_| failed())?;
    match verifier.verify(message, signature) {
        Ok(()) => Ok(()),
        Err(_) => Err(Error::new(Code::JwsSignatureVerificationFailed, "the signature does not verify with the issuer's key")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set(v: Value) -> KeySet {
        KeySet::parse(v.as_object().unwrap()).unwrap()
    }

    fn modulus(bytes: usize) -> String {
        crate::base64url::encode(&vec![0xffu8; bytes])
    }

    #[test]
    fn keeps_usable_keys_and_explains_the_rest() {
        let s = set(json!({"keys": [
            {"kty": "RSA", "kid": "good", "n": modulus(256), "e": "AQAB"},
            {"kty": "RSA", "kid": "small", "n": modulus(128), "e": "AQAB"},
            {"kty": "RSA", "kid": "e1", "n": modulus(256), "e": "AQ"},
            {"kty": "RSA", "kid": "even", "n": modulus(256), "e": "AQAA"},
            {"kty": "RSA", "kid": "enc", "use": "enc", "n": modulus(256), "e": "AQAB"},
            {"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "badcrv", "crv": "P-521", "x": "AA", "y": "AA"},
        ]}));
        assert_eq!(s.keys.len(), 1);
        assert!(matches!(s.choose(Algorithm::RS256, Some("good")), Choice::Key(_)));
        assert!(matches!(s.choose(Algorithm::RS256, None), Choice::Key(_)));
        assert!(matches!(s.choose(Algorithm::ES256, Some("good")), Choice::NoMatch));
        assert!(matches!(s.choose(Algorithm::RS256, Some("enc")), Choice::NoMatch));
        assert!(matches!(s.choose(Algorithm::RS256, Some("hmac")), Choice::NoMatch));
        for kid in ["e1", "even"] {
            match s.choose(Algorithm::RS256, Some(kid)) {
                Choice::Unusable(reason) => assert!(reason.contains("exponent"), "{reason}"),
                _ => panic!("an RSA key with exponent 1 or an even one must be unusable"),
            }
        }
        match s.choose(Algorithm::RS256, Some("small")) {
            Choice::Unusable(reason) => assert!(reason.contains("1024 bits"), "{reason}"),
            _ => panic!("small key must be unusable"),
        }
    }

    #[test]
    fn a_key_alg_pins_the_token_alg_and_ambiguity_is_refused() {
        let s = set(json!({"keys": [
            {"kty": "RSA", "kid": "a", "alg": "PS256", "n": modulus(256), "e": "AQAB"},
            {"kty": "RSA", "kid": "b", "n": modulus(256), "e": "AQAB"},
        ]}));
        assert!(matches!(s.choose(Algorithm::RS256, Some("a")), Choice::NoMatch));
        assert!(matches!(s.choose(Algorithm::PS256, Some("a")), Choice::Key(_)));
        assert!(matches!(s.choose(Algorithm::PS256, None), Choice::Multiple));
        assert!(matches!(s.choose(Algorithm::RS256, None), Choice::Key(_)));
    }

    #[test]
    fn refuses_keys_with_the_roca_fingerprint() {
        // M * 2^1920 + 1 is 1 modulo every ROCA prime, and 1 is in every subgroup.
        let mut m = vec![1u8];
        for p in [
            3u32, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127,
            131, 137, 139, 149, 151, 157, 163, 167,
        ] {
            let mut carry = 0u32;
            for byte in m.iter_mut().rev() {
                let v = *byte as u32 * p + carry;
                *byte = v as u8;
                carry = v >> 8;
            }
            while carry > 0 {
                m.insert(0, carry as u8);
                carry >>= 8;
            }
        }
        m.extend(std::iter::repeat_n(0, 240));
        *m.last_mut().unwrap() = 1;
        assert!(m.len() * 8 > MIN_RSA_BITS, "{} bytes", m.len());
        assert!(has_roca_fingerprint(&m));
        let n = crate::base64url::encode(&m);
        let s = set(json!({"keys": [{"kty": "RSA", "kid": "roca", "n": n, "e": "AQAB"}]}));
        match s.choose(Algorithm::RS256, Some("roca")) {
            Choice::Unusable(reason) => assert!(reason.contains("ROCA"), "{reason}"),
            _ => panic!("a ROCA key must be unusable"),
        }
        // A modulus divisible by 3 is outside the subgroup mod 3, so no fingerprint.
        assert!(!has_roca_fingerprint(&[0xff; 256]));
    }

    #[test]
    fn an_empty_or_zero_modulus_is_unusable() {
        for n in ["", "AA", "AAAA"] {
            let s = set(json!({"keys": [{"kty": "RSA", "kid": "z", "n": n, "e": "AQAB"}]}));
            match s.choose(Algorithm::RS256, Some("z")) {
                Choice::Unusable(reason) => assert!(reason.contains("modulus"), "{reason}"),
                _ => panic!("a zero modulus must be unusable"),
            }
        }
    }

    #[test]
    fn the_fingerprint_covers_how_a_key_may_be_used() {
        let base = json!({"kty": "RSA", "kid": "a", "n": modulus(256), "e": "AQAB"});
        let fp = |patch: Value| {
            let mut jwk = base.as_object().unwrap().clone();
            jwk.extend(patch.as_object().unwrap().clone());
            set(json!({ "keys": [jwk] })).keys[0].fingerprint
        };
        let plain = fp(json!({}));
        assert_eq!(plain, fp(json!({})));
        let others = [
            fp(json!({"alg": "RS256"})),
            fp(json!({"alg": "PS256"})),
            fp(json!({"use": "sig"})),
            fp(json!({"key_ops": ["verify"]})),
            fp(json!({"kid": "b"})),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(plain, *other, "variant {i}");
        }
        assert_ne!(others[0], others[1]);
    }

    #[test]
    fn refuses_documents_without_keys() {
        assert!(KeySet::parse(json!({"nokeys": []}).as_object().unwrap()).is_err());
        let many: Vec<Value> = (0..=MAX_KEYS).map(|_| json!({})).collect();
        assert!(KeySet::parse(json!({ "keys": many }).as_object().unwrap()).is_err());
    }
}
