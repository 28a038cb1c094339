// The native API's contracts with its callers: the verifier object, error codes as one
// list (Rust, the generated TypeScript and docs/troubleshooting.md agree), structured option errors,
// and counters counted once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OidcVerifier, ErrorCode, errorCodes, errorCodeTable, cacheStats, counters, verifyIdToken, validateOptions } from '../index.js';
import { errorTable, documentedTable } from '../scripts/error-table.mjs';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let issuer;
before(async () => {
  issuer = await startIssuer();
});
after(() => issuer.stop());

test('error codes are one table: the core, the napi ErrorCode, index.d.ts, the documented table and the module agree both ways', () => {
  // Each comparison is of whole sorted lists, so a code added to or dropped from any one
  // of them alone fails here.
  const codes = [...errorCodes()].sort();
  const table = errorCodeTable();
  assert.deepEqual(table.map(row => row.code).sort(), codes);
  assert.deepEqual(Object.values(ErrorCode).sort(), codes);
  const dts = fs.readFileSync(path.join(root, 'index.d.ts'), 'utf8');
  const union = /export type ErrorCode = ([^\n]+)/.exec(dts)?.[1] ?? '';
  assert.deepEqual([...union.matchAll(/'(ERR_\w+)'/g)].map(m => m[1]).sort(), codes);
  for (const { code, status, remedy } of table) {
    assert.ok([401, 403, 500, 503].includes(status), `${code}: ${status}`);
    assert.ok(remedy.length > 10, `${code} has a remedy`);
  }
  // The table operators read (docs/troubleshooting.md) is written from the core's table.
  assert.equal(documentedTable(), errorTable(), 'docs/troubleshooting.md differs from the core: run node scripts/error-table.mjs');
  // The module's own refusals use codes of the table, not strings of their own.
  const refusals = fs.readFileSync(path.join(root, 'backstage/refusals.ts'), 'utf8');
  for (const [, code] of refusals.matchAll(/'(ERR_[A-Z_]+)'/g)) assert.ok(codes.includes(code), code);
});

test('new OidcVerifier checks its options; the error names the option', () => {
  for (const [options, option] of [
    [{ issuer: '', audience: 'a' }, 'issuer'],
    [{ issuer: 'http://login.example.com', audience: 'a' }, 'issuer'],
    [{ issuer: issuer.url, audience: [] }, 'audience'],
    [{ issuer: issuer.url, audience: 'a', algorithms: ['HS256'] }, 'algorithms'],
    [{ issuer: issuer.url, audience: 'a', clockTolerance: 61 }, 'clockTolerance'],
    [{ issuer: issuer.url, audience: 'a', algorithm: ['RS256'] }, 'algorithm'],
  ]) {
    for (const attempt of [() => new OidcVerifier(options), () => validateOptions(options)]) {
      assert.throws(attempt, error => {
        assert.equal(error.code, 'ERR_INVALID_OPTIONS');
        assert.equal(error.option, option, error.message);
        return true;
      });
    }
  }
});

test('one verifier verifies many tokens; a repeated token is a cache hit counted once', async () => {
  const verifier = new OidcVerifier(optionsFor(issuer));
  await verifier.prefetchKeys();
  const token = await issuer.sign({ sub: 'api-1' });
  const before = cacheStats();
  assert.equal((await verifier.verify(token)).sub, 'api-1');
  assert.equal((await verifier.verify(token)).sub, 'api-1');
  const after = cacheStats();
  const delta = key => after[key] - before[key];
  assert.equal(delta('verifyOk'), 2);
  assert.equal(delta('tokenCacheHit'), 1);
  assert.equal(delta('tokenCacheMiss'), 1);
  assert.equal(delta('keyCacheHit'), 2);
  assert.equal(delta('keyCacheMiss'), 0);
  assert.equal(delta('checkedOnCallingThread') + delta('checkedOnCheckingThread') + delta('checkedOnAsyncWorker'), 1);
  assert.deepEqual(Object.keys(after).sort(), [
    'checkedOnAsyncWorker', 'checkedOnCallingThread', 'checkedOnCheckingThread',
    'discoveryFetchError', 'discoveryFetchOk', 'jwksFetchError', 'jwksFetchOk', 'keyCacheHit', 'keyCacheMiss',
    'tokenCacheHit', 'tokenCacheMiss', 'verifyError', 'verifyOk',
  ]);
});

test('a cold verifier waits for the keys once and counts one miss', async () => {
  const cold = await startIssuer();
  try {
    const verifier = new OidcVerifier(optionsFor(cold));
    const before = cacheStats();
    const e = await verifier.verify(await cold.sign({ exp: Math.floor(Date.now() / 1000) - 3600 })).catch(e => e);
    assert.equal(e.code, 'ERR_JWT_EXPIRED');
    assert.equal(e.claim, 'exp');
    const after = cacheStats();
    assert.equal(after.keyCacheMiss - before.keyCacheMiss, 1);
    assert.equal(after.verifyError - before.verifyError, 1);
    assert.equal(after.verifyOk - before.verifyOk, 0);
  } finally {
    await cold.stop();
  }
});

test('verifyIdToken keeps a bounded set of verifiers: options invented per call do not grow memory', async () => {
  const token = await issuer.sign();
  for (let i = 0; i < 200; i++) {
    const e = await verifyIdToken(token, { ...optionsFor(issuer), audience: `aud-${i}` }).catch(e => e);
    assert.equal(e.code, 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  }
  assert.equal((await verifyIdToken(token, optionsFor(issuer))).sub, 'user-1');
});

test('a token that is not a string rejects, it does not throw', async () => {
  const verifier = new OidcVerifier(optionsFor(issuer));
  for (const bad of [undefined, null, 7, {}, ['a.b.c']]) {
    const e = await verifier.verify(bad).catch(e => e);
    assert.equal(e.code, 'ERR_JWS_INVALID');
  }
});

test('counters are one table: cacheStats() and counters() name the same counters, each with its metric', () => {
  const table = counters();
  assert.deepEqual(Object.keys(cacheStats()).sort(), table.map(c => c.name).sort());
  const stats = cacheStats();
  for (const c of table) {
    assert.equal(c.value, stats[c.name], c.name);
    assert.match(c.metric, /^auth\.oidc_proxy\.[a-z_]+$/);
    assert.ok(c.description.length > 10 && Object.keys(c.attributes).length > 0, c.name);
  }
  // No two counters export as the same series.
  const series = table.map(c => `${c.metric} ${JSON.stringify(c.attributes)}`);
  assert.equal(new Set(series).size, series.length);
});
