// The sign-in cache in a real Backstage backend: the repeated ID token gets the same
// sign-in result without the resolvers running again, and only while it should: the ID
// token still valid, its key still published, within the maximum age; 0 turns it off.
// A token's first sign-in is not kept; its second is (the one native call of the sign-in
// returns the id of its verification and whether the token was verified before), and the
// third and later are answered from the cache.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIssuer } from '../test-support/test-issuer.mjs';
import { startAuthBackend, user } from '../test-support/auth-backend.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));
const COOLDOWN_MS = 5000; // the key store's unknown-kid refetch cooldown

function provider(issuer, extra = {}) {
  return {
    issuer: issuer.url,
    audience: 'backstage',
    clockTolerance: 0,
    signIn: { resolvers: [{ resolver: 'emailMatchingUserEntityProfileEmail' }, { resolver: 'signInWithoutCatalogUser', homeDomain: 'example.com' }] },
    ...extra,
  };
}

/** Signs in twice with the token, so that its result is kept; returns the kept one. */
async function signInTwice(backend, token) {
  await signIn(backend, token);
  return signIn(backend, token);
}

async function signIn(backend, token) {
  const response = await backend.refresh(token);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text).backstageIdentity;
}

describe('sign-in cache', () => {
  let issuer;
  let cachedBackend;
  let uncached;
  let shortAge;
  before(async () => {
    issuer = await startIssuer();
    const entities = [user('jane-in-catalog', { email: 'jane.doe@example.com' })];
    [cachedBackend, uncached, shortAge] = await Promise.all([
      startAuthBackend({ providers: { oidcProxy: provider(issuer) }, entities }),
      startAuthBackend({ providers: { oidcProxy: provider(issuer, { signInCacheMaxAgeSeconds: 0 }) }, entities }),
      startAuthBackend({ providers: { oidcProxy: provider(issuer, { signInCacheMaxAgeSeconds: 1 }) }, entities }),
    ]);
  });
  after(async () => {
    await Promise.all([cachedBackend, uncached, shortAge].filter(Boolean).map(b => b.stop()));
    await issuer.stop();
  });

  test('the same ID token gets the same sign-in result; another token its own', async () => {
    const token = await issuer.sign({ sub: 'cache-1' });
    const once = await signIn(cachedBackend, token);
    await sleep(1100); // Backstage tokens carry whole seconds: a new one differs after a second
    const first = await signIn(cachedBackend, token);
    assert.notEqual(first.token, once.token, 'a first sign-in is not kept: the second is made anew');
    assert.equal(first.identity.userEntityRef, 'user:default/jane-in-catalog');
    const again = await signIn(cachedBackend, token);
    assert.equal(again.token, first.token, 'served from the cache');
    assert.ok(again.expiresInSeconds <= first.expiresInSeconds, 'the remaining lifetime is recomputed');
    // The kept answer is the whole body, as JSON, with every member of the first one.
    const [kept, full] = await Promise.all([cachedBackend.refresh(token), uncached.refresh(token)]);
    assert.match(kept.headers.get('content-type'), /^application\/json/);
    const [keptBody, fullBody] = [await kept.json(), await full.json()];
    assert.deepEqual(keptBody.profile, fullBody.profile);
    assert.deepEqual(keptBody.providerInfo, fullBody.providerInfo);
    assert.deepEqual(keptBody.backstageIdentity.identity, fullBody.backstageIdentity.identity);
    assert.deepEqual(Object.keys(keptBody.backstageIdentity).sort(), Object.keys(fullBody.backstageIdentity).sort());
    assert.equal(typeof keptBody.backstageIdentity.expiresInSeconds, 'number');
    const other = await signIn(cachedBackend, await issuer.sign({ sub: 'cache-2' }));
    assert.notEqual(other.token, first.token);
  });

  test('signInCacheMaxAgeSeconds: 0 turns it off', async () => {
    const token = await issuer.sign({ sub: 'cache-3' });
    const first = await signInTwice(uncached, token);
    await sleep(1100); // Backstage tokens carry whole seconds: a new one differs after a second
    assert.notEqual((await signIn(uncached, token)).token, first.token);
  });

  test('an entry older than the maximum age is not served', async () => {
    const token = await issuer.sign({ sub: 'cache-4' });
    const first = await signInTwice(shortAge, token);
    assert.equal((await signIn(shortAge, token)).token, first.token);
    await sleep(1300);
    assert.notEqual((await signIn(shortAge, token)).token, first.token);
  });

  test('an expired ID token is refused, not answered from the cache', async () => {
    const token = await issuer.sign({ sub: 'cache-5', exp: Math.floor(Date.now() / 1000) + 2 });
    const first = await signInTwice(cachedBackend, token);
    assert.equal((await signIn(cachedBackend, token)).token, first.token, 'served from the cache');
    await sleep(3100);
    const response = await cachedBackend.refresh(token);
    assert.equal(response.status, 401, await response.text());
  });

  test("a token whose key left the JWKS is refused, and its entry is gone when the key returns", async () => {
    const oldKey = issuer.key;
    const token = await issuer.sign({ sub: 'cache-6' });
    const first = await signInTwice(cachedBackend, token);
    assert.equal((await signIn(cachedBackend, token)).token, first.token);

    await sleep(COOLDOWN_MS + 200);
    const newKey = await issuer.rotate({ drop: true });
    await signIn(cachedBackend, await issuer.sign({ sub: 'cache-7' }, { key: newKey })); // refetch: the old key is gone
    const refused = await cachedBackend.refresh(token);
    assert.equal(refused.status, 401, await refused.text());

    await sleep(COOLDOWN_MS + 200);
    issuer.state.keys.push(oldKey);
    const another = await issuer.rotate();
    await signIn(cachedBackend, await issuer.sign({ sub: 'cache-8' }, { key: another })); // refetch: the old key is back
    // Verified anew: a new verification id, so the old entry can never be reached again.
    for (let i = 0; i < 3; i++) {
      const back = await signIn(cachedBackend, token);
      assert.notEqual(back.token, first.token, 'signed in anew, not from the dropped entry');
    }
  });
});
