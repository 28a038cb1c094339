//! OIDC discovery and the JWKS cache of one issuer, shared by every verification in the
//! process. All fetching runs on a small runtime of its own, so it works the same from
//! Node's main thread, a napi worker or a test, and a panic there never reaches Node.
//!
//! Rules: one fetch at a time per issuer (concurrent callers join it); once keys are
//! held no caller waits on a fetch (refresh happens in the background before the TTL
//! ends, and stale keys keep serving while the issuer is down, for at most MAX_STALE);
//! a token with an unknown kid triggers at most one refetch per KID_MISS_COOLDOWN.

use crate::error::{Code, Error, Result};
use crate::fetch;
use crate::jwks::KeySet;
use crate::stats;
use once_cell::sync::Lazy;
use reqwest::Url;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio::sync::watch;

/// TTL when the JWKS response has no Cache-Control max-age.
pub const DEFAULT_TTL: Duration = Duration::from_secs(600);
pub const MIN_TTL: Duration = Duration::from_secs(5);
pub const MAX_TTL: Duration = Duration::from_secs(24 * 3600);
/// Refresh in the background once this share of the TTL has passed.
const REFRESH_AT: f64 = 0.8;
/// How long past their TTL keys keep serving while refreshes fail (stale-if-error).
pub const MAX_STALE: Duration = Duration::from_secs(24 * 3600);
pub const KID_MISS_COOLDOWN: Duration = Duration::from_secs(5);
/// Retry delay after a failed fetch: 1 s, doubling, at most this.
pub const MAX_BACKOFF: Duration = Duration::from_secs(10);

static FETCH_RUNTIME: Lazy<Runtime> = Lazy::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("oidc-proxy-fetch")
        .enable_all()
        .build()
        .expect("a one-thread tokio runtime can always be built")
});

pub struct KeyStore {
    issuer: String,
    configured_jwks_uri: Option<Url>,
    state: Mutex<State>,
    /// Carries the sequence number of the last finished fetch.
    done: watch::Sender<u64>,
}

#[derive(Default)]
struct State {
    keys: Option<Arc<KeySet>>,
    /// Bumped on every successful fetch; callers use it to see whether keys changed.
    generation: u64,
    fetched_at: Option<Instant>,
    ttl: Duration,
    discovered_jwks_uri: Option<Url>,
    /// Sequence number of the fetch in flight, if any.
    in_flight: Option<u64>,
    started: u64,
    last_start: Option<Instant>,
    failures: u32,
    retry_at: Option<Instant>,
    last_error: Option<String>,
}

/// The keys and the generation they belong to.
#[derive(Clone)]
pub struct Snapshot {
    pub keys: Arc<KeySet>,
    pub generation: u64,
}

impl KeyStore {
    pub fn new(issuer: String, jwks_uri: Option<Url>) -> Arc<KeyStore> {
        Arc::new(KeyStore { issuer, configured_jwks_uri: jwks_uri, state: Mutex::new(State::default()), done: watch::channel(0).0 })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave State inconsistent in a way that
        // matters more than refusing all service would.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The keys held now, without waiting; starts a background refresh when one is due.
    pub fn current(self: &Arc<Self>) -> Option<Snapshot> {
        let mut state = self.lock();
        let now = Instant::now();
        let fetched_at = state.fetched_at?;
        let age = now.duration_since(fetched_at);
        if age > state.ttl + MAX_STALE {
            state.keys = None;
            return None;
        }
        if age.as_secs_f64() >= state.ttl.as_secs_f64() * REFRESH_AT {
            self.start_fetch(&mut state, now);
        }
        let keys = state.keys.clone()?;
        Some(Snapshot { keys, generation: state.generation })
    }

    /// The keys, fetching them first if none are held.
    pub async fn keys(self: &Arc<Self>) -> Result<Snapshot> {
        if let Some(snapshot) = self.current() {
            return Ok(snapshot);
        }
        let wait = {
            let mut state = self.lock();
            match state.in_flight {
                Some(seq) => Some(seq),
                None if state.retry_at.is_some_and(|at| Instant::now() < at) => None,
                None => self.start_fetch(&mut state, Instant::now()),
            }
        };
        if let Some(seq) = wait {
            self.wait_for(seq).await;
        }
        self.current().ok_or_else(|| self.unavailable())
    }

    /// After a token named a kid the keys do not have: refetch once, unless the keys
    /// changed since `seen_generation` or a fetch started within the cooldown.
    pub async fn refetch_for_unknown_kid(self: &Arc<Self>, seen_generation: u64) -> Option<Snapshot> {
        let wait = {
            let mut state = self.lock();
            let now = Instant::now();
            if state.generation != seen_generation {
                None
            } else if let Some(seq) = state.in_flight {
                Some(seq)
            } else if state.last_start.is_some_and(|at| now.duration_since(at) < KID_MISS_COOLDOWN) {
                None
            } else {
                self.start_fetch(&mut state, now)
            }
        };
        if let Some(seq) = wait {
            self.wait_for(seq).await;
        }
        self.current()
    }

    /// Fetches now unless a fetch is running; for warming the cache at start-up.
    pub async fn prefetch(self: &Arc<Self>) -> Result<Snapshot> {
        let seq = {
            let mut state = self.lock();
            match state.in_flight {
                Some(seq) => seq,
                None => {
                    state.retry_at = None;
                    self.start_fetch(&mut state, Instant::now()).unwrap_or(0)
                }
            }
        };
        self.wait_for(seq).await;
        self.current().ok_or_else(|| self.unavailable())
    }

    fn unavailable(&self) -> Error {
        let why = self.lock().last_error.clone().unwrap_or_else(|| "no keys have been fetched yet".into());
        Error::new(Code::IssuerUnavailable, format!("the issuer's signing keys are unavailable: {why}"))
    }

    async fn wait_for(&self, seq: u64) {
        let mut rx = self.done.subscribe();
        // The sender lives as long as self, so this only ends when the fetch has.
        let _ = rx.wait_for(|done| *done >= seq).await;
    }

    /// Starts a fetch unless one is running or a failure's backoff is still on; returns
    /// the sequence number to wait for.
    fn start_fetch(self: &Arc<Self>, state: &mut State, now: Instant) -> Option<u64> {
        if let Some(seq) = state.in_flight {
            return Some(seq);
        }
        if state.retry_at.is_some_and(|at| now < at) {
            return None;
        }
        state.started += 1;
        let seq = state.started;
        state.in_flight = Some(seq);
        state.last_start = Some(now);
        let discovered = state.discovered_jwks_uri.clone();
        let store = Arc::clone(self);
        FETCH_RUNTIME.spawn(async move {
            let inner = Arc::clone(&store);
            // A panic in the fetch becomes a failed fetch, never a stuck one.
            let outcome = FETCH_RUNTIME
                .spawn(async move { inner.fetch(discovered).await })
                .await
                .unwrap_or_else(|_| Err("an internal error occurred while fetching keys".into()));
            store.finish(seq, outcome);
        });
        Some(seq)
    }

    async fn fetch(&self, discovered: Option<Url>) -> std::result::Result<(KeySet, Duration, Option<Url>), String> {
        let jwks_uri = match (&self.configured_jwks_uri, discovered) {
            (Some(uri), _) => uri.clone(),
            (None, Some(uri)) => uri,
            (None, None) => self.discover().await?,
        };
        let fetched = fetch::get_json("JWKS", &jwks_uri).await;
        stats::count(if fetched.is_ok() { stats::JWKS_FETCH_OK } else { stats::JWKS_FETCH_ERROR });
        let fetched = fetched?;
        let set = KeySet::parse(&fetched.body)?;
        // An empty set is a broken publication: keep the last good keys. A set of only
        // unusable keys is taken, so tokens get the precise reason (e.g. key too small).
        if set.keys.is_empty() && set.rejected.is_empty() {
            return Err("the JWKS has no signing keys".into());
        }
        let ttl = fetched.max_age.unwrap_or(DEFAULT_TTL).clamp(MIN_TTL, MAX_TTL);
        Ok((set, ttl, Some(jwks_uri)))
    }

    async fn discover(&self) -> std::result::Result<Url, String> {
        let url = discovery_url(&self.issuer)?;
        let result = async {
            let doc = fetch::get_json("discovery document", &url).await?.body;
            read_discovery(&self.issuer, &url, &doc)
        }
        .await;
        stats::count(if result.is_ok() { stats::DISCOVERY_FETCH_OK } else { stats::DISCOVERY_FETCH_ERROR });
        result
    }

    fn finish(&self, seq: u64, outcome: std::result::Result<(KeySet, Duration, Option<Url>), String>) {
        {
            let mut state = self.lock();
            let now = Instant::now();
            match outcome {
                Ok((keys, ttl, jwks_uri)) => {
                    state.keys = Some(Arc::new(keys));
                    state.generation += 1;
                    state.fetched_at = Some(now);
                    state.ttl = ttl;
                    state.failures = 0;
                    state.retry_at = None;
                    state.last_error = None;
                    if self.configured_jwks_uri.is_none() {
                        state.discovered_jwks_uri = jwks_uri;
                    }
                }
                Err(why) => {
                    state.failures = state.failures.saturating_add(1);
                    let backoff = Duration::from_secs(1u64 << (state.failures - 1).min(10)).min(MAX_BACKOFF);
                    state.retry_at = Some(now + backoff);
                    state.last_error = Some(why);
                    // The JWKS may have moved: discover again next time.
                    state.discovered_jwks_uri = None;
                }
            }
            state.in_flight = None;
        }
        self.done.send_replace(seq);
    }
}

/// Where an issuer publishes its discovery document (OIDC Discovery 4).
pub fn discovery_url(issuer: &str) -> std::result::Result<Url, String> {
    let url = fetch::check_url("issuer", issuer)?;
    Url::parse(&format!("{}/.well-known/openid-configuration", url.as_str().trim_end_matches('/')))
        .map_err(|_| "the discovery URL cannot be built from the issuer".to_string())
}

/// The JWKS URI of a discovery document, once it is known to be the issuer's own.
pub fn read_discovery(issuer: &str, url: &Url, doc: &serde_json::Map<String, serde_json::Value>) -> std::result::Result<Url, String> {
    // OIDC Discovery 4.3: the document must be the issuer's own.
    if doc.get("issuer").and_then(|v| v.as_str()) != Some(issuer) {
        return Err(format!("the discovery document at {url} names a different issuer"));
    }
    match doc.get("jwks_uri").and_then(|v| v.as_str()) {
        Some(uri) => fetch::check_url("jwks_uri in the discovery document", uri),
        None => Err(format!("the discovery document at {url} has no jwks_uri")),
    }
}

type StoreKey = (String, Option<String>);

/// Stores by issuer (and JWKS URI), held weakly: verifiers of one issuer share its keys,
/// and a store goes away with the last verifier that uses it.
static STORES: Lazy<Mutex<std::collections::HashMap<StoreKey, Weak<KeyStore>>>> = Lazy::new(Default::default);

/// The store every verifier of this issuer (and JWKS URI, when one is configured) shares.
pub fn shared(issuer: &str, jwks_uri: Option<&Url>) -> Arc<KeyStore> {
    let key = (issuer.to_owned(), jwks_uri.map(|u| u.to_string()));
    let mut stores = STORES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(store) = stores.get(&key).and_then(Weak::upgrade) {
        return store;
    }
    stores.retain(|_, store| store.strong_count() > 0);
    let store = KeyStore::new(issuer.to_owned(), jwks_uri.cloned());
    stores.insert(key, Arc::downgrade(&store));
    store
}
