// The checks every create-app run gets, through Apache mod_auth_openidc and Chromium: the seed's
// Verification (home page with no Backstage interaction, /settings, the refresh response), and
// the frontend package's behaviours: the sign-in page it brings (no sign-in code in the default
// app), a refused user's reason and code, sign-out at the proxy and the IdP, and an open tab
// that outlives its proxy session.
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
  openHome,
  REFRESH_PATH,
  sawIdpInteraction,
  trackNavigations,
  wentThroughIdp,
} from '../../lib/backstage-page.mjs';
import { loginAtIdp } from '../../lib/browser.mjs';
import { userByLogin } from '../../lib/users.mjs';
import { ARTIFACTS_DIR } from '../../lib/paths.mjs';
import { appDirs, appStarter } from './app.mjs';

const jane = userByLogin('jane'); // in the catalog (fixtures/catalog.yaml), example.com
const sam = userByLogin('sam'); // example.org: not an allowed domain

const FRONTEND_PACKAGE = '@backstage/plugin-app-module-oidc-proxy';

/** Every file under a directory. */
function sourceFiles(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter(e => e.isFile()).map(e => path.join(e.parentPath, e.name));
}

/** The status the proxy answers a refresh call with, asked with the page's cookies but not by its scripts. */
async function proxyAnswer(page, url) {
  const res = await page.context().request.get(url, { headers: { 'x-requested-with': 'XMLHttpRequest' }, maxRedirects: 0 });
  return res.status();
}

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
    // What before() starts, for the tests: stack, page, navigations, and `ending`, the tab
    // behind the proxy whose session ends.
    const run = { name };

    before(async () => {
      run.stack = await startScenarioStack({ name, template, mode, providerKey });
      // Signed in first, so its session runs out while the other tests run.
      run.ending = await signedInEndingTab(run.stack);
      run.page = await (await run.stack.browser.newContext()).newPage();
      run.navigations = trackNavigations(run.page);
    });

    after(async () => {
      await run.stack?.stop();
    });

    test('the proxy URL opens the home page signed in, with no Backstage sign-in interaction', () => expectHomeSignedIn(run));

    test("/settings shows the ID token's name and email", () => expectSettingsShow(run.page, run.stack.proxies.main.url, jane, name));

    test(`${REFRESH_PATH} returns JSON with profile and the catalog identity`, () => expectRefreshHoldsCatalogUser(run.page, jane));

    if (template === 'default') {
      test('the default app holds no sign-in code: the package alone provides the sign-in page', () => expectNoSignInCode(template));
    } else {
      test('the legacy app signs in with OidcProxySignInPage', () => expectLegacySignInPage(template));
    }

    test("a user whose domain is not allowed sees the reason and code, and how to sign in again", () => expectRefusalShown(run));

    test('once the proxy session has ended, the open tab reloads through the proxy and stays signed in', () =>
      expectReloadAfterProxySession(run));

    // Last: it ends jane's sessions in this browser context.
    test('sign-out ends the proxy and IdP sessions: the browser is not signed back in', () => expectSignOutEndsSessions(run));
  });
}

/** The app behind two proxies: `main`, and `ending`, whose session ends during the run. */
function startScenarioStack({ name, template, mode, providerKey }) {
  return startStack({
    name,
    app: appStarter({ template, mode }),
    proxies: { main: {}, ending: { sessionMaxDuration: SESSION_SECONDS } },
    authYaml: ({ issuer, publicUrl }) =>
      oidcProxyAuthYaml({
        issuer,
        resolvers: [{ resolver: 'emailMatchingUserEntityProfileEmail', allowedDomains: ['example.com'] }],
        // mod_auth_openidc's logout, back to the main proxy (registered at the IdP).
        signOutUrl: `/oauth2callback?logout=${encodeURIComponent(`${publicUrl}/`)}`,
        key: providerKey,
      }),
  });
}

/**
 * jane's tab behind the `ending` proxy, and when its session started: { page, since }. Own
 * browser context: both proxies are on 127.0.0.1 and Apache's cookie has the same name on both.
 */
async function signedInEndingTab(stack) {
  const page = await (await stack.browser.newContext()).newPage();
  const since = Date.now();
  await openHome(page, `${stack.proxies.ending.url}/`, { login: jane.login, ready: catalogHome });
  return { page, since };
}

/** A screenshot kept as a test artifact. */
async function saveScreenshot(page, file) {
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, file) });
}

async function expectHomeSignedIn({ stack, page, navigations }) {
  const home = await openHome(page, `${stack.proxies.main.url}/`, { login: jane.login, ready: catalogHome });
  assert.equal(new URL(page.url()).origin, stack.proxies.main.url);
  assert.ok(sawIdpInteraction(navigations), 'the IdP login form was the only page filled in');
  assert.equal(home.userEntityRef, jane.catalogEntityRef);
}

function expectNoSignInCode(template) {
  const { dir } = appDirs(template);
  const deps = JSON.parse(fs.readFileSync(path.join(dir, 'packages/app/package.json'), 'utf8')).dependencies;
  assert.ok(deps[FRONTEND_PACKAGE], `packages/app depends on ${FRONTEND_PACKAGE}`);
  for (const file of sourceFiles(path.join(dir, 'packages/app/src'))) {
    const text = fs.readFileSync(file, 'utf8');
    for (const word of ['SignInPage', 'SignInPageBlueprint', 'ProxiedSignInPage']) {
      assert.ok(!text.includes(word), `${path.relative(dir, file)} mentions ${word}`);
    }
  }
}

function expectLegacySignInPage(template) {
  const { dir } = appDirs(template);
  const app = fs.readFileSync(path.join(dir, 'packages/app/src/App.tsx'), 'utf8');
  assert.match(app, /SignInPage: OidcProxySignInPage,/);
  assert.match(app, new RegExp(`import \\{ OidcProxySignInPage \\} from '${FRONTEND_PACKAGE}';`));
  assert.ok(!app.includes('ProxiedSignInPage'));
}

async function expectRefusalShown({ name, stack }) {
  const refused = await (await stack.browser.newContext()).newPage();
  const response = refused.waitForResponse(r => new URL(r.url()).pathname === REFRESH_PATH, { timeout: 120_000 });
  await refused.goto(`${stack.proxies.main.url}/`);
  await loginAtIdp(refused, sam.login);
  const res = await response;
  const body = await res.text();
  assert.equal(res.status(), 403, body);
  await expectRefusalPanel(refused, body);
  await saveScreenshot(refused, `${name}-refused.png`);
  assert.equal(await refused.getByRole('heading', { name: /Catalog/ }).count(), 0);
  await refused.context().close();
}

/** The refusal panel: reason and code, time, the reference of the 403 `body`, and a way to sign in again. */
async function expectRefusalPanel(page, body) {
  const panel = page.getByTestId('oidc-proxy-refusal');
  await panel.getByText("Your email's domain is not allowed (ERR_IDENTITY_DOMAIN_NOT_ALLOWED)").waitFor({ timeout: 60_000 });
  const text = await panel.innerText();
  assert.match(text, /Time: \d{4}-\d\d-\d\dT/);
  const reference = JSON.parse(body).error.reference;
  if (reference) assert.ok(text.includes(reference), `the page shows the reference ${reference}`);
  assert.doesNotMatch(text, /reload/i);
  // Signing in again goes through the proxy's logout, so the proxy starts a new session.
  const again = await panel.getByRole('link', { name: 'sign in again at the proxy' }).getAttribute('href');
  assert.match(again, /^\/oauth2callback\?logout=/);
}

async function expectReloadAfterProxySession({ name, stack, ending }) {
  // Watched from before the session ends: a background call of the app may be the first to
  // meet the proxy's refusal, and reload the page by itself.
  const hops = trackNavigations(ending.page);
  const refreshed = ending.page.waitForResponse(r => new URL(r.url()).pathname === REFRESH_PATH, { timeout: 240_000 });
  assert.equal(await proxyAnswerOnceSessionEnded(stack, ending), 401, 'the proxy turned the request away');
  // The next in-app navigation loads the page's code and calls the catalog API; the proxy
  // refuses both, and the page reloads through the proxy and the IdP, whose session lives
  // on: no login form.
  const navigated = hops.length === 0;
  if (navigated) await navigateInAppToApiDocs(ending.page);
  const again = await refreshed;
  assert.equal(again.status(), 200, await again.text());
  assert.equal((await again.json()).backstageIdentity.identity.userEntityRef, jane.catalogEntityRef);
  assert.ok(wentThroughIdp(hops, stack.idp.issuer), `went through the IdP: ${hops.join(' -> ')}`);
  assert.ok(!sawIdpInteraction(hops), `no login form: ${hops.join(' -> ')}`);
  if (navigated) assert.equal(new URL(ending.page.url()).pathname, '/api-docs', 'the reload kept the navigation');
  await ending.page.getByRole('heading', { name: /API|Catalog/ }).first().waitFor({ timeout: 60_000 });
  assert.equal(await ending.page.getByTestId('oidc-proxy-refusal').count(), 0);
  await saveScreenshot(ending.page, `${name}-after-proxy-session.png`);
}

/**
 * Waits out the `ending` tab's proxy session, then asks the proxy (bounded) until it stops
 * answering 200; returns its last status. Asked outside the page: its fetch would react.
 */
async function proxyAnswerOnceSessionEnded(stack, ending) {
  await sleep(Math.max(0, ending.since + SESSION_SECONDS * 1000 - Date.now()));
  let status;
  for (let i = 0; i < 120; i++) {
    status = await proxyAnswer(ending.page, `${stack.proxies.ending.url}${REFRESH_PATH}`);
    if (status !== 200) break;
    await sleep(1000);
  }
  return status;
}

/** Moves the app to /api-docs the way its own links do: history API, no page load. */
async function navigateInAppToApiDocs(page) {
  await page.evaluate(() => {
    window.history.pushState({}, '', '/api-docs');
    window.dispatchEvent(new PopStateEvent('popstate'));
  });
}

async function expectSignOutEndsSessions({ stack, page }) {
  await page.goto(`${stack.proxies.main.url}/settings`);
  await page.getByTestId('user-settings-menu').click();
  const hops = trackNavigations(page);
  await page.getByTestId('sign-out').click();
  // mod_auth_openidc's logout ends the proxy session, then the IdP asks to confirm its own.
  await page.getByRole('button', { name: 'Yes, sign me out' }).waitFor({ timeout: 60_000 });
  assert.ok(hops.some(u => new URL(u).pathname === '/oauth2callback' && new URL(u).searchParams.has('logout')), hops.join(' -> '));
  assert.equal(new URL(page.url()).origin, new URL(stack.idp.issuer).origin);
  assert.equal(await proxyAnswer(page, `${stack.proxies.main.url}${REFRESH_PATH}`), 401, 'no proxy session');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  // Back at the proxy, which sends the browser to the IdP: its login form, not Backstage.
  await page.waitForSelector('input[name="login"]', { timeout: 60_000 });
  assert.ok(sawIdpInteraction(hops), hops.join(' -> '));
  assert.ok(
    hops.some(u => new URL(u).origin === stack.proxies.main.url && new URL(u).pathname === '/'),
    `returned to the proxy: ${hops.join(' -> ')}`,
  );
}
