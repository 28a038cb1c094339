// Sign-out at the proxy: Backstage's own sign-out only forgets the session in the tab, and the
// proxy would sign the user straight back in. After it, the browser goes to the configured
// logout URL (e.g. mod_auth_openidc's `/oauth2callback?logout=<return URL>`).
import type { ConfigApi, IdentityApi } from '@backstage/core-plugin-api';

/** `auth.providers.oidcProxy.signOutUrl` (or under the `oidc-proxy` spelling), if set. */
export function configuredSignOutUrl(config: ConfigApi): string | undefined {
  return (
    config.getOptionalString('auth.providers.oidcProxy.signOutUrl') ??
    config.getOptionalString('auth.providers.oidc-proxy.signOutUrl')
  );
}

/** The identity, with a sign-out that ends at `signOutUrl` when one is set. */
export function withProxySignOut(identity: IdentityApi, signOutUrl: string | undefined): IdentityApi {
  if (!signOutUrl) return identity;
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    async signOut() {
      await identity.signOut();
      window.location.assign(signOutUrl);
      // Never settles: the app would otherwise navigate to its own sign-out target ("/")
      // right after, and the proxy would sign the user back in.
      await new Promise<never>(() => {});
    },
  };
}
