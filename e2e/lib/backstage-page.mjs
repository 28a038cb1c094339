// What a person does in the browser, as functions: open Backstage through the proxy, sign in at
// the IdP if asked, wait for the home page; call the refresh endpoint as the frontend does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loginAtIdp } from './browser.mjs';
import { ARTIFACTS_DIR } from './paths.mjs';

export const REFRESH_PATH = '/api/auth/oidcProxy/refresh';

/**
 * Records the URL of every top-level navigation request, redirect hops included, so a test can
 * tell whether the browser went through the IdP and whether the IdP showed a page.
 */
export function trackNavigations(page) {
  const urls = [];
  page.on('request', request => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) urls.push(request.url());
  });
  return urls;
}

// oidc-provider shows its login (or consent) page under /interaction/.
export const sawIdpInteraction = urls => urls.some(u => new URL(u).pathname.startsWith('/interaction/'));
export const wentThroughIdp = (urls, issuer) => urls.some(u => u.startsWith(`${issuer}/auth`));

/**
 * Opens `url`; if `login` is given, fills the IdP's login form on the way. Resolves with the
 * frontend's own refresh response once the home page shows who is signed in. Nothing on the
 * Backstage side is clicked: ProxiedSignInPage must sign in by itself. `ready(page)`: for apps
 * other than e2e/app, waits for their home page (the identity then comes from the response).
 */
export async function openHome(page, url, { login, ready } = {}) {
  const refresh = page.waitForResponse(r => new URL(r.url()).pathname === REFRESH_PATH, { timeout: 90_000 });
  await page.goto(url);
  if (login) await loginAtIdp(page, login);
  const response = await refresh;
  const body = await response.json().catch(() => null);
  if (response.status() !== 200) {
    throw new Error(`the frontend's ${REFRESH_PATH} answered ${response.status()}: ${JSON.stringify(body)}`);
  }
  if (ready) {
    await ready(page);
    return { refresh: body, userEntityRef: body.backstageIdentity.identity.userEntityRef };
  }
  const ref = page.getByTestId('home-user-entity-ref');
  await ref.filter({ hasText: /\S/ }).waitFor({ timeout: 60_000 });
  return { refresh: body, userEntityRef: (await ref.textContent()).trim() };
}

/** GET /api/auth/oidcProxy/refresh from the page, the way ProxiedSignInPage sends it. */
export function fetchRefresh(page, extraHeaders = {}) {
  return page.evaluate(
    async ({ path, extraHeaders }) => {
      let r;
      try {
        r = await fetch(path, {
          credentials: 'include',
          headers: { 'x-requested-with': 'XMLHttpRequest', ...extraHeaders },
        });
      } catch (error) {
        // e.g. a proxy redirect to the IdP, which a same-origin fetch cannot follow
        return { status: 0, json: null, text: String(error) };
      }
      const text = await r.text();
      let json = null;
      try {
        json = JSON.parse(text);
      } catch {
        // not JSON: the test shows the text
      }
      return { status: r.status, json, text };
    },
    { path: REFRESH_PATH, extraHeaders },
  );
}

/**
 * The seed's check of /settings: the ID token's name and email are shown (a screenshot goes to
 * the artifacts as `<name>-settings.png`). The name is the token's, not the catalog entity's
 * displayName ('J. Doe (catalog entity)'), which newer releases show on an identity card.
 */
export async function expectSettingsShow(page, baseUrl, user, name) {
  await page.goto(`${baseUrl}/settings`);
  await page.getByText(user.email).first().waitFor({ timeout: 60_000 });
  fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS_DIR, `${name}-settings.png`) });
  await page.getByText(user.name, { exact: true }).first().waitFor();
}

/** The seed's check of the refresh response: 200, the token's profile, the catalog user. */
export async function expectRefreshHoldsCatalogUser(page, user) {
  const { status, json } = await fetchRefresh(page);
  assert.equal(status, 200, JSON.stringify(json));
  assert.equal(json.profile.email, user.email);
  assert.equal(json.profile.displayName, user.name);
  assert.equal(json.backstageIdentity.identity.userEntityRef, user.catalogEntityRef);
}
