// Discovery and the JWKS cache: sharing, rotation, storms, TTLs, outages and broken
// issuers, each against a real issuer process on loopback that the test controls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyIdToken, prefetchKeys, cacheStats } from '../index.js';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));
const COOLDOWN_MS = 5000; // KID_MISS_COOLDOWN
const codeOf = promise => promise.then(() => 'OK', e => e.code);

async function withIssuer(setup, body) {
  const issuer = await startIssuer();
  try {
    await setup?.(issuer);
    await body(issuer, optionsFor(issuer));
  } finally {
    await issuer.stop();
  }
}

test('concurrent first requests share one discovery and one JWKS fetch', () =>
  withIssuer(null, async (issuer, options) => {
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => issuer.sign({ sub: `u${i}` })));
    const results = await Promise.all(tokens.map(t => verifyIdToken(t, options)));
    assert.equal(results.length, 50);
    assert.deepEqual(issuer.state.counts, { discovery: 1, jwks: 1 });
  }));

test('a new kid is fetched once; a storm of unknown kids stays within one fetch per cooldown', () =>
  withIssuer(null, async (issuer, options) => {
    await verifyIdToken(await issuer.sign(), options);
    await sleep(COOLDOWN_MS + 200);
    const key = await issuer.rotate();
    const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => issuer.sign({ sub: `n${i}` }, { key })));
    await Promise.all(fresh.map(t => verifyIdToken(t, options)));
    assert.equal(issuer.state.counts.jwks, 2, 'twenty tokens with the new kid caused one refetch');

    const forged = await Promise.all(
      Array.from({ length: 300 }, (_, i) => issuer.sign({}, { key, header: { kid: `forged-${i}` } })),
    );
    const codes = await Promise.all(forged.map(t => codeOf(verifyIdToken(t, options))));
    assert.ok(codes.every(c => c === 'ERR_JWKS_NO_MATCHING_KEY'));
    assert.equal(issuer.state.counts.jwks, 2, 'forged kids within the cooldown caused no fetch');
    assert.equal(issuer.state.counts.discovery, 1);
  }));

test('a removed key stops verifying, and its cached tokens are dropped', () =>
  withIssuer(null, async (issuer, options) => {
    const old = await issuer.sign();
    await verifyIdToken(old, options);
    const hits = cacheStats().tokenCacheHit;
    await verifyIdToken(old, options);
    assert.equal(cacheStats().tokenCacheHit, hits + 1, 'the second check is a cache hit');

    await sleep(COOLDOWN_MS + 200);
    const key = await issuer.rotate({ drop: true });
    await verifyIdToken(await issuer.sign({}, { key }), options); // refetch sees the new set
    assert.equal(await codeOf(verifyIdToken(old, options)), 'ERR_JWKS_NO_MATCHING_KEY');
  }));

test('keys refresh in the background before max-age ends; callers do not wait', () =>
  withIssuer(i => { i.state.cacheControl = 'public, max-age=5'; }, async (issuer, options) => {
    await verifyIdToken(await issuer.sign(), options);
    assert.equal(issuer.state.counts.jwks, 1);
    await sleep(4200); // past 80% of the 5 s TTL
    let release;
    issuer.state.hold = new Promise(r => { release = r; }); // the issuer answers nothing until released
    const claims = await verifyIdToken(await issuer.sign({ sub: 'later' }), options);
    assert.equal(claims.sub, 'later', 'answered while the issuer was holding every response');
    while (issuer.state.pending === 0) await sleep(10); // the refresh did start
    assert.equal(issuer.state.counts.jwks, 1);
    issuer.state.hold = undefined;
    release();
    while (issuer.state.counts.jwks < 2) await sleep(10);
  }));

test('an issuer down after warm-up: cached keys keep verifying past the TTL, failures keep the last good keys', () =>
  withIssuer(i => { i.state.cacheControl = 'max-age=5'; }, async (issuer, options) => {
    await verifyIdToken(await issuer.sign(), options);
    issuer.state.status = 500;
    await sleep(4200);
    await verifyIdToken(await issuer.sign({ sub: 'a' }), options); // starts a refresh that fails
    await sleep(300);
    issuer.state.jwksOverride = 'not json';
    issuer.state.status = 200;
    await sleep(1500);
    await verifyIdToken(await issuer.sign({ sub: 'b' }), options);
    await issuer.stop();
    await sleep(2000); // now past the 5 s TTL, with the issuer gone
    assert.equal((await verifyIdToken(await issuer.sign({ sub: 'c' }), options)).sub, 'c');
    assert.ok(cacheStats().jwksFetchError >= 1);
    await issuer.restart();
  }));

test('an issuer down at start-up: clear 503-class error, then recovery without a restart', async () => {
  const issuer = await startIssuer();
  const options = optionsFor(issuer);
  const token = await issuer.sign();
  await issuer.stop();
  const error = await verifyIdToken(token, options).catch(e => e);
  assert.equal(error.code, 'ERR_ISSUER_UNAVAILABLE');
  assert.match(error.message, /could not be reached/);
  assert.equal((await prefetchKeys(options).catch(e => e)).code, 'ERR_ISSUER_UNAVAILABLE');
  await issuer.restart();
  await sleep(2100); // the retry backoff after two failures
  assert.equal((await verifyIdToken(token, options)).sub, 'user-1');
  assert.equal(await prefetchKeys(options), undefined);
  await issuer.stop();
});

for (const [name, breakIt, pattern] of [
  ['answers 500', s => { s.status = 500; }, /HTTP 500/],
  ['serves garbage', s => { s.jwksOverride = '<html>'; }, /not valid JSON/],
  ['serves a 2 MB JWKS', s => { s.jwksOverride = JSON.stringify({ keys: [], pad: 'x'.repeat(2 << 20) }); }, /larger than/],
  ['serves an empty JWKS', s => { s.jwksOverride = '{"keys":[]}'; }, /no signing keys/],
  ['names another issuer in discovery', s => { s.discoveryOverride = JSON.stringify({ issuer: 'https://evil.example', jwks_uri: 'http://127.0.0.1:1/jwks' }); }, /different issuer/],
  ['is slower than the timeout', s => { s.delayMs = 7000; }, /timed out/],
]) {
  test(`an issuer that ${name} gets a bounded, clear ERR_ISSUER_UNAVAILABLE`, () =>
    withIssuer(i => breakIt(i.state), async (issuer, options) => {
      const error = await verifyIdToken(await issuer.sign(), options).catch(e => e);
      assert.equal(error.code, 'ERR_ISSUER_UNAVAILABLE');
      assert.match(error.message, pattern);
    }));
}

test('a configured jwksUri skips discovery', () =>
  withIssuer(null, async issuer => {
    const options = optionsFor(issuer, { jwksUri: `${issuer.url}/jwks` });
    await verifyIdToken(await issuer.sign(), options);
    assert.deepEqual(issuer.state.counts, { discovery: 0, jwks: 1 });
  }));

test('a cached token is not served once it expires', () =>
  withIssuer(null, async (issuer, options) => {
    const opts = { ...options, clockTolerance: 0 };
    const token = await issuer.sign({ exp: Date.now() / 1000 + 1 });
    await verifyIdToken(token, opts);
    await sleep(1500);
    assert.equal(await codeOf(verifyIdToken(token, opts)), 'ERR_JWT_EXPIRED');
  }));

test('re-pinning a key (RS256 to PS256) drops the tokens cached under the old pin', () =>
  withIssuer(null, async (issuer, options) => {
    const old = issuer.state.keys[0];
    const token = await issuer.sign();
    await verifyIdToken(token, options);
    const hits = cacheStats().tokenCacheHit;
    await verifyIdToken(token, options);
    assert.equal(cacheStats().tokenCacheHit, hits + 1, 'the second check is a cache hit');

    await sleep(COOLDOWN_MS + 200);
    old.jwk = { ...old.jwk, alg: 'PS256' }; // same key material, other terms
    const key = await issuer.rotate();
    await verifyIdToken(await issuer.sign({}, { key }), options); // refetch sees the re-pinned key
    assert.equal(await codeOf(verifyIdToken(token, options)), 'ERR_JWKS_NO_MATCHING_KEY');
  }));

test('an RSA key with an empty or zero modulus is ERR_JWK_INVALID', async () => {
  for (const n of ['', 'AA', 'AAAAAAAA']) {
    await withIssuer(null, async (issuer, options) => {
      issuer.state.jwksOverride = JSON.stringify({ keys: [{ ...issuer.key.jwk, n }] });
      const e = await verifyIdToken(await issuer.sign(), options).catch(e => e);
      assert.equal(e.code, 'ERR_JWK_INVALID', e.message);
      assert.match(e.message, /modulus/);
    });
  }
});
