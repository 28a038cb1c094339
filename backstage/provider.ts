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
import { oidcProxySignInResolvers, readSignInResolver, type OidcProxySignInResolverFactory } from './resolvers';
import { SignInCache, type RefreshBody } from './signInCache';
import { recordSignIn, recordVerification } from './metrics';
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
    const authenticator = options.authenticator ?? createOidcProxyAuthenticator({ config });
    const resolver =
      options.signInResolver ??
      readSignInResolver(ctx.config, fullKey, options.signInResolverFactories ?? oidcProxySignInResolvers);
    const cache = new SignInCache(config.signInCacheMaxAgeSeconds * 1000);
    const refusals = new RefusalLog(ctx.logger, ctx.providerId);
    const handlers = createProxyAuthProviderFactory<OidcProxyResult>({ authenticator, signInResolver: resolver })(ctx);
    const refresh = handlers.refresh!.bind(handlers);
    // Entries are keyed by the verifier's id for its verification of the token: only a token
    // verified before, that would still verify (exp, nbf, its key in the JWKS), has one, and a
    // token verified anew gets a new one. So a token seen once is never kept, and an entry
    // is never served for a token that no longer verifies.
    const keyOf = (token: string | undefined) => {
      const id = config.signInCacheMaxAgeSeconds > 0 && token ? config.verifier.verificationId(token) : null;
      return id == null ? undefined : `${ctx.providerId}:${id}`;
    };
    return {
      ...handlers,
      async refresh(req, res) {
        const key = keyOf(req.get(config.header));
        try {
          const hit = key === undefined ? undefined : cache.get(key);
          if (hit) {
            recordVerification('ok');
            res.status(200).type('application/json').send(hit);
          } else {
            await refresh(req, key === undefined ? res : keeping(res, body => cache.set(key, body)));
          }
          recordSignIn('ok');
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
