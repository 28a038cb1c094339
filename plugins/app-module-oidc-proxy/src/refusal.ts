// Reads why a /refresh call failed from what Backstage's ResponseError holds: the backend's
// JSON body `{ error: { name, message, code?, reference? }, request, response }`.

/** What the refusal page shows. */
export interface Refusal {
  status?: number;
  /** e.g. ERR_IDENTITY_DOMAIN_NOT_ALLOWED: from `error.code`, else from "(ERR_...)" in the message. */
  code?: string;
  /** The backend's one-line message. */
  message: string;
  /** The id the operator finds in the backend's refusal log line. */
  reference?: string;
  /** True when the answer came from Backstage (JSON error body), not from something in front. */
  fromBackstage: boolean;
}

interface SerializedError {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  reference?: unknown;
}

const CODE_IN_MESSAGE = /\((ERR_[A-Z0-9_]+)\)/;

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The code of a Backstage error body: `code`, else the `(ERR_...)` its message carries. */
export function codeOf(error: SerializedError | undefined): string | undefined {
  const code = text(error?.code);
  if (code) return code;
  const message = text(error?.message) ?? '';
  if (CODE_IN_MESSAGE.test(message)) return CODE_IN_MESSAGE.exec(message)![1];
  // Today's backend has no code for these two; the sentences table has.
  if (message.startsWith('Missing ID token')) return 'ERR_ID_TOKEN_MISSING';
  if (message.includes('no configured sign-in resolver matched')) return 'ERR_SIGN_IN_NO_USER';
  return undefined;
}

/**
 * A refusal from any error ProxiedSignInPage hands over: a ResponseError (with `response`,
 * the fetch Response, and `body`, the parsed body) or anything else (a failed fetch).
 */
export function refusalOf(error: unknown): Refusal {
  const e = error as { response?: Response; body?: { error?: SerializedError; request?: unknown }; message?: string };
  const status = e?.response?.status;
  const contentType = e?.response?.headers?.get?.('content-type') ?? '';
  const body = e?.body;
  const fromBackstage =
    contentType.includes('application/json') && typeof body?.error?.name === 'string' && body.request !== undefined;
  if (!fromBackstage) {
    return { status, message: text(e?.message) ?? String(error), fromBackstage };
  }
  return {
    status,
    code: codeOf(body!.error),
    message: text(body!.error!.message) ?? '',
    reference: text(body!.error!.reference),
    fromBackstage,
  };
}

/**
 * Signs that the proxy's session, not Backstage, is the problem: the request never reached
 * Backstage (a failed fetch, e.g. a redirect to the IdP that CORS stops; a 401 or redirect
 * that is not Backstage's), or Backstage saw the expired token the proxy kept forwarding, or
 * no token at all.
 */
export function proxySessionEnded(refusal: Refusal): boolean {
  if (!refusal.fromBackstage)
    return refusal.status === undefined || refusal.status === 401 || (refusal.status >= 300 && refusal.status < 400);
  return refusal.status === 401 && (refusal.code === 'ERR_JWT_EXPIRED' || refusal.code === 'ERR_ID_TOKEN_MISSING');
}
