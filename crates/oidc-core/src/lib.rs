//! The oidcProxy provider's core: an OIDC ID token verifier with discovery and a JWKS
//! cache, and the rules that turn verified claims into a Backstage identity. It knows
//! nothing about Node; the addon at the repository root binds it with napi.
//!
//! - [`token`] parses a compact JWS and applies the header rules;
//! - [`jwks`] turns a JWK Set into keys and checks signatures;
//! - [`key_store`] discovers and caches an issuer's keys ([`fetch`] is its HTTP client);
//!   [`pinned`] holds keys given in the configuration or a file instead;
//! - [`claims`] holds the ID token claim rules, [`options`] the verifier's options;
//! - [`verifier`] puts those together, with a verified-token cache ([`token_cache`]), for
//!   one issuer or several ([`issuer_pick`] reads the `iss` that chooses one);
//! - [`identity`] derives the Backstage user from verified claims, [`sign_in`] all that a
//!   sign-in's resolvers need from them at once; [`header`] reads the token from its header;
//! - [`inspect`] reads a token unverified, for logs and the CLI's `decode`; [`doctor`]
//!   checks an issuer as the verifier will use it;
//! - [`error`] carries the stable error codes, [`stats`] the process-wide counters.

pub mod base64url;
pub mod claims;
pub mod doctor;
pub mod error;
pub mod fetch;
pub mod header;
pub mod identity;
pub mod inspect;
pub mod issuer_pick;
pub mod json_object;
pub mod jwks;
pub mod key_store;
pub mod options;
pub mod pinned;
pub mod sign_in;
pub mod stats;
pub mod token;
pub mod token_cache;
pub mod verifier;

pub use error::{Code, Error, Result};
pub use options::{IssuerOptions, VerifyOptions};
pub use verifier::{Verified, Verifier};
