// `check --config FILE… [--provider ID] [--backend URL] [TOKEN|-]`: would this token sign in
// under this config? Goes through the module's own public functions (config reading, the
// authenticator, the resolver chain), so it stays right when their internals change.
import type { Request } from 'express';
import { NotFoundError } from '@backstage/errors';
import type { AuthResolverContext, BackstageSignInResult, SignInInfo } from '@backstage/plugin-auth-node';
import { createOidcProxyAuthenticator, profileFromClaims, type OidcProxyResult } from '../authenticator';
import { decodeToken } from '../native';
import { oidcProxySignInResolvers, type OidcProxySignInResolverFactory } from '../resolvers';
import type { RefusalError } from '../refusals';
import { parseArgs, UsageError } from './args';
import { loadProvider, type LoadedProvider } from './load-config';
import { Output } from './output';
import { readToken } from './token-source';
import { relative, times } from './decode';
import { checkBackend } from './check-backend';

export const usage = `backstage-oidc-proxy check --config FILE [--config FILE…] [--provider ID] [--backend URL] [--json] [TOKEN|-]
  Would this token sign in under this config? Reads the config as the backend does, verifies
  the token with the native verifier (fetching discovery and the JWKS) and runs the
  configured resolvers; without a catalog it says what they would look up.
  --backend URL calls URL/api/auth/<provider>/refresh on a running backend instead; the URL
  must reach the backend directly (a proxy in between replaces the token header).
  Exit 0: would sign in; 1: refused; 2: usage or config error.`;

/** The unverified claims and header, to show the value a rule refused. */
function unverified(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  try {
    const d = decodeToken(token);
    return { header: JSON.parse(d.header), claims: d.payload ? JSON.parse(d.payload) : {} };
  } catch {
    return { header: {}, claims: {} };
  }
}

const show = (value: unknown) => (value === undefined ? 'absent' : JSON.stringify(value));

/** What did not match, with the token's value: this is the operator's own terminal. */
function mismatch(error: RefusalError, token: string, loaded: LoadedProvider): string | undefined {
  const { header, claims } = unverified(token);
  const verify = loaded.parsed.verify;
  const configured = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : (v ?? 'none'));
  // Several issuers: the token's iss picks the entry whose audience applies.
  const entry = verify.issuers?.find(i => i.issuer === claims.iss);
  const issuers = verify.issuers ? verify.issuers.map(i => i.issuer) : verify.issuer;
  const audience = entry ? entry.audience : verify.audience;
  if (error.code === 'ERR_ISSUER_UNAVAILABLE') return error.detail;
  if (error.code === 'ERR_JOSE_ALG_NOT_ALLOWED')
    return `the token's alg: ${show(header.alg)}; configured algorithms: ${configured(verify.algorithms ?? 'the defaults')}`;
  if (
    error.code?.startsWith('ERR_JWKS') ||
    error.code === 'ERR_JWK_INVALID' ||
    error.code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  )
    return `the token's kid: ${show(header.kid)}, alg: ${show(header.alg)}; check the issuer's JWKS with doctor`;
  if (error.code?.startsWith('ERR_IDENTITY_'))
    return `the token's email: ${show(claims.email)}, email_verified: ${show(claims.email_verified)}`;
  switch (error.claim) {
    case undefined:
      return undefined;
    case 'iss':
      return `the token's iss: ${show(claims.iss)}; configured issuer: ${configured(issuers)}`;
    case 'aud':
    case 'azp':
      return `the token's aud: ${show(claims.aud)}, azp: ${show(claims.azp)}; configured audience: ${configured(audience)}`;
    case 'typ':
      return `the token's typ: header ${show(header.typ)}, payload ${show(claims.typ)}`;
    case 'exp':
    case 'nbf':
    case 'iat': {
      const t = times(claims)[error.claim];
      const tolerance = `clockTolerance ${verify.clockTolerance ?? 30} s`;
      if (!t?.date) return `the token's ${error.claim}: ${show(claims[error.claim])}`;
      return `the token's ${error.claim}: ${t.date} (${relative(t.secondsFromNow!)}); ${tolerance}`;
    }
    default:
      return `the token's ${error.claim}: ${show(claims[error.claim])}`;
  }
}

/** A request as the authenticator reads it: only the configured header. */
function requestWith(header: string, token: string): Request {
  const get = (name: string) => (name.toLowerCase() === header ? token : undefined);
  return { get, header: get, headers: { [header]: token } } as unknown as Request;
}

interface Outcome {
  issued?: { userEntityRef: string; ownershipEntityRefs: string[]; resolver: string };
  lookups: string[];
}

/** A sign-in context without a catalog, for resolver `name`: reports what it asks for. */
function cliContext(out: Output, outcome: Outcome, name: string): AuthResolverContext {
  const lookup = (query: unknown, fallback?: unknown): never => {
    const what = `${name} would look up ${JSON.stringify(query)} in the catalog`;
    outcome.lookups.push(what);
    const extra = fallback ? `; if no User matches, falls back to ${JSON.stringify(fallback)}` : '';
    out.step('catalog', 'info', `${what}${extra} (no catalog here: going on as if no User matched)`);
    throw new NotFoundError('no catalog in check (see the catalog lines)');
  };
  return {
    async issueToken(params) {
      const { sub, ent = [sub] } = params.claims as { sub: string; ent?: string[] };
      outcome.issued = { userEntityRef: sub, ownershipEntityRefs: ent, resolver: name };
      return { token: '' };
    },
    async findCatalogUser(query) {
      return lookup(query);
    },
    async signInWithCatalogUser(query, options): Promise<BackstageSignInResult> {
      return lookup(query, options?.dangerousEntityRefFallback?.entityRef);
    },
    async resolveOwnershipEntityRefs() {
      return { ownershipEntityRefs: [] };
    },
  } as AuthResolverContext;
}

/**
 * The module's resolver factories, each handing its resolver a context that knows the
 * resolver's name; the chain itself is the module's (readSignInResolver).
 */
function named(contextFor: (name: string) => AuthResolverContext): Record<string, OidcProxySignInResolverFactory> {
  return Object.fromEntries(
    Object.entries(oidcProxySignInResolvers).map(([name, factory]) => [
      name,
      ((options?: unknown) => {
        const resolver = (factory as OidcProxySignInResolverFactory)(options);
        return (info: SignInInfo<OidcProxyResult>) => resolver(info, contextFor(name));
      }) as OidcProxySignInResolverFactory,
    ]),
  );
}

/** 401, 403, 409 and 503 are refusals (1); anything else is a misconfiguration (2). */
const exitFor = (error: unknown) =>
  ['AuthenticationError', 'NotAllowedError', 'ConflictError', 'ServiceUnavailableError'].includes(
    (error as Error)?.name,
  )
    ? 1
    : 2;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['--config', '--provider', '--backend']);
  if (args.help) return (process.stdout.write(`${usage}\n`), 0);
  const out = new Output(args.json);
  const outcome: Outcome = { lookups: [] };
  const loaded = await loadProvider(
    args.configs,
    args.provider,
    named(name => cliContext(out, outcome, name)),
  );
  const { verify, header } = loaded.parsed;
  const audience = Array.isArray(verify.audience) ? verify.audience.join(', ') : verify.audience;
  out.step(
    'config',
    'ok',
    `${loaded.fullKey} read as the backend reads it (issuer ${verify.issuer}, audience ${audience}, header ${header})`,
  );
  const token = readToken(args.positional);
  if (args.backend !== undefined) return checkBackend(out, args.backend, loaded, token);

  const report = (step: string, error: unknown) => {
    const e = error as RefusalError;
    const detail = [e.message, e.resolver && `refused by ${e.resolver}`, mismatch(e, token, loaded)]
      .filter(Boolean)
      .join('; ');
    out.step(step, 'fail', detail, e.code);
    const code = exitFor(error);
    out.done({
      ok: false,
      exitCode: code,
      outcome: code === 1 ? 'refused' : 'error',
      error: { name: e.name, code: e.code, claim: e.claim, resolver: e.resolver, message: e.message },
      steps: out.steps,
    });
    return code;
  };

  let result: OidcProxyResult;
  try {
    const authenticator = createOidcProxyAuthenticator({ config: loaded.parsed });
    ({ result } = await authenticator.authenticate({ req: requestWith(header, token) }, loaded.parsed));
  } catch (error) {
    return report('verify', error);
  }
  out.step(
    'verify',
    'ok',
    `signature, issuer, audience and lifetime verified (sub ${JSON.stringify(result.claims.sub)})`,
  );

  try {
    const profile = profileFromClaims(result.claims, result.requireEmailVerifiedClaim);
    // The context each resolver gets comes from named(); this one is never used.
    await loaded.resolver({ result, profile }, undefined as unknown as AuthResolverContext);
  } catch (error) {
    if ((error as RefusalError).code !== 'ERR_SIGN_IN_NO_USER' || outcome.lookups.length === 0) {
      return report('resolve', error);
    }
  }
  if (outcome.issued) {
    const { userEntityRef, ownershipEntityRefs, resolver } = outcome.issued;
    const first = outcome.lookups.length
      ? ', unless the catalog has a User for a lookup above, who signs in instead'
      : '';
    out.step('sign-in', 'ok', `would sign in as ${userEntityRef} (by ${resolver}${first})`);
    out.step('ownership', 'info', ownershipEntityRefs.join(', '));
    out.done({
      ok: true,
      exitCode: 0,
      outcome: 'signed-in',
      ...outcome.issued,
      catalogLookups: outcome.lookups,
      steps: out.steps,
    });
  } else {
    out.step(
      'sign-in',
      'warn',
      'depends on the catalog: signs in only if it has a User for a lookup above (use --backend to ask the running backend)',
    );
    out.done({ ok: true, exitCode: 0, outcome: 'needs-catalog', catalogLookups: outcome.lookups, steps: out.steps });
  }
  return 0;
}

export { UsageError };
