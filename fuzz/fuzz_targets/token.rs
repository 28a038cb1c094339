//! Any bytes as an ID token: the parser and the whole synchronous verification against a
//! fixed JWKS (RSA, P-256, Ed25519) must return an error code, never panic, hang or
//! allocate without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_core::jwks::{self, Choice, KeySet};
use oidc_proxy_core::key_store::Snapshot;
use oidc_proxy_core::{json_object, token, Code, Verifier, VerifyOptions};
use std::sync::{Arc, LazyLock};

// Built once: the keys and the verifier are fixed, only the token is fuzzed.
static KEYS: LazyLock<Snapshot> = LazyLock::new(|| {
    let doc = json_object::parse(include_bytes!("keys.json")).expect("keys.json is a JSON object");
    Snapshot { keys: Arc::new(KeySet::parse(&doc).expect("keys.json is a JWKS")), generation: 0 }
});
static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let options = VerifyOptions { issuer: "https://issuer.example".into(), audience: vec!["backstage".into()], ..Default::default() };
    Verifier::new(&options).expect("valid options")
});

/// The JWS layer alone: structure, header rules, key choice and signature.
fn signature_verifies(token: &str) -> bool {
    let Ok(jws) = token::parse_jws(token) else { return false };
    match KEYS.keys.choose(jws.alg, jws.kid.as_deref()) {
        Choice::Key(key) => jwks::verify_signature(key, jws.alg, jws.signing_input.as_bytes(), &jws.signature).is_ok(),
        _ => false,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let parsed = token::parse(token);
    let verified = VERIFIER.verify_with(token, &KEYS);
    let signed = signature_verifies(token);
    // Verification may only succeed for what both the parser and the JWS layer accept,
    // and then returns the payload it parsed.
    // Signature first: a token whose signature fails is never refused for its payload or
    // its claims, which are not read before the signature holds.
    if let Err(e) = &verified {
        let about_payload = matches!(e.code, Code::JwtInvalid | Code::JwtExpired)
            || (e.code == Code::JwtClaimValidationFailed && e.claim.as_deref() != Some("typ"));
        assert!(signed || !about_payload, "a token with a failing signature was refused for its payload: {e}");
    }
    if let Ok(verified) = verified {
        assert!(signed, "verified a token whose signature the JWS layer refuses");
        let parsed = parsed.expect("verified a token the parser refuses");
        assert_eq!(&*verified.claims_json, parsed.payload_json, "verified claims differ from the parsed payload");
    }
});
