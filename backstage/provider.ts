// The AuthProviderFactory: Backstage's createProxyAuthProviderFactory with this provider's
// authenticator and resolver chain, plus a sign-in outcome metric.
import {
  createProxyAuthProviderFactory,
  type AuthProviderFactory,
  type AuthProviderRouteHandlers,
  type SignInResolver,
} from '@backstage/plugin-auth-node';
import { createOidcProxyAuthenticator, type oidcProxyAuthenticator, type OidcProxyResult } from './authenticator';
import { readOidcProxyConfig, type OidcProxyConfig } from './config';
import { oidcProxySignInResolvers, readSignIn, type OidcProxySignInResolverFactory } from './resolvers';
import { SignInCache, type RefreshBody } from './signInCache';
import { recordSignIn } from './metrics';
import { profileOnlyRules, signInOf, type SignInResult } from './signIn';
import { groupsLeftOutWarner } from './groupsLeftOut';
import type { SignInRules } from './native';
import { RefusalLog } from './refusals';

export interface OidcProxyProviderFactoryOptions {
  /** The provider block as read at start-up; default: read from the block Backstage passes. */
  config?: OidcProxyConfig;
  /** Default: this provider's authenticator with that config. */
  authenticator?: typeof oidcProxyAuthenticator;
  /** A resolver of your own; when set, `signIn.resolvers` in config is not read. */
  signInResolver?: SignInResolver<OidcProxyResult>;
  /** The resolvers `signIn.resolvers` may name; default: oidcProxySignInResolvers. */
  signInResolverFactories?: Record<string, OidcProxySignInResolverFactory>;
  /** The native rules of the resolver chain, from `readSignIn`, when `signInResolver` is its chain. */
  rules?: SignInRules;
}

type Res = Parameters<NonNullable<AuthProviderRouteHandlers['refresh']>>[1];

/** Hands the body of a 200 answer to `keep` on its way out. */
function keeping(res: Res, keep: (body: RefreshBody) => void): Res {
  const json = res.json.bind(res);
  res.json = (body: RefreshBody) => {
    if (res.statusCode === 200) keep(body);
    return json(body);
  };
  return res;
}

export function createOidcProxyProviderFactory(options: OidcProxyProviderFactoryOptions = {}): AuthProviderFactory {
  return ctx => {
    const fullKey = `auth.providers.${ctx.providerId}`;
    const config = options.config ?? readOidcProxyConfig(ctx.config, fullKey);
    let resolver = options.signInResolver;
    let rules = options.rules;
    if (!resolver) {
      const read = readSignIn(ctx.config, fullKey, options.signInResolverFactories ?? oidcProxySignInResolvers);
      [resolver, rules] = [read.resolver, read.rules];
    }
    rules ??= profileOnlyRules(config);
    const authenticator = options.authenticator ?? createOidcProxyAuthenticator({ config, rules });
    const cache = new SignInCache(config.signInCacheMaxAgeSeconds * 1000);
    const warnGroupsLeftOut = groupsLeftOutWarner(ctx.logger, fullKey);
    const refusals = new RefusalLog(ctx.logger, ctx.providerId);
    const handlers = createProxyAuthProviderFactory<OidcProxyResult>({ authenticator, signInResolver: resolver })(ctx);
    const refresh = handlers.refresh!.bind(handlers);
    // The request's one native call (signIn.ts), which the authenticator then awaits too.
    // Entries are keyed by the verifier's id for its verification of the token: only a token
    // that verified, and would still verify (exp, nbf, its key in the JWKS), has one, and a
    // token verified anew gets a new one, so an entry is never served for a token that no
    // longer verifies.
    const signInFor = async (req: Parameters<typeof refresh>[0]): Promise<SignInResult | undefined> => {
      try {
        const signIn = await signInOf(req, config, rules!);
        if (signIn?.groupsLeftOut) warnGroupsLeftOut(signIn.groupsLeftOut);
        return signIn;
      } catch {
        return undefined; // refused: Backstage's handler answers it through the authenticator
      }
    };
    const keyOf = (signIn: SignInResult | undefined) =>
      config.signInCacheMaxAgeSeconds > 0 && signIn?.id != null ? `${ctx.providerId}:${signIn.id}` : undefined;
    return {
      ...handlers,
      async refresh(req, res) {
        const signIn = await signInFor(req);
        const key = keyOf(signIn);
        try {
          const hit = key === undefined ? undefined : cache.get(key);
          if (hit) {
            res.status(200).type('application/json').send(hit);
          } else {
            await refresh(req, key === undefined ? res : keeping(res, body => cache.set(key, body)));
          }
          recordSignIn(hit ? 'cache_hit' : 'ok');
        } catch (error) {
          // A token that no longer verifies (expired, its key gone) takes its entry along.
          if ((error as Error)?.name === 'AuthenticationError' && key !== undefined) cache.delete(key);
          // Error names are a small fixed set (AuthenticationError, NotAllowedError, ...).
          recordSignIn((error as Error)?.name ?? 'Error');
          refusals.refused(error, req.get(config.header));
          throw error;
        }
      },
    };
  };
}
