//! Process-wide counters, read by the Backstage module and exported as metrics. Each is
//! counted in one place: the verifier for tokens and key lookups, the key store for fetches,
//! the addon's dispatch for the thread a check ran on.

use std::sync::atomic::{AtomicU64, Ordering};

/// One counter, and how the Backstage module exports it: the metric and its attributes.
/// This table is the one list of counters; `cacheStats()`, `counters()` and the module's
/// metrics come from it (`__test__/core-api.test.mjs` checks `CacheStats` against it).
pub struct Counter {
    pub name: &'static str,
    pub metric: Metric,
    pub attributes: &'static [(&'static str, &'static str)],
}

#[derive(Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub description: &'static str,
}

macro_rules! counters {
    ($($index:ident = $name:literal, $metric:expr, [$(($k:literal, $v:literal)),*];)*) => {
        pub const COUNTERS: &[Counter] = &[$(Counter { name: $name, metric: $metric, attributes: &[$(($k, $v)),*] },)*];
        counters!(@index 0usize, $($index)*);
    };
    (@index $n:expr, $first:ident $($rest:ident)*) => {
        pub const $first: usize = $n;
        counters!(@index $n + 1usize, $($rest)*);
    };
    (@index $n:expr,) => {};
}

const LOOKUPS: Metric =
    Metric { name: "auth.oidc_proxy.cache_lookups", description: "Key cache and verified-token cache lookups by cache and result" };
const FETCHES: Metric = Metric { name: "auth.oidc_proxy.key_fetches", description: "Discovery and JWKS fetches by document and result" };
const VERIFICATIONS: Metric = Metric {
    name: "auth.oidc_proxy.verifications",
    description: "ID token verifications by outcome (ok, error), each counted once, in the native core",
};

const CHECKS: Metric = Metric {
    name: "auth.oidc_proxy.checks",
    description: "Verifications not answered from the token cache, by the thread that checked them (calling, checking, worker)",
};

counters! {
    KEY_CACHE_HIT = "keyCacheHit", LOOKUPS, [("cache", "key"), ("result", "hit")];
    KEY_CACHE_MISS = "keyCacheMiss", LOOKUPS, [("cache", "key"), ("result", "miss")];
    TOKEN_CACHE_HIT = "tokenCacheHit", LOOKUPS, [("cache", "token"), ("result", "hit")];
    TOKEN_CACHE_MISS = "tokenCacheMiss", LOOKUPS, [("cache", "token"), ("result", "miss")];
    DISCOVERY_FETCH_OK = "discoveryFetchOk", FETCHES, [("document", "discovery"), ("result", "ok")];
    DISCOVERY_FETCH_ERROR = "discoveryFetchError", FETCHES, [("document", "discovery"), ("result", "error")];
    JWKS_FETCH_OK = "jwksFetchOk", FETCHES, [("document", "jwks"), ("result", "ok")];
    JWKS_FETCH_ERROR = "jwksFetchError", FETCHES, [("document", "jwks"), ("result", "error")];
    VERIFY_OK = "verifyOk", VERIFICATIONS, [("outcome", "ok")];
    VERIFY_ERROR = "verifyError", VERIFICATIONS, [("outcome", "error")];
    CHECKED_ON_CALLING_THREAD = "checkedOnCallingThread", CHECKS, [("thread", "calling")];
    CHECKED_ON_CHECKING_THREAD = "checkedOnCheckingThread", CHECKS, [("thread", "checking")];
    CHECKED_ON_ASYNC_WORKER = "checkedOnAsyncWorker", CHECKS, [("thread", "worker")];
}

static COUNTS: [AtomicU64; COUNTERS.len()] = [const { AtomicU64::new(0) }; COUNTERS.len()];

/// Each counter's value since the process started, in the order of `COUNTERS`.
pub fn values() -> Vec<u64> {
    COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).collect()
}

pub fn count(which: usize) {
    COUNTS[which].fetch_add(1, Ordering::Relaxed);
}
