//! Process-wide counters, read by the Backstage module and exported as metrics.

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

pub const NAMES: [&str; 10] = [
    "keyCacheHit",
    "keyCacheMiss",
    "tokenCacheHit",
    "tokenCacheMiss",
    "discoveryFetchOk",
    "discoveryFetchError",
    "jwksFetchOk",
    "jwksFetchError",
    "verifyOk",
    "verifyError",
];

static COUNTERS: [AtomicU64; 10] = [const { AtomicU64::new(0) }; 10];

pub fn count(which: usize) {
    COUNTERS[which].fetch_add(1, Ordering::Relaxed);
}

pub fn snapshot() -> Vec<(&'static str, u64)> {
    NAMES.iter().zip(COUNTERS.iter()).map(|(n, c)| (*n, c.load(Ordering::Relaxed))).collect()
}
