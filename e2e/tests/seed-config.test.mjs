// The seed doc's configuration, verbatim (provider key `oidc-proxy`, both resolvers in order):
// assertion 5 of the e2e issue.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import { seedAuthYaml } from '../lib/auth-config.mjs';
import { fetchRefresh, openHome } from '../lib/backstage-page.mjs';
import { userByLogin } from '../lib/users.mjs';

const jane = userByLogin('jane');
const sam = userByLogin('sam');

describe("the seed's verbatim config (auth.providers.oidc-proxy)", () => {
  let stack;

  before(async () => {
    stack = await startStack({ name: 'seed-config', authYaml: seedAuthYaml });
  });

  after(async () => {
    await stack?.stop();
  });

  test('5a. signs in with no Backstage interaction; the first resolver finds the catalog user; /settings shows the token name and email', async () => {
    const page = await (await stack.browser.newContext()).newPage();
    const home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'jane' });
    assert.equal(home.userEntityRef, jane.catalogEntityRef);
    assert.equal(home.refresh.profile.email, jane.email);
    assert.equal(home.refresh.profile.displayName, jane.name);
    await page.goto(`${stack.proxies.main.url}/settings`);
    await page.getByText(jane.email).first().waitFor();
    await page.getByText(jane.name, { exact: true }).first().waitFor();
  });

  test('5b. a user not in the catalog falls through to signInWithoutCatalogUser', async () => {
    const page = await (await stack.browser.newContext()).newPage();
    const home = await openHome(page, `${stack.proxies.main.url}/`, { login: 'sam' });
    assert.equal(home.userEntityRef, sam.emailDerivedRef);
    const { status, json } = await fetchRefresh(page);
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.backstageIdentity.identity.userEntityRef, sam.emailDerivedRef);
    assert.equal(json.profile.email, sam.email);
  });
});
