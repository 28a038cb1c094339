//! The napi surface of the core's issuer checks (`backstage-oidc-proxy doctor`).

use crate::{js, options};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use oidc_proxy_core::doctor;

/// One check of `diagnoseIssuer`.
#[napi(object)]
pub struct IssuerCheck {
    /// `options`, `reachable`, `issuer`, `jwks`, `algorithms` or `clock`.
    pub name: String,
    /// `pass`, `warn`, `fail` or `skip`.
    pub status: String,
    /// What was found; values from the network are escaped.
    pub detail: String,
}

/// Checks the issuer these verification options name, as the verifier will use it: the
/// discovery document (reachable, its `issuer`), the JWKS by the verifier's key rules,
/// the signing algorithms overlap and the clock offset (the `Date` header) against
/// `clockTolerance`. Resolves with one entry per check; rejects only for options that
/// are not an object (ERR_INVALID_OPTIONS), and checks the rest as the `options` check.
#[napi(catch_unwind, ts_args_type = "options: VerifyOptions", ts_return_type = "Promise<IssuerCheck[]>")]
pub fn diagnose_issuer<'env>(env: &'env Env, options: Unknown<'_>) -> Result<PromiseRaw<'env, Vec<IssuerCheck>>> {
    let options = options::verify_options(env, &options).map_err(|e| js::error(env, &e))?;
    let work = async move {
        // Spawned apart so that a panic comes back as a JoinError, not an abort.
        let checks = tokio::spawn(async move { doctor::diagnose(&options).await })
            .await
            .map_err(|_| napi::Error::new(Status::GenericFailure, "ERR_INTERNAL: an internal error occurred while checking the issuer"))?;
        Ok(checks
            .into_iter()
            .map(|c| IssuerCheck { name: c.name.to_owned(), status: c.status.as_str().to_owned(), detail: c.detail })
            .collect::<Vec<_>>())
    };
    env.spawn_future(work)
}
