//! Any bytes as a JWKS document: parsing, key choice for every algorithm and kid, and a
//! signature check of a real token with whatever keys the document yields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_provider::fuzzing;
use oidc_proxy_provider_fuzz as _; // links the napi stand-ins

const TOKEN: &str = include_str!("../seeds/token/valid-RS256");

fuzz_target!(|data: &[u8]| {
    if fuzzing::parse_jwks(data).is_ok() {
        let _ = fuzzing::verify(TOKEN, data, "https://issuer.example", "backstage");
    }
});
