//! The one way through a verification (`verify`, `verifyIdToken`, `signIn`):
//!
//! 1. a token verified before is a token-cache lookup on the calling thread, answered with
//!    the frozen object it got before (memo.rs);
//! 2. else, for `verify` and `verifyIdToken`, with the issuer's keys held and no
//!    verification waiting off the event loop, the signature is checked right here: one
//!    check alone costs less than the hop to another thread (`mark_checkpoint`);
//! 3. else it is done off the event loop, in napi's runtime (runtime.rs): on the checking
//!    thread while it has room, else on the async worker, which also waits for keys.
//!
//! A sign-in's first verification always takes step 3: it is made per HTTP request, where
//! the event loop also carries the request's other work, and checking there lost `/refresh`
//! rate and CPU against the hop. A panic in any step becomes ERR_INTERNAL, never an abort.
//! The numbers are measured: docs/benchmarks.md, "Verifying on the calling thread, bounded".

use crate::js::{self, Promise};
use crate::memo::Memo;
use crate::sign_in;
use napi::bindgen_prelude::*;
use napi::{JsDeferred, UnknownRef};
use oidc_proxy_core::sign_in::SignInRules;
use oidc_proxy_core::{stats, Error, Verified, Verifier};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// What one JS environment keeps: the frozen answers and the state of the rule.
#[derive(Default)]
struct EnvState {
    memo: Memo,
    /// Verifications off the thread whose answers are not back yet.
    off_thread: usize,
    /// A signature was checked here and the microtasks have not run since.
    checked_here: bool,
    /// `queueMicrotask` and the marker it is given, found once.
    marker: Option<(UnknownRef<false>, UnknownRef<false>)>,
}

fn state(env: &Env) -> Result<&'static mut EnvState> {
    if env.get_instance_data::<EnvState>()?.is_none() {
        env.set_instance_data(EnvState::default(), (), |_| {})?;
    }
    env.get_instance_data::<EnvState>()?.ok_or_else(|| napi::Error::from_reason("no state for this JS environment"))
}

/// Queues the marker that says the microtasks ran. Should it fail, `checked_here` stays
/// set and every later call goes off the thread: slower, never wrong.
///
/// The rule it serves: the calling thread checks a signature only for a call that is alone,
/// no verification off the thread with its answer not yet back and none checked here since
/// the event loop last ran its microtasks. A caller awaiting each verification runs the
/// microtasks between two calls, so every call is checked here; calls made together (a loop
/// without `await`, `Promise.all`, many requests' lanes) meet one checked here and the rest
/// go off the thread, where the runtime's threads keep the event loop free.
fn mark_checkpoint(env: &Env, here: &mut EnvState) -> Result<()> {
    if here.marker.is_none() {
        let queue: Unknown<'_> = env.get_global()?.get_named_property_unchecked("queueMicrotask")?;
        let marker = env.create_function_from_closure::<(), (), _>("oidcProxyCheckpoint", |ctx| {
            state(ctx.env)?.checked_here = false;
            Ok(())
        })?;
        here.marker = Some((UnknownRef::from_unknown(queue)?, UnknownRef::from_unknown(marker.to_unknown())?));
    }
    let Some((queue, marker)) = &here.marker else { return Ok(()) };
    let queue: Function<'_, Unknown<'_>, ()> = Function::from_unknown(queue.get_value(env)?)?;
    queue.call(marker.get_value(env)?)
}

/// What a caller is answered with.
#[derive(Clone)]
pub enum Answer {
    Claims,
    SignIn(Arc<SignInRules>),
}

impl Answer {
    /// Whether a first verification may be checked on the calling thread (step 2).
    fn may_verify_here(&self) -> bool {
        matches!(self, Answer::Claims)
    }

    fn rules(&self) -> Option<&Arc<SignInRules>> {
        match self {
            Answer::Claims => None,
            Answer::SignIn(rules) => Some(rules),
        }
    }

    /// The answer's JSON text (the sign-in result is computed here, from the verified claims);
    /// `again`: answered from the token cache, which a sign-in result reports as `repeated`.
    fn text(&self, verifier: &Verifier, verified: &Verified, again: bool) -> std::result::Result<Arc<str>, Error> {
        match self {
            Answer::Claims => Ok(Arc::clone(&verified.claims_json)),
            Answer::SignIn(rules) => sign_in::result(verifier, verified, rules, again),
        }
    }
}

/// The JS answer for a verification. A first answer is the text parsed, the caller's own
/// object: most tokens are never asked for again, and freezing and keeping each would cost
/// every distinct token. An answer from the token cache (`again`) is the memo's shared,
/// frozen object, made on the first such answer.
fn to_js<'env>(
    env: &'env Env,
    memo: &mut Memo,
    verifier: &Verifier,
    verified: &Verified,
    answer: &Answer,
    again: bool,
) -> Result<Unknown<'env>> {
    let claims = &verified.claims_json;
    if again {
        if let Some(object) = memo.get(env, claims, answer.rules()) {
            return Ok(object.to_unknown());
        }
    }
    let text = match catch_unwind(AssertUnwindSafe(|| answer.text(verifier, verified, again))) {
        Ok(text) => text.map_err(|e| js::error(env, &e))?,
        Err(_) => return Err(js::error(env, &js::internal())),
    };
    let value = js::parse(env, &text)?;
    // A token-cache hit always has an id: only kept verifications are answered again.
    if again {
        js::deep_freeze(env, value)?;
        memo.insert(env, claims, answer.rules(), &Object::from_unknown(value)?, text.len())?;
    }
    Ok(value)
}

fn settle<'env>(env: &'env Env, value: Result<Unknown<'env>>) -> Result<Promise<'env>> {
    match value {
        Ok(value) => PromiseRaw::resolve(env, value),
        Err(error) => PromiseRaw::reject(env, error),
    }
}

/// Verifies `token` and answers with a promise of `answer`, by the steps above.
pub fn verify<'env>(env: &'env Env, verifier: &Arc<Verifier>, token: String, answer: Answer) -> Result<Promise<'env>> {
    let state = state(env)?;
    let inline = answer.may_verify_here() && state.off_thread == 0 && !state.checked_here;
    let at_once = catch_unwind(AssertUnwindSafe(|| match verifier.cached(&token) {
        None if inline => verifier.verify_held(&token).map(|outcome| (outcome, false)),
        other => other.map(|outcome| (outcome, true)),
    }));
    match at_once {
        Ok(Some((outcome, again))) => {
            if !again {
                stats::count(stats::CHECKED_ON_CALLING_THREAD);
                state.checked_here = true;
                let _ = mark_checkpoint(env, state);
            }
            settle(env, outcome.map_err(|e| js::error(env, &e)).and_then(|v| to_js(env, &mut state.memo, verifier, &v, &answer, again)))
        }
        Err(_) => settle(env, Err(js::error(env, &js::internal()))),
        Ok(None) => {
            state.off_thread += 1;
            // `verify_held` was tried here already when `inline`: it needs the network.
            off_thread(env, Arc::clone(verifier), token, answer, !inline)
        }
    }
}

/// Settles an off-thread promise on the JS thread, from whichever thread has the answer.
type Settle = Box<dyn FnOnce(Env) -> Result<UnknownRef<false>> + Send>;
type Deferred = JsDeferred<UnknownRef<false>, Settle>;

/// Sends the answer's text back; it is parsed into the caller's object on the JS thread.
fn answer_later(deferred: Deferred, outcome: std::result::Result<Arc<str>, Error>) {
    deferred.resolve(Box::new(move |env: Env| {
        let state = state(&env)?;
        state.off_thread = state.off_thread.saturating_sub(1);
        let value = js::parse(&env, &outcome.map_err(|e| js::error(&env, &e))?)?;
        UnknownRef::from_unknown(value)
    }))
}

/// Checks queued on the checking thread or running there, process-wide like the runtime.
static ON_CHECKING_THREAD: AtomicUsize = AtomicUsize::new(0);

/// How many checks may wait on the checking thread before the next goes to the async worker.
/// Below it one thread does every check, the cheapest at everyday rates; beyond it the
/// second thread shares the load. Measured (docs/benchmarks.md, "One checking thread, one
/// overflow worker"): 2 splits a timer's pair of calls between the threads; 4 keeps them on
/// one and gave the most at 64 in flight (8 and 16 less).
const CHECKING_QUEUE: usize = 4;

/// Takes its place on the checking thread, and gives it back when the check is done.
struct CheckingSlot;

impl CheckingSlot {
    fn take() -> Option<CheckingSlot> {
        // A slot is made only once its place is taken: one dropped unmade would give back a
        // place it never had.
        match ON_CHECKING_THREAD.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < CHECKING_QUEUE).then_some(n + 1)) {
            Ok(_) => Some(CheckingSlot),
            Err(_) => None,
        }
    }
}

impl Drop for CheckingSlot {
    fn drop(&mut self) {
        ON_CHECKING_THREAD.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Step 3, off the event loop, in napi's runtime (runtime.rs): on the checking thread while
/// fewer than CHECKING_QUEUE checks wait there, else in a future on the async worker, which
/// also waits for keys to be fetched when they must be. The answer's text is made off the
/// event loop too: a sign-in's rules are work the event loop need not do. Either way a panic
/// comes back as ERR_INTERNAL, not an abort, and the answer is parsed on the JS thread.
fn off_thread(env: &Env, verifier: Arc<Verifier>, token: String, answer: Answer, try_held: bool) -> Result<Promise<'_>> {
    let (deferred, promise) = env.create_deferred::<UnknownRef<false>, Settle>()?;
    let promise = Promise::from_unknown(promise.to_unknown())?;
    // Kept to reject with, should napi's runtime be gone (its spawn panics then), so that
    // the promise is still settled; the first of the two to settle wins.
    let fallback = deferred.clone();
    let spawned = catch_unwind(AssertUnwindSafe(move || match try_held.then(CheckingSlot::take).flatten() {
        Some(slot) => {
            napi::bindgen_prelude::spawn_blocking(move || {
                let _slot = slot;
                check_held(deferred, verifier, token, answer)
            });
        }
        None => on_async_worker(deferred, verifier, token, answer, try_held),
    }));
    if spawned.is_err() {
        answer_later(fallback, Err(js::internal()));
    }
    Ok(promise)
}

/// On the checking thread: the check with the keys held, or, when they must be fetched
/// first, on to the async worker.
fn check_held(deferred: Deferred, verifier: Arc<Verifier>, token: String, answer: Answer) {
    let held = catch_unwind(AssertUnwindSafe(|| {
        verifier.verify_held(&token).map(|outcome| outcome.and_then(|v| answer.text(&verifier, &v, false)))
    }));
    match held {
        Ok(Some(outcome)) => {
            stats::count(stats::CHECKED_ON_CHECKING_THREAD);
            answer_later(deferred, outcome)
        }
        Ok(None) => on_async_worker(deferred, verifier, token, answer, false),
        Err(_) => answer_later(deferred, Err(js::internal())),
    }
}

/// A future on the async worker: the check with the keys held (`try_held`), else once the
/// key store has them. Its polls are caught, so that a panic comes back as ERR_INTERNAL.
fn on_async_worker(deferred: Deferred, verifier: Arc<Verifier>, token: String, answer: Answer, try_held: bool) {
    let verification = async move {
        let verified = match try_held.then(|| verifier.verify_held(&token)).flatten() {
            Some(outcome) => outcome,
            None => verifier.verify_waiting(&token).await,
        }?;
        answer.text(&verifier, &verified, false)
    };
    napi::bindgen_prelude::spawn(async move {
        let outcome = CatchPanic(Box::pin(verification)).await.unwrap_or_else(|_| Err(js::internal()));
        stats::count(stats::CHECKED_ON_ASYNC_WORKER);
        answer_later(deferred, outcome);
    });
}

/// A future whose panics come back as `Err`, like `catch_unwind` for a closure. Once it has
/// answered it is not polled again. A second task per verification (`tokio::spawn` and its
/// `JoinError`) did the same at the cost of a task and a wake-up each: docs/benchmarks.md,
/// "One task per verification".
struct CatchPanic<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchPanic<F> {
    type Output = std::thread::Result<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match catch_unwind(AssertUnwindSafe(|| self.0.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
            Err(panic) => Poll::Ready(Err(panic)),
        }
    }
}
