// The AuthProviderFactory, built from @backstage/plugin-auth-node's public pieces as its own
// proxy provider is (the authenticator, the profile transform, the sign-in resolver chain,
// prepareBackstageIdentityResponse), so the sign-in cache keeps the answer this module built
// itself. Plus the sign-in outcome metric and the refusal log.
import {
  prepareBackstageIdentityResponse,
  type AuthProviderFactory,
  type SignInResolver,
} from '@backstage/plugin-auth-node';
import type { Request } from 'express';
import { NotImplementedError } from '@backstage/errors';
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
    const signInResolver = resolver; // the chain, fixed from here on
    const authenticatorCtx = authenticator.initialize({ config: ctx.config });
    // What createProxyAuthRouteHandlers does for a refresh, step by step on the public API.
    const signInAnew = async (req: Request): Promise<RefreshBody> => {
      const { result, providerInfo } = await authenticator.authenticate({ req }, authenticatorCtx);
      const { profile } = await authenticator.defaultProfileTransform(result, ctx.resolverContext);
      const identity = await signInResolver({ profile, result }, ctx.resolverContext);
      return { profile, providerInfo, backstageIdentity: prepareBackstageIdentityResponse(identity) };
    };
    // The request's one native call (signIn.ts), which the authenticator then awaits too.
    // Entries are keyed by the verifier's id for its verification of the token: only a token
    // that verified, and would still verify (exp, nbf, its key in the JWKS), has one, and a
    // token verified anew gets a new one, so an entry is never served for a token that no
    // longer verifies.
    const signInFor = async (req: Request): Promise<SignInResult | undefined> => {
      try {
        const signIn = await signInOf(req, config, rules!);
        if (signIn?.groupsLeftOut) warnGroupsLeftOut(signIn.groupsLeftOut);
        return signIn;
      } catch {
        return undefined; // refused: the authenticator answers it, awaiting the same call
      }
    };
    const keyOf = (signIn: SignInResult | undefined) =>
      config.signInCacheMaxAgeSeconds > 0 && signIn?.id != null ? `${ctx.providerId}:${signIn.id}` : undefined;
    return {
      async start() {
        throw new NotImplementedError('Not implemented');
      },
      async frameHandler() {
        throw new NotImplementedError('Not implemented');
      },
      async refresh(req, res) {
        const signIn = await signInFor(req);
        const key = keyOf(signIn);
        try {
          const hit = key === undefined ? undefined : cache.get(key);
          if (hit) {
            res.status(200).type('application/json').send(hit);
          } else {
            const body = await signInAnew(req);
            if (key !== undefined && signIn?.repeated) cache.set(key, body);
            res.status(200).json(body);
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
