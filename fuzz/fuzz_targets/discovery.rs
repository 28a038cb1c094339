//! Any bytes as an OIDC discovery document: the issuer check and the jwks_uri rules
//! (https, or http to loopback only) must hold for whatever it says.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_provider::fuzzing;
use oidc_proxy_provider_fuzz as _; // links the napi stand-ins

const ISSUER: &str = "https://issuer.example";

fuzz_target!(|data: &[u8]| {
    if let Ok(uri) = fuzzing::parse_discovery(ISSUER, data) {
        assert!(
            uri.starts_with("https://") || uri.starts_with("http://127.") || uri.starts_with("http://localhost") || uri.starts_with("http://[::1]"),
            "accepted a jwks_uri that is neither https nor loopback"
        );
    }
});
