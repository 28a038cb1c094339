//! Any bytes as an OIDC discovery document: the issuer check and the jwks_uri rules
//! (https, or http to loopback only) must hold for whatever it says.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_core::{json_object, key_store};

const ISSUER: &str = "https://issuer.example";

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json_object::parse(data) else { return };
    let url = key_store::discovery_url(ISSUER).expect("the issuer is an https URL");
    if let Ok(uri) = key_store::read_discovery(ISSUER, &url, &doc) {
        // Spelled out here rather than calling the core's loopback check, so the target
        // does not judge the core by its own rule.
        let uri = uri.as_str();
        assert!(
            uri.starts_with("https://")
                || uri.starts_with("http://127.")
                || uri.starts_with("http://localhost")
                || uri.starts_with("http://[::1]"),
            "accepted a jwks_uri that is neither https nor loopback: {uri}"
        );
    }
});
