// Floods: many distinct valid tokens (the verified-token cache must stay bounded), many
// forged kids spread over several refetch cooldowns (fetches must stay bounded), and a
// concurrent cold start. Counts are fixed; nothing asserts on durations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import crypto from 'node:crypto';
import { verifyIdToken, cacheStats } from '../index.js';
import { startIssuer, optionsFor, b64 } from '../test-support/test-issuer.mjs';
import { moduleMissing, startModuleBackend } from '../test-support/module-backend.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));
const codeOf = promise => promise.then(() => 'OK', e => e.code);
const CACHE_CAPACITY = 5000; // token_cache::CAPACITY, documented in docs/deployment.md
const COOLDOWN_MS = 5000; // key_store::KID_MISS_COOLDOWN

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

/** Memory outside the JS heap (where the native cache lives), after a full GC. */
function nativeBytes() {
  gc();
  const m = process.memoryUsage();
  return m.rss - m.heapTotal;
}

async function verifyBatch(issuer, options, from, count) {
  // 2 KB of distinct padding per token: a cache entry (token + claims) is about 5 KB, so
  // 25000 extra entries would be 125 MB, far above the noise of the allocator.
  const tokens = await Promise.all(Array.from({ length: count }, (_, i) =>
    issuer.sign({ sub: `u${from + i}`, pad: crypto.randomBytes(1536).toString('base64') })));
  for (let i = 0; i < tokens.length; i += 250) {
    await Promise.all(tokens.slice(i, i + 250).map(t => verifyIdToken(t, options)));
  }
  return [tokens[0], tokens.at(-1)];
}

test('40000 distinct valid tokens: the verified-token cache stays at its bound, oldest out first', { timeout: 300_000 }, async () => {
  const issuer = await startIssuer({ algs: ['EdDSA'] });
  try {
    const options = optionsFor(issuer);
    await verifyBatch(issuer, options, 0, CACHE_CAPACITY);
    // Two more full turns of the cache before measuring: the allocator's per-thread arenas
    // (verification runs on several threads) settle during the first replacements. On Node 24
    // the process grows once by ~85 MB during the second turn, then stays flat.
    const [first] = await verifyBatch(issuer, options, CACHE_CAPACITY, CACHE_CAPACITY);
    await verifyBatch(issuer, options, 2 * CACHE_CAPACITY, CACHE_CAPACITY);
    const full = nativeBytes();
    let last;
    for (let n = 3; n <= 7; n++) [, last] = await verifyBatch(issuer, options, n * CACHE_CAPACITY, CACHE_CAPACITY);
    const growth = nativeBytes() - full;
    // Bounded: replacing entries reuses memory. Unbounded would add ~125 MB over these five
    // turns; the allocator's own noise on a loaded machine has reached ~40 MB.
    assert.ok(growth < 60 * 2 ** 20, `native memory grew ${(growth / 2 ** 20).toFixed(1)} MB after the cache was full`);

    const before = cacheStats();
    await verifyIdToken(last, options);
    assert.equal(cacheStats().tokenCacheHit, before.tokenCacheHit + 1, 'the newest token is cached');
    const mid = cacheStats();
    await verifyIdToken(first, options);
    assert.equal(cacheStats().tokenCacheHit, mid.tokenCacheHit, 'the oldest token was evicted');
    assert.equal(issuer.state.counts.jwks, 1, 'valid tokens never refetch keys');
  } finally {
    await issuer.stop();
  }
});

test('5000 forged kids over three cooldowns: at most one JWKS fetch per cooldown, good tokens unaffected', { timeout: 120_000 }, async () => {
  const issuer = await startIssuer({ algs: ['EdDSA'] });
  try {
    const options = optionsFor(issuer);
    const good = await issuer.sign();
    await verifyIdToken(good, options);
    const [, payload, signature] = (await issuer.sign({ sub: 'mallory' })).split('.');
    const fetchesBefore = issuer.state.counts.jwks;
    const started = Date.now();
    const WAVES = 12;
    for (let wave = 0; wave < WAVES; wave++) {
      const forged = Array.from({ length: 5000 / WAVES | 0 }, (_, i) => `${b64({ alg: 'EdDSA', kid: `forged-${wave}-${i}` })}.${payload}.${signature}`);
      const codes = await Promise.all(forged.map(t => codeOf(verifyIdToken(t, options))));
      assert.ok(codes.every(c => c === 'ERR_JWKS_NO_MATCHING_KEY'), [...new Set(codes)].join());
      assert.equal((await verifyIdToken(good, options)).sub, 'user-1');
      await sleep(1000);
    }
    const cooldowns = Math.ceil((Date.now() - started) / COOLDOWN_MS);
    const fetches = issuer.state.counts.jwks - fetchesBefore;
    assert.ok(fetches >= 1, 'an unknown kid does trigger a refetch');
    assert.ok(fetches <= cooldowns + 1, `${fetches} JWKS fetches in ${cooldowns} cooldowns`);
    assert.equal(issuer.state.counts.discovery, 1);
  } finally {
    await issuer.stop();
  }
});

test('1000 concurrent first requests against a slow issuer share one discovery and one JWKS fetch', { timeout: 60_000 }, async () => {
  const issuer = await startIssuer({ algs: ['ES256'] });
  try {
    issuer.state.delayMs = 500;
    const tokens = await Promise.all(Array.from({ length: 1000 }, (_, i) => issuer.sign({ sub: `c${i}` })));
    const results = await Promise.all(tokens.map(t => verifyIdToken(t, optionsFor(issuer))));
    assert.equal(new Set(results.map(r => r.sub)).size, 1000);
    assert.deepEqual(issuer.state.counts, { discovery: 1, jwks: 1 });
  } finally {
    await issuer.stop();
  }
});

test('concurrent cold start through the refresh endpoint', { skip: moduleMissing() ?? false, timeout: 120_000 }, async () => {
  const issuer = await startIssuer({ algs: ['RS256'] });
  issuer.state.delayMs = 500; // still fetching when the requests arrive
  const backend = await startModuleBackend({ issuer: issuer.url });
  try {
    const tokens = await Promise.all(Array.from({ length: 200 }, (_, i) => issuer.sign({ sub: `r${i}`, email: `r${i}@example.com` })));
    const statuses = await Promise.all(tokens.map(async t => (await backend.refresh(t)).status));
    assert.deepEqual([...new Set(statuses)], [200]);
    assert.equal(issuer.state.counts.discovery, 1);
    assert.equal(issuer.state.counts.jwks, 1);
  } finally {
    await backend.stop();
    await issuer.stop();
  }
});
