// The sign-in page: Backstage's ProxiedSignInPage underneath (no interaction when the proxy
// has signed the user in), with what it lacks behind a proxy: the backend's reason on a
// refusal, retries while the issuer is down, a reload through the proxy when the proxy's
// session has ended, and sign-out at the proxy.
import { useCallback, useMemo, useState } from 'react';
import { ProxiedSignInPage, type ProxiedSignInPageProps } from '@backstage/core-components';
import { configApiRef, useApi, type IdentityApi } from '@backstage/core-plugin-api';
import { SignInFailure } from './SignInFailure';
import { configuredSignOutUrl, withProxySignOut } from './signOut';
import { watchProxySession } from './proxySessionWatch';

// On import, before the app creates its fetch API (see proxySessionWatch.ts).
watchProxySession();

/** ProxiedSignInPage's props, with `provider` defaulting to `oidcProxy`. */
export type OidcProxySignInPageProps = Omit<ProxiedSignInPageProps, 'provider' | 'ErrorComponent'> & {
  /** The auth provider id; default `oidcProxy`. */
  provider?: string;
  /** The proxy's logout URL; default `auth.providers.oidcProxy.signOutUrl`. */
  signOutUrl?: string;
};

/** Signs in from the identity-aware proxy's session, as `ProxiedSignInPage provider="oidcProxy"`. */
export function OidcProxySignInPage(props: OidcProxySignInPageProps) {
  const { provider = 'oidcProxy', signOutUrl: signOutUrlProp, onSignInSuccess, ...rest } = props;
  const config = useApi(configApiRef);
  const signOutUrl = signOutUrlProp ?? configuredSignOutUrl(config);
  // Each retry mounts a new ProxiedSignInPage, which asks /refresh again.
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt(a => a + 1), []);
  const ErrorComponent = useMemo(
    () =>
      ({ error }: { error?: Error }) => (
        <SignInFailure error={error} attempt={attempt} retry={retry} signOutUrl={signOutUrl} />
      ),
    [attempt, retry, signOutUrl],
  );
  const signedIn = useCallback(
    (identity: IdentityApi) => onSignInSuccess(withProxySignOut(identity, signOutUrl)),
    [onSignInSuccess, signOutUrl],
  );
  return (
    <ProxiedSignInPage
      key={attempt}
      {...rest}
      provider={provider}
      onSignInSuccess={signedIn}
      ErrorComponent={ErrorComponent}
    />
  );
}
