// signInWithoutCatalogUser behind a proxy that forwards the token in a custom header:
// assertion 3 (second half) of the e2e issue, and the `oidcIdTokenHeader` option.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../lib/auth-config.mjs';
import { fetchRefresh, openHome, REFRESH_PATH } from '../lib/backstage-page.mjs';
import { forgeIdToken } from '../lib/forge.mjs';
import { userByLogin } from '../lib/users.mjs';

const HEADER = 'x-idp-id-token';
const sam = userByLogin('sam');
const jane = userByLogin('jane');

describe(`signInWithoutCatalogUser, token in ${HEADER}`, () => {
  let stack;

  before(async () => {
    stack = await startStack({
      name: 'without-catalog',
      proxies: { main: { header: HEADER } },
      authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['signInWithoutCatalogUser'], header: HEADER }),
    });
  });

  after(async () => {
    await stack?.stop();
  });

  test('3b. a user with no catalog entity signs in; refresh holds profile, backstageIdentity and the email-derived identity', async () => {
    const page = await (await stack.browser.newContext()).newPage();
    const home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'sam' });
    assert.equal(home.userEntityRef, sam.emailDerivedRef);
    const { status, json } = await fetchRefresh(page);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.profile.email, sam.email);
    assert.equal(json.profile.displayName, sam.name);
    assert.equal(typeof json.backstageIdentity.token, 'string');
    assert.equal(json.backstageIdentity.identity.type, 'user');
    assert.equal(json.backstageIdentity.identity.userEntityRef, sam.emailDerivedRef);
    assert.ok(json.backstageIdentity.identity.ownershipEntityRefs.includes(sam.emailDerivedRef));
  });

  test('3c. with only signInWithoutCatalogUser configured, a catalog user gets the email-derived identity, not the entity', async () => {
    const page = await (await stack.browser.newContext()).newPage();
    const home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'jane' });
    assert.equal(home.userEntityRef, jane.emailDerivedRef);
    assert.notEqual(home.userEntityRef, jane.catalogEntityRef);
  });

  test('8c. with a custom header configured, a token in the default header is not read', async () => {
    const forged = await forgeIdToken({ issuer: stack.idp.issuer, kid: stack.idp.kids()[0], email: sam.email, name: sam.name });
    const res = await fetch(`${stack.backend.url}${REFRESH_PATH}`, {
      headers: { 'x-oidc-id-token': forged, 'x-requested-with': 'XMLHttpRequest' },
    });
    assert.equal(res.status, 401, await res.text());
  });
});
