// The sign-in result for an ID token, kept for the token the proxy repeats: behind an
// identity-aware proxy every page load carries the same ID token, and each /refresh would
// otherwise run the profile transform and the resolvers (a catalog lookup) and sign a new
// Backstage token again.
//
// Keys are the provider id and the native verifier's id for its verification of the token
// (OidcVerifier.verificationId), never the token: a token has an id only while it would
// still verify (exp, nbf, its key in the JWKS), and gets a new one when verified anew, so an
// entry is never served for a token that no longer verifies. An entry is also served for at
// most `maxAgeMs`, and while its Backstage token has more than MARGIN_MS left. Per process:
// replicas keep their own.

/** What /refresh answers, as the provider builds it (provider.ts), the way Backstage's proxy handlers do. */
export interface RefreshBody {
  profile: unknown;
  providerInfo: unknown;
  backstageIdentity: { token: string; expiresInSeconds?: number; identity?: unknown };
}

/** A cached Backstage token must have this much life left to be handed out again. */
export const MARGIN_MS = 5 * 60_000;
export const DEFAULT_MAX_AGE_SECONDS = 60;
export const MAX_MAX_AGE_SECONDS = 3600;
const MAX_ENTRIES = 10_000;
/** Bounds memory even for unusually large tokens and claims. */
const MAX_BYTES = 32 * 2 ** 20;
/** What an entry costs besides its text: the key, the Map slot, the strings' headers. */
const ENTRY_OVERHEAD_BYTES = 256;

interface Entry {
  /** The body as JSON text up to the `expiresInSeconds` value, which comes last (see `opening`). */
  head: string;
  storedAt: number;
  /** When the Backstage token expires (ms since the epoch). */
  expiresAt: number;
  bytes: number;
}

/** The `exp` of a Backstage token in ms, or 0 when it cannot be read (never served then). */
function expiryOf(backstageToken: string): number {
  try {
    const payload = JSON.parse(Buffer.from(backstageToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof payload.exp === 'number' ? payload.exp * 1000 : 0;
  } catch {
    return 0;
  }
}

/** `{...body, "backstageIdentity":{...its other members, "expiresInSeconds":` as JSON text: `}}` closes it. */
function opening(body: RefreshBody): string {
  const { backstageIdentity, ...rest } = body;
  const { expiresInSeconds: _recomputed, ...identity } = backstageIdentity;
  const open = (value: object) => {
    const text = JSON.stringify(value);
    return text === '{}' ? '{' : `${text.slice(0, -1)},`;
  };
  return `${open(rest)}"backstageIdentity":${open(identity)}"expiresInSeconds":`;
}

export class SignInCache {
  // A Map iterates in insertion order: the first entry is the oldest.
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxAgeMs: number) {}

  /**
   * The body to answer with, as JSON text (kept serialized: a hit costs no JSON.stringify),
   * its Backstage token's remaining life recomputed.
   */
  get(key: string, now = Date.now()): string | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt < this.maxAgeMs && entry.expiresAt - now > MARGIN_MS) {
      return `${entry.head}${Math.round((entry.expiresAt - now) / 1000)}}}`;
    }
    this.delete(key);
    return undefined;
  }

  set(key: string, body: RefreshBody, now = Date.now()) {
    if (this.maxAgeMs <= 0) return;
    this.delete(key);
    const token = body.backstageIdentity.token;
    const head = opening(body);
    const bytes = 2 * (key.length + head.length) + ENTRY_OVERHEAD_BYTES;
    this.entries.set(key, { head, storedAt: now, expiresAt: expiryOf(token), bytes });
    this.bytes += bytes;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= MAX_ENTRIES && this.bytes <= MAX_BYTES) break;
      this.delete(oldest);
    }
  }

  delete(key: string) {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
  }
}
