//! When the main thread may verify a token itself. One call at a time is answered inline
//! (a hop to another thread costs more than an RSA verify), but only for a short stretch
//! of back-to-back calls: a burst beyond STRETCH goes to the pool, so that the other
//! cores take it and the event loop is never blocked by verification for long.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Longest run of back-to-back inline verifications (about four RSA-2048 verifies).
const STRETCH: Duration = Duration::from_micros(100);
/// A pause this long between calls ends a run.
const PAUSE: Duration = Duration::from_micros(20);

thread_local! {
    static RUN: Cell<Option<(Instant, Instant)>> = const { Cell::new(None) };
}

/// Whether this call may be verified inline.
pub fn may_run() -> bool {
    let now = Instant::now();
    RUN.with(|run| match run.get() {
        Some((start, last_end)) if now.duration_since(last_end) < PAUSE => now.duration_since(start) < STRETCH,
        _ => {
            run.set(Some((now, now)));
            true
        }
    })
}

/// Records the end of an inline verification.
pub fn ran() {
    let now = Instant::now();
    RUN.with(|run| {
        let start = run.get().map_or(now, |(start, _)| start);
        run.set(Some((start, now)));
    });
}
