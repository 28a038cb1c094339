// The AuthProviderFactory: Backstage's createProxyAuthProviderFactory with this provider's
// authenticator and resolver chain, plus a sign-in outcome metric.
import {
  createProxyAuthProviderFactory,
  type AuthProviderFactory,
  type SignInResolver,
} from '@backstage/plugin-auth-node';
import { createOidcProxyAuthenticator, type oidcProxyAuthenticator, type OidcProxyResult } from './authenticator';
import { readOidcProxyConfig, type OidcProxyConfig } from './config';
import { oidcProxySignInResolvers, readSignInResolver, type OidcProxySignInResolverFactory } from './resolvers';
import { SignInCache, tokenHash } from './signInCache';
import { recordSignIn } from './metrics';

export interface OidcProxyProviderFactoryOptions {
  /** The provider block as read at start-up; default: read from the block Backstage passes. */
  config?: OidcProxyConfig;
  /** Default: this provider's authenticator with that config. */
  authenticator?: typeof oidcProxyAuthenticator;
  /** A resolver of your own; when set, `signIn.resolvers` in config is not read. */
  signInResolver?: SignInResolver<OidcProxyResult>;
  /** The resolvers `signIn.resolvers` may name; default: oidcProxySignInResolvers. */
  signInResolverFactories?: Record<string, OidcProxySignInResolverFactory>;
}

/** The resolver with the sign-in cache in front of it (see signInCache.ts). */
function cached(
  resolver: SignInResolver<OidcProxyResult>,
  cache: SignInCache,
  providerId: string,
): SignInResolver<OidcProxyResult> {
  return async (info, ctx) => {
    const key = `${providerId}:${info.result.tokenHash}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const result = await resolver(info, ctx);
    cache.set(key, result);
    return result;
  };
}

export function createOidcProxyProviderFactory(options: OidcProxyProviderFactoryOptions = {}): AuthProviderFactory {
  return ctx => {
    const fullKey = `auth.providers.${ctx.providerId}`;
    const config = options.config ?? readOidcProxyConfig(ctx.config, fullKey);
    const authenticator = options.authenticator ?? createOidcProxyAuthenticator({ config });
    const resolver =
      options.signInResolver ??
      readSignInResolver(ctx.config, fullKey, options.signInResolverFactories ?? oidcProxySignInResolvers);
    const cache = new SignInCache(config.signInCacheMaxAgeSeconds * 1000);
    const signInResolver = config.signInCacheMaxAgeSeconds > 0 ? cached(resolver, cache, ctx.providerId) : resolver;
    const handlers = createProxyAuthProviderFactory<OidcProxyResult>({ authenticator, signInResolver })(ctx);
    const refresh = handlers.refresh!.bind(handlers);
    return {
      ...handlers,
      async refresh(req, res) {
        try {
          await refresh(req, res);
          recordSignIn('ok');
        } catch (error) {
          // A token that no longer verifies (expired, its key gone) takes its entry along.
          const token = req.get(config.header);
          if ((error as Error)?.name === 'AuthenticationError' && token)
            cache.delete(`${ctx.providerId}:${tokenHash(token)}`);
          // Error names are a small fixed set (AuthenticationError, NotAllowedError, ...).
          recordSignIn((error as Error)?.name ?? 'Error');
          throw error;
        }
      },
    };
  };
}
