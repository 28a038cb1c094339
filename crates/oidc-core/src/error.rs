//! Stable error codes. Every failure leaves Rust as one of these, with a message that
//! names what was wrong but never echoes the token or any unverified claim value.

use std::fmt;

/// The one table of error codes: each with the HTTP status the Backstage module answers
/// with and what an operator can do about it. Everything else (the napi `ErrorCode`, the
/// TypeScript union, `errorCodes()`, the documented table) comes from it or is checked
/// against it both ways by `__test__/core-api.test.mjs`.
macro_rules! codes {
    ($($code:ident = $name:literal, $status:literal, $remedy:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $($code,)*
        }

        impl Code {
            pub const ALL: &'static [Code] = &[$(Code::$code,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$code => $name,)*
                }
            }

            /// The HTTP status of a refused sign-in with this code.
            pub fn status(self) -> u16 {
                match self {
                    $(Code::$code => $status,)*
                }
            }

            /// What an operator can do about it, in one line.
            pub fn remedy(self) -> &'static str {
                match self {
                    $(Code::$code => $remedy,)*
                }
            }
        }
    };
}

codes! {
    InvalidOptions = "ERR_INVALID_OPTIONS", 500, "Fix the option the message names; start-up reports it with its config key.";
    JwsInvalid = "ERR_JWS_INVALID", 401, "The header holds no compact JWS (an access token, a JWE, a mangled value): make the proxy forward the ID token itself.";
    JoseNotSupported = "ERR_JOSE_NOT_SUPPORTED", 401, "The token uses crit, b64 or a nested JWT, which ID tokens from an OpenID provider never do.";
    JoseAlgNotAllowed = "ERR_JOSE_ALG_NOT_ALLOWED", 401, "Add the token's alg to algorithms, or have the IdP sign with an allowed one (none and HMAC never are).";
    JwksNoMatchingKey = "ERR_JWKS_NO_MATCHING_KEY", 401, "No key the issuer publishes fits the token's kid: a forged token, another issuer's, or a key gone from the JWKS.";
    JwksMultipleMatchingKeys = "ERR_JWKS_MULTIPLE_MATCHING_KEYS", 401, "The token has no kid and several keys fit: have the IdP put a kid in its tokens.";
    JwkInvalid = "ERR_JWK_INVALID", 401, "The issuer's key for this token breaks the key rules (size, alg, use): run doctor.";
    JwsSignatureVerificationFailed = "ERR_JWS_SIGNATURE_VERIFICATION_FAILED", 401, "The signature does not verify: a forged or altered token.";
    JwtInvalid = "ERR_JWT_INVALID", 401, "The payload is not a JSON object: not an ID token.";
    JwtExpired = "ERR_JWT_EXPIRED", 401, "The proxy forwards an expired token: tie its session to the token's lifetime (mod_auth_openidc: OIDCSessionMaxDuration 0).";
    JwtClaimValidationFailed = "ERR_JWT_CLAIM_VALIDATION_FAILED", 401, "The claim the error names does not match: issuer, audience, clockTolerance for a skewed clock, requiredClaims (check shows the value).";
    IssuerUnavailable = "ERR_ISSUER_UNAVAILABLE", 503, "Discovery or the JWKS cannot be fetched and no keys are held; sign-ins recover by themselves (doctor checks the issuer).";
    IdTokenMissing = "ERR_ID_TOKEN_MISSING", 401, "The request has no ID token header: match oidcIdTokenHeader to the proxy (requests that bypass the proxy land here too).";
    IdentityClaimMissing = "ERR_IDENTITY_CLAIM_MISSING", 403, "The claim that names the user is absent: ask the proxy for the email scope, or set userNameClaim.";
    IdentityDomainNotAllowed = "ERR_IDENTITY_DOMAIN_NOT_ALLOWED", 403, "The email's domain is not in the resolver's, or its issuer's, allowedDomains.";
    IdentityInvalidName = "ERR_IDENTITY_INVALID_NAME", 403, "The name made from the email or claim is not a valid entity name: set homeDomain or userNameClaim.";
    IdentityEmailNotVerified = "ERR_IDENTITY_EMAIL_NOT_VERIFIED", 403, "The email is marked unverified, or has no email_verified while requireEmailVerifiedClaim is on.";
    IdentityEmailInvalid = "ERR_IDENTITY_EMAIL_INVALID", 403, "The email is not one plain address.";
    IdentityClaimsInvalid = "ERR_IDENTITY_CLAIMS_INVALID", 403, "A claim a resolver reads is not a non-empty string (the message names it), or the claims are not an object.";
    SignInNoUser = "ERR_SIGN_IN_NO_USER", 403, "No resolver found a User: add the user to the catalog, or a resolver that signs in without one.";
    Internal = "ERR_INTERNAL", 500, "A bug, reported instead of a crash: please report it with the log line.";
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
    /// The claim a claim-validation failure is about (as `jose` reports it).
    pub claim: Option<String>,
    /// The option an ERR_INVALID_OPTIONS is about, as the caller spells it (`jwksUri`).
    pub option: Option<String>,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), claim: None, option: None }
    }

    pub fn claim(claim: &str, message: impl Into<String>) -> Self {
        Error { claim: Some(claim.to_owned()), ..Error::new(Code::JwtClaimValidationFailed, message) }
    }

    /// ERR_INVALID_OPTIONS about `option`; the message reads `options.<option>: <problem>`.
    pub fn option(option: &str, problem: impl std::fmt::Display) -> Self {
        Error { option: Some(option.to_owned()), ..Error::new(Code::InvalidOptions, format!("options.{option}: {problem}")) }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
