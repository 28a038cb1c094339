// Which verifications are checked on the calling thread (src/dispatch.rs): a call that is
// alone is, calls made together are not, past the first. Seen without clocks: a promise
// answered on the calling thread is already settled when the call returns, and a settled
// promise wins a race against one settled after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OidcVerifier, SignInRules, cacheStats } from '../index.js';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';

const PENDING = Symbol('pending');
/** Whether `promise` was settled when it was returned (a rejection counts as settled). */
const settledAtOnce = promise =>
  Promise.race([promise, Promise.resolve(PENDING)]).then(v => v !== PENDING, () => true);

async function withVerifier(body) {
  const issuer = await startIssuer({ algs: ['RS256'] });
  try {
    const verifier = new OidcVerifier(optionsFor(issuer));
    await verifier.prefetchKeys();
    await body(issuer, verifier);
  } finally {
    await issuer.stop();
  }
}

// Tokens no verifier here has seen: the same claims signed in the same second are the same token.
let signed = 0;
const distinct = (issuer, n) => Promise.all(Array.from({ length: n }, () => issuer.sign({ nonce: `n${signed++}` })));

test('awaited one at a time, every verification is answered on the calling thread', () =>
  withVerifier(async (issuer, verifier) => {
    const tokens = await distinct(issuer, 200);
    for (const token of tokens) {
      const answer = verifier.verify(token);
      assert.equal(await settledAtOnce(answer), true);
      assert.equal((await answer).sub, 'user-1');
    }
  }));

test('calls made together: the first is checked here, the rest off the thread, and all are answered', () =>
  withVerifier(async (issuer, verifier) => {
    const tokens = await distinct(issuer, 50);
    const answers = tokens.map(token => verifier.verify(token));
    const atOnce = await Promise.all(answers.map(settledAtOnce));
    assert.equal(atOnce[0], true);
    assert.deepEqual(atOnce.slice(1), new Array(49).fill(false));
    for (const claims of await Promise.all(answers)) assert.equal(claims.sub, 'user-1');
    // Once they are back, a lone call is checked here again.
    assert.equal(await settledAtOnce(verifier.verify(await issuer.sign({ nonce: 'after' }))), true);
  }));

test('a refused token answered on the calling thread is a rejection, not a throw', () =>
  withVerifier(async (issuer, verifier) => {
    const token = await issuer.sign({ aud: 'someone-else' });
    const answer = verifier.verify(token);
    assert.equal(await settledAtOnce(answer), true);
    await assert.rejects(answer, { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud' });
  }));

test('verifications in other lanes of work (each after an await) still meet one checked here at a time', () =>
  withVerifier(async (issuer, verifier) => {
    const tokens = await distinct(issuer, 64);
    let atOnce = 0;
    let next = 0;
    const lane = async () => {
      while (next < tokens.length) {
        const answer = verifier.verify(tokens[next++]);
        if (await settledAtOnce(answer)) atOnce++;
        await answer;
      }
    };
    await Promise.all(Array.from({ length: 8 }, lane));
    // Measured: 1 (the first lane's first call); a lane may meet a quiet moment again when
    // every answer off the thread is back.
    assert.ok(atOnce <= tokens.length / 8, `${atOnce} of ${tokens.length} checked on the calling thread`);
  }));

test('a sign-in\'s first verification is never checked on the calling thread; its answer again is', () =>
  withVerifier(async (issuer, verifier) => {
    const rules = new SignInRules({ resolvers: [{ lookup: 'email', allowedDomains: ['example.com'] }] });
    const header = await issuer.sign();
    const first = verifier.signIn(header, rules);
    assert.equal(await settledAtOnce(first), false);
    await first;
    assert.equal(await settledAtOnce(verifier.signIn(header, rules)), true);
  }));

// Off the event loop (src/dispatch.rs, step 3): the checking thread while at most 4 checks
// wait there, the async worker beyond. Read from the counters of the thread that checked.
const checks = () => {
  const { checkedOnCallingThread: calling, checkedOnCheckingThread: checking, checkedOnAsyncWorker: worker } = cacheStats();
  return { calling, checking, worker };
};
const since = (before, after) => Object.fromEntries(Object.keys(after).map(k => [k, after[k] - before[k]]));

test('checks are counted by the thread that made them: one at a time on the checking thread, a burst overflows to the worker', () =>
  withVerifier(async (issuer, verifier) => {
    const rules = new SignInRules({ resolvers: [{ lookup: 'email', allowedDomains: ['example.com'] }] });
    const awaited = async n => {
      for (const token of await distinct(issuer, n)) await verifier.signIn(token, rules);
    };
    let before = checks();
    for (const token of await distinct(issuer, 10)) await verifier.verify(token);
    assert.deepEqual(since(before, checks()), { calling: 10, checking: 0, worker: 0 });

    before = checks();
    await awaited(20);
    assert.deepEqual(since(before, checks()), { calling: 0, checking: 20, worker: 0 });

    const burst = await distinct(issuer, 64);
    before = checks();
    await Promise.all(burst.map(token => verifier.signIn(token, rules)));
    const spread = since(before, checks());
    assert.equal(spread.calling, 0);
    assert.equal(spread.checking + spread.worker, 64);
    assert.ok(spread.checking >= 1 && spread.worker >= 1, JSON.stringify(spread));

    // After the burst the checking thread has its room back: one at a time goes there again.
    before = checks();
    await awaited(20);
    assert.deepEqual(since(before, checks()), { calling: 0, checking: 20, worker: 0 });
  }));
