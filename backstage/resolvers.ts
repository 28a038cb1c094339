// Sign-in resolvers for the oidcProxy provider, and the ordered resolver chain built from
// `signIn.resolvers`. Identity derivation (user name, groups, domain rules) is the native
// resolveIdentity's job; these only adapt it and the catalog lookups to Backstage.
import {
  commonSignInResolvers,
  type SignInResolver,
  type SignInResolverFactory,
  type SignInInfo,
} from '@backstage/plugin-auth-node';
import { InputError, NotAllowedError } from '@backstage/errors';
import type { Config } from '@backstage/config';
import { resolveIdentity, type IdentityOptions } from './native';
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

function requireEmail(info: SignInInfo<OidcProxyResult>): string {
  // The profile omits an email the issuer marks unverified (see profileFromClaims).
  const email = info.profile.email;
  if (!email) throw new NotAllowedError('Sign-in refused: the ID token has no verified email, which this sign-in resolver needs');
  return email;
}

function checkDomain(email: string, allowedDomains: string[] | undefined) {
  if (!allowedDomains?.length) return;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  if (!allowedDomains.some(d => d.toLowerCase() === domain)) {
    throw new NotAllowedError("Sign-in refused: the email's domain is not in allowedDomains");
  }
}

const emailOptions = { allowedDomains: 'string[]', dangerouslyAllowSignInWithoutUserInCatalog: 'boolean' } as const;

/** The resolver factories this provider offers, by the name used in `signIn.resolvers`. */
export const oidcProxySignInResolvers = {
  /** Backstage's common resolver: the User whose `spec.profile.email` equals the token's email. */
  emailMatchingUserEntityProfileEmail: ((options?: Options) => {
    const opts = checkOptions(options, emailOptions);
    const inner = commonSignInResolvers.emailMatchingUserEntityProfileEmail({
      dangerouslyAllowSignInWithoutUserInCatalog: opts.dangerouslyAllowSignInWithoutUserInCatalog,
    });
    return async (info, ctx) => {
      // Backstage's version accepts allowedDomains but does not apply it; this one does.
      checkDomain(requireEmail(info), opts.allowedDomains);
      return inner(info, ctx);
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /** Backstage's common resolver: the User named like the email's local part. */
  emailLocalPartMatchingUserEntityName: ((options?: Options) => {
    const opts = checkOptions(options, emailOptions);
    const inner = commonSignInResolvers.emailLocalPartMatchingUserEntityName({
      dangerouslyAllowSignInWithoutUserInCatalog: opts.dangerouslyAllowSignInWithoutUserInCatalog,
    });
    return async (info, ctx) => {
      // Checked here, case-insensitively, like every other resolver of this provider.
      checkDomain(requireEmail(info), opts.allowedDomains);
      return inner(info, ctx);
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /** The User annotated `openid.net/email: <the token's email>`. */
  emailMatchingUserEntityAnnotation: ((options?: Options) => {
    const opts = checkOptions(options, { allowedDomains: 'string[]' });
    return async (info, ctx) => {
      const email = requireEmail(info);
      checkDomain(email, opts.allowedDomains);
      return ctx.signInWithCatalogUser({ annotations: { 'openid.net/email': email } });
    };
  }) as SignInResolverFactory<OidcProxyResult, Options>,

  /** The User annotated with the token's issuer and subject (`openid.net/iss`, `openid.net/sub`). */
  idMatchingUserEntityAnnotation: ((options?: Options) => {
    checkOptions(options, {});
    return async (info, ctx) => {
      // Both are verified: iss equals the configured issuer, sub is a required string claim.
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
      userNameClaim: 'string',
      groupsClaim: 'string',
      namespace: 'string',
    }) as IdentityOptions;
    return async (info, ctx) => {
      let identity;
      try {
        identity = resolveIdentity(info.result.claims, opts);
      } catch (error) {
        throw identityError(error);
      }
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
