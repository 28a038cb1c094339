// The frontend package while the issuer's keys cannot be fetched: the backend answers /refresh
// with 503 (ERR_ISSUER_UNAVAILABLE); the sign-in page says so and retries by itself, 2 s then
// doubling, and signs in once the keys are reachable. The default template's production build.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startStack } from '../../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../../lib/auth-config.mjs';
import { REFRESH_PATH } from '../../lib/backstage-page.mjs';
import { loginAtIdp } from '../../lib/browser.mjs';
import { userByLogin } from '../../lib/users.mjs';
import { freePort } from '../../../test-support/processes.mjs';
import { appStarter } from '../lib/app.mjs';

const jane = userByLogin('jane');
let stack;
let jwksPort;
let relay;

before(async () => {
  // The backend takes the keys from here (jwksUri skips discovery); nothing listens yet.
  jwksPort = await freePort();
  stack = await startStack({
    name: 'create-app-issuer-down',
    app: appStarter({ template: 'default', mode: 'prod' }),
    authYaml: ({ issuer }) =>
      oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'], jwksUri: `http://127.0.0.1:${jwksPort}/jwks` }),
  });
});

after(async () => {
  relay?.close();
  await stack?.stop();
});

test('the sign-in page says the issuer is unavailable, retries with backoff, and signs in once it is back', async () => {
  const page = await (await stack.browser.newContext()).newPage();
  const statuses = [];
  page.on('response', r => new URL(r.url()).pathname === REFRESH_PATH && statuses.push(r.status()));
  await page.goto(`${stack.proxies.main.url}/`);
  await loginAtIdp(page, jane.login);
  const panel = page.getByTestId('oidc-proxy-refusal');
  await panel.getByText('The identity provider cannot be reached right now (ERR_ISSUER_UNAVAILABLE)').waitFor({ timeout: 90_000 });
  await panel.getByText('Trying again in 2 seconds.').waitFor({ timeout: 30_000 });
  // The next failure waits twice as long.
  await panel.getByText('Trying again in 4 seconds.').waitFor({ timeout: 60_000 });
  assert.ok(statuses.length >= 2 && statuses.every(s => s === 503), `refresh answers so far: ${statuses}`);

  // The keys become reachable: the IdP's JWKS, relayed on the configured port.
  relay = http.createServer(async (req, res) => {
    const upstream = await fetch(`${stack.idp.issuer}/jwks`);
    res.writeHead(upstream.status, { 'content-type': 'application/json' });
    res.end(await upstream.text());
  });
  await new Promise(resolve => relay.listen(jwksPort, '127.0.0.1', resolve));
  const signedIn = await page.waitForResponse(r => new URL(r.url()).pathname === REFRESH_PATH && r.status() === 200, { timeout: 120_000 });
  assert.equal((await signedIn.json()).backstageIdentity.identity.userEntityRef, jane.catalogEntityRef);
  await page.getByRole('heading', { name: /Catalog/ }).first().waitFor({ timeout: 60_000 });
  assert.equal(await panel.count(), 0);
});
