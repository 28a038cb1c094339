//! Any bytes as a JWKS document: parsing, key choice for every algorithm and kid, and a
//! verification of a real token with whatever keys the document yields.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_core::jwks::KeySet;
use oidc_proxy_core::key_store::Snapshot;
use oidc_proxy_core::options::DEFAULT_ALGORITHMS;
use oidc_proxy_core::{json_object, token, Verifier, VerifyOptions};
use std::sync::{Arc, LazyLock};

const TOKEN: &str = include_str!("../seeds/token/valid-RS256");

static VERIFIER: LazyLock<Verifier> = LazyLock::new(|| {
    let options = VerifyOptions { issuer: "https://issuer.example".into(), audience: vec!["backstage".into()], ..Default::default() };
    Verifier::new(&options).expect("valid options")
});

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = json_object::parse(data) else { return };
    let Ok(set) = KeySet::parse(&doc) else { return };
    // Every kid the document names, usable or not, and no kid at all.
    let kids: Vec<Option<&str>> =
        set.keys.iter().map(|k| k.kid.as_deref()).chain(set.rejected.iter().map(|r| r.kid.as_deref())).chain([None]).collect();
    for alg in DEFAULT_ALGORITHMS {
        let alg = token::parse_algorithm(alg).expect("a default algorithm parses");
        for kid in &kids {
            let _ = set.choose(alg, *kid);
        }
    }
    // trim: a newline an editor adds to the seed would make every run a parse error.
    let _ = VERIFIER.verify_with(TOKEN.trim(), &Snapshot { keys: Arc::new(set), generation: 0 });
});
