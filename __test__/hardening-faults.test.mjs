// Transport-level issuer faults that core-keys does not cover (it covers status codes,
// garbage, size with content-length, wrong issuer, slow headers, outages): each must give
// a bounded, clear ERR_ISSUER_UNAVAILABLE at a cold start, and must never cost the last
// good keys once warm, even past their TTL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verifyIdToken } from '../index.js';
import { startFaultyIssuer } from '../test-support/faulty-issuer.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));
const optionsFor = issuer => ({ issuer: issuer.url, audience: 'backstage' });

const FAULTS = [
  ['drips its JWKS slower than the request timeout', 'drip', /timed out/],
  ['streams an endless chunked JWKS', 'endless', /larger than 262144 bytes/],
  ['redirects the JWKS elsewhere', 'redirect', /HTTP 302/],
  ['resets the connection mid-body', 'reset', /could not be fetched|could not be reached/],
  ['publishes more than 100 keys', 'many-keys', /more than 100 keys/],
  ['names a plain-http jwks_uri off loopback', 'plain-http-jwks-uri', /https/],
];

// The safety timeout only stops a hung run; nothing asserts on durations.
for (const [name, mode, pattern] of FAULTS) {
  test(`cold start: an issuer that ${name} gives ERR_ISSUER_UNAVAILABLE`, { timeout: 60_000 }, async () => {
    const issuer = await startFaultyIssuer();
    try {
      issuer.state.mode = mode;
      const error = await verifyIdToken(issuer.sign(), optionsFor(issuer)).catch(e => e);
      assert.equal(error.code, 'ERR_ISSUER_UNAVAILABLE', error.message);
      assert.match(error.message, pattern);
      assert.equal(issuer.state.counts.redirected, 0, 'a redirect is never followed');
    } finally {
      await issuer.stop();
    }
  });
}

// A discovery fault cannot strike once the JWKS URI is known, so it is left out here.
const WARM_FAULTS = FAULTS.filter(([, mode]) => mode !== 'plain-http-jwks-uri');

test('warm: every JWKS fault above keeps the last good keys past their TTL', { timeout: 60_000 }, async () => {
  const issuers = await Promise.all(WARM_FAULTS.map(() => startFaultyIssuer()));
  try {
    // One issuer per fault, all in parallel: each warms, breaks, outlives its 5 s TTL.
    await Promise.all(issuers.map(i => verifyIdToken(i.sign(), optionsFor(i))));
    issuers.forEach((issuer, n) => { issuer.state.mode = WARM_FAULTS[n][1]; });
    await sleep(4300); // past 80 % of the TTL: a background refresh starts and fails
    await Promise.all(issuers.map(i => verifyIdToken(i.sign({ sub: 'refresh-trigger' }), optionsFor(i))));
    await sleep(2000); // now past the TTL itself
    const results = await Promise.all(issuers.map(i => verifyIdToken(i.sign({ sub: 'after-ttl' }), optionsFor(i)).catch(e => e)));
    results.forEach((claims, n) => assert.equal(claims.sub, 'after-ttl', `${WARM_FAULTS[n][0]}: ${claims.message ?? ''}`));
    assert.ok(issuers.every(i => i.state.counts.jwks >= 2), 'each issuer was asked again and failed');
  } finally {
    await Promise.all(issuers.map(i => i.stop()));
  }
});
