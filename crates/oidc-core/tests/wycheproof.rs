//! Wycheproof vectors (C2SP/wycheproof) through the core's own key parsing
//! (`jwks::KeySet`), JWS rules (`token::parse_jws`), key choice and signature check
//! (`jwks::verify_signature`). The vectors are not committed: they are read from
//! `../shared/testvectors/wycheproof` beside the checkout, and each test says "SKIPPED"
//! and passes when that folder is absent.
//!
//! Why not through `Verifier`: the raw signature vectors sign arbitrary bytes, not a JWS
//! signing input, and the JWS vectors' payloads ("foo", RFC 7520's prose) are not claim
//! sets, which the verifier refuses before it looks at the signature. So these tests
//! call the layers the verifier is made of, in the verifier's order.
//!
//! Verdicts: `valid` must verify, `invalid` must not (a refused key counts as not). The
//! few `acceptable` RSA vectors (flag MissingNull: a DigestInfo without the NULL
//! parameter) must be refused: aws-lc only accepts the canonical encoding, and an ID
//! token verifier has no reason to be lenient. Valid vectors that our rules refuse on
//! purpose (HMAC, and the cases in `policy`) are counted and must be exactly those.

use oidc_proxy_core::base64url;
use oidc_proxy_core::jwks::{verify_signature, Choice, KeySet};
use oidc_proxy_core::token::{parse_algorithm, parse_jws};
use oidc_proxy_core::Code;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn vectors_dir() -> Option<PathBuf> {
    // The crate is <checkout>/crates/oidc-core, and shared/ sits beside <checkout>.
    let beside_checkout = Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(3).expect("the crate is inside a checkout");
    let dir = beside_checkout.join("shared/testvectors/wycheproof");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: Wycheproof vectors not found at {} (CI keeps ../shared beside the checkout)", dir.display());
        None
    }
}

fn load(dir: &Path, name: &str) -> Value {
    let text = std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn b64url(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// A JWK integer (RFC 7518 2): big-endian without leading zero bytes.
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
        "EddsaVerify" => {
            json!({"kty": "OKP", "crv": "Ed25519", "x": b64url(&hex(key["pk"].as_str().unwrap()))})
        }
        other => panic!("group type {other}"),
    }
}

fn key_set(doc: &Value) -> KeySet {
    KeySet::parse(doc.as_object().expect("a JWKS object")).expect("the JWKS document parses")
}

#[derive(Default, Debug)]
struct Tally {
    valid_accepted: usize,
    invalid_rejected: usize,
    acceptable_rejected: usize,
    key_refused: usize,
    failures: Vec<String>,
}

/// A raw signature check with a one-key set: `Err` (the reason) when the key is refused,
/// `Ok(false)` when the signature is.
fn verify_raw(keys: &KeySet, alg: &str, message: &[u8], signature: &[u8]) -> Result<bool, String> {
    let alg = parse_algorithm(alg).ok_or_else(|| format!("unknown algorithm {alg}"))?;
    match keys.choose(alg, None) {
        Choice::Key(key) => Ok(verify_signature(key, alg, message, &signature.to_vec()).is_ok()),
        _ => Err(keys.rejected.first().map_or_else(|| "no key fits".to_string(), |r| r.reason.clone())),
    }
}

fn raw_file(dir: &Path, name: &str, alg: &str) -> Tally {
    let doc = load(dir, name);
    let mut t = Tally::default();
    for group in doc["testGroups"].as_array().unwrap() {
        let keys = key_set(&json!({ "keys": [jwk(group)] }));
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let msg = hex(case["msg"].as_str().unwrap());
            let sig = hex(case["sig"].as_str().unwrap());
            let outcome = verify_raw(&keys, alg, &msg, &sig);
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

/// Where a JWS stopped, in the verifier's order.
#[derive(Debug, PartialEq)]
enum Refusal {
    /// `parse_jws`: structure, base64url, header rules, algorithm.
    Jws(Code),
    NoMatchingKey,
    MultipleMatchingKeys,
    UnusableKey(String),
    Signature(Code),
}

/// The JWS layer only: `parse_jws`, key choice and signature; the payload is not read as
/// claims.
fn verify_jws(jws: &str, keys: &KeySet) -> Result<(), Refusal> {
    let parsed = parse_jws(jws).map_err(|e| Refusal::Jws(e.code))?;
    let key = match keys.choose(parsed.alg, parsed.kid.as_deref()) {
        Choice::Key(key) => key,
        Choice::NoMatch => return Err(Refusal::NoMatchingKey),
        Choice::Multiple => return Err(Refusal::MultipleMatchingKeys),
        Choice::Unusable(why) => return Err(Refusal::UnusableKey(why.to_string())),
    };
    verify_signature(key, parsed.alg, parsed.signing_input.as_bytes(), &parsed.signature).map_err(|e| Refusal::Signature(e.code))
}

/// The JWKS a JOSE vector group verifies with: its public key(s), else its private
/// (symmetric) keys, which the core must ignore.
fn jose_keys(group: &Value) -> KeySet {
    let key = if group["public"].is_object() { &group["public"] } else { &group["private"] };
    key_set(&if key["keys"].is_array() { key.clone() } else { json!({ "keys": [key] }) })
}

/// Valid vectors our rules refuse on purpose, with where they must stop.
fn policy(file: &str, id: u64) -> Option<Refusal> {
    match (file, id) {
        // RFC 7520 figure 20 signs PS384 with a JWK whose "alg" says PS256: a key's alg
        // pins the token's (RFC 7517 4.4), against algorithm substitution.
        ("json_web_signature_test.json", 346 | 350) => Some(Refusal::NoMatchingKey),
        // RFC 7520 figure 27 is ES512 (P-521), not in the allow-list.
        ("json_web_signature_test.json", 347 | 351) => Some(Refusal::Jws(Code::JoseAlgNotAllowed)),
        _ => None,
    }
}

/// The tally, and how many valid vectors were refused by policy: (HMAC, other).
fn jose_file(dir: &Path, name: &str) -> (Tally, usize, usize) {
    let doc = load(dir, name);
    let mut t = Tally::default();
    let mut hmac_refused = 0;
    let mut policy_refused = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        let keys = jose_keys(group);
        // Groups without a public key sign with HMAC (an oct key), which is never accepted.
        let symmetric = !group["public"].is_object();
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let outcome = verify_jws(case["jws"].as_str().unwrap_or(""), &keys);
            match (case["result"].as_str().unwrap(), outcome) {
                ("valid", Ok(())) => t.valid_accepted += 1,
                ("valid", Err(Refusal::Jws(Code::JoseAlgNotAllowed | Code::JwsInvalid))) if symmetric => hmac_refused += 1,
                ("valid", Err(refusal)) if policy(name, id).as_ref() == Some(&refusal) => policy_refused += 1,
                ("invalid", Err(_)) => t.invalid_rejected += 1,
                (result, outcome) => t.failures.push(format!("{name} #{id} {} ({result}): {outcome:?}", case["comment"])),
            }
        }
    }
    eprintln!("{name}: {t:?}, valid vectors refused by policy: HMAC {hmac_refused}, other {policy_refused}");
    (t, hmac_refused, policy_refused)
}

#[test]
fn jws_vectors() {
    let Some(dir) = vectors_dir() else { return };
    let (t, hmac, other) = jose_file(&dir, "json_web_signature_test.json");
    // docs/hardening.md's table: 32 asymmetric valid vectors verify; 10 HMAC and the four
    // RFC 7520 cases in `policy` are refused on purpose.
    assert_eq!((t.valid_accepted, hmac, other), (32, 10, 4), "{t:?}");
    check(Tally { acceptable_rejected: hmac + other, ..t }, 401);
}

#[test]
fn jwk_vectors() {
    let Some(dir) = vectors_dir() else { return };
    let (t, hmac, other) = jose_file(&dir, "json_web_key_test.json");
    // One RS256 vector verifies; four valid HMAC vectors are refused; every invalid key
    // (ROCA, too small, e = 1, wrong alg/use/curve/kty, bad point) is refused.
    assert_eq!((t.valid_accepted, hmac, other), (1, 4, 0), "{t:?}");
    check(Tally { acceptable_rejected: hmac + other, ..t }, 26);
}
