//! Pinned keys: an issuer's JWKS given in the configuration (`jwks`) or in a file
//! (`jwksFile`), for backends that cannot reach the IdP. Nothing here touches the network.
//!
//! A file is polled by content, not watched: a Kubernetes ConfigMap update swaps a symlink,
//! which neither inotify on the file nor its mtime reliably reports. A file that goes bad
//! keeps the last good keys serving; the problem is kept for the host to report, with a
//! count of bad episodes so it can report each episode once.

use crate::json_object;
use crate::jwks::KeySet;
use crate::key_store::Snapshot;
use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

/// How often a JWKS file is read again: a change is serving within about this long.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// The same bound as a fetched JWKS body.
pub const MAX_FILE_BYTES: u64 = 256 * 1024;

/// A JWKS document, under the rules fetched keys follow (jwks.rs), and with at least one
/// usable signing key: pinned keys are the operator's own, so a set of none is a mistake.
pub fn parse(text: &[u8]) -> Result<KeySet, String> {
    let doc = json_object::parse(text).map_err(|why| format!("the JWKS {why}"))?;
    let set = KeySet::parse(&doc)?;
    if set.keys.is_empty() {
        if set.rejected.is_empty() {
            return Err("the JWKS has no signing keys".into());
        }
        let reasons: Vec<String> = set
            .rejected
            .iter()
            .map(|r| format!("{}: {}", r.kid.as_deref().map_or("a key without kid".into(), |k| format!("kid {k:?}")), r.reason))
            .collect();
        return Err(format!("the JWKS has no usable signing key ({})", reasons.join("; ")));
    }
    Ok(set)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("cannot be read: {e}"))?;
    let mut content = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut content).map_err(|e| format!("cannot be read: {e}"))?;
    if content.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("is larger than {MAX_FILE_BYTES} bytes"));
    }
    Ok(content)
}

/// Reads and checks a JWKS file at start-up. The path is as configured: relative paths
/// are relative to the working directory. Errors name the file.
pub fn load(file: &str) -> Result<(PathBuf, Vec<u8>, KeySet), String> {
    if file.is_empty() {
        return Err("must not be empty".into());
    }
    let path = PathBuf::from(file);
    let content = read(&path).map_err(|why| format!("the file {file:?} {why}"))?;
    let keys = parse(&content).map_err(|why| format!("the file {file:?} is not a usable JWKS: {why}"))?;
    Ok((path, content, keys))
}

/// How a JWKS file stands, for the host to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStatus {
    pub path: PathBuf,
    /// Why the file's current content is not in use; None while it is.
    pub problem: Option<String>,
    /// Times the file went from good to bad: a host reports each episode once.
    pub bad_episodes: u64,
    /// Times a changed, good content replaced the keys (the start-up read not counted).
    pub reloads: u64,
}

struct State {
    keys: Arc<KeySet>,
    generation: u64,
    /// The content the keys came from.
    good: Vec<u8>,
    /// The content read last (None: the file could not be read), so an unchanged file is
    /// not parsed again.
    seen: Option<Vec<u8>>,
    problem: Option<String>,
    bad_episodes: u64,
    reloads: u64,
}

pub struct PinnedKeys {
    path: Option<PathBuf>,
    state: Mutex<State>,
}

impl PinnedKeys {
    fn new(path: Option<PathBuf>, content: Vec<u8>, keys: KeySet) -> PinnedKeys {
        let state = State {
            keys: Arc::new(keys),
            generation: 1,
            seen: Some(content.clone()),
            good: content,
            problem: None,
            bad_episodes: 0,
            reloads: 0,
        };
        PinnedKeys { path, state: Mutex::new(state) }
    }

    /// Keys from the configuration itself: fixed for the verifier's life.
    pub fn inline(keys: KeySet) -> Arc<PinnedKeys> {
        Arc::new(PinnedKeys::new(None, Vec::new(), keys))
    }

    /// Keys from a file, as `load` read them; a thread of its own polls the file for as
    /// long as the store is in use.
    pub fn watch(path: PathBuf, content: Vec<u8>, keys: KeySet) -> std::io::Result<Arc<PinnedKeys>> {
        let store = Arc::new(PinnedKeys::new(Some(path), content, keys));
        let weak: Weak<PinnedKeys> = Arc::downgrade(&store);
        std::thread::Builder::new().name("oidc-proxy-jwks-file".into()).spawn(move || loop {
            std::thread::sleep(POLL_INTERVAL);
            let Some(store) = weak.upgrade() else { return };
            // A panic in one poll must not end the polling; it stays on this thread.
            let _ = catch_unwind(AssertUnwindSafe(|| store.poll()));
        })?;
        Ok(store)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn current(&self) -> Snapshot {
        let state = self.lock();
        Snapshot { keys: Arc::clone(&state.keys), generation: state.generation }
    }

    pub fn file_status(&self) -> Option<FileStatus> {
        let path = self.path.clone()?;
        let state = self.lock();
        Some(FileStatus { path, problem: state.problem.clone(), bad_episodes: state.bad_episodes, reloads: state.reloads })
    }

    /// Reads the file once and takes a changed, good content. Called by the polling thread
    /// (one caller at a time); public for tests that do not want to wait for it.
    pub fn poll(&self) {
        let Some(path) = &self.path else { return };
        let content = read(path);
        let seen = self.lock().seen.clone();
        let outcome = match &content {
            Ok(bytes) if Some(bytes) == seen.as_ref() => return,
            Ok(bytes) if *bytes == self.lock().good => Ok(None),
            Ok(bytes) => parse(bytes).map(Some).map_err(|why| format!("is not a usable JWKS: {why}")),
            Err(why) => Err(why.clone()),
        };
        let mut state = self.lock();
        state.seen = content.clone().ok();
        match outcome {
            Ok(keys) => {
                if let Some(keys) = keys {
                    state.keys = Arc::new(keys);
                    state.generation += 1;
                    state.reloads += 1;
                    state.good = content.unwrap_or_default();
                }
                state.problem = None;
            }
            Err(why) => {
                if state.problem.is_none() {
                    state.bad_episodes += 1;
                }
                state.problem = Some(why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err<T>(result: Result<T, String>) -> String {
        result.err().expect("must be refused")
    }

    fn rsa_jwk(kid: &str) -> serde_json::Value {
        // A 2048-bit modulus of 0xff bytes: usable as far as the parser's rules go.
        let n = crate::base64url::encode(&[0xffu8; 256]);
        json!({ "kty": "RSA", "kid": kid, "use": "sig", "n": n, "e": "AQAB" })
    }

    fn jwks(kids: &[&str]) -> Vec<u8> {
        serde_json::to_vec(&json!({ "keys": kids.iter().map(|k| rsa_jwk(k)).collect::<Vec<_>>() })).unwrap()
    }

    fn kids(store: &PinnedKeys) -> Vec<String> {
        store.current().keys.keys.iter().filter_map(|k| k.kid.clone()).collect()
    }

    #[test]
    fn pinned_sets_follow_the_fetched_key_rules_and_need_a_usable_key() {
        assert!(parse(&jwks(&["a"])).is_ok());
        assert!(err(parse(b"{\"keys\":[]}")).contains("no signing keys"));
        assert!(err(parse(b"[]")).contains("not a JSON object"));
        assert!(err(parse(b"{\"keys\":1,\"keys\":2}")).contains("duplicate"));
        let small = json!({ "keys": [{ "kty": "RSA", "kid": "small", "n": crate::base64url::encode(&[0xffu8; 128]), "e": "AQAB" }] });
        let e = err(parse(&serde_json::to_vec(&small).unwrap()));
        assert!(e.contains("kid \"small\"") && e.contains("1024 bits"), "{e}");
    }

    #[test]
    fn a_missing_or_bad_file_is_refused_by_name() {
        assert!(err(load("/nonexistent/keys.json")).contains("\"/nonexistent/keys.json\" cannot be read"));
        let dir = std::env::temp_dir().join(format!("oidc-pinned-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.json");
        std::fs::write(&file, "not json").unwrap();
        let e = err(load(file.to_str().unwrap()));
        assert!(e.contains("bad.json") && e.contains("not a usable JWKS"), "{e}");
        std::fs::write(&file, vec![b' '; MAX_FILE_BYTES as usize + 1]).unwrap();
        assert!(err(load(file.to_str().unwrap())).contains("larger than"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_polled_file_swaps_keys_keeps_them_when_bad_and_counts_episodes() {
        let dir = std::env::temp_dir().join(format!("oidc-pinned-poll-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("keys.json");
        std::fs::write(&file, jwks(&["one"])).unwrap();
        let (path, content, keys) = load(file.to_str().unwrap()).unwrap();
        let store = Arc::new(PinnedKeys::new(Some(path), content, keys));
        store.poll();
        assert_eq!((kids(&store), store.current().generation), (vec!["one".to_string()], 1), "unchanged: nothing reloaded");

        std::fs::write(&file, jwks(&["two"])).unwrap();
        store.poll();
        assert_eq!((kids(&store), store.current().generation), (vec!["two".to_string()], 2));

        std::fs::write(&file, "{\"keys\":[]}").unwrap();
        store.poll();
        store.poll();
        let status = store.file_status().unwrap();
        assert_eq!(kids(&store), vec!["two".to_string()], "the last good keys keep serving");
        assert!(status.problem.as_deref().unwrap().contains("no signing keys"));
        assert_eq!((status.bad_episodes, status.reloads), (1, 1));

        std::fs::remove_file(&file).unwrap();
        store.poll();
        assert_eq!(store.file_status().unwrap().bad_episodes, 1, "still the same bad episode");

        std::fs::write(&file, jwks(&["two"])).unwrap();
        store.poll();
        let status = store.file_status().unwrap();
        assert_eq!(
            (status.problem, status.reloads, store.current().generation),
            (None, 1, 2),
            "the good content back: recovered, not reloaded"
        );

        std::fs::write(&file, "garbage").unwrap();
        store.poll();
        assert_eq!(store.file_status().unwrap().bad_episodes, 2, "a new episode");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
