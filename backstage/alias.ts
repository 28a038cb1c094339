// The `oidc-proxy` key used by the original documentation. Backstage configures a provider
// only under the id equal to its config key, while the frontend (ProxiedSignInPage
// provider="oidcProxy") calls /api/auth/oidcProxy: this file keeps that spelling working,
// and is the only place that knows about it.
import type { Config } from '@backstage/config';

/** The provider id the frontend's `ProxiedSignInPage provider="oidcProxy"` calls. */
export const PROVIDER_ID = 'oidcProxy';
/** The key the original documentation's YAML uses for the same provider. */
export const PROVIDER_ID_ALIAS = 'oidc-proxy';

/** Which key under `auth.providers` configures this provider; exactly one must. */
export function findProviderKey(rootConfig: Config): string {
  const providers = rootConfig.getOptionalConfig('auth.providers');
  const present = [PROVIDER_ID, PROVIDER_ID_ALIAS].filter(key => providers?.has(key));
  if (present.length === 0) {
    throw new Error(
      `Missing config 'auth.providers.${PROVIDER_ID}': the oidcProxy auth module is installed but not configured (it needs at least issuer, audience and signIn.resolvers)`,
    );
  }
  if (present.length > 1) {
    throw new Error(
      `Both 'auth.providers.${PROVIDER_ID}' and 'auth.providers.${PROVIDER_ID_ALIAS}' are configured: keep one (the same provider; '${PROVIDER_ID_ALIAS}' is the key used by the original documentation)`,
    );
  }
  return present[0];
}

/** Express middleware: answers /oidcProxy/* with the provider registered under the alias. */
export function aliasRoute(req: { url: string }, _res: unknown, next: () => void) {
  const prefix = `/${PROVIDER_ID}`;
  if (req.url === prefix || req.url.startsWith(`${prefix}/`) || req.url.startsWith(`${prefix}?`)) {
    req.url = `/${PROVIDER_ID_ALIAS}${req.url.slice(prefix.length)}`;
  }
  next();
}

export const aliasNotice = (fullKey: string) =>
  `oidcProxy: '${fullKey}' is the key used by the original documentation for 'auth.providers.${PROVIDER_ID}'; serving it at /api/auth/${PROVIDER_ID} (and /api/auth/${PROVIDER_ID_ALIAS})`;
