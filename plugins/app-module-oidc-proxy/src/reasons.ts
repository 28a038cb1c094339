// What each refusal code means to the person at the browser. Codes the backend does not
// name here still show, with the backend's own one-line message.

/** A human sentence per error code of the oidcProxy backend module. */
export const REASONS: Record<string, string> = {
  ERR_IDENTITY_DOMAIN_NOT_ALLOWED: "Your email's domain is not allowed",
  ERR_IDENTITY_EMAIL_NOT_VERIFIED: 'Your email address is not verified by the identity provider',
  ERR_IDENTITY_EMAIL_INVALID: 'Your account has no usable email address',
  ERR_IDENTITY_CLAIM_MISSING: 'Your account lacks information Backstage needs to sign you in',
  ERR_IDENTITY_INVALID_NAME: 'Your account name cannot be used as a Backstage user name',
  ERR_SIGN_IN_NO_USER: 'You are not a known Backstage user',
  ERR_JWT_EXPIRED: 'Your sign-in at the proxy has expired',
  ERR_JWT_CLAIM_VALIDATION_FAILED: 'Your sign-in was issued for another application or is not valid yet',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'Your sign-in could not be verified',
  ERR_JWKS_NO_MATCHING_KEY: 'Your sign-in could not be verified',
  ERR_JWT_INVALID: 'The proxy sent something that is not a valid sign-in',
  ERR_JWS_INVALID: 'The proxy sent something that is not a valid sign-in',
  ERR_ISSUER_UNAVAILABLE: 'The identity provider cannot be reached right now',
  ERR_ID_TOKEN_MISSING: 'The proxy did not pass on your sign-in',
  ERR_PROXY_SESSION_ENDED: 'Your session at the proxy has ended and could not be renewed',
};

/** The sentence for a code, or a generic one. */
export function reasonFor(code: string | undefined): string {
  return (code && REASONS[code]) || 'Backstage refused the sign-in';
}
