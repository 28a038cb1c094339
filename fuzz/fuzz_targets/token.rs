//! Any bytes as an ID token: the parser and the whole synchronous verification against a
//! fixed JWKS (RSA, P-256, Ed25519) must return an error code, never panic, hang or
//! allocate without bound.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_provider::fuzzing;
use oidc_proxy_provider_fuzz as _; // links the napi stand-ins

const KEYS: &[u8] = include_bytes!("keys.json");

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let parsed = fuzzing::parse_token(token);
    let verified = fuzzing::verify(token, KEYS, "https://issuer.example", "backstage");
    let signed = fuzzing::verify_jws_signature(token, KEYS);
    // Verification may only succeed for what both the parser and the JWS layer accept.
    if verified.is_ok() {
        assert!(parsed.is_ok() && signed.is_ok(), "verified a token the parser or JWS layer refuses");
    }
});
