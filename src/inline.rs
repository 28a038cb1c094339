//! When the main thread may verify a token itself. One call at a time is answered inline
//! (a hop to another thread costs more than an RSA verify), but only for a short stretch
//! of back-to-back calls: a burst beyond STRETCH goes to the pool, so that the other
//! cores take it and the event loop is never blocked by verification for long.
//!
//! And not when the main thread is the bottleneck: in a loaded Backstage backend each
//! refresh costs the event loop some 500 µs of its own work (HTTP, signing the Backstage
//! token, the database), so 20 µs of RSA there is 4 % of its throughput, while the pool
//! would do it on another core. A call that finds the main thread spent the time since
//! our last call mostly busy with such other work is handed to the pool.

use std::cell::Cell;
use std::time::{Duration, Instant};

/// Longest run of back-to-back inline verifications (about four RSA-2048 verifies).
const STRETCH: Duration = Duration::from_micros(100);
/// A pause this long between calls ends a run.
const PAUSE: Duration = Duration::from_micros(20);
/// Other main-thread work between two calls that makes verification worth moving off it:
/// several verifications' worth, so a tight loop of calls (benchmarks, batch jobs) stays inline.
const BUSY_MIN: Duration = Duration::from_micros(60);
/// Share of the wall time between calls the main thread must have been working for that.
const BUSY_SHARE: f64 = 0.75;

thread_local! {
    /// Start and end of the current run of inline verifications.
    static RUN: Cell<Option<(Instant, Instant)>> = const { Cell::new(None) };
    /// Wall clock and this thread's CPU time when we last left the main thread to others.
    static MARK: Cell<Option<(Instant, Duration)>> = const { Cell::new(None) };
}

/// CPU time this thread has used, where the platform tells it cheaply.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn thread_cpu() -> Option<Duration> {
    #[repr(C)]
    struct Timespec {
        tv_sec: i64,
        tv_nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, tp: *mut Timespec) -> i32;
    }
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    let mut ts = Timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes one Timespec, which matches the C layout on 64-bit Linux.
    (unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0)
        .then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn thread_cpu() -> Option<Duration> {
    None
}

/// Whether the main thread was mostly busy with other work since the mark, and the new mark.
fn busy_since_mark(now: Instant) -> bool {
    let cpu_now = thread_cpu();
    let busy = match (MARK.with(Cell::get), cpu_now) {
        (Some((wall_then, cpu_then)), Some(cpu_now)) => {
            let wall = now.duration_since(wall_then);
            let cpu = cpu_now.saturating_sub(cpu_then);
            cpu >= BUSY_MIN && cpu.as_secs_f64() >= BUSY_SHARE * wall.as_secs_f64()
        }
        _ => false,
    };
    if let Some(cpu) = cpu_now {
        MARK.with(|m| m.set(Some((now, cpu))));
    }
    busy
}

/// Whether this call may be verified inline.
pub fn may_run() -> bool {
    let now = Instant::now();
    RUN.with(|run| match run.get() {
        Some((start, last_end)) if now.duration_since(last_end) < PAUSE => now.duration_since(start) < STRETCH,
        _ => {
            if busy_since_mark(now) {
                return false;
            }
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
    // Our own verification is not "other work".
    if let Some(cpu) = thread_cpu() {
        MARK.with(|m| m.set(Some((now, cpu))));
    }
}
