// `decode [TOKEN|-]`: the header and claims of a token, unverified, with no network call.
// For the operator's own terminal: everything in the token is shown.
import { decodeToken, isNativeError } from '../native';
import { parseArgs } from './args';
import { Output } from './output';
import { readToken } from './token-source';

export const usage = `backstage-oidc-proxy decode [TOKEN|-] [--json]
  Prints a token's header and claims without verifying it (no network call).
  The token: the argument, stdin when it is -, else $OIDC_ID_TOKEN.
  Exit 0: decoded; 2: not a compact JWS (or a usage error).`;

/** exp, nbf, iat as dates and seconds from now. */
export function times(claims: Record<string, unknown>, now = Date.now() / 1000) {
  const out: Record<string, { value: unknown; date?: string; secondsFromNow?: number }> = {};
  for (const name of ['exp', 'nbf', 'iat']) {
    if (!(name in claims)) continue;
    const value = claims[name];
    out[name] =
      typeof value === 'number' && Number.isFinite(value) && Math.abs(value) < 1e11
        ? { value, date: new Date(value * 1000).toISOString(), secondsFromNow: Math.round(value - now) }
        : { value };
  }
  return out;
}

export const relative = (s: number) => (s > 0 ? `in ${s} s` : s < 0 ? `${-s} s ago` : 'now');

/** Why this is not an ID token, if it is not one. */
function warnings(kind: string, header: Record<string, unknown>): string[] {
  const found: string[] = [];
  if (kind === 'jwe')
    found.push(
      'this is a JWE (encrypted): its claims cannot be read, and the module accepts only signed ID tokens (compact JWS)',
    );
  const typ = typeof header.typ === 'string' ? header.typ : undefined;
  if (typ && /^(application\/)?at\+jwt$/i.test(typ)) {
    found.push(`typ is ${typ}: this is an OAuth access token (RFC 9068), not an ID token; the module refuses it`);
  } else if (typ && !/^(application\/)?jwt$/i.test(typ)) {
    found.push(`typ is ${typ}: not an ID token (ID tokens have no typ, or JWT); the module refuses it`);
  }
  return found;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, []);
  if (args.help) return (process.stdout.write(`${usage}\n`), 0);
  const out = new Output(args.json);
  const token = readToken(args.positional);
  let decoded;
  try {
    decoded = decodeToken(token);
  } catch (error) {
    if (!isNativeError(error)) throw error;
    out.step('decode', 'fail', `${error.message} (is this the ID token, without a "Bearer " prefix?)`, error.code);
    out.done({ ok: false, error: { code: error.code, message: error.message } });
    return 2;
  }
  const header = JSON.parse(decoded.header) as Record<string, unknown>;
  const claims =
    decoded.payload === undefined || decoded.payload === null
      ? undefined
      : (JSON.parse(decoded.payload) as Record<string, unknown>);
  const found = warnings(decoded.kind, header);
  const when = claims ? times(claims) : {};
  out.text(`header:\n${JSON.stringify(header, null, 2)}`);
  if (claims) out.text(`claims:\n${JSON.stringify(claims, null, 2)}`);
  for (const [name, t] of Object.entries(when)) {
    if (t.date)
      out.step(
        name,
        name === 'exp' && t.secondsFromNow! < 0 ? 'warn' : 'info',
        `${t.date} (${relative(t.secondsFromNow!)})`,
      );
    else out.step(name, 'warn', `not a number of seconds: ${JSON.stringify(t.value)}`);
  }
  for (const warning of found) out.step('warning', 'warn', warning);
  out.text('signature: not verified (decode never checks it; use check)');
  const ok = decoded.kind === 'jws';
  out.done({ ok, kind: decoded.kind, header, ...(claims ? { claims } : {}), times: when, warnings: found });
  return ok ? 0 : 2;
}
