//! napi's tokio runtime, built here instead of left to napi's default (as many async workers
//! as cores). Step 3 of dispatch.rs needs two threads: the checking thread (the runtime's one
//! blocking thread) and one async worker, which takes the checks the checking thread has no
//! room for and the verifications that waited for keys (fetched on the core's own fetch
//! thread, key_store.rs). Two async workers sharing the checks cost each sign-in about 45 µs
//! more CPU at everyday rates: docs/benchmarks.md, "One checking thread, one overflow worker".

use napi::bindgen_prelude::create_custom_tokio_runtime;

#[napi_derive::module_init]
fn init() {
    let built = tokio::runtime::Builder::new_multi_thread().worker_threads(1).max_blocking_threads(1).enable_all().build();
    // Should it fail, napi builds its default runtime when first asked: more CPU per
    // verification, never a wrong answer.
    if let Ok(runtime) = built {
        create_custom_tokio_runtime(runtime);
    }
}
