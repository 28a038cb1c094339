// Hostile tokens from the published catalogues (see test-support/hostile-tokens.mjs for the
// list and its sources), each through verifyIdToken against a loopback issuer and, when
// the Backstage module is built, through the refresh endpoint of a real backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { verifyIdToken } from '../index.js';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';
import { hostileCases, hostileContext } from '../test-support/hostile-tokens.mjs';
import { moduleMissing, startModuleBackend } from '../test-support/module-backend.mjs';

const cases = hostileCases();
let issuer, attacker, ctx, options;
const tokens = new Map(); // case -> token, built once

before(async () => {
  issuer = await startIssuer({ algs: ['RS256', 'ES256', 'ES384', 'EdDSA', 'PS256'] });
  // Stands in for jku/x5u targets: the verifier must never call it.
  attacker = http.createServer((req, res) => { attacker.hits++; res.end('{"keys":[]}'); });
  attacker.hits = 0;
  await new Promise(r => attacker.listen(0, '127.0.0.1', r));
  ctx = await hostileContext(issuer, `http://127.0.0.1:${attacker.address().port}`);
  options = optionsFor(issuer);
  // Warm the key cache with a good token, so each case is judged on its own merits.
  await verifyIdToken(await issuer.sign(), options);
  for (const c of cases) tokens.set(c, await c.token(ctx));
});
after(async () => {
  await issuer.stop();
  await new Promise(r => attacker.close(r));
});

/** Every piece of the token or its claims that must never be echoed back. */
function secretsOf(token) {
  const secrets = token.split('.').filter(p => p.length > 8);
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
    for (const v of Object.values(claims)) if (typeof v === 'string' && v.length > 4 && !v.startsWith('http')) secrets.push(v);
  } catch { /* not JSON: the parts are enough */ }
  return secrets;
}

test('the catalogue is large and every case names its source', () => {
  assert.ok(cases.length >= 150, `${cases.length} cases`);
  for (const c of cases) assert.ok(c.source && c.name && c.code, JSON.stringify(c));
  const names = new Set(cases.map(c => `${c.source}: ${c.name}`));
  assert.equal(names.size, cases.length, 'case names are unique');
});

for (const c of cases) {
  test(`verifyIdToken refuses ${c.source}: ${c.name} with ${c.code}`, async () => {
    const token = tokens.get(c);
    const error = await verifyIdToken(token, options).then(() => assert.fail(`accepted; expected ${c.code}`), e => e);
    assert.equal(error.code, c.code, error.message);
    if (c.claim) assert.equal(error.claim, c.claim);
    for (const secret of secretsOf(token)) assert.ok(!error.message.includes(secret), 'the message echoes the token or a claim');
  });
}

test('no token made the verifier fetch from a URL it named (jku, x5u)', () => {
  assert.equal(attacker.hits, 0);
});

test('the issuer itself still verifies: the refusals above are not a broken setup', async () => {
  const claims = await verifyIdToken(await issuer.sign({ sub: 'still-fine' }), options);
  assert.equal(claims.sub, 'still-fine');
});

// A header value must be visible ASCII to cross HTTP unchanged (leading spaces are trimmed
// by the server, control and non-ASCII characters refused by the client).
const crossesHttp = token => /^[\x21-\x7e]+$/.test(token);

test('through /api/auth/oidcProxy/refresh: 401 without the token or its claims in the body', { skip: moduleMissing() ?? false }, async () => {
  const backend = await startModuleBackend({ issuer: issuer.url });
  try {
    const good = await backend.refresh(await issuer.sign());
    assert.equal(good.status, 200, 'a good token signs in: the setup works');
    let sent = 0;
    for (const c of cases) {
      const token = tokens.get(c);
      if (!crossesHttp(token)) continue;
      const response = await backend.refresh(token);
      const body = await response.text();
      // Node refuses request headers over 16 KiB itself (431) before the module sees them.
      const expected = token.length > 16000 ? [401, 431] : [401];
      assert.ok(expected.includes(response.status), `${c.source}: ${c.name}: HTTP ${response.status} ${body.slice(0, 200)}`);
      for (const secret of secretsOf(token)) assert.ok(!body.includes(secret), `${c.name}: the body echoes the token or a claim`);
      sent++;
    }
    assert.ok(sent >= cases.length - 10, `${sent} of ${cases.length} cases went through HTTP`);
  } finally {
    await backend.stop();
  }
});
