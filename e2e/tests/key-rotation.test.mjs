// Assertion 6 of the e2e issue: the IdP rotates its signing key during a session; the session
// goes on and the next fresh login, signed with the new key, still signs in.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../lib/auth-config.mjs';
import { fetchRefresh, openHome } from '../lib/backstage-page.mjs';
import { userByLogin } from '../lib/users.mjs';

const jane = userByLogin('jane');
const sam = userByLogin('sam');

// The module refetches the JWKS for an unknown kid at most once per 5 s after any fetch
// (docs/deployment.md). A real rotation is rarely that close to a fetch; wait it out so the test
// checks rotation, not that cooldown.
const UNKNOWN_KID_COOLDOWN_MS = 5000;

describe('key rotation at the IdP', () => {
  let stack;
  let janePage;
  let oldKid;
  let newKid;

  before(async () => {
    stack = await startStack({
      name: 'key-rotation',
      authYaml: ({ issuer }) =>
        oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail', 'signInWithoutCatalogUser'] }),
    });
    janePage = await (await stack.browser.newContext()).newPage();
    await openHome(janePage, `${stack.proxies.main.url}/`, { login: 'jane' });
    [oldKid] = stack.idp.kids();
    assert.equal(stack.idp.issuedKids.at(-1), oldKid);
    newKid = await stack.idp.rotateKeys();
  });

  after(async () => {
    await stack?.stop();
  });

  test('6a. the session that began before the rotation goes on (old key still published)', async () => {
    const { status, json } = await fetchRefresh(janePage);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.backstageIdentity.identity.userEntityRef, jane.catalogEntityRef);
  });

  test('6b. the next fresh login gets a token signed with the new key and signs in', async () => {
    const last = Math.max(...stack.idp.jwksFetches.map(f => f.at));
    await sleep(Math.max(0, last + UNKNOWN_KID_COOLDOWN_MS + 500 - Date.now()));
    const page = await (await stack.browser.newContext()).newPage();
    const home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'sam' });
    assert.equal(stack.idp.issuedKids.at(-1), newKid);
    assert.notEqual(newKid, oldKid);
    assert.equal(home.userEntityRef, sam.emailDerivedRef);
    assert.equal(home.refresh.profile.email, sam.email);
  });
});
