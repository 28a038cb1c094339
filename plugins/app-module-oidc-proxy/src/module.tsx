// The new frontend system's form: a module of the `app` plugin that provides the sign-in page.
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import { OidcProxySignInPage } from './OidcProxySignInPage';

/** The sign-in page extension: OidcProxySignInPage with its defaults. */
export const oidcProxySignInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => props => <OidcProxySignInPage {...props} />,
  },
});

/** Adds the oidcProxy sign-in page to the app (discovered by `app.packages: all`, or in `features`). */
export const oidcProxySignInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [oidcProxySignInPage],
});
