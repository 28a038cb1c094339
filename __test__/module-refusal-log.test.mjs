// The refusal log: refused sign-ins on a real backend (auth plugin, catalog, this module)
// are logged at warn, one rate-limited line per (code, claim, iss), with the references the
// response bodies carry; never the token, an email or a name. Then the limiter alone, on a
// clock of its own: counts, references, and the bounded key table with its "other" key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcIssuer, OTHER_CLIENT_ID } from '../test-support/oidc-issuer.mjs';
import { startAuthBackend, user, capturingLogger } from '../test-support/auth-backend.mjs';
import { RefusalLog, MAX_KEYS, INTERVAL_MS } from '../dist/refusals.js';

let idp;
let backend;
before(async () => {
  idp = await startOidcIssuer();
  backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuer: idp.issuer,
        audience: idp.clientId,
        signIn: { resolvers: [{ resolver: 'emailMatchingUserEntityProfileEmail', allowedDomains: ['example.com'] }] },
      },
    },
    entities: [user('bob', { email: 'bob@example.com' })],
  });
});
after(async () => {
  await backend?.stop();
  await idp?.stop();
});

const warnLines = () => backend.logs.filter(l => l.level === 'warn' && l.message.includes('sign-in refused'));

/** Nothing of the token, and no email or name, in `text`. */
function assertNothingOf(token, text, what) {
  for (const part of token.split('.')) assert.equal(text.includes(part), false, `${what} holds a part of the token`);
  for (const personal of ['alice@example.com', 'Alice Adams', 'carol@other.org', 'Carol Chen']) {
    assert.equal(text.includes(personal), false, `${what} holds ${personal}`);
  }
}

test('refused sign-ins: one rate-limited warn line with code, claim and iss, the references of the bodies, never the token or the email', async () => {
  const token = await idp.login('alice', { clientId: OTHER_CLIENT_ID });
  const references = [];
  for (let i = 0; i < 3; i++) {
    const response = await backend.refresh(token);
    const text = await response.text();
    assert.equal(response.status, 401);
    const { error } = JSON.parse(text);
    assert.equal(error.code, 'ERR_JWT_CLAIM_VALIDATION_FAILED');
    assert.match(error.reference, /^[0-9a-f]{10}$/);
    references.push(error.reference);
    // The body: name, message, code, reference; nothing taken from the token.
    assertNothingOf(token, text, 'the body');
    for (const value of ['other-app', 'sub-alice']) assert.equal(text.includes(value), false, `the body holds ${value}`);
  }
  assert.equal(new Set(references).size, 3, 'each refusal has its own reference');

  const lines = warnLines().filter(l => l.message.includes('code=ERR_JWT_CLAIM_VALIDATION_FAILED'));
  assert.equal(lines.length, 1, 'three refusals within a minute: one line');
  const [line] = lines;
  assert.match(line.message, / status=401 code=ERR_JWT_CLAIM_VALIDATION_FAILED claim=aud /);
  assert.ok(line.message.includes(`iss="${idp.issuer}"`), line.message);
  assert.match(line.message, / alg="RS256" kid="[^"]+" /);
  assert.match(line.message, / aud="other-app" azp=(-|"other-app") sub="sub-alice" exp_in_s=\d+ /);
  assert.ok(line.message.includes(`refs=${references[0]}`), 'the line lists the reference of the refusal it stands for');
  for (const entry of backend.logs) assertNothingOf(token, `${entry.message} ${JSON.stringify(entry.meta)}`, 'the log');
});

test('resolver refusals name the resolver and why; an expired token shows exp; no header is debug only', async () => {
  const carol = await idp.login('carol');
  const refused = await backend.refresh(carol);
  assert.equal(refused.status, 403);
  assert.equal((await refused.json()).error.code, 'ERR_IDENTITY_DOMAIN_NOT_ALLOWED');
  const domain = warnLines().find(l => l.message.includes('code=ERR_IDENTITY_DOMAIN_NOT_ALLOWED'));
  assert.ok(domain, 'a line for the domain refusal');
  assert.match(domain.message, /resolver="auth\.providers\.oidcProxy\.signIn\.resolvers\[0\] \(emailMatchingUserEntityProfileEmail\)"/);
  assertNothingOf(carol, domain.message, 'the line');

  const alice = await idp.login('alice');
  const unknown = await backend.refresh(alice);
  assert.equal(unknown.status, 403);
  const body = await unknown.json();
  assert.equal(body.error.code, 'ERR_SIGN_IN_NO_USER');
  const noUser = warnLines().find(l => l.message.includes('code=ERR_SIGN_IN_NO_USER'));
  assert.match(noUser.message, /resolver="auth\.providers\.oidcProxy\.signIn\.resolvers\[0\] \(emailMatchingUserEntityProfileEmail\): User not found"/);
  assert.ok(noUser.message.includes(body.error.reference));

  assert.equal((await backend.refresh(await idp.login('bob'))).status, 200, 'a User in the catalog signs in');

  const exp = Math.floor(Date.now() / 1000) - 3600;
  const expired = await idp.sign({ exp, iat: exp - 600 });
  assert.equal((await backend.refresh(expired)).status, 401);
  const expiredLine = warnLines().find(l => l.message.includes('code=ERR_JWT_EXPIRED'));
  assert.match(expiredLine.message, /claim=exp .* exp_in_s=-36\d\d /);

  const before = warnLines().length;
  const missing = await backend.refresh(undefined);
  assert.equal(missing.status, 401);
  const { error } = await missing.json();
  assert.equal(error.code, 'ERR_ID_TOKEN_MISSING');
  assert.equal(warnLines().length, before, 'a missing header is not a warning');
  assert.ok(backend.logs.some(l => l.level === 'debug' && l.message.includes(error.reference)), 'it is logged at debug');
});

// The limiter on its own clock: the same class the provider uses, with a capturing logger.
const b64 = o => Buffer.from(JSON.stringify(o)).toString('base64url');
const tokenFrom = iss => `${b64({ alg: 'RS256', kid: 'k' })}.${b64({ iss, aud: 'backstage', sub: 's', email: 'jane@example.com' })}.c2ln`;
const refusal = (code, claim) => {
  const error = Object.assign(new Error('refused'), { name: 'AuthenticationError', code });
  if (claim) Object.defineProperty(error, 'claim', { value: claim, enumerable: false });
  return error;
};

test('the limiter: one line a minute per key, counting the refusals and listing up to ten references', () => {
  const logs = [];
  let now = 1_000_000;
  const log = new RefusalLog(capturingLogger(logs), 'oidcProxy', () => now);
  const token = tokenFrom('https://idp.example.com');
  const errors = [];
  for (let i = 0; i < 13; i++) {
    const error = refusal('ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
    log.refused(error, token);
    errors.push(error);
    now += 1000;
  }
  assert.equal(logs.length, 1);
  assert.match(logs[0].message, /refusals=1 refs=[0-9a-f]{10}$/);
  now += INTERVAL_MS;
  const last = refusal('ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  log.refused(last, token);
  assert.equal(logs.length, 2);
  // 12 held back plus this one: 13, ten references listed, then a count.
  assert.match(logs[1].message, / refusals_last_60s=13 refs=([0-9a-f]{10},){9}[0-9a-f]{10},\+3 more$/);
  assert.ok(logs[1].message.includes(errors[1].reference));
  assert.ok(!logs[1].message.includes('jane@example.com'));
  // Another claim is another key: logged at once.
  log.refused(refusal('ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss'), token);
  assert.equal(logs.length, 3);
  // 500s are not refusals: Backstage logs those.
  log.refused(new Error('boom'), token);
  assert.equal(logs.length, 3);
});

test('the limiter: invented issuers beyond the key bound share one "other" key', () => {
  const logs = [];
  const now = 2_000_000;
  const log = new RefusalLog(capturingLogger(logs), 'oidcProxy', () => now);
  for (let i = 0; i < MAX_KEYS * 3; i++) log.refused(refusal('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'), tokenFrom(`https://evil-${i}.example.com`));
  // One line per key up to the bound, then one for "other"; the table never grows past it.
  assert.equal(logs.length, MAX_KEYS + 1);
  assert.equal(log.keyCount(), MAX_KEYS + 1);
  assert.match(logs.at(-1).message, / limiter_key=other /);
  log.refused(refusal('ERR_JWT_INVALID'), tokenFrom('https://one-more.example.com'));
  assert.equal(logs.length, MAX_KEYS + 1, 'past the bound: counted under other, no new line');
  assert.equal(log.keyCount(), MAX_KEYS + 1);
});

test('the limiter: values from the token are escaped and cut at 64 characters', () => {
  const logs = [];
  const log = new RefusalLog(capturingLogger(logs), 'oidcProxy', () => 0);
  log.refused(refusal('ERR_JWT_INVALID'), tokenFrom(`https://${'x'.repeat(100)}\n" injected=1`));
  assert.equal(logs.length, 1);
  const iss = /iss="((?:[^"\\]|\\.)*)"/.exec(logs[0].message)[1];
  assert.equal(iss, `https://${'x'.repeat(56)}…`);
  assert.equal(logs[0].message.includes('\n'), false);
  log.refused(refusal('ERR_JWT_INVALID', 'x'), tokenFrom('a\u001b[31m"b'));
  assert.match(logs[1].message, /iss="a\\u\{1b\}\[31m\\"b"/);
});
