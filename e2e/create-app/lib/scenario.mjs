// The checks every create-app run gets, through Apache mod_auth_openidc and Chromium: the seed's
// Verification (home page with no Backstage interaction, /settings, the refresh response), a
// user the catalog does not know, and a proxy session that ends.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../../lib/auth-config.mjs';
import {
  expectRefreshHoldsCatalogUser,
  expectSettingsShow,
  fetchRefresh,
  openHome,
  REFRESH_PATH,
  sawIdpInteraction,
  trackNavigations,
} from '../../lib/backstage-page.mjs';
import { loginAtIdp } from '../../lib/browser.mjs';
import { userByLogin } from '../../lib/users.mjs';
import { ARTIFACTS_DIR } from '../../lib/paths.mjs';
import { appStarter } from './app.mjs';

const jane = userByLogin('jane'); // in the catalog (fixtures/catalog.yaml)
const sam = userByLogin('sam'); // not in the catalog

// The proxy session of the `ending` proxy (OIDCSessionMaxDuration, seconds): long enough for a
// first page load of a development build, short enough to wait out.
const SESSION_SECONDS = 45;

// Both templates open on the catalog (the new frontend mounts it at /, the legacy app redirects
// / to /catalog); its title is the template's organization name.
const catalogHome = page => page.getByRole('heading', { name: /Catalog/ }).first().waitFor({ timeout: 120_000 });

/** template: 'default' | 'legacy'; mode: 'dev' | 'prod'; providerKey: the config key spelling. */
export function createAppScenario({ template, mode, providerKey = 'oidcProxy' }) {
  const name = `create-app-${template}-${mode}`;
  describe(`${name}: ${template} template, ${mode === 'dev' ? 'yarn start' : 'production build'}, auth.providers.${providerKey}`, () => {
    let stack;
    let page;
    let navigations;
    let home;
    let ending; // a page behind the proxy whose session ends
    let endingSince;

    before(async () => {
      stack = await startStack({
        name,
        app: appStarter({ template, mode }),
        proxies: { main: {}, ending: { sessionMaxDuration: SESSION_SECONDS } },
        authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'], key: providerKey }),
      });
      // Signed in first, so its session runs out while the other tests run. Own browser
      // context: both proxies are on 127.0.0.1 and Apache's cookie has the same name on both.
      ending = await (await stack.browser.newContext()).newPage();
      endingSince = Date.now();
      await openHome(ending, `${stack.proxies.ending.url}/`, { login: jane.login, ready: catalogHome });
      page = await (await stack.browser.newContext()).newPage();
      navigations = trackNavigations(page);
    });

    after(async () => {
      await stack?.stop();
    });

    test('the proxy URL opens the home page signed in, with no Backstage sign-in interaction', async () => {
      home = await openHome(page, `${stack.proxies.main.url}/`, { login: jane.login, ready: catalogHome });
      assert.equal(new URL(page.url()).origin, stack.proxies.main.url);
      assert.ok(sawIdpInteraction(navigations), 'the IdP login form was the only page filled in');
      assert.equal(home.userEntityRef, jane.catalogEntityRef);
    });

    test("/settings shows the ID token's name and email", async () => {
      await expectSettingsShow(page, stack.proxies.main.url, jane, name);
    });

    test(`${REFRESH_PATH} returns JSON with profile and the catalog identity`, async () => {
      await expectRefreshHoldsCatalogUser(page, jane);
    });

    test('a user the catalog does not know gets the refusal page, not a blank screen', async () => {
      const refused = await (await stack.browser.newContext()).newPage();
      const response = refused.waitForResponse(r => new URL(r.url()).pathname === REFRESH_PATH, { timeout: 120_000 });
      await refused.goto(`${stack.proxies.main.url}/`);
      await loginAtIdp(refused, sam.login);
      const res = await response;
      const body = await res.text();
      assert.equal(res.status(), 403, body);
      // The reason is in the response (README, Verify); the page does not show it.
      assert.match(JSON.parse(body).error.message, /no configured sign-in resolver matched this user/);
      // ProxiedSignInPage's error panel, collapsed; opened, it names the status (README, Verify).
      await refused.getByText('You do not appear to be signed in.', { exact: false }).first().waitFor({ timeout: 60_000 });
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      await refused.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-refused.png`) });
      await refused.getByText('You do not appear to be signed in.', { exact: false }).first().click();
      await refused.getByText('Request failed with 403 Forbidden').first().waitFor({ timeout: 15_000 });
      assert.equal(await refused.getByRole('heading', { name: /Catalog/ }).count(), 0);
      await refused.context().close();
    });

    test('once the proxy session has ended, the next page load goes to the login again and signs in', async () => {
      // Bounded wait for the session's end; mod_auth_openidc then answers a fetch with 401.
      await sleep(Math.max(0, endingSince + SESSION_SECONDS * 1000 - Date.now()));
      let res;
      for (let i = 0; i < 120; i++) {
        res = await fetchRefresh(ending);
        if (res.status !== 200) break;
        await sleep(1000);
      }
      assert.equal(res.status, 401, `the proxy turned the request away: ${res.text}`);
      // Without the IdP's own session, the login form shows: the proxy's login, not a broken app.
      const idp = new URL(stack.idp.issuer);
      const context = ending.context();
      const kept = (await context.cookies()).filter(c => c.domain !== idp.hostname);
      await context.clearCookies();
      await context.addCookies(kept);
      const hops = trackNavigations(ending);
      const again = await openHome(ending, `${stack.proxies.ending.url}/`, { login: jane.login, ready: catalogHome });
      assert.ok(sawIdpInteraction(hops), `went through the IdP login: ${hops.join(' -> ')}`);
      assert.equal(again.userEntityRef, jane.catalogEntityRef);
    });
  });
}
