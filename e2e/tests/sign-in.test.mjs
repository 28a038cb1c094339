// The seed's Verification section against the catalog resolver and the default header:
// assertions 1, 2, 3 (catalog user), 4 and 8 of the e2e issue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack } from '../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../lib/auth-config.mjs';
import { fetchRefresh, openHome, REFRESH_PATH, sawIdpInteraction, trackNavigations } from '../lib/backstage-page.mjs';
import { forgeIdToken } from '../lib/forge.mjs';
import { userByLogin } from '../lib/users.mjs';
import { ARTIFACTS_DIR } from '../lib/paths.mjs';

const jane = userByLogin('jane');

describe('sign-in through the proxy (catalog resolver, x-oidc-id-token)', () => {
  let stack;
  let context;
  let page;
  let home;
  let navigations;

  before(async () => {
    stack = await startStack({
      name: 'sign-in',
      authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'] }),
    });
    context = await stack.browser.newContext();
    page = await context.newPage();
    navigations = trackNavigations(page);
  });

  after(async () => {
    await stack?.stop();
  });

  test('1. opening the proxy URL signs in with no Backstage sign-in interaction and shows the home page', async () => {
    // The IdP's login form is the only page anyone fills in; ProxiedSignInPage has no button.
    home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'jane' });
    assert.equal(new URL(page.url()).origin, stack.proxies.main.url);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.ok(sawIdpInteraction(navigations), 'the first visit went through the IdP login');
    assert.equal(await page.getByRole('heading', { name: 'Home' }).count(), 1);
    assert.equal(home.userEntityRef, jane.catalogEntityRef);
  });

  test("2. /settings shows the ID token's name and email", async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${stack.proxies.main.url}/settings`);
    await page.getByText(jane.email).first().waitFor();
    await page.getByText(jane.name, { exact: true }).first().waitFor();
    // The token's name, not the catalog entity's displayName.
    assert.equal(await page.getByText('J. Doe (catalog entity)').count(), 0);
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS_DIR, 'settings.png') });
  });

  test('3a. the refresh response holds profile, backstageIdentity and the catalog user', async () => {
    const { status, json } = await fetchRefresh(page);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.profile.email, jane.email);
    assert.equal(json.profile.displayName, jane.name);
    assert.equal(typeof json.backstageIdentity.token, 'string');
    assert.equal(json.backstageIdentity.identity.type, 'user');
    assert.equal(json.backstageIdentity.identity.userEntityRef, jane.catalogEntityRef);
    assert.ok(json.backstageIdentity.identity.ownershipEntityRefs.includes(jane.catalogGroupRef));
    // The frontend's own refresh, on sign-in, said the same.
    assert.equal(home.refresh.backstageIdentity.identity.userEntityRef, jane.catalogEntityRef);
  });

  test('4. with Backstage cookies and storage cleared, a reload signs in again', async () => {
    const proxyCookie = c => c.name.startsWith('mod_auth_openidc');
    const kept = (await context.cookies()).filter(proxyCookie);
    assert.ok(kept.length > 0, 'the proxy session cookie exists');
    await context.clearCookies();
    await context.addCookies(kept);
    await page.evaluate(() => {
      localStorage.clear();
      sessionStorage.clear();
    });
    const before = navigations.length;
    const again = await openHome(page, `${stack.proxies.main.url}/`);
    assert.equal(again.userEntityRef, jane.catalogEntityRef);
    assert.ok(!sawIdpInteraction(navigations.slice(before)), 'no login form the second time');
  });

  test('8. a request bypassing the proxy with a forged header gets 401', async t => {
    const forged = await forgeIdToken({ issuer: stack.idp.issuer, kid: stack.idp.kids()[0], email: jane.email, name: jane.name });
    const direct = await fetch(`${stack.backend.url}${REFRESH_PATH}`, {
      headers: { 'x-oidc-id-token': forged, 'x-requested-with': 'XMLHttpRequest' },
    });
    const body = await direct.text();
    t.diagnostic(`forged token: ${direct.status} ${body}`);
    assert.equal(direct.status, 401, body);
    const missing = await fetch(`${stack.backend.url}${REFRESH_PATH}`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    assert.equal(missing.status, 401);
  });

  test('8b. through the proxy a client-sent header is replaced by the session token', async () => {
    const forged = await forgeIdToken({ issuer: stack.idp.issuer, kid: stack.idp.kids()[0], email: 'mallory@example.com', name: 'Mallory' });
    const { status, json } = await fetchRefresh(page, { 'x-oidc-id-token': forged });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.profile.email, jane.email);
    // Without a proxy session the request never reaches Backstage.
    const anonymous = await fetch(`${stack.proxies.main.url}${REFRESH_PATH}`, {
      headers: { 'x-oidc-id-token': forged },
      redirect: 'manual',
    });
    assert.notEqual(anonymous.status, 200);
    assert.ok([302, 401].includes(anonymous.status), `status ${anonymous.status}`);
  });
});
