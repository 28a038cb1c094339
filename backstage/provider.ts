// The AuthProviderFactory: Backstage's createProxyAuthProviderFactory with this provider's
// authenticator and resolver chain, plus a sign-in outcome metric.
import {
  createProxyAuthProviderFactory,
  type AuthProviderFactory,
  type SignInResolver,
  type SignInResolverFactory,
} from '@backstage/plugin-auth-node';
import { oidcProxyAuthenticator, type OidcProxyResult } from './authenticator';
import { oidcProxySignInResolvers, readSignInResolver } from './resolvers';
import { recordSignIn } from './metrics';

export interface OidcProxyProviderFactoryOptions {
  /** Default: an authenticator that reads the provider block Backstage passes it. */
  authenticator?: typeof oidcProxyAuthenticator;
  /** A resolver of your own; when set, `signIn.resolvers` in config is not read. */
  signInResolver?: SignInResolver<OidcProxyResult>;
  /** The resolvers `signIn.resolvers` may name; default: oidcProxySignInResolvers. */
  signInResolverFactories?: Record<string, SignInResolverFactory<OidcProxyResult, any>>;
}

export function createOidcProxyProviderFactory(options: OidcProxyProviderFactoryOptions = {}): AuthProviderFactory {
  const authenticator = options.authenticator ?? oidcProxyAuthenticator;
  return ctx => {
    const fullKey = `auth.providers.${ctx.providerId}`;
    const signInResolver =
      options.signInResolver ??
      readSignInResolver(ctx.config, fullKey, options.signInResolverFactories ?? oidcProxySignInResolvers);
    const handlers = createProxyAuthProviderFactory<OidcProxyResult>({ authenticator, signInResolver })(ctx);
    const refresh = handlers.refresh!.bind(handlers);
    return {
      ...handlers,
      async refresh(req, res) {
        try {
          await refresh(req, res);
          recordSignIn('ok');
        } catch (error) {
          // Error names are a small fixed set (AuthenticationError, NotAllowedError, ...).
          recordSignIn((error as Error)?.name ?? 'Error');
          throw error;
        }
      },
    };
  };
}
