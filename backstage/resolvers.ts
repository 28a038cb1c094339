// Sign-in resolvers for the oidcProxy provider, and the ordered resolver chain built from
// `signIn.resolvers`. Identity derivation (user name, groups, domain rules) is the native
// resolveIdentity's job; these only adapt it and the catalog lookups to Backstage.
import {
  type SignInResolver,
  type SignInResolverFactory,
  type SignInInfo,
} from '@backstage/plugin-auth-node';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { Config } from '@backstage/config';
import {
  isNativeError,
  resolveEmail,
  resolveIdentity,
  validateIdentityOptions,
  type CheckedEmail,
  type Identity,
  type IdentityOptions,
} from './native';
import { identityError } from './errors';
import type { OidcProxyResult } from './authenticator';

type Options = Record<string, unknown> | undefined;

/** Checks a resolver's options against the names and types it accepts. */
function checkOptions(options: Options, spec: Record<string, 'string' | 'string[]' | 'boolean'>): Record<string, any> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options)) throw new InputError('options must be an object');
  for (const [key, value] of Object.entries(options)) {
    const type = spec[key];
    if (!type) {
      const known = Object.keys(spec);
      throw new InputError(`unknown option '${key}'${known.length ? ` (accepted: ${known.join(', ')})` : ' (this resolver takes none)'}`);
    }
    const ok =
      type === 'string[]'
        ? Array.isArray(value) && value.every(v => typeof v === 'string' && v !== '')
        : typeof value === type && value !== '';
    if (!ok) throw new InputError(`option '${key}' must be ${type === 'string[]' ? 'a list of non-empty strings' : `a ${type}`}`);
  }
  return options;
}

/** The identity options a resolver entry gives, plus the provider's email_verified rule. */
function identityOptions(opts: IdentityOptions, info: SignInInfo<OidcProxyResult>): IdentityOptions {
  return { ...opts, requireEmailVerifiedClaim: info.result.requireEmailVerifiedClaim };
}

/** Native option rules (ASCII domains, homeDomain among allowedDomains...), at start-up. */
function checkIdentityOptions(opts: IdentityOptions) {
  try {
    validateIdentityOptions(opts);
  } catch (error) {
    throw new InputError(isNativeError(error) ? error.message.replace(/^options\./, '') : String(error));
  }
}

/**
 * The token's email for a catalog lookup, by the native rules (one plain address, verified,
 * in allowedDomains); refusals are 403s with their code.
 */
function checkedEmail(info: SignInInfo<OidcProxyResult>, opts: IdentityOptions): CheckedEmail {
  try {
    return resolveEmail(info.result.claims, identityOptions(opts, info));
  } catch (error) {
    throw identityError(error);
  }
}

/** The native identity (user name, refs) for these options; refusals are 403s with their code. */
function identityOf(info: SignInInfo<OidcProxyResult>, opts: IdentityOptions): Identity {
  try {
    return resolveIdentity(info.result.claims, identityOptions(opts, info));
  } catch (error) {
    throw identityError(error);
  }
}

type EmailResolverOptions = { allowedDomains?: string[]; dangerouslyAllowSignInWithoutUserInCatalog?: boolean };
const emailOptions = { allowedDomains: 'string[]', dangerouslyAllowSignInWithoutUserInCatalog: 'boolean' } as const;

/**
 * The resolver factories this provider offers, by the name used in `signIn.resolvers`.
 * The email rules are the native resolveEmail / resolveIdentity, never repeated here; the
 * names and semantics follow Backstage's common resolvers, without their `+tag` folding.
 */
export const oidcProxySignInResolvers = {
  /** The User whose `spec.profile.email` equals the token's verified email, exactly. */
  emailMatchingUserEntityProfileEmail: ((options?: Options) => {
    const opts = checkOptions(options, emailOptions) as EmailResolverOptions;
    checkIdentityOptions({ allowedDomains: opts.allowedDomains });
    return async (info, ctx) => {
      const email = checkedEmail(info, { allowedDomains: opts.allowedDomains }).address;
      // Backstage's version retries without a `+tag` (jane+ops@ matches jane@): not here.
      return ctx.signInWithCatalogUser(
        { filter: { 'spec.profile.email': email } },
        opts.dangerouslyAllowSignInWithoutUserInCatalog
          ? { dangerousEntityRefFallback: { entityRef: { name: identityOf(info, { allowedDomains: opts.allowedDomains }).userEntityName } } }
          : undefined,
      );
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /**
   * The User named like the email's local part. Matches across every domain the issuer
   * vouches for (Backstage's design): restrict it with allowedDomains.
   */
  emailLocalPartMatchingUserEntityName: ((options?: Options) => {
    const opts = checkOptions(options, emailOptions) as EmailResolverOptions;
    checkIdentityOptions({ allowedDomains: opts.allowedDomains });
    return async (info, ctx) => {
      const { domain } = checkedEmail(info, { allowedDomains: opts.allowedDomains });
      // The local part as a user name by the native rules: the email's own domain as the
      // home domain, so `jane+ops` is refused rather than shortened to `jane`.
      const name = identityOf(info, { allowedDomains: opts.allowedDomains, homeDomain: domain }).userEntityName;
      return ctx.signInWithCatalogUser(
        { entityRef: { name } },
        opts.dangerouslyAllowSignInWithoutUserInCatalog ? { dangerousEntityRefFallback: { entityRef: { name } } } : undefined,
      );
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /** The User annotated `openid.net/email: <the token's email>`. */
  emailMatchingUserEntityAnnotation: ((options?: Options) => {
    const opts = checkOptions(options, { allowedDomains: 'string[]' }) as IdentityOptions;
    checkIdentityOptions(opts);
    return async (info, ctx) => {
      const email = checkedEmail(info, opts).address;
      return ctx.signInWithCatalogUser({ annotations: { 'openid.net/email': email } });
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /** The User annotated with the token's issuer and subject (`openid.net/iss`, `openid.net/sub`). */
  idMatchingUserEntityAnnotation: ((options?: Options) => {
    checkOptions(options, {});
    return async (info, ctx) => {
      // Both are verified: iss equals the configured issuer, sub is a mandatory string claim.
      const { iss, sub } = info.result.claims;
      if (typeof iss !== 'string' || typeof sub !== 'string') {
        throw new NotAllowedError('Sign-in refused: the ID token has no iss or sub claim');
      }
      return ctx.signInWithCatalogUser({ annotations: { 'openid.net/iss': iss, 'openid.net/sub': sub } });
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /**
   * Signs in as the user the token names (resolveIdentity), with no User entity in the
   * catalog: ownership is the user itself plus the groups in `groupsClaim`, if configured.
   */
  signInWithoutCatalogUser: ((options?: Options) => {
    const opts = checkOptions(options, {
      allowedDomains: 'string[]',
      homeDomain: 'string',
      userNameClaim: 'string',
      groupsClaim: 'string',
      namespace: 'string',
    }) as IdentityOptions;
    checkIdentityOptions(opts);
    return async (info, ctx) => {
      const identity = identityOf(info, opts);
      return ctx.issueToken({ claims: { sub: identity.userEntityRef, ent: identity.ownershipEntityRefs } });
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,
} satisfies Record<string, SignInResolverFactory<OidcProxyResult, Options>>;

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
  factories: Record<string, SignInResolverFactory<OidcProxyResult, any>> = oidcProxySignInResolvers,
): SignInResolver<OidcProxyResult> {
  const entries = config.getOptionalConfigArray('signIn.resolvers') ?? [];
  const names = Object.keys(factories).join(', ');
  if (entries.length === 0) {
    throw new Error(`Missing config '${fullKey}.signIn.resolvers': list at least one sign-in resolver (${names})`);
  }
  const resolvers = entries.map((entry, index) => {
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
    for (const resolver of resolvers) {
      try {
        return await resolver(info, ctx);
      } catch (error) {
        if ((error as Error)?.name === 'NotFoundError') continue;
        throw error;
      }
    }
    throw new NotAllowedError(
      'Sign-in refused: no configured sign-in resolver matched this user (no matching User entity in the catalog, and no resolver allows sign-in without one)',
    );
  };
}
