// The frontend package's reload guard: Apache's default session keeps forwarding the ID token
// after it has expired, so Backstage answers /refresh with 401 ERR_JWT_EXPIRED however often
// the page reloads. The page reloads once through the proxy, then, the second failure within a
// minute, shows the refusal instead of reloading again. The default template's production build.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../../lib/auth-config.mjs';
import { REFRESH_PATH } from '../../lib/backstage-page.mjs';
import { loginAtIdp } from '../../lib/browser.mjs';
import { userByLogin } from '../../lib/users.mjs';
import { appStarter } from '../lib/app.mjs';

const jane = userByLogin('jane');
const TOKEN_SECONDS = 5;
let stack;

before(async () => {
  stack = await startStack({
    name: 'create-app-reload-guard',
    app: appStarter({ template: 'default', mode: 'prod' }),
    idTokenTtl: TOKEN_SECONDS,
    // No tolerance: the token is refused as soon as it expires.
    authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'], clockTolerance: 0 }),
  });
});

after(async () => {
  await stack?.stop();
});

test('a proxy that keeps forwarding an expired token: one reload, then the refusal, no loop', async () => {
  const context = await stack.browser.newContext();
  const first = await context.newPage();
  await first.goto(`${stack.proxies.main.url}/`);
  await loginAtIdp(first, jane.login);
  // Bounded wait until the proxy's token has expired: Backstage's 401, asked outside the page.
  let answer;
  for (let i = 0; i < 60; i++) {
    const res = await context.request.get(`${stack.proxies.main.url}${REFRESH_PATH}`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    answer = { status: res.status(), body: await res.text() };
    if (answer.status === 401) break;
    await sleep(1000);
  }
  assert.equal(answer.status, 401, answer.body);
  assert.match(answer.body, /ERR_JWT_EXPIRED/);

  // A new tab (its own sessionStorage, so no earlier reload counts) with the same proxy session.
  const page = await context.newPage();
  const loads = [];
  page.on('request', r => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame() && new URL(r.url()).origin === stack.proxies.main.url) loads.push(r.url());
  });
  await page.goto(`${stack.proxies.main.url}/`);
  const panel = page.getByTestId('oidc-proxy-refusal');
  await panel.getByText('Your sign-in at the proxy has expired (ERR_JWT_EXPIRED)').waitFor({ timeout: 90_000 });
  // The test's own load and the one reload; the guard stopped the second.
  assert.equal(loads.length, 2, loads.join(' -> '));
  assert.doesNotMatch(await panel.innerText(), /reload/i);
});
