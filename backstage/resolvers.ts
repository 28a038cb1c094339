// Sign-in resolvers for the oidcProxy provider, and the ordered resolver chain built from
// `signIn.resolvers`. Every email, name and group rule is the native core's: each entry's
// rules are built once at start-up (SignInRules) and computed with the token's verification
// in one native call (signIn.ts); these resolvers only look users up in the catalog.
import {
  createSignInResolverFactory,
  type AuthResolverCatalogUserQuery,
  type AuthResolverContext,
  type SignInResolver,
  type SignInResolverFactory,
  type SignInInfo,
} from '@backstage/plugin-auth-node';
import { InputError, NotFoundError } from '@backstage/errors';
import { stringifyEntityRef } from '@backstage/catalog-model';
import type { Config } from '@backstage/config';
// The zod flavour @backstage/plugin-auth-node builds its own resolvers' schemas with.
import { z } from 'zod/v3';
import { SignInRules, isNativeError, type SignInResolverRules } from './native';
import { entryError, resolverRefusal } from './errors';
import type { OidcProxyResult } from './authenticator';
import type { EntryResult } from './signIn';
import { hidden, ERR_SIGN_IN_NO_USER } from './refusals';

const domains = z.array(z.string().min(1)).optional();
const name = z.string().min(1).optional();
/** Every resolver that finds a User in the catalog may add the token's groups to its ownership. */
const groupOptions = { groupsClaim: name, namespace: name };
const fallback = { dangerouslyAllowSignInWithoutUserInCatalog: z.boolean().optional() };
// strict(): a misspelt option (allowedDomain) must stop start-up, not be ignored.
const schemas = {
  email: z
    .object({ allowedDomains: domains, ...fallback, ...groupOptions })
    .strict()
    .optional(),
  emailAnnotation: z
    .object({ allowedDomains: domains, annotation: name, ...groupOptions })
    .strict()
    .optional(),
  id: z.object(groupOptions).strict().optional(),
  claimName: z
    .object({ claim: name, ...fallback, ...groupOptions })
    .strict()
    .optional(),
  claimAnnotation: z.object({ claim: z.string().min(1), annotation: z.string().min(1), ...groupOptions }).strict(),
  withoutCatalog: z
    .object({ allowedDomains: domains, homeDomain: name, userNameClaim: name, groupsClaim: name, namespace: name })
    .strict()
    .optional(),
};

type Options<K extends keyof typeof schemas> = z.infer<(typeof schemas)[K]>;

/** What a resolver entry needs from the token, for the native SignInRules. */
type RulesOf = (options: Record<string, unknown> | undefined) => SignInResolverRules;

/** The native rules of each built-in factory, by factory (a host's own factories have none). */
const rulesOfFactory = new WeakMap<object, RulesOf>();

/**
 * The native result for this resolver: the one the chain computed with the token's
 * verification, or, for a resolver used on its own, computed now (one native call).
 */
function resultFor(info: SignInInfo<OidcProxyResult>, rules: SignInResolverRules): EntryResult {
  if (info.result.entry) return info.result.entry;
  const standalone = new SignInRules({
    requireEmailVerifiedClaim: info.result.requireEmailVerifiedClaim,
    resolvers: [rules],
  });
  return (JSON.parse(standalone.evaluate(JSON.stringify(info.result.claims))) as { resolvers: EntryResult[] })
    .resolvers[0];
}

/** The entry's result, or its refusal (403) or "no such User" (the chain goes on). */
function usable(entry: EntryResult): EntryResult {
  if (entry.error) throw entryError(entry.error);
  if (entry.absent) throw new NotFoundError(entry.absent);
  return entry;
}

/**
 * Signs in the User the query finds, as Backstage's signInWithCatalogUser does, with the
 * token's groups added to the ownership refs the catalog gives.
 */
async function signInWithCatalog(
  ctx: AuthResolverContext,
  query: AuthResolverCatalogUserQuery,
  entry: EntryResult,
  fallbackName?: string,
) {
  const dangerousEntityRefFallback = fallbackName === undefined ? undefined : { entityRef: { name: fallbackName } };
  if (!entry.groups?.length) return ctx.signInWithCatalogUser(query, { dangerousEntityRefFallback });
  let sub: string;
  let ent: string[];
  try {
    const { entity } = await ctx.findCatalogUser(query);
    sub = stringifyEntityRef(entity);
    ent = (await ctx.resolveOwnershipEntityRefs(entity)).ownershipEntityRefs;
  } catch (error) {
    if ((error as Error)?.name !== 'NotFoundError' || fallbackName === undefined) throw error;
    sub = stringifyEntityRef({ kind: 'User', namespace: 'default', name: fallbackName });
    ent = [sub];
  }
  return ctx.issueToken({ claims: { sub, ent: [...new Set([...ent, ...entry.groups])] } });
}

/** The fallback name of an entry that allows sign-in without a User, or its refusal. */
function fallbackName(entry: EntryResult, allowed: boolean | undefined): string | undefined {
  if (!allowed) return undefined;
  if (entry.fallback?.error) throw entryError(entry.fallback.error);
  return entry.fallback?.name;
}

/** Registers a built-in factory with its native rules. */
function builtIn<K extends keyof typeof schemas>(
  schema: K,
  rules: (options: NonNullable<Options<K>> | Record<string, never>) => SignInResolverRules,
  resolve: (
    entry: EntryResult,
    options: NonNullable<Options<K>> | Record<string, never>,
    ctx: AuthResolverContext,
  ) => ReturnType<SignInResolver<OidcProxyResult>>,
) {
  const factory = createSignInResolverFactory({
    optionsSchema: schemas[schema],
    create(options?: Options<K>) {
      const opts = options ?? {};
      const entryRules = rules(opts);
      return async (info: SignInInfo<OidcProxyResult>, ctx) => resolve(usable(resultFor(info, entryRules)), opts, ctx);
    },
  });
  rulesOfFactory.set(factory, options => rules((options ?? {}) as NonNullable<Options<K>>));
  return factory;
}

const groups = (o: { groupsClaim?: string; namespace?: string }) => ({
  groupsClaim: o.groupsClaim,
  namespace: o.namespace,
});

/**
 * A sign-in resolver factory of this provider, whatever its options: each has its own options
 * type, and config hands it unknown values that its schema checks.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type OidcProxySignInResolverFactory = SignInResolverFactory<OidcProxyResult, any>;

/**
 * The resolver factories this provider offers, by the name used in `signIn.resolvers`.
 * Names and semantics follow Backstage's common resolvers, without their `+tag` folding.
 */
export const oidcProxySignInResolvers = {
  /** The User whose `spec.profile.email` equals the token's verified email, exactly. */
  emailMatchingUserEntityProfileEmail: builtIn(
    'email',
    o => ({
      lookup: 'email',
      allowedDomains: o.allowedDomains,
      fallbackName: o.dangerouslyAllowSignInWithoutUserInCatalog,
      ...groups(o),
    }),
    // Backstage's version retries without a `+tag` (jane+ops@ matches jane@): not here.
    (entry, o, ctx) =>
      signInWithCatalog(
        ctx,
        { filter: { 'spec.profile.email': entry.email!.address } },
        entry,
        fallbackName(entry, o.dangerouslyAllowSignInWithoutUserInCatalog),
      ),
  ),

  /**
   * The User named like the email's local part. Matches across every domain the issuer
   * vouches for (Backstage's design): restrict it with allowedDomains.
   */
  emailLocalPartMatchingUserEntityName: builtIn(
    'email',
    o => ({ lookup: 'emailLocalPart', allowedDomains: o.allowedDomains, ...groups(o) }),
    (entry, o, ctx) =>
      signInWithCatalog(
        ctx,
        { entityRef: { name: entry.name! } },
        entry,
        o.dangerouslyAllowSignInWithoutUserInCatalog ? entry.name : undefined,
      ),
  ),

  /** The User annotated `<annotation>: <the token's email>` (default annotation `openid.net/email`). */
  emailMatchingUserEntityAnnotation: builtIn(
    'emailAnnotation',
    o => ({ lookup: 'email', allowedDomains: o.allowedDomains, ...groups(o) }),
    (entry, o, ctx) =>
      signInWithCatalog(ctx, { annotations: { [o.annotation ?? 'openid.net/email']: entry.email!.address } }, entry),
  ),

  /** The User annotated with the token's issuer and subject (`openid.net/iss`, `openid.net/sub`). */
  idMatchingUserEntityAnnotation: builtIn(
    'id',
    o => ({ lookup: 'subject', ...groups(o) }),
    (entry, _o, ctx) => {
      // Both are verified: iss is the issuer's, sub a mandatory string claim.
      if (!entry.iss || !entry.sub) throw new NotFoundError('the ID token has no iss or sub claim');
      return signInWithCatalog(
        ctx,
        { annotations: { 'openid.net/iss': entry.iss, 'openid.net/sub': entry.sub } },
        entry,
      );
    },
  ),

  /** The User whose `metadata.name` equals a claim (default `preferred_username`), exactly. */
  claimMatchingUserEntityName: builtIn(
    'claimName',
    o => ({ lookup: 'claim', claim: o.claim ?? 'preferred_username', claimIsName: true, ...groups(o) }),
    (entry, o, ctx) =>
      signInWithCatalog(
        ctx,
        { entityRef: { name: entry.value! } },
        entry,
        o.dangerouslyAllowSignInWithoutUserInCatalog ? entry.value : undefined,
      ),
  ),

  /** The User annotated `<annotation>: <the claim's value>`, e.g. `graph.microsoft.com/user-id` with `oid`. */
  claimMatchingUserEntityAnnotation: builtIn(
    'claimAnnotation',
    o => ({ lookup: 'claim', claim: o.claim, claimIsName: false, ...groups(o) }),
    (entry, o, ctx) => signInWithCatalog(ctx, { annotations: { [o.annotation!]: entry.value! } }, entry),
  ),

  /**
   * Signs in as the user the token names, with no User entity in the catalog: ownership is
   * the user itself plus the groups in `groupsClaim`, if configured.
   */
  signInWithoutCatalogUser: builtIn(
    'withoutCatalog',
    o => ({
      lookup: 'identity',
      allowedDomains: o.allowedDomains,
      homeDomain: o.homeDomain,
      userNameClaim: o.userNameClaim,
      ...groups(o),
    }),
    (entry, _o, ctx) => ctx.issueToken({ claims: { sub: entry.userEntityRef!, ent: entry.ownershipEntityRefs! } }),
  ),
};

export type OidcProxySignInResolverName = keyof typeof oidcProxySignInResolvers;

/** The resolver chain of a provider block, and the native rules its entries need. */
export interface OidcProxySignIn {
  resolver: SignInResolver<OidcProxyResult>;
  /** One entry per resolver, in order; pass to the authenticator. */
  rules: SignInRules;
  /** Each entry's resolver name, in order. */
  names: string[];
  /** Each entry's resolver name and native rules (what it looks users up by, its domains), in order. */
  entries: Array<{ name: string; rules: SignInResolverRules }>;
}

/**
 * Reads `signIn.resolvers` (`config` is the provider block at `fullKey`) into the resolver
 * chain and its native rules. Resolvers run in the configured order; one that finds no user
 * (NotFoundError) hands over to the next, any other error ends the sign-in. When none signs
 * the user in, the answer is 403 (Backstage's own chain throws a plain Error, a 500).
 */
export function readSignIn(
  config: Config,
  fullKey: string,
  factories: Record<string, OidcProxySignInResolverFactory> = oidcProxySignInResolvers,
  requireEmailVerifiedClaim = config.getOptionalBoolean('requireEmailVerifiedClaim') ?? false,
): OidcProxySignIn {
  const entries = config.getOptionalConfigArray('signIn.resolvers') ?? [];
  const known = Object.keys(factories).join(', ');
  if (entries.length === 0) {
    throw new Error(`Missing config '${fullKey}.signIn.resolvers': list at least one sign-in resolver (${known})`);
  }
  const names: string[] = [];
  const rules: SignInResolverRules[] = [];
  const resolvers: SignInResolver<OidcProxyResult>[] = entries.map((entry, index) => {
    const key = `${fullKey}.signIn.resolvers[${index}]`;
    const name = entry.getString('resolver');
    if (!Object.hasOwn(factories, name)) {
      throw new Error(`Invalid config at '${key}.resolver': unknown sign-in resolver '${name}' (available: ${known})`);
    }
    const { resolver: _name, ...given } = entry.get<Record<string, unknown>>();
    const options = Object.keys(given).length > 0 ? given : undefined;
    try {
      const resolver = factories[name](options);
      names.push(name);
      rules.push(rulesOfFactory.get(factories[name])?.(options) ?? { lookup: 'nothing' });
      return resolver;
    } catch (error) {
      throw new Error(`Invalid config at '${key}': ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  let native: SignInRules;
  try {
    native = new SignInRules({ requireEmailVerifiedClaim, resolvers: rules });
  } catch (error) {
    // The native error names the entry and option: `resolvers[<i>].<option>`.
    if (!isNativeError(error) || !error.option) throw error;
    const problem = error.message.replace(`options.${error.option}: `, '');
    throw new InputError(`Invalid config at '${fullKey}.signIn.${error.option}': ${problem}`);
  }

  const resolver: SignInResolver<OidcProxyResult> = async (info, ctx) => {
    // Which resolver refused, and why, goes on the error (refusal log, CLI); never a claim value.
    const tried: string[] = [];
    for (const [index, run] of resolvers.entries()) {
      const entry = info.result.signIn?.resolvers[index];
      const which = `${fullKey}.signIn.resolvers[${index}] (${names[index]})`;
      try {
        return await run({ ...info, result: { ...info.result, entry } }, ctx);
      } catch (error) {
        if ((error as Error)?.name === 'NotFoundError') {
          tried.push(`${which}: ${(error as Error).message}`);
          continue;
        }
        if (error instanceof Error) hidden(error, 'resolver', which);
        throw error;
      }
    }
    const refusal = resolverRefusal(names);
    hidden(refusal, 'resolver', tried.join('; '));
    throw Object.assign(refusal, { code: ERR_SIGN_IN_NO_USER });
  };
  return { resolver, rules: native, names, entries: names.map((name, i) => ({ name, rules: rules[i] })) };
}

/** The resolver chain of `readSignIn`, for a provider factory of your own. */
export function readSignInResolver(
  config: Config,
  fullKey: string,
  factories: Record<string, OidcProxySignInResolverFactory> = oidcProxySignInResolvers,
): SignInResolver<OidcProxyResult> {
  return readSignIn(config, fullKey, factories).resolver;
}
