import React from 'react';
import { useParams } from 'react-router-dom';
import { Content, Header, Page } from '@backstage/core-components';
import { createPlugin, createRoutableExtension } from '@backstage/core-plugin-api';
import { entityRouteRef } from '@backstage/plugin-catalog-react';

// /settings links the signed-in user's entity refs to the catalog's entity page; this app has
// no catalog frontend, so it mounts a plain page at that route to give the links a target.
const EntityStub = () => {
  const { namespace, kind, name } = useParams();
  return (
    <Page themeId="home">
      <Header title={`${kind}:${namespace}/${name}`} />
      <Content>Catalog entity</Content>
    </Page>
  );
};

const e2ePlugin = createPlugin({ id: 'e2e-entity-page' });

export const EntityPage = e2ePlugin.provide(
  createRoutableExtension({
    name: 'EntityPage',
    component: () => Promise.resolve(EntityStub),
    mountPoint: entityRouteRef,
  }),
);
