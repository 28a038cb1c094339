// The frontend-visible part of the oidcProxy provider's config (package.json `configSchema`);
// the backend package declares the rest.
export interface Config {
  auth?: {
    providers?: {
      oidcProxy?: {
        /**
         * The identity-aware proxy's logout URL, absolute or a path starting with `/`, used as
         * it is: after Backstage's sign-out the browser goes there, so the proxy session ends
         * too. For mod_auth_openidc `/oauth2callback?logout=<return URL>`. Without it, sign-out
         * only ends Backstage's session in the tab.
         * @visibility frontend
         */
        signOutUrl?: string;
      };
      /** The same provider under the spelling of the original documentation. */
      'oidc-proxy'?: {
        /**
         * As `auth.providers.oidcProxy.signOutUrl`.
         * @visibility frontend
         */
        signOutUrl?: string;
      };
    };
  };
}
