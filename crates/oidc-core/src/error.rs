//! Stable error codes. Every failure leaves Rust as one of these, with a message that
//! names what was wrong but never echoes the token or any unverified claim value.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidOptions,
    JwsInvalid,
    JoseNotSupported,
    JoseAlgNotAllowed,
    JwksNoMatchingKey,
    JwksMultipleMatchingKeys,
    JwkInvalid,
    JwsSignatureVerificationFailed,
    JwtInvalid,
    JwtExpired,
    JwtClaimValidationFailed,
    IssuerUnavailable,
    IdentityClaimMissing,
    IdentityDomainNotAllowed,
    IdentityInvalidName,
    IdentityEmailNotVerified,
    IdentityEmailInvalid,
    IdentityClaimsInvalid,
    Internal,
}

impl Code {
    pub const ALL: [Code; 19] = [
        Code::InvalidOptions,
        Code::JwsInvalid,
        Code::JoseNotSupported,
        Code::JoseAlgNotAllowed,
        Code::JwksNoMatchingKey,
        Code::JwksMultipleMatchingKeys,
        Code::JwkInvalid,
        Code::JwsSignatureVerificationFailed,
        Code::JwtInvalid,
        Code::JwtExpired,
        Code::JwtClaimValidationFailed,
        Code::IssuerUnavailable,
        Code::IdentityClaimMissing,
        Code::IdentityDomainNotAllowed,
        Code::IdentityInvalidName,
        Code::IdentityEmailNotVerified,
        Code::IdentityEmailInvalid,
        Code::IdentityClaimsInvalid,
        Code::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidOptions => "ERR_INVALID_OPTIONS",
            Code::JwsInvalid => "ERR_JWS_INVALID",
            Code::JoseNotSupported => "ERR_JOSE_NOT_SUPPORTED",
            Code::JoseAlgNotAllowed => "ERR_JOSE_ALG_NOT_ALLOWED",
            Code::JwksNoMatchingKey => "ERR_JWKS_NO_MATCHING_KEY",
            Code::JwksMultipleMatchingKeys => "ERR_JWKS_MULTIPLE_MATCHING_KEYS",
            Code::JwkInvalid => "ERR_JWK_INVALID",
            Code::JwsSignatureVerificationFailed => "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
            Code::JwtInvalid => "ERR_JWT_INVALID",
            Code::JwtExpired => "ERR_JWT_EXPIRED",
            Code::JwtClaimValidationFailed => "ERR_JWT_CLAIM_VALIDATION_FAILED",
            Code::IssuerUnavailable => "ERR_ISSUER_UNAVAILABLE",
            Code::IdentityClaimMissing => "ERR_IDENTITY_CLAIM_MISSING",
            Code::IdentityDomainNotAllowed => "ERR_IDENTITY_DOMAIN_NOT_ALLOWED",
            Code::IdentityInvalidName => "ERR_IDENTITY_INVALID_NAME",
            Code::IdentityEmailNotVerified => "ERR_IDENTITY_EMAIL_NOT_VERIFIED",
            Code::IdentityEmailInvalid => "ERR_IDENTITY_EMAIL_INVALID",
            Code::IdentityClaimsInvalid => "ERR_IDENTITY_CLAIMS_INVALID",
            Code::Internal => "ERR_INTERNAL",
        }
    }
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
