// The backend module: registers the `oidcProxy` provider with the auth plugin.
import { coreServices, createBackendModule, type LoggerService } from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import type { Config } from '@backstage/config';
import { findProviderKey, readOidcProxyConfig, PROVIDER_ID, PROVIDER_ID_ALIAS, type OidcProxyConfig } from './config';
import { createOidcProxyAuthenticator } from './authenticator';
import { readSignInResolver } from './resolvers';
import { createOidcProxyProviderFactory } from './provider';
import { prefetchKeys } from './native';
import { initMetrics } from './metrics';

function describe(fullKey: string, { verify, header }: OidcProxyConfig) {
  const audience = Array.isArray(verify.audience) ? verify.audience.join(', ') : verify.audience;
  return `oidcProxy: configured from '${fullKey}' (issuer ${verify.issuer}, audience ${audience}, ID token header ${header})`;
}

/** Resolvers that, without allowedDomains, let any address the issuer vouches for in. */
const OPEN_WITHOUT_DOMAINS: Record<string, string> = {
  signInWithoutCatalogUser: 'anyone the issuer signs a token for with this audience can sign in to Backstage',
  emailLocalPartMatchingUserEntityName:
    "it matches catalog users by the email's local part across all domains, so jane@any-domain signs in as the User named jane",
};

function warnAboutOpenSignIn(providerConfig: Config, fullKey: string, logger: LoggerService) {
  providerConfig.getOptionalConfigArray('signIn.resolvers')?.forEach((entry, index) => {
    const resolver = entry.getOptionalString('resolver') ?? '';
    if (!Object.hasOwn(OPEN_WITHOUT_DOMAINS, resolver)) return;
    if (entry.getOptionalStringArray('allowedDomains')?.length) return;
    logger.warn(
      `oidcProxy: '${fullKey}.signIn.resolvers[${index}]' (${resolver}) has no allowedDomains: ${OPEN_WITHOUT_DOMAINS[resolver]}`,
    );
  });
}

// Warms the native key cache without holding up start-up: an issuer that is down now
// must not keep Backstage from starting, it only means 503s until it is back.
function warmKeys(verify: OidcProxyConfig['verify'], logger: LoggerService) {
  prefetchKeys(verify).then(
    () => logger.info(`oidcProxy: signing keys of ${verify.issuer} fetched`),
    error =>
      logger.warn(
        `oidcProxy: could not fetch the signing keys of ${verify.issuer} at start-up (${error?.code ?? 'error'}): ${error?.message ?? error}; sign-ins answer 503 until the issuer is reachable, then recover by themselves`,
      ),
  );
}

/** Answers /oidcProxy/* with the provider configured under the seed's `oidc-proxy` key. */
function aliasRoute(req: { url: string }, _res: unknown, next: () => void) {
  const prefix = `/${PROVIDER_ID}`;
  if (req.url === prefix || req.url.startsWith(`${prefix}/`) || req.url.startsWith(`${prefix}?`)) {
    req.url = `/${PROVIDER_ID_ALIAS}${req.url.slice(prefix.length)}`;
  }
  next();
}

/** The `oidcProxy` auth provider module; install with `backend.add(import('<this package>'))`. */
export const authModuleOidcProxyProvider = createBackendModule({
  pluginId: 'auth',
  moduleId: 'oidc-proxy-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        httpRouter: coreServices.httpRouter,
      },
      async init({ providers, config, logger, httpRouter }) {
        // Fail start-up on any config problem, naming the key: the auth plugin would
        // otherwise only configure the provider on the first matching key, or not at all.
        const key = findProviderKey(config);
        const fullKey = `auth.providers.${key}`;
        const providerConfig = config.getConfig('auth.providers').getConfig(key);
        const parsed = readOidcProxyConfig(providerConfig, fullKey);
        readSignInResolver(providerConfig, fullKey);

        logger.info(describe(fullKey, parsed));
        warnAboutOpenSignIn(providerConfig, fullKey, logger);
        initMetrics();

        const factory = createOidcProxyProviderFactory({ authenticator: createOidcProxyAuthenticator({ logger }) });
        providers.registerProvider({ providerId: PROVIDER_ID, factory });
        if (key === PROVIDER_ID_ALIAS) {
          // Backstage configures a provider only under the id equal to its config key, but
          // the frontend (ProxiedSignInPage provider="oidcProxy") calls /api/auth/oidcProxy.
          // Register the alias id too, and route /oidcProxy/* to it; this middleware runs
          // before the auth plugin's routes because modules initialise before their plugin.
          providers.registerProvider({ providerId: PROVIDER_ID_ALIAS, factory });
          httpRouter.use(aliasRoute as Parameters<typeof httpRouter.use>[0]);
          logger.info(
            `oidcProxy: '${fullKey}' is the seed document's spelling of 'auth.providers.${PROVIDER_ID}'; serving it at /api/auth/${PROVIDER_ID} (and /api/auth/${PROVIDER_ID_ALIAS})`,
          );
        }

        warmKeys(parsed.verify, logger);
      },
    });
  },
});
