//! Process-wide counters, read by the Backstage module and exported as metrics. Each is
//! counted in one place: the verifier for tokens and key lookups, the key store for fetches.

use std::sync::atomic::{AtomicU64, Ordering};

pub const KEY_CACHE_HIT: usize = 0;
pub const KEY_CACHE_MISS: usize = 1;
pub const TOKEN_CACHE_HIT: usize = 2;
pub const TOKEN_CACHE_MISS: usize = 3;
pub const DISCOVERY_FETCH_OK: usize = 4;
pub const DISCOVERY_FETCH_ERROR: usize = 5;
pub const JWKS_FETCH_OK: usize = 6;
pub const JWKS_FETCH_ERROR: usize = 7;
pub const VERIFY_OK: usize = 8;
pub const VERIFY_ERROR: usize = 9;

static COUNTERS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];

pub fn count(which: usize) {
    COUNTERS[which].fetch_add(1, Ordering::Relaxed);
}

/// The counters since the process started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Verifications that found the issuer's keys held.
    pub key_cache_hit: u64,
    /// Verifications that had to wait for the issuer's keys.
    pub key_cache_miss: u64,
    pub token_cache_hit: u64,
    pub token_cache_miss: u64,
    pub discovery_fetch_ok: u64,
    pub discovery_fetch_error: u64,
    pub jwks_fetch_ok: u64,
    pub jwks_fetch_error: u64,
    pub verify_ok: u64,
    pub verify_error: u64,
}

pub fn counts() -> Counts {
    let n = |i: usize| COUNTERS[i].load(Ordering::Relaxed);
    Counts {
        key_cache_hit: n(KEY_CACHE_HIT),
        key_cache_miss: n(KEY_CACHE_MISS),
        token_cache_hit: n(TOKEN_CACHE_HIT),
        token_cache_miss: n(TOKEN_CACHE_MISS),
        discovery_fetch_ok: n(DISCOVERY_FETCH_OK),
        discovery_fetch_error: n(DISCOVERY_FETCH_ERROR),
        jwks_fetch_ok: n(JWKS_FETCH_OK),
        jwks_fetch_error: n(JWKS_FETCH_ERROR),
        verify_ok: n(VERIFY_OK),
        verify_error: n(VERIFY_ERROR),
    }
}
