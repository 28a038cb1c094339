// Assertion 7 of the e2e issue: an ID token expires while the proxy session lasts.
// - Apache's default session (8 h) keeps forwarding the expired token: refresh answers 401.
// - With `OIDCSessionMaxDuration 0` the proxy session ends with the token; the next page load
//   goes back to the IdP, whose own session still holds, and signs in again with no page shown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startStack } from '../lib/stack.mjs';
import { oidcProxyAuthYaml } from '../lib/auth-config.mjs';
import { fetchRefresh, openHome, sawIdpInteraction, trackNavigations, wentThroughIdp } from '../lib/backstage-page.mjs';
import { userByLogin } from '../lib/users.mjs';

const jane = userByLogin('jane');
const ID_TOKEN_TTL = 15; // seconds

// Polls until the refresh endpoint stops answering 200 (the token's expiry, plus the module's
// clock tolerance for the 401 case). Bounded; a wait, not a timed assertion.
async function refreshUntilNot200(page, maxSeconds = 180) {
  for (let i = 0; i < maxSeconds; i++) {
    const res = await fetchRefresh(page);
    if (res.status !== 200) return res;
    await sleep(1000);
  }
  throw new Error(`refresh still answered 200 after ${maxSeconds} s`);
}

describe(`ID tokens that expire after ${ID_TOKEN_TTL} s`, () => {
  let stack;
  let lasting; // page behind a proxy with the default session duration
  let atExpiry; // page behind a proxy with OIDCSessionMaxDuration 0
  let atExpiryNavigations;

  before(async () => {
    stack = await startStack({
      name: 'token-expiry',
      idTokenTtl: ID_TOKEN_TTL,
      proxies: { lasting: {}, atExpiry: { sessionAtTokenExpiry: true } },
      authYaml: ({ issuer }) => oidcProxyAuthYaml({ issuer, resolvers: ['emailMatchingUserEntityProfileEmail'] }),
    });
    // Two contexts: Apache's session cookie has the same name on both proxies (same host).
    atExpiry = await (await stack.browser.newContext()).newPage();
    atExpiryNavigations = trackNavigations(atExpiry);
    lasting = await (await stack.browser.newContext()).newPage();
    await openHome(atExpiry, `${stack.proxies.atExpiry.url}/`, { login: 'jane' });
    await openHome(lasting, `${stack.proxies.lasting.url}/`, { login: 'jane' });
  });

  after(async () => {
    await stack?.stop();
  });

  test('7b. with OIDCSessionMaxDuration 0, once the token expires a reload signs in again with no interaction', async () => {
    const ended = await refreshUntilNot200(atExpiry);
    // The proxy (not Backstage) turned the request away: its session is over. mod_auth_openidc
    // answers a fetch with its own 401 page rather than a redirect to the IdP.
    assert.equal(ended.status, 401, ended.text);
    assert.equal(ended.json, null, `Apache's page, not a Backstage error: ${ended.text}`);
    const seen = atExpiryNavigations.length;
    const kidsBefore = stack.idp.issuedKids.length;
    const home = await openHome(atExpiry, `${stack.proxies.atExpiry.url}/`);
    const hops = atExpiryNavigations.slice(seen);
    assert.ok(wentThroughIdp(hops, stack.idp.issuer), `went back to the IdP: ${hops.join(' -> ')}`);
    assert.ok(!sawIdpInteraction(hops), `no IdP page was shown: ${hops.join(' -> ')}`);
    assert.equal(stack.idp.issuedKids.length, kidsBefore + 1, 'a fresh ID token was issued');
    assert.equal(home.userEntityRef, jane.catalogEntityRef);
  });

  test('7a. with the default session, the proxy keeps forwarding the expired token and refresh answers a clear 401', async t => {
    const res = await refreshUntilNot200(lasting);
    t.diagnostic(`refresh answered ${res.status}: ${res.text}`);
    assert.equal(res.status, 401, res.text);
    assert.equal(res.json?.error?.name, 'AuthenticationError', res.text);
    assert.match(res.json.error.message, /expir/i);
    // A reload does not sign in: ProxiedSignInPage gets the same 401.
    await lasting.reload();
    const again = await fetchRefresh(lasting);
    assert.equal(again.status, 401);
  });
});
