import React from 'react';
import { Route } from 'react-router-dom';
import { createApp } from '@backstage/app-defaults';
import { AppRouter, FlatRoutes } from '@backstage/core-app-api';
import {
  createApiFactory,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { CatalogClient } from '@backstage/catalog-client';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import {
  AlertDisplay,
  OAuthRequestDialog,
  ProxiedSignInPage,
} from '@backstage/core-components';
import { UserSettingsPage } from '@backstage/plugin-user-settings';
import { HomePage } from './HomePage';
import { EntityPage } from './EntityPage';

// Exactly as docs/oidc-proxy-auth.md tells users to install it.
const app = createApp({
  // /settings links the user's catalog entities; a full app gets this API from
  // @backstage/plugin-catalog, this one registers just the client.
  apis: [
    createApiFactory({
      api: catalogApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: ({ discoveryApi, fetchApi }) =>
        new CatalogClient({ discoveryApi, fetchApi }),
    }),
  ],
  components: {
    SignInPage: props => <ProxiedSignInPage {...props} provider="oidcProxy" />,
  },
});

const routes = (
  <FlatRoutes>
    <Route path="/" element={<HomePage />} />
    <Route path="/settings" element={<UserSettingsPage />} />
    <Route path="/catalog/:namespace/:kind/:name" element={<EntityPage />} />
  </FlatRoutes>
);

export default app.createRoot(
  <>
    <AlertDisplay />
    <OAuthRequestDialog />
    <AppRouter>{routes}</AppRouter>
  </>,
);
