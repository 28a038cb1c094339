// Sign-in resolvers for the oidcProxy provider, and the ordered resolver chain built from
// `signIn.resolvers`. Every email and identity rule is the native core's (IdentityResolver,
// resolveIdentity); these only adapt it and the catalog lookups to Backstage.
import {
  createSignInResolverFactory,
  type SignInResolver,
  type SignInResolverFactory,
  type SignInInfo,
} from '@backstage/plugin-auth-node';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { Config } from '@backstage/config';
// The zod flavour @backstage/plugin-auth-node builds its own resolvers' schemas with.
import { z } from 'zod/v3';
import {
  IdentityResolver,
  isNativeError,
  resolveIdentity,
  type CheckedEmail,
  type Identity,
  type IdentityOptions,
} from './native';
import { identityError } from './errors';
import type { OidcProxyResult } from './authenticator';
import { hidden, ERR_SIGN_IN_NO_USER } from './refusals';

const domains = z.array(z.string().min(1)).optional();
const name = z.string().min(1).optional();
// strict(): a misspelt option (allowedDomain) must stop start-up, not be ignored.
const emailOptions = z
  .object({ allowedDomains: domains, dangerouslyAllowSignInWithoutUserInCatalog: z.boolean().optional() })
  .strict()
  .optional();
const annotationOptions = z.object({ allowedDomains: domains }).strict().optional();
const withoutCatalogOptions = z
  .object({ allowedDomains: domains, homeDomain: name, userNameClaim: name, groupsClaim: name, namespace: name })
  .strict()
  .optional();

/** The native identity rules of one resolver entry, chosen per sign-in by the provider's email_verified rule. */
type Rules = (info: SignInInfo<OidcProxyResult>) => IdentityResolver;

/**
 * Builds a resolver entry's rules at start-up, once for each email_verified rule; the native
 * constructor checks the options (ASCII domains, homeDomain among allowedDomains...).
 */
function identityRules(opts: IdentityOptions): Rules {
  try {
    const [lax, strict] = [false, true].map(
      requireEmailVerifiedClaim => new IdentityResolver({ ...opts, requireEmailVerifiedClaim }),
    );
    return info => (info.result.requireEmailVerifiedClaim ? strict : lax);
  } catch (error) {
    throw new InputError(isNativeError(error) ? error.message.replace(/^options\./, '') : String(error));
  }
}

/**
 * The token's email for a catalog lookup, by the native rules (one plain address, verified,
 * in allowedDomains); refusals are 403s with their code.
 */
function checkedEmail(info: SignInInfo<OidcProxyResult>, rules: Rules): CheckedEmail {
  try {
    return rules(info).email(info.result.claims);
  } catch (error) {
    throw identityError(error);
  }
}

/** The native identity (user name, refs); refusals are 403s with their code. */
function identityOf(info: SignInInfo<OidcProxyResult>, rules: Rules): Identity {
  try {
    return rules(info).identity(info.result.claims);
  } catch (error) {
    throw identityError(error);
  }
}

/** The user name for the email's own domain as home domain: it varies per sign-in, so no rules are built ahead. */
function localPartName(info: SignInInfo<OidcProxyResult>, opts: IdentityOptions): string {
  try {
    return resolveIdentity(info.result.claims, {
      ...opts,
      requireEmailVerifiedClaim: info.result.requireEmailVerifiedClaim,
    }).userEntityName;
  } catch (error) {
    throw identityError(error);
  }
}

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
  emailMatchingUserEntityProfileEmail: createSignInResolverFactory({
    optionsSchema: emailOptions,
    create(options = {}) {
      const { allowedDomains, dangerouslyAllowSignInWithoutUserInCatalog } = options;
      const rules = identityRules({ allowedDomains });
      return async (info: SignInInfo<OidcProxyResult>, ctx) => {
        const email = checkedEmail(info, rules).address;
        // Backstage's version retries without a `+tag` (jane+ops@ matches jane@): not here.
        const fallback = dangerouslyAllowSignInWithoutUserInCatalog
          ? { dangerousEntityRefFallback: { entityRef: { name: identityOf(info, rules).userEntityName } } }
          : undefined;
        return ctx.signInWithCatalogUser({ filter: { 'spec.profile.email': email } }, fallback);
      };
    },
  }),

  /**
   * The User named like the email's local part. Matches across every domain the issuer
   * vouches for (Backstage's design): restrict it with allowedDomains.
   */
  emailLocalPartMatchingUserEntityName: createSignInResolverFactory({
    optionsSchema: emailOptions,
    create(options = {}) {
      const { allowedDomains, dangerouslyAllowSignInWithoutUserInCatalog } = options;
      const rules = identityRules({ allowedDomains });
      return async (info: SignInInfo<OidcProxyResult>, ctx) => {
        const { domain } = checkedEmail(info, rules);
        // The local part as a user name by the native rules: the email's own domain as the
        // home domain, so `jane+ops` is refused rather than shortened to `jane`.
        const userName = localPartName(info, { allowedDomains, homeDomain: domain });
        const fallback = dangerouslyAllowSignInWithoutUserInCatalog
          ? { dangerousEntityRefFallback: { entityRef: { name: userName } } }
          : undefined;
        return ctx.signInWithCatalogUser({ entityRef: { name: userName } }, fallback);
      };
    },
  }),

  /** The User annotated `openid.net/email: <the token's email>`. */
  emailMatchingUserEntityAnnotation: createSignInResolverFactory({
    optionsSchema: annotationOptions,
    create(options = {}) {
      const rules = identityRules(options);
      return async (info: SignInInfo<OidcProxyResult>, ctx) => {
        const email = checkedEmail(info, rules).address;
        return ctx.signInWithCatalogUser({ annotations: { 'openid.net/email': email } });
      };
    },
  }),

  /** The User annotated with the token's issuer and subject (`openid.net/iss`, `openid.net/sub`). */
  idMatchingUserEntityAnnotation: createSignInResolverFactory({
    create() {
      return async (info: SignInInfo<OidcProxyResult>, ctx) => {
        // Both are verified: iss equals the configured issuer, sub is a mandatory string claim.
        const { iss, sub } = info.result.claims;
        if (typeof iss !== 'string' || typeof sub !== 'string') {
          throw new NotAllowedError('Sign-in refused: the ID token has no iss or sub claim');
        }
        return ctx.signInWithCatalogUser({ annotations: { 'openid.net/iss': iss, 'openid.net/sub': sub } });
      };
    },
  }),

  /**
   * Signs in as the user the token names (resolveIdentity), with no User entity in the
   * catalog: ownership is the user itself plus the groups in `groupsClaim`, if configured.
   */
  signInWithoutCatalogUser: createSignInResolverFactory({
    optionsSchema: withoutCatalogOptions,
    create(options = {}) {
      const rules = identityRules(options);
      return async (info: SignInInfo<OidcProxyResult>, ctx) => {
        const identity = identityOf(info, rules);
        return ctx.issueToken({ claims: { sub: identity.userEntityRef, ent: identity.ownershipEntityRefs } });
      };
    },
  }),
};

export type OidcProxySignInResolverName = keyof typeof oidcProxySignInResolvers;

/**
 * Builds the resolver chain from `signIn.resolvers` (`config` is the provider block at
 * `fullKey`). Resolvers run in the configured order; a resolver that finds no user
 * (NotFoundError) hands over to the next, any other error ends the sign-in. When none signs
 * the user in, the answer is 403 (Backstage's own chain throws a plain Error, a 500).
 */
export function readSignInResolver(
  config: Config,
  fullKey: string,
  factories: Record<string, OidcProxySignInResolverFactory> = oidcProxySignInResolvers,
): SignInResolver<OidcProxyResult> {
  const entries = config.getOptionalConfigArray('signIn.resolvers') ?? [];
  const names = Object.keys(factories).join(', ');
  if (entries.length === 0) {
    throw new Error(`Missing config '${fullKey}.signIn.resolvers': list at least one sign-in resolver (${names})`);
  }
  const resolvers: SignInResolver<OidcProxyResult>[] = entries.map((entry, index) => {
    const key = `${fullKey}.signIn.resolvers[${index}]`;
    const name = entry.getString('resolver');
    if (!Object.hasOwn(factories, name)) {
      throw new Error(`Invalid config at '${key}.resolver': unknown sign-in resolver '${name}' (available: ${names})`);
    }
    const { resolver: _name, ...options } = entry.get<Record<string, unknown>>();
    try {
      return factories[name](Object.keys(options).length > 0 ? options : undefined);
    } catch (error) {
      throw new Error(`Invalid config at '${key}': ${error instanceof Error ? error.message : String(error)}`);
    }
  });

  return async (info, ctx) => {
    // Which resolver refused, and why, goes on the error (refusal log, CLI); never a claim value.
    const tried: string[] = [];
    for (const [index, resolver] of resolvers.entries()) {
      const which = `${fullKey}.signIn.resolvers[${index}] (${entries[index].getString('resolver')})`;
      try {
        return await resolver(info, ctx);
      } catch (error) {
        if ((error as Error)?.name === 'NotFoundError') {
          tried.push(`${which}: ${(error as Error).message}`);
          continue;
        }
        if (error instanceof Error) hidden(error, 'resolver', which);
        throw error;
      }
    }
    const refusal = new NotAllowedError(
      'Sign-in refused: no configured sign-in resolver matched this user (no matching User entity in the catalog, and no resolver allows sign-in without one)',
    );
    hidden(refusal, 'resolver', tried.join('; '));
    throw Object.assign(refusal, { code: ERR_SIGN_IN_NO_USER });
  };
}
