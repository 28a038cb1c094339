//! Verification off the main thread when calls overlap: a few threads of our own (one
//! per core) take jobs from a queue, and their results go back to the JS thread in
//! batches, through one threadsafe function per JS environment: a burst of 64 results
//! costs one wake-up of the event loop, not 64.
//!
//! Why not napi's tokio runtime: with one call in flight its hop (runtime wake-up, a
//! threadsafe function per promise) cost 80-115 µs, several times an RSA verify. Jobs
//! here only ever hold warm keys, so a worker never waits on the network; a token whose
//! kid is not in those keys is handed to the async path that may fetch.

use crate::error::Error;
use crate::js;
use crate::key_store::Snapshot;
use crate::stats;
use crate::verifier::{Step, Verifier};
use napi::sys;
use once_cell::sync::Lazy;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;
use std::sync::{Arc, Condvar, Mutex};

type Outcome = std::result::Result<Arc<str>, Error>;

/// A raw napi handle moved between threads; only ever used on its own JS thread.
struct Handle<T>(T);
unsafe impl<T> Send for Handle<T> {}

struct Job {
    verifier: Arc<Verifier>,
    token: String,
    keys: Snapshot,
    deferred: Handle<sys::napi_deferred>,
    home: Arc<Home>,
}

/// The completions of one JS environment and the threadsafe function that drains them.
struct Home {
    inner: Mutex<HomeInner>,
}

struct HomeInner {
    done: Vec<(Handle<sys::napi_deferred>, Outcome)>,
    /// A drain is already scheduled; more results join it without another wake-up.
    scheduled: bool,
    /// None once Node has torn the environment down.
    tsfn: Option<Handle<sys::napi_threadsafe_function>>,
}

impl Home {
    fn complete(&self, deferred: Handle<sys::napi_deferred>, outcome: Outcome) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.done.push((deferred, outcome));
        if inner.scheduled {
            return;
        }
        // Called under the lock so that the finalizer cannot free the function meanwhile.
        if let Some(tsfn) = &inner.tsfn {
            let status = unsafe { sys::napi_call_threadsafe_function(tsfn.0, ptr::null_mut(), sys::ThreadsafeFunctionCallMode::nonblocking) };
            inner.scheduled = status == sys::Status::napi_ok;
        }
    }
}

struct Queue {
    jobs: Mutex<(VecDeque<Job>, usize)>,
    ready: Condvar,
}

/// Started on first use; the threads live as long as the process.
static QUEUE: Lazy<Arc<Queue>> = Lazy::new(|| {
    let queue = Arc::new(Queue { jobs: Mutex::new((VecDeque::new(), 0)), ready: Condvar::new() });
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(1, 8);
    for i in 0..threads {
        let q = Arc::clone(&queue);
        let spawned = std::thread::Builder::new().name(format!("oidc-proxy-verify-{i}")).spawn(move || work(&q));
        if spawned.is_err() && i == 0 {
            // Without a single worker nothing would ever finish; the caller sees this
            // through `QUEUE_OK` and keeps to the async path.
            QUEUE_OK.store(false, std::sync::atomic::Ordering::Relaxed);
        }
    }
    queue
});

static QUEUE_OK: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

fn work(queue: &Queue) {
    loop {
        let job = {
            let mut guard = queue.jobs.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if let Some(job) = guard.0.pop_front() {
                    break job;
                }
                guard.1 += 1;
                guard = queue.ready.wait(guard).unwrap_or_else(|e| e.into_inner());
                guard.1 -= 1;
            }
        };
        run(job);
    }
}

fn run(job: Job) {
    let Job { verifier, token, keys, deferred, home } = job;
    let step = catch_unwind(AssertUnwindSafe(|| verifier.verify_with(&token, Some(&keys), false)));
    match step {
        Ok(Step::Done(outcome)) => {
            stats::count(if outcome.is_ok() { stats::VERIFY_OK } else { stats::VERIFY_ERROR });
            home.complete(deferred, outcome);
        }
        // A kid these keys lack (a rotation): the async path may refetch; this thread
        // must not wait for it.
        Ok(_) => {
            napi::bindgen_prelude::spawn(async move {
                let outcome = tokio::spawn(async move { verifier.verify(&token).await }).await;
                home.complete(deferred, outcome.unwrap_or_else(|_| Err(js::internal())));
            });
        }
        Err(_) => {
            stats::count(stats::VERIFY_ERROR);
            home.complete(deferred, Err(js::internal()));
        }
    }
}

thread_local! {
    /// This JS thread's completion queue (each environment runs on its own thread).
    static HOME: RefCell<Option<Arc<Home>>> = const { RefCell::new(None) };
    /// Pool jobs of this JS thread not yet settled.
    static IN_FLIGHT: Cell<usize> = const { Cell::new(0) };
}

/// Whether no verification of this JS thread is running on the pool.
pub fn idle() -> bool {
    IN_FLIGHT.with(|n| n.get() == 0)
}

/// Queues a verification with warm keys and returns its promise, or None when the pool
/// is unavailable (the caller then takes the async path).
pub fn submit(env: sys::napi_env, verifier: Arc<Verifier>, token: String, keys: Snapshot) -> napi::Result<Option<js::Raw>> {
    if !QUEUE_OK.load(std::sync::atomic::Ordering::Relaxed) {
        return Ok(None);
    }
    let queue = Lazy::force(&QUEUE);
    let Some(home) = home(env)? else { return Ok(None) };
    let (deferred, promise) = js::promise(env)?;
    if IN_FLIGHT.with(|n| n.replace(n.get() + 1)) == 0 {
        // Keep the process alive while results are owed, and only then.
        set_ref(&home, env, true);
    }
    let job = Job { verifier, token, keys, deferred: Handle(deferred), home };
    let mut guard = queue.jobs.lock().unwrap_or_else(|e| e.into_inner());
    guard.0.push_back(job);
    let sleeping = guard.1 > 0;
    drop(guard);
    if sleeping {
        queue.ready.notify_one();
    }
    Ok(Some(promise))
}

fn set_ref(home: &Home, env: sys::napi_env, on: bool) {
    let inner = home.inner.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(tsfn) = &inner.tsfn {
        unsafe {
            if on {
                sys::napi_ref_threadsafe_function(env, tsfn.0);
            } else {
                sys::napi_unref_threadsafe_function(env, tsfn.0);
            }
        }
    }
}

fn home(env: sys::napi_env) -> napi::Result<Option<Arc<Home>>> {
    if let Some(home) = HOME.with(|h| h.borrow().clone()) {
        let alive = home.inner.lock().unwrap_or_else(|e| e.into_inner()).tsfn.is_some();
        return Ok(alive.then_some(home));
    }
    let home = Arc::new(Home { inner: Mutex::new(HomeInner { done: Vec::new(), scheduled: false, tsfn: None }) });
    let context = Arc::into_raw(Arc::clone(&home)) as *mut std::ffi::c_void;
    let mut name = ptr::null_mut();
    let mut tsfn = ptr::null_mut();
    unsafe {
        let label = "oidcProxyVerify";
        let status = sys::napi_create_string_utf8(env, label.as_ptr().cast(), label.len() as isize, &mut name);
        let status = if status == sys::Status::napi_ok {
            sys::napi_create_threadsafe_function(
                env,
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                context,
                Some(finalize),
                context,
                Some(drain),
                &mut tsfn,
            )
        } else {
            status
        };
        if status != sys::Status::napi_ok {
            drop(Arc::from_raw(context as *const Home));
            return Err(napi::Error::new(napi::Status::GenericFailure, "the verification pool could not be set up"));
        }
        // Idle, it must not keep Node running.
        sys::napi_unref_threadsafe_function(env, tsfn);
    }
    home.inner.lock().unwrap_or_else(|e| e.into_inner()).tsfn = Some(Handle(tsfn));
    HOME.with(|h| *h.borrow_mut() = Some(Arc::clone(&home)));
    Ok(Some(home))
}

/// Node tears the environment down: results still owed can no longer be delivered.
unsafe extern "C" fn finalize(_env: sys::napi_env, data: *mut std::ffi::c_void, _hint: *mut std::ffi::c_void) {
    let home = unsafe { Arc::from_raw(data as *const Home) };
    let mut inner = home.inner.lock().unwrap_or_else(|e| e.into_inner());
    inner.tsfn = None;
    inner.done.clear();
}

/// On the JS thread: settles every result that has arrived since the last drain.
unsafe extern "C" fn drain(env: sys::napi_env, _js_cb: sys::napi_value, context: *mut std::ffi::c_void, _data: *mut std::ffi::c_void) {
    if env.is_null() || context.is_null() {
        return;
    }
    let home = unsafe { &*(context as *const Home) };
    let done = {
        let mut inner = home.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.scheduled = false;
        std::mem::take(&mut inner.done)
    };
    let count = done.len();
    for (deferred, outcome) in done {
        // Nothing here may unwind into Node.
        let _ = catch_unwind(AssertUnwindSafe(|| unsafe { js::settle_deferred(env, deferred.0, outcome) }));
    }
    let left = IN_FLIGHT.with(|n| {
        let left = n.get().saturating_sub(count);
        n.set(left);
        left
    });
    if left == 0 {
        set_ref(home, env, false);
    }
}
