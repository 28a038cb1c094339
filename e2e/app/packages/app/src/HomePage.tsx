import React from 'react';
import useAsync from 'react-use/esm/useAsync';
import { Content, Header, InfoCard, Link, Page } from '@backstage/core-components';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';

// The home page: reached only once ProxiedSignInPage has signed the user in. It shows the
// identity Backstage resolved so a person (or a test) can see who they are signed in as.
export const HomePage = () => {
  const identityApi = useApi(identityApiRef);
  const { value } = useAsync(async () => {
    const [identity, profile] = await Promise.all([
      identityApi.getBackstageIdentity(),
      identityApi.getProfileInfo(),
    ]);
    return { identity, profile };
  }, [identityApi]);

  return (
    <Page themeId="home">
      <Header title="Home" subtitle="Signed in through the identity-aware proxy" />
      <Content>
        <InfoCard title="Your Backstage identity">
          <p data-testid="home-user-entity-ref">{value?.identity.userEntityRef ?? ''}</p>
          <p data-testid="home-display-name">{value?.profile.displayName ?? ''}</p>
          <Link to="/settings">Settings</Link>
        </InfoCard>
      </Content>
    </Page>
  );
};
