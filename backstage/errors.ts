// Turns the native error codes into Backstage errors, whose names Backstage's error handler
// maps to status codes: AuthenticationError 401, NotAllowedError 403,
// ServiceUnavailableError 503, anything else 500.
// The new error never gets the native error as `cause`: Backstage serialises causes into
// the response body, and a body must say why in one line and nothing more.
import { AuthenticationError, NotAllowedError, ServiceUnavailableError } from '@backstage/errors';
import { errorCodeTable, isNativeError, type ErrorCode, type NativeError } from './native';
import { hidden } from './refusals';

/** One line: a native message names what was wrong, never the token or a claim value. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * `code` goes in the response body (the sign-in page shows it); the claim and, for an
 * unreachable issuer, the native message are for the refusal log only.
 */
function coded(out: Error, error: NativeError, detail?: string): Error {
  Object.assign(out, { code: error.code });
  hidden(out, 'claim', error.claim);
  hidden(out, 'detail', detail);
  return out;
}

/** An error from `verifyIdToken` as the HTTP error the refresh endpoint answers with. */
export function verificationError(error: unknown, header: string): Error {
  if (!isNativeError(error)) return new Error('ID token verification failed unexpectedly');
  return coded(
    httpError(error, header),
    error,
    error.code === 'ERR_ISSUER_UNAVAILABLE' ? `${oneLine(error.message)}; answering 503 until it recovers` : undefined,
  );
}

/** The HTTP status of each code, from the core's one table of codes. */
const STATUS = new Map(errorCodeTable().map(({ code, status }) => [code, status]));

function httpError(error: NativeError, header: string): Error {
  const why = oneLine(error.message);
  const code: ErrorCode = error.code;
  switch (STATUS.get(code)) {
    case 503:
      // The native message names the discovery and JWKS URLs and why they failed: that is
      // for the operator's log (the refusal log writes it), not for whoever is calling.
      return new ServiceUnavailableError(
        `Cannot verify ID tokens now (${code}): the issuer's signing keys are unavailable; try again later`,
      );
    case 401:
      return new AuthenticationError(`Invalid ID token in the ${header} header (${code}): ${why}`);
    case 403:
      return new NotAllowedError(`Sign-in refused (${code}): ${why}`);
    default:
      return new Error(`ID token verification is misconfigured or failed internally (${code}): ${why}`);
  }
}

/** A refusal the native rules computed for a resolver entry, as the 403 it answers with. */
export function entryError(refusal: { code: string; message: string; claim?: string | null }): Error {
  const out = new NotAllowedError(`Sign-in refused (${refusal.code}): ${oneLine(refusal.message)}`);
  Object.assign(out, { code: refusal.code });
  hidden(out, 'claim', refusal.claim ?? undefined);
  return out;
}

/** No resolver of the chain signed the user in. */
export function resolverRefusal(names: string[]): Error {
  return new NotAllowedError(
    `Sign-in refused: no configured sign-in resolver matched this user (tried ${names.join(', ')}: no matching User entity in the catalog, and none allows sign-in without one)`,
  );
}
