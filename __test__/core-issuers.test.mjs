// Several issuers in one verifier through the native API: option rules with the entry
// named, per-issuer status (keys, allowedDomains, counts), and a warm-up per issuer that
// leaves the others alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OidcVerifier, validateOptions, verifyIdToken } from '../index.js';
import { startIssuer } from '../test-support/test-issuer.mjs';
import { hostileCases, hostileContext } from '../test-support/hostile-tokens.mjs';

const codeOf = promise => promise.then(() => 'OK', e => e.code);

function refusal(options) {
  try {
    validateOptions(options);
  } catch (e) {
    assert.equal(e.code, 'ERR_INVALID_OPTIONS');
    return [e.option, e.message];
  }
  assert.fail('the options were accepted');
}

test('option rules name the entry and the option', () => {
  const entry = (issuer, extra = {}) => ({ issuer, audience: 'backstage', ...extra });
  assert.equal(refusal({ issuer: 'https://a.example', audience: 'x', issuers: [entry('https://b.example')] })[0], 'issuers');
  assert.equal(refusal({ audience: 'x', issuers: [entry('https://b.example')] })[0], 'issuers');
  assert.equal(refusal({ jwksFile: 'keys.json', issuers: [entry('https://b.example')] })[0], 'issuers');
  assert.equal(refusal({ issuers: [] })[0], 'issuers');
  assert.equal(refusal({ issuers: [entry('https://a.example', { bogus: 1 })] })[0], 'issuers[0].bogus');
  assert.equal(refusal({ issuers: [entry('https://a.example'), 'https://b.example'] })[0], 'issuers[1]');
  assert.deepEqual(refusal({ issuers: [entry('https://a.example'), entry('https://a.example')] }), [
    'issuers[1].issuer',
    'options.issuers[1].issuer: repeats issuers[0].issuer: each issuer may be listed once',
  ]);
  assert.equal(refusal({ issuers: [entry('https://a.example', { jwksUri: 'https://a.example/k', jwksFile: 'k.json' })] })[0], 'issuers[0].jwksFile');
  assert.equal(refusal({ issuers: [entry('http://a.example')] })[0], 'issuers[0].issuer');
  assert.equal(refusal({ issuers: [entry('https://a.example', { allowedDomains: ['exa mple.com'] })] })[0], 'issuers[0].allowedDomains');
  assert.equal(refusal({ issuer: 'https://a.example' })[0], 'audience');
  assert.equal(refusal({ audience: 'x' })[0], 'issuer');
  // Only the trailing-slash difference: two issuers, both allowed.
  validateOptions({ issuers: [entry('https://a.example'), entry('https://a.example/')] });
});

test('issuers() reports each entry; prefetchKeys(index) warms one issuer and not the other', async () => {
  const [a, b] = [await startIssuer(), await startIssuer()];
  try {
    const verifier = new OidcVerifier({
      issuers: [
        { issuer: a.url, audience: 'backstage', allowedDomains: ['example.com'] },
        { issuer: b.url, audience: ['other', 'backstage'], jwks: { keys: [b.key.jwk] } },
      ],
    });
    await b.stop(); // pinned: never needed
    await verifier.prefetchKeys(0);
    assert.deepEqual(a.state.counts, { discovery: 1, jwks: 1 });
    await verifier.prefetchKeys(1);
    await verifier.prefetchKeys();
    assert.equal(await codeOf(verifier.prefetchKeys(2)), 'ERR_INVALID_OPTIONS');

    assert.equal((await verifier.verify(await a.sign())).iss, a.url);
    const fromB = await b.sign({}, { audience: 'other' });
    assert.equal((await verifier.verify(fromB)).iss, b.url);
    assert.equal((await verifier.verify(fromB)).iss, b.url, 'a cached hit is counted for its issuer too');
    assert.equal(await codeOf(verifier.verify(await b.sign({ exp: 1 }))), 'ERR_JWT_EXPIRED');
    assert.equal(await codeOf(verifier.verify(await a.sign({ iss: 'https://c.example' }))), 'ERR_JWT_CLAIM_VALIDATION_FAILED');

    const statuses = verifier.issuers().map(({ issuer, keys, allowedDomains, verified, refused, jwksFile }) => ({
      issuer, keys, allowedDomains, verified, refused, jwksFile,
    }));
    assert.deepEqual(statuses, [
      { issuer: a.url, keys: 'discovery', allowedDomains: ['example.com'], verified: 1, refused: 0, jwksFile: undefined },
      { issuer: b.url, keys: 'jwks', allowedDomains: [], verified: 2, refused: 1, jwksFile: undefined },
    ]);
  } finally {
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('prefetchKeys() tries every issuer: one down is named and does not keep the other cold', async () => {
  const [down, up] = [await startIssuer(), await startIssuer()];
  await down.stop();
  try {
    const verifier = new OidcVerifier({ issuers: [{ issuer: down.url, audience: 'backstage' }, { issuer: up.url, audience: 'backstage' }] });
    const error = await verifier.prefetchKeys().then(() => assert.fail('resolved'), e => e);
    assert.equal(error.code, 'ERR_ISSUER_UNAVAILABLE');
    assert.ok(error.message.startsWith(`${down.url}: `), error.message);
    assert.deepEqual(up.state.counts, { discovery: 1, jwks: 1 });
    await up.stop(); // held keys serve while it is down
    assert.equal((await verifier.verify(await up.sign())).iss, up.url);
  } finally {
    await up.stop();
  }
});

test('verifyIdToken keeps one verifier per issuers list, like any other options', async () => {
  const a = await startIssuer();
  try {
    const options = { issuers: [{ issuer: a.url, audience: 'backstage' }] };
    for (let i = 0; i < 3; i++) assert.equal((await verifyIdToken(await a.sign({ sub: `u${i}` }), options)).sub, `u${i}`);
    assert.deepEqual(a.state.counts, { discovery: 1, jwks: 1 });
  } finally {
    await a.stop();
  }
});

test('the hostile token catalogue is refused by a verifier of several issuers too, each with its code or as an unlisted iss', async () => {
  const issuer = await startIssuer({ algs: ['RS256', 'ES256', 'ES384', 'EdDSA', 'PS256'] });
  const other = await startIssuer();
  try {
    // Nothing listens on port 9: a jku/x5u fetch would fail, and none is made (hardening-tokens counts them).
    const ctx = await hostileContext(issuer, 'http://127.0.0.1:9');
    const verifier = new OidcVerifier({
      issuers: [
        { issuer: other.url, audience: 'backstage' },
        { issuer: issuer.url, audience: 'backstage' },
      ],
    });
    assert.equal((await verifier.verify(await issuer.sign())).iss, issuer.url);
    let pickedFirst = 0;
    for (const c of hostileCases()) {
      const error = await verifier.verify(await c.token(ctx)).then(() => assert.fail(`${c.name}: accepted`), e => e);
      // The entry is chosen before the signature: a token naming no listed issuer is refused for that first.
      if (error.code !== c.code) {
        assert.deepEqual([error.code, error.claim], ['ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss'], `${c.source}: ${c.name}: ${error.message}`);
        pickedFirst++;
      }
    }
    assert.ok(pickedFirst < 10, `${pickedFirst} cases refused for their iss first`);
  } finally {
    await Promise.all([issuer.stop(), other.stop()]);
  }
});
