// The deployment the seed was written for: Envoy with the ext_authz filter in front of Backstage,
// configured as Istio's CUSTOM action configures it (e2e/envoy/envoy.yaml), asking a real
// OIDC-aware authorization service (Apache mod_auth_openidc, e2e/envoy/authorizer.conf), which
// answers with the ID token in x-oidc-id-token. The app: create-app's default template, as a
// production build (e2e/create-app/setup.sh). Chromium does the seed's Verification through Envoy.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../lib/auth-config.mjs';
import {
  expectRefreshHoldsCatalogUser,
  expectSettingsShow,
  fetchRefresh,
  openHome,
  REFRESH_PATH,
  sawIdpInteraction,
  trackNavigations,
} from '../lib/backstage-page.mjs';
import { userByLogin } from '../lib/users.mjs';
import { appStarter } from '../create-app/lib/app.mjs';
import { startEnvoy } from '../lib/envoy.mjs';
import { freePort } from '../../test-support/processes.mjs';
import { fileURLToPath } from 'node:url';

const NAME = 'envoy-ext-authz';
const jane = userByLogin('jane'); // in the catalog
const sam = userByLogin('sam'); // not in the catalog: signed in as sam, refresh answers 403

// The default template opens on the catalog, titled with the organization name.
const catalogHome = page => page.getByRole('heading', { name: /Catalog/ }).first().waitFor({ timeout: 120_000 });
const XHR = { 'x-requested-with': 'XMLHttpRequest' };

// The http_filters list, without comments, blank lines, its indentation, the path_prefix line
// (docs/proxies.md leaves it out: empty) and the authorizer's address.
function httpFilters(yaml) {
  const lines = yaml.split('\n');
  const start = lines.findIndex(l => l.trim() === 'http_filters:');
  const indent = lines[start].search(/\S/);
  const end = lines.findIndex((l, i) => i > start && l.trim() && !l.trim().startsWith('#') && l.search(/\S/) <= indent);
  return lines
    .slice(start, end === -1 ? undefined : end)
    .map(l => l.replace(/\s+#.*$/, ''))
    .filter(l => l.trim() && !l.trim().startsWith('#') && !l.trim().startsWith('path_prefix:'))
    .map(l => l.slice(indent).replace(/uri: "[^"]*"/, 'uri: URI'));
}

test("docs/proxies.md's Envoy block is the configuration this scenario runs", () => {
  const doc = fs.readFileSync(fileURLToPath(new URL('../../docs/proxies.md', import.meta.url)), 'utf8');
  const block = /<!-- envoy-http-filters -->\n```yaml\n([\s\S]*?)```/.exec(doc);
  assert.ok(block, 'docs/proxies.md: the yaml block after <!-- envoy-http-filters -->');
  const config = fs.readFileSync(fileURLToPath(new URL('envoy.yaml', import.meta.url)), 'utf8');
  assert.deepEqual(httpFilters(block[1]), httpFilters(config));
});

describe(`${NAME}: Envoy ext_authz (Istio CUSTOM) + mod_auth_openidc in front of the default template's production build`, () => {
  let stack;
  let page;
  let navigations;

  before(async () => {
    stack = await startStack({
      name: NAME,
      app: appStarter({ template: 'default', mode: 'prod' }),
      proxies: {},
      // main: the deployment. lenient: the same Envoy with path_prefix /lenient, for which the
      // authorizer allows requests without a session and without a token (an exempted path).
      envoys: { main: {}, lenient: { pathPrefix: '/lenient' } },
      authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'] }),
    });
    page = await (await stack.browser.newContext()).newPage();
    navigations = trackNavigations(page);
  });

  after(async () => {
    await stack?.stop();
  });

  test('the Envoy URL opens the home page signed in, with no Backstage sign-in interaction', async () => {
    const home = await openHome(page, `${stack.envoys.main.url}/`, { login: jane.login, ready: catalogHome });
    assert.equal(new URL(page.url()).origin, stack.envoys.main.url);
    assert.ok(sawIdpInteraction(navigations), 'the IdP login form was the only page filled in');
    // The login's redirect and callback went through Envoy (the authorizer's answers, handed on).
    assert.ok(navigations.some(u => u.startsWith(`${stack.envoys.main.url}/oauth2callback?`)), navigations.join(' -> '));
    assert.equal(home.userEntityRef, jane.catalogEntityRef);
  });

  test("/settings shows the ID token's name and email", async () => {
    await expectSettingsShow(page, stack.envoys.main.url, jane, NAME);
  });

  test(`${REFRESH_PATH} returns JSON with profile and the catalog identity`, async () => {
    await expectRefreshHoldsCatalogUser(page, jane);
  });

  test("with a session, a client's own x-oidc-id-token is replaced by the authorizer's", async () => {
    // A genuine token (the IdP's key) for someone else: had it reached Backstage, the answer
    // would be sam's 403.
    const samsToken = await stack.idp.sign({}, { user: sam.login });
    const { status, json } = await fetchRefresh(page, { 'x-oidc-id-token': samsToken });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.profile.email, jane.email);
  });

  test('without a session, Envoy answers with the authorizer\'s refusal and Backstage is never asked', async () => {
    const janesToken = await stack.idp.sign({}, { user: jane.login });
    // A fetch: mod_auth_openidc's 401 page (not Backstage's JSON).
    const fetched = await fetch(`${stack.envoys.main.url}${REFRESH_PATH}`, { headers: { ...XHR, 'x-oidc-id-token': janesToken }, redirect: 'manual' });
    const body = await fetched.text();
    assert.equal(fetched.status, 401, body);
    assert.match(body, /<html/i, `the authorizer's page, not a Backstage error: ${body}`);
    // A page load, with the headers a browser sends for one (node:http: Node's fetch always
    // says `sec-fetch-mode: cors`): the redirect to the IdP, with the authorizer's state cookie.
    const loaded = await new Promise((resolve, reject) => {
      const headers = { accept: 'text/html', 'sec-fetch-mode': 'navigate', 'x-oidc-id-token': janesToken };
      http.get(`${stack.envoys.main.url}/catalog`, { headers }, res => resolve(res.resume())).on('error', reject);
    });
    assert.equal(loaded.statusCode, 302);
    assert.ok(loaded.headers.location.startsWith(`${stack.idp.issuer}/auth?`), loaded.headers.location);
    const cookies = loaded.headers['set-cookie'] ?? [];
    assert.ok(cookies.some(c => c.startsWith('mod_auth_openidc_state_')), cookies.join('; '));
    // Envoy's access log (flushed every 100 ms) says it answered both itself: ext_authz_denied.
    await sleep(500);
    const log = stack.envoys.main.logs();
    assert.match(log, new RegExp(`GET ${REFRESH_PATH} 401 ext_authz_denied`), log);
    assert.match(log, /GET \/catalog 302 ext_authz_denied/, log);
  });

  test("when the authorizer allows without a token, a client's x-oidc-id-token still does not reach Backstage", async () => {
    // A genuine, unexpired token for jane: had Envoy passed it on, Backstage would sign her in.
    const janesToken = await stack.idp.sign({}, { user: jane.login });
    const res = await fetch(`${stack.envoys.lenient.url}${REFRESH_PATH}`, { headers: { ...XHR, 'x-oidc-id-token': janesToken } });
    const body = await res.text();
    assert.equal(res.status, 401, body);
    assert.match(JSON.parse(body).error.message, /Missing ID token: the request has no x-oidc-id-token header/);
  });

  test('an unreachable authorizer fails closed: 403, and the request does not reach Backstage', async () => {
    // Istio's failOpen false and statusOnError 403: nothing listens on the authorizer's port.
    const envoy = await startEnvoy({ port: await freePort(), backendPort: new URL(stack.backend.url).port, authzPort: await freePort() });
    try {
      const janesToken = await stack.idp.sign({}, { user: jane.login });
      const res = await fetch(`${envoy.url}${REFRESH_PATH}`, { headers: { ...XHR, 'x-oidc-id-token': janesToken } });
      const body = await res.text();
      assert.equal(res.status, 403, body);
      assert.equal(body, '', 'Envoy\'s own answer, not Backstage\'s JSON');
    } finally {
      await envoy.stop();
    }
  });

  test('a request that bypasses Envoy gets the documented 401: a forged token, an expired token', async t => {
    const direct = token => fetch(`${stack.backend.url}${REFRESH_PATH}`, { headers: { ...XHR, 'x-oidc-id-token': token } });
    const forged = await direct(await stack.idp.forge({}, { user: jane.login }));
    const forgedBody = await forged.text();
    t.diagnostic(`forged: ${forged.status} ${forgedBody}`);
    assert.equal(forged.status, 401, forgedBody);
    assert.match(JSON.parse(forgedBody).error.message, /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/);
    const now = Math.floor(Date.now() / 1000);
    const expired = await direct(await stack.idp.sign({ iat: now - 7200, exp: now - 3600 }, { user: jane.login }));
    const expiredBody = await expired.text();
    t.diagnostic(`expired: ${expired.status} ${expiredBody}`);
    assert.equal(expired.status, 401, expiredBody);
    assert.match(JSON.parse(expiredBody).error.message, /ERR_JWT_EXPIRED/);
  });
});
