// The backend module: registers the `oidcProxy` provider with the auth plugin.
import { coreServices, createBackendModule, type LoggerService } from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import type { Config } from '@backstage/config';
import { readOidcProxyConfig, type OidcProxyConfig } from './config';
import { findProviderKey, aliasRoute, aliasNotice, PROVIDER_ID, PROVIDER_ID_ALIAS } from './alias';
import { createOidcProxyAuthenticator } from './authenticator';
import { readSignIn, type OidcProxySignIn } from './resolvers';
import { createOidcProxyProviderFactory } from './provider';
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

/** The naming rule each resolver entry puts in effect, so nobody learns it from a changed name. */
function logNaming({ rules, names }: OidcProxySignIn, fullKey: string, logger: LoggerService) {
  rules.naming().forEach((naming, index) => {
    if (naming) logger.info(`oidcProxy: '${fullKey}.signIn.resolvers[${index}]' (${names[index]}): ${naming}`);
  });
}

// Warms the native key cache without holding up start-up: an issuer that is down now
// must not keep Backstage from starting, it only means 503s until it is back.
function warmKeys({ verify, verifier }: OidcProxyConfig, logger: LoggerService) {
  verifier.prefetchKeys().then(
    () => logger.info(`oidcProxy: signing keys of ${verify.issuer} fetched`),
    error =>
      logger.warn(
        `oidcProxy: could not fetch the signing keys of ${verify.issuer} at start-up (${error?.code ?? 'error'}): ${error?.message ?? error}; sign-ins answer 503 until the issuer is reachable, then recover by themselves`,
      ),
  );
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
        // The block is read once, here: any problem fails start-up with the key named, and
        // the result is what the provider runs with.
        const key = findProviderKey(config);
        const fullKey = `auth.providers.${key}`;
        const providerConfig = config.getConfig('auth.providers').getConfig(key);
        const parsed = readOidcProxyConfig(providerConfig, fullKey);
        const signIn = readSignIn(providerConfig, fullKey, undefined, parsed.requireEmailVerifiedClaim);

        logger.info(describe(fullKey, parsed));
        logNaming(signIn, fullKey, logger);
        warnAboutOpenSignIn(providerConfig, fullKey, logger);
        initMetrics();

        const authenticator = createOidcProxyAuthenticator({ logger, config: parsed, rules: signIn.rules });
        const factory = createOidcProxyProviderFactory({
          config: parsed,
          authenticator,
          signInResolver: signIn.resolver,
          rules: signIn.rules,
        });
        providers.registerProvider({ providerId: PROVIDER_ID, factory });
        if (key === PROVIDER_ID_ALIAS) {
          // Registered under the alias too (Backstage configures it only there), with
          // /oidcProxy/* routed to it; this middleware runs before the auth plugin's routes
          // because modules initialise before their plugin.
          providers.registerProvider({ providerId: PROVIDER_ID_ALIAS, factory });
          httpRouter.use(aliasRoute as Parameters<typeof httpRouter.use>[0]);
          logger.info(aliasNotice(fullKey));
        }

        warmKeys(parsed, logger);
      },
    });
  },
});
