// The backend module: registers the `oidcProxy` provider with the auth plugin.
import { coreServices, createBackendModule, type LoggerService } from '@backstage/backend-plugin-api';
import { authProvidersExtensionPoint } from '@backstage/plugin-auth-node';
import { readOidcProxyConfig } from './config';
import { findProviderKey, aliasRoute, aliasNotice, PROVIDER_ID, PROVIDER_ID_ALIAS } from './alias';
import { createOidcProxyAuthenticator } from './authenticator';
import { readSignIn, type OidcProxySignIn } from './resolvers';
import { createOidcProxyProviderFactory } from './provider';
import { initMetrics, observeIssuers } from './metrics';
import { logIssuers, reportJwksFiles, warmKeys, warnAboutSharedEmails } from './issuers';

/** Resolvers that, without allowedDomains, let any address the issuer vouches for in. */
const OPEN_WITHOUT_DOMAINS: Record<string, string> = {
  signInWithoutCatalogUser: 'anyone the issuer signs a token for with this audience can sign in to Backstage',
  emailLocalPartMatchingUserEntityName:
    "it matches catalog users by the email's local part across all domains, so jane@any-domain signs in as the User named jane",
};

function warnAboutOpenSignIn({ entries }: OidcProxySignIn, fullKey: string, logger: LoggerService) {
  entries.forEach(({ name, rules }, index) => {
    if (!Object.hasOwn(OPEN_WITHOUT_DOMAINS, name) || rules.allowedDomains?.length) return;
    logger.warn(
      `oidcProxy: '${fullKey}.signIn.resolvers[${index}]' (${name}) has no allowedDomains: ${OPEN_WITHOUT_DOMAINS[name]}`,
    );
  });
}

/** The naming rule each resolver entry puts in effect, so nobody learns it from a changed name. */
function logNaming({ rules, names }: OidcProxySignIn, fullKey: string, logger: LoggerService) {
  rules.naming().forEach((naming, index) => {
    if (naming) logger.info(`oidcProxy: '${fullKey}.signIn.resolvers[${index}]' (${names[index]}): ${naming}`);
  });
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
        lifecycle: coreServices.lifecycle,
      },
      async init({ providers, config, logger, httpRouter, lifecycle }) {
        // The block is read once, here: any problem fails start-up with the key named, and
        // the result is what the provider runs with.
        const key = findProviderKey(config);
        const fullKey = `auth.providers.${key}`;
        const providerConfig = config.getConfig('auth.providers').getConfig(key);
        const parsed = readOidcProxyConfig(providerConfig, fullKey);
        const signIn = readSignIn(providerConfig, fullKey, undefined, parsed.requireEmailVerifiedClaim);

        logIssuers(fullKey, parsed, logger);
        logNaming(signIn, fullKey, logger);
        warnAboutOpenSignIn(signIn, fullKey, logger);
        warnAboutSharedEmails(signIn, fullKey, parsed, logger);
        initMetrics();
        const stopObserving = observeIssuers(parsed.verifier);
        const stopReporting = reportJwksFiles(parsed, logger);
        lifecycle.addShutdownHook(() => {
          stopReporting();
          stopObserving();
        });

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
