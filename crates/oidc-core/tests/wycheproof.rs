//! Unit tests (a child of `fuzzing`, so they need no line in lib.rs): Wycheproof
//! vectors (C2SP/wycheproof) through the core's own key parsing, header rules
//! and signature check. The vectors are not committed: they are read from
//! `../shared/testvectors/wycheproof` beside the checkout, and the tests say so and pass
//! when that folder is absent.
//!
//! Why here and not through `verifyIdToken`: the raw signature vectors sign arbitrary
//! bytes, not a JWS signing input, and the JWS vectors' payloads ("foo", RFC 7520's prose)
//! are not claim sets, which verifyIdToken refuses before it looks at the signature.
//!
//! Verdicts: `valid` must verify, `invalid` must not (a refused key counts as not). The
//! few `acceptable` RSA vectors (flag MissingNull: a DigestInfo without the NULL
//! parameter) must be refused: aws-lc only accepts the canonical encoding, and an ID
//! token verifier has no reason to be lenient. Vectors that our key policy refuses on
//! purpose (HMAC, oct keys) are counted and listed in the output.

use crate::fuzzing;
use serde_json::{json, Value};
use std::path::PathBuf;

fn vectors_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testvectors/wycheproof");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: Wycheproof vectors not found at {} (CI keeps ../shared beside the checkout)", dir.display());
        None
    }
}

fn load(dir: &PathBuf, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn b64url(bytes: &[u8]) -> String {
    crate::base64url::encode(bytes)
}

fn unsigned_int(hex_str: &str) -> String {
    let bytes = hex(hex_str);
    let first = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len().saturating_sub(1));
    b64url(&bytes[first..])
}

/// The group's public key as a JWK, built from the raw fields so that every group has one
/// (some groups carry no JWK of their own).
fn jwk(group: &Value) -> Value {
    let key = &group["publicKey"];
    match group["type"].as_str().unwrap() {
        "RsassaPkcs1Verify" | "RsassaPssVerify" => json!({
            "kty": "RSA", "n": unsigned_int(key["modulus"].as_str().unwrap()), "e": unsigned_int(key["publicExponent"].as_str().unwrap())
        }),
        "EcdsaP1363Verify" => {
            let point = hex(key["uncompressed"].as_str().unwrap());
            let size = (point.len() - 1) / 2;
            let crv = match key["curve"].as_str().unwrap() {
                "secp256r1" => "P-256",
                "secp384r1" => "P-384",
                other => panic!("curve {other}"),
            };
            json!({"kty": "EC", "crv": crv, "x": b64url(&point[1..1 + size]), "y": b64url(&point[1 + size..])})
        }
        "EddsaVerify" => json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(&hex(key["pk"].as_str().unwrap()))}),
        other => panic!("group type {other}"),
    }
}

#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    invalid_rejected: usize,
    acceptable_rejected: usize,
    key_refused: usize,
    failures: Vec<String>,
}

fn raw_file(dir: &PathBuf, name: &str, alg: &str) -> Tally {
    let doc = load(dir, name);
    let mut t = Tally::default();
    for group in doc["testGroups"].as_array().unwrap() {
        let jwk = serde_json::to_vec(&jwk(group)).unwrap();
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let msg = hex(case["msg"].as_str().unwrap());
            let sig = b64url(&hex(case["sig"].as_str().unwrap()));
            let outcome = fuzzing::verify_raw(&jwk, alg, &msg, &sig);
            if outcome.is_err() {
                t.key_refused += 1;
            }
            let accepted = outcome == Ok(true);
            match (case["result"].as_str().unwrap(), accepted) {
                ("valid", true) => t.valid_accepted += 1,
                ("invalid", false) => t.invalid_rejected += 1,
                ("acceptable", false) => t.acceptable_rejected += 1,
                (result, _) => t.failures.push(format!("{name} #{id} ({result}, {:?}): {outcome:?}", case["flags"])),
            }
        }
    }
    eprintln!("{name} as {alg}: {t:?}");
    t
}

fn check(t: Tally, expect_cases: usize) {
    assert!(t.failures.is_empty(), "{} vectors decided wrongly:\n{}", t.failures.len(), t.failures.join("\n"));
    assert_eq!(t.valid_accepted + t.invalid_rejected + t.acceptable_rejected, expect_cases);
}

#[test]
fn rsa_pkcs1_v1_5_signatures() {
    let Some(dir) = vectors_dir() else { return };
    check(raw_file(&dir, "rsa_signature_2048_sha256_test.json", "RS256"), 259);
    check(raw_file(&dir, "rsa_signature_2048_sha384_test.json", "RS384"), 258);
    check(raw_file(&dir, "rsa_signature_2048_sha512_test.json", "RS512"), 259);
}

#[test]
fn rsa_pss_signatures() {
    let Some(dir) = vectors_dir() else { return };
    check(raw_file(&dir, "rsa_pss_2048_sha256_mgf1_32_test.json", "PS256"), 108);
}

#[test]
fn ecdsa_p1363_signatures() {
    let Some(dir) = vectors_dir() else { return };
    check(raw_file(&dir, "ecdsa_secp256r1_sha256_p1363_test.json", "ES256"), 262);
    check(raw_file(&dir, "ecdsa_secp384r1_sha384_p1363_test.json", "ES384"), 280);
}

#[test]
fn ed25519_signatures() {
    let Some(dir) = vectors_dir() else { return };
    check(raw_file(&dir, "ed25519_test.json", "EdDSA"), 151);
}

/// The JWKS a JOSE vector group verifies with: its public key(s), else its private
/// (symmetric) keys, which the core must ignore.
fn jose_jwks(group: &Value) -> Vec<u8> {
    let key = if group["public"].is_object() { &group["public"] } else { &group["private"] };
    let doc = if key["keys"].is_array() { key.clone() } else { json!({ "keys": [key] }) };
    serde_json::to_vec(&doc).unwrap()
}

fn header_alg(jws: &str) -> Option<String> {
    let header = jws.split('.').next()?;
    let bytes = base64_lenient(header)?;
    let v: Value = serde_json::from_slice(&bytes).ok()?;
    v["alg"].as_str().map(str::to_owned)
}

/// Only to read the alg of a vector for the report; the core's decoder is strict.
fn base64_lenient(s: &str) -> Option<Vec<u8>> {
    let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '=').collect();
    let mut bits = 0u32;
    let mut n = 0;
    let mut out = Vec::new();
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        };
        bits = bits << 6 | v as u32;
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    Some(out)
}

/// Valid vectors our rules refuse on purpose, with the code they must get.
fn policy(file: &str, id: u64) -> Option<&'static str> {
    match (file, id) {
        // RFC 7520 figure 20 signs PS384 with a JWK whose "alg" says PS256: a key's alg
        // pins the token's (RFC 7517 4.4), against algorithm substitution.
        ("json_web_signature_test.json", 346 | 350) => Some("ERR_JWKS_NO_MATCHING_KEY"),
        // RFC 7520 figure 27 is ES512 (P-521), not in the allow-list.
        ("json_web_signature_test.json", 347 | 351) => Some("ERR_JOSE_ALG_NOT_ALLOWED"),
        _ => None,
    }
}

fn jose_file(dir: &PathBuf, name: &str) -> (Tally, usize) {
    let doc = load(dir, name);
    let mut t = Tally::default();
    let mut hmac_refused = 0;
    let mut policy_refused = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let jwks = jose_jwks(group);
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let jws = case["jws"].as_str().unwrap_or("");
            let outcome = fuzzing::verify_jws_signature(jws, &jwks);
            // Symmetric groups carry only a private (oct) key; HMAC is never accepted.
            let symmetric = !group["public"].is_object() || header_alg(jws).is_some_and(|a| a.starts_with("HS"));
            match (case["result"].as_str().unwrap(), outcome) {
                ("valid", Ok(())) => t.valid_accepted += 1,
                ("valid", Err("ERR_JOSE_ALG_NOT_ALLOWED" | "ERR_JWS_INVALID")) if symmetric => hmac_refused += 1,
                ("valid", Err(code)) if policy(name, id) == Some(code) => policy_refused += 1,
                ("invalid", Err(_)) => t.invalid_rejected += 1,
                (result, outcome) => t.failures.push(format!("{name} #{id} {} ({result}): {outcome:?}", case["comment"])),
            }
        }
    }
    eprintln!("{name}: {t:?}, valid vectors refused by policy: HMAC {hmac_refused}, other {policy_refused}");
    (t, hmac_refused + policy_refused)
}

#[test]
fn jws_vectors() {
    let Some(dir) = vectors_dir() else { return };
    let (t, hmac) = jose_file(&dir, "json_web_signature_test.json");
    assert!(t.valid_accepted >= 20, "the asymmetric valid vectors must verify: {t:?}");
    check(Tally { acceptable_rejected: hmac, ..t }, 401);
}

#[test]
fn jwk_vectors() {
    let Some(dir) = vectors_dir() else { return };
    let (t, hmac) = jose_file(&dir, "json_web_key_test.json");
    assert!(t.valid_accepted >= 1, "{t:?}");
    check(Tally { acceptable_rejected: hmac, ..t }, 26);
}
