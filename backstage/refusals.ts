// The refusal log: one warn line for refused sign-ins (401, 403, 409, 503), rate limited per
// (code, claim, iss), with a short random reference on each refusal that the response body
// carries (`error.reference`) and the line lists, so a reference a user reports is found in
// the log. Token fields come from the native inspectToken: unverified, escaped, cut at 64
// characters, never the token, its signature, an email or a name.
import { randomBytes } from 'node:crypto';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { inspectToken, type TokenSummary } from './native';

/** One line a minute at most for each key. */
export const INTERVAL_MS = 60_000;
/** Keys tracked at most; past that, refusals count under OTHER_KEY. */
export const MAX_KEYS = 100;
export const OTHER_KEY = 'other';
/** References a line lists; more are counted. */
export const MAX_REFERENCES = 10;

/** The code of a refusal that has no native one: the request carried no ID token. */
export const ERR_ID_TOKEN_MISSING = 'ERR_ID_TOKEN_MISSING';
/** The code of a refusal that has no native one: no resolver found the user. */
export const ERR_SIGN_IN_NO_USER = 'ERR_SIGN_IN_NO_USER';

const STATUS: Record<string, number> = {
  AuthenticationError: 401,
  NotAllowedError: 403,
  ConflictError: 409,
  ServiceUnavailableError: 503,
};

/** What the module puts on a refusal; only `code` and `reference` are enumerable (in the body). */
export interface RefusalError extends Error {
  code?: string;
  reference?: string;
  /** The claim at fault, when there is one. */
  claim?: string;
  /** The resolver that refused, `signIn.resolvers[i] (name)`. */
  resolver?: string;
  /** For the log only: the native message of an unreachable issuer (names URLs). */
  detail?: string;
}

/** Sets a property the error serializer leaves out of the response body. */
export function hidden(error: Error, name: 'claim' | 'resolver' | 'detail', value: string | undefined) {
  if (value === undefined || !Object.isExtensible(error)) return;
  const existing = Object.getOwnPropertyDescriptor(error, name);
  if (existing && !existing.configurable) return;
  Object.defineProperty(error, name, { value, enumerable: false, configurable: true });
}

/** A short random reference: 10 hex characters, unique enough within an hour of logs. */
export const newReference = () => randomBytes(5).toString('hex');

interface Bucket {
  /** When the last line for this key was written. */
  loggedAt: number;
  /** Refusals since that line, with their references (the first MAX_REFERENCES). */
  count: number;
  references: string[];
  /** The latest refusal's line fields, written when the bucket is flushed. */
  fields: string;
}

const quoted = (value: string | undefined) => (value === undefined ? '-' : `"${value}"`);
// Error messages and resolver names: one line, quotes escaped, bounded. Ours never hold a
// claim value; a custom resolver's might, so anything shaped like an email keeps its domain.
const ours = (value: string) =>
  `"${value
    .replace(/\s+/g, ' ')
    .slice(0, 500)
    .replace(/[^\s@"(),;:<>]+@(?=[^\s@])/g, '…@')
    .replace(/["\\]/g, '\\$&')}"`;

/** The token part of a line, from the native unverified reading. */
function tokenFields(t: TokenSummary | undefined): string {
  if (!t) return 'token=none';
  const aud = t.aud.length === 0 ? '-' : `"${t.aud.join('","')}"`;
  const exp = t.expIn == null ? '-' : String(t.expIn);
  return `alg=${quoted(t.alg ?? undefined)} kid=${quoted(t.kid ?? undefined)} iss=${quoted(t.iss ?? undefined)} aud=${aud} azp=${quoted(t.azp ?? undefined)} sub=${quoted(t.sub ?? undefined)} exp_in_s=${exp}`;
}

export class RefusalLog {
  private readonly buckets = new Map<string, Bucket>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly logger: LoggerService | undefined,
    private readonly providerId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Records a refusal of `/refresh`: gives `error` its `reference` (and `code` for a
   * missing token), and logs it (rate limited). Errors that are not refusals (500s) are
   * left alone: Backstage logs those itself.
   */
  refused(error: unknown, token: string | undefined): void {
    try {
      this.log(error, token);
    } catch {
      // Logging must never change the answer: the refusal goes out as it is.
    }
  }

  private log(error: unknown, token: string | undefined): void {
    if (!(error instanceof Error) || STATUS[error.name] === undefined) return;
    const e = error as RefusalError;
    const status = STATUS[e.name];
    e.reference ??= newReference();
    if (!token && status === 401) {
      e.code ??= ERR_ID_TOKEN_MISSING;
      // Every unauthenticated page load gets here: debug only.
      this.logger?.debug(`${this.providerId}: sign-in refused: status=401 code=${e.code} ref=${e.reference}`);
      return;
    }
    const summary = token ? inspectToken(token) : undefined;
    const code = e.code ?? e.name;
    const fields = [
      `status=${status}`,
      `code=${code}`,
      `claim=${e.claim ?? '-'}`,
      ...(e.resolver ? [`resolver=${ours(e.resolver)}`] : []),
      tokenFields(summary),
      `reason=${ours(e.detail ? `${e.message} (${e.detail})` : e.message)}`,
    ].join(' ');
    this.record(`${code}|${e.claim ?? ''}|${summary?.iss ?? ''}`, e.reference, fields);
  }

  /** Keys held now (bounded by MAX_KEYS, plus the "other" key). */
  keyCount(): number {
    return this.buckets.size;
  }

  private record(key: string, reference: string, fields: string) {
    const now = this.now();
    if (!this.buckets.has(key) && this.buckets.size >= MAX_KEYS) this.sweep(now);
    if (!this.buckets.has(key) && this.buckets.size >= MAX_KEYS) {
      key = OTHER_KEY;
      // The fields are the latest refusal's; the count is of all the keys past the bound.
      fields = `${fields} limiter_key=other`;
    }
    const bucket = this.buckets.get(key);
    if (!bucket) {
      this.buckets.set(key, { loggedAt: now, count: 0, references: [], fields });
      this.write(fields, 1, [reference]);
      return;
    }
    bucket.count++;
    if (bucket.references.length < MAX_REFERENCES) bucket.references.push(reference);
    bucket.fields = fields;
    if (now - bucket.loggedAt >= INTERVAL_MS) this.flush(bucket, now);
    else this.arm();
  }

  private flush(bucket: Bucket, now: number) {
    if (bucket.count === 0) return;
    this.write(bucket.fields, bucket.count, bucket.references);
    Object.assign(bucket, { loggedAt: now, count: 0, references: [] });
  }

  private write(fields: string, count: number, references: string[]) {
    const more = count > references.length ? `,+${count - references.length} more` : '';
    const window = count > 1 ? ` refusals_last_60s=${count}` : ' refusals=1';
    this.logger?.warn(`${this.providerId}: sign-in refused: ${fields}${window} refs=${references.join(',')}${more}`);
  }

  /** Writes the lines that are due, and forgets keys quiet for a whole interval. */
  private sweep(now: number) {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.loggedAt < INTERVAL_MS) continue;
      if (bucket.count > 0) this.flush(bucket, now);
      else this.buckets.delete(key);
    }
  }

  /** Refusals held back are written when their minute is over, even if no other follows. */
  private arm() {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep(this.now());
      if ([...this.buckets.values()].some(b => b.count > 0)) this.arm();
    }, INTERVAL_MS);
    // Never what keeps the process alive.
    this.timer.unref();
  }
}
