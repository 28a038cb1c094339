//! Any bytes as a refused token: the refusal log's unverified reading must never panic,
//! and every value it returns must be short, printable ASCII (escaped) or the cut mark;
//! `decode` must never panic and succeed only for three or five parts.
#![no_main]
use libfuzzer_sys::fuzz_target;
use oidc_proxy_core::inspect::{self, MAX_AUDIENCES, MAX_VALUE_CHARS};

/// Escaped output: printable ASCII, `…`, at most MAX_VALUE_CHARS inputs of 10 characters
/// each (`\u{10ffff}`), plus a domain's cut mark.
fn assert_log_safe(value: &str) {
    assert!(value.chars().all(|c| (' '..='~').contains(&c) || c == '…'), "unescaped character in {value:?}");
    assert!(value.chars().count() <= 2 * (MAX_VALUE_CHARS * 10 + 1), "value too long: {}", value.len());
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let s = inspect::summarize(token, 1_700_000_000.0);
    for value in [&s.alg, &s.kid, &s.iss, &s.azp, &s.sub].into_iter().flatten() {
        assert_log_safe(value);
    }
    assert!(s.aud.len() <= MAX_AUDIENCES + 1);
    s.aud.iter().for_each(|a| assert_log_safe(a));
    if let Ok(d) = inspect::decode(token) {
        let parts = token.trim().split('.').count();
        assert!(parts == 3 || parts == 5, "decoded {parts} parts");
        assert_eq!(d.payload.is_some(), parts == 3);
    }
});
