// verifyIdToken's rules, each against a real issuer on loopback serving discovery and JWKS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { verifyIdToken, errorCodes, validateOptions } from '../index.js';
import { startIssuer, makeKey, optionsFor, b64 } from '../test-support/test-issuer.mjs';

let issuer;
let options;
before(async () => {
  issuer = await startIssuer({ algs: ['RS256', 'ES256', 'EdDSA', 'PS256', 'ES384'] });
  options = optionsFor(issuer);
});
after(() => issuer.stop());

const now = () => Math.floor(Date.now() / 1000);

/** Asserts the rejection's code (and claim) and that the message leaks nothing. */
async function rejects(token, code, { claim, opts = options } = {}) {
  const error = await verifyIdToken(token, opts).then(
    () => assert.fail(`expected ${code}`),
    e => e,
  );
  assert.ok(error instanceof Error);
  assert.equal(error.code, code, error.message);
  if (claim) assert.equal(error.claim, claim);
  if (typeof token === 'string' && token.length > 20) {
    for (const part of token.split('.')) if (part.length > 8) assert.ok(!error.message.includes(part), 'message leaks the token');
  }
  assert.ok(!/jane|user-1/i.test(error.message), 'message leaks claims');
  return error;
}

test('accepts valid tokens for every default algorithm', async () => {
  for (const key of issuer.state.keys) {
    const claims = await verifyIdToken(await issuer.sign({}, { key }), options);
    assert.equal(claims.email, 'jane.doe@example.com');
    assert.equal(claims.iss, issuer.url);
  }
});

test('error codes are a documented, stable list', () => {
  assert.ok(errorCodes().includes('ERR_JWT_EXPIRED'));
  assert.ok(errorCodes().every(c => /^ERR_[A-Z0-9_]+$/.test(c)));
});

test('iss must equal the issuer exactly', async () => {
  await rejects(await issuer.sign({ iss: `${issuer.url}/` }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iss' });
  await rejects(await issuer.sign({ iss: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iss' });
});

test('aud must contain a configured audience; several need our azp', async () => {
  await rejects(await issuer.sign({}, { audience: 'other' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'aud' });
  await rejects(await issuer.sign({}, { audience: ['backstage', 'other'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'azp' });
  await rejects(await issuer.sign({ azp: 'other' }, { audience: ['backstage', 'other'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'azp' });
  await verifyIdToken(await issuer.sign({ azp: 'backstage' }, { audience: ['backstage', 'other'] }), options);
  await verifyIdToken(await issuer.sign({}, { audience: 'second' }), { ...options, audience: ['first', 'second'] });
});

test('exp, nbf and iat are numeric and enforced with the clock tolerance', async () => {
  await rejects(await issuer.sign({ exp: now() - 31 }), 'ERR_JWT_EXPIRED');
  await verifyIdToken(await issuer.sign({ exp: now() - 20 }), options);
  await rejects(await issuer.sign({ exp: now() - 5 }), 'ERR_JWT_EXPIRED', { opts: { ...options, clockTolerance: 0 } });
  await rejects(await issuer.sign({ exp: String(now() + 600) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'exp' });
  await rejects(await issuer.sign({ exp: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'exp' });
  await rejects(await issuer.sign({ nbf: now() + 120 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'nbf' });
  await rejects(await issuer.sign({ nbf: '0' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'nbf' });
  await rejects(await issuer.sign({ iat: now() + 120 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'iat' });
  await verifyIdToken(await issuer.sign({ exp: now() + 600.5, iat: now() - 0.25 }), options);
});

test('the claims OIDC makes mandatory are always required; requiredClaims adds to them', async () => {
  for (const opts of [options, { ...options, requiredClaims: ['groups'] }, { ...options, requiredClaims: [] }]) {
    for (const claim of ['iss', 'sub', 'aud', 'exp', 'iat']) {
      await rejects(await issuer.sign({ [claim]: undefined, groups: ['g'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim, opts });
    }
  }
  await rejects(await issuer.sign(), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'groups', opts: { ...options, requiredClaims: ['groups'] } });
  await rejects(await issuer.sign({ email: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'email', opts: { ...options, requiredClaims: ['email'] } });
  // email is for the resolvers that use it to decide (they refuse without it), not a token rule.
  await verifyIdToken(await issuer.sign({ email: undefined }), options);
});

test('sub is a non-empty string of at most 255 ASCII characters', async () => {
  for (const sub of ['', 'é', 'x'.repeat(256), 7, null]) {
    await rejects(await issuer.sign({ sub }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'sub' });
  }
  await verifyIdToken(await issuer.sign({ sub: 'x'.repeat(255) }), options);
});

test('only ID tokens pass: header typ absent, JWT or application/jwt; payload typ ID where present', async () => {
  for (const typ of ['JWT', 'jwt', 'application/jwt', 'Application/JWT']) {
    await verifyIdToken(await issuer.sign({}, { header: { typ } }), options);
  }
  for (const typ of ['at+jwt', 'application/at+jwt', 'logout+jwt', 'secevent+jwt', 'JOSE', '']) {
    await rejects(await issuer.sign({}, { header: { typ } }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'typ' });
  }
  await verifyIdToken(await issuer.sign({ typ: 'ID' }), options);
  for (const typ of ['Bearer', 'Refresh', 'id']) {
    await rejects(await issuer.sign({ typ }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'typ' });
  }
});

test('a nested JWT is refused in either media type spelling', async () => {
  for (const cty of ['JWT', 'jwt', 'application/JWT', 'APPLICATION/jwt']) {
    await rejects(await issuer.sign({}, { header: { cty } }), 'ERR_JOSE_NOT_SUPPORTED');
  }
});

test('aud [A, A] is one audience and needs no azp', async () => {
  await verifyIdToken(await issuer.sign({ aud: ['backstage', 'backstage'] }), options);
  await rejects(await issuer.sign({ aud: ['backstage', 'other'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', { claim: 'azp' });
});

test('an unknown option name is refused, naming it', async () => {
  for (const typo of [{ algorithm: ['RS256'] }, { audiences: ['x'] }, { requireClaims: ['groups'] }]) {
    const e = await verifyIdToken(await issuer.sign(), { ...options, ...typo }).catch(e => e);
    assert.equal(e.code, 'ERR_INVALID_OPTIONS');
    assert.match(e.message, new RegExp(`options\\.${Object.keys(typo)[0]}\\b`));
    assert.throws(() => validateOptions({ ...options, ...typo }), { code: 'ERR_INVALID_OPTIONS' });
  }
});

test('the algorithm allow-list is enforced; none and HMAC never pass', async () => {
  const es = issuer.state.keys.find(k => k.alg === 'ES256');
  await rejects(await issuer.sign({}, { key: es }), 'ERR_JOSE_ALG_NOT_ALLOWED', { opts: { ...options, algorithms: ['RS256'] } });
  const unsigned = `${b64({ alg: 'none' })}.${b64({ iss: issuer.url, aud: 'backstage', exp: now() + 60 })}.`;
  await rejects(unsigned, 'ERR_JOSE_ALG_NOT_ALLOWED');
  // Algorithm confusion: HS256 keyed with the issuer's public RSA key.
  const rsa = issuer.state.keys.find(k => k.alg === 'RS256');
  const input = `${b64({ alg: 'HS256', kid: rsa.kid })}.${b64({ iss: issuer.url, aud: 'backstage', sub: 'x', email: 'x@y.z', iat: now(), exp: now() + 60 })}`;
  const pem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
  const confused = `${input}.${crypto.createHmac('sha256', pem).update(input).digest('base64url')}`;
  await rejects(confused, 'ERR_JOSE_ALG_NOT_ALLOWED');
  const e = await verifyIdToken('x', { ...options, algorithms: ['HS256'] }).catch(e => e);
  assert.equal(e.code, 'ERR_INVALID_OPTIONS');
});

test('a token signed for one key family is not accepted with another alg', async () => {
  const rsa = issuer.state.keys.find(k => k.alg === 'RS256');
  // Claims PS256 in the header but names the RS256 key: the key's alg pins it.
  const token = await issuer.sign({}, { key: rsa, header: { alg: 'PS256' } });
  await rejects(token, 'ERR_JWKS_NO_MATCHING_KEY');
});

test('signatures are checked: tampered payloads and foreign keys fail', async () => {
  const token = await issuer.sign();
  const [h, , s] = token.split('.');
  const forged = `${h}.${b64({ iss: issuer.url, aud: 'backstage', sub: 'admin', email: 'admin@example.com', iat: now(), exp: now() + 600 })}.${s}`;
  await rejects(forged, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  const stranger = await makeKey('RS256', issuer.key.kid);
  await rejects(await issuer.sign({}, { key: stranger }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  // An embedded jwk header is never used: the attacker's own key does not help.
  await rejects(await issuer.sign({}, { key: stranger, header: { jwk: stranger.jwk, jku: 'http://127.0.0.1:1/jwks' } }),
    'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
});

test('unsupported JOSE features are refused', async () => {
  await rejects(await issuer.sign({}, { header: { crit: ['exp'], exp: 1 } }), 'ERR_JOSE_NOT_SUPPORTED');
  await rejects(await issuer.sign({}, { header: { b64: false, crit: ['b64'] } }), 'ERR_JOSE_NOT_SUPPORTED');
  await rejects(await issuer.sign({}, { header: { cty: 'JWT' } }), 'ERR_JOSE_NOT_SUPPORTED');
  await rejects('a.b.c.d.e', 'ERR_JWS_INVALID');
});

test('only strict compact JWS of bounded size is parsed', async () => {
  const token = await issuer.sign();
  const [h, p, s] = token.split('.');
  await rejects(`${h}.${p}`, 'ERR_JWS_INVALID');
  await rejects(`${h}=.${p}.${s}`, 'ERR_JWS_INVALID');
  await rejects(`${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}x`, 'ERR_JWS_INVALID');
  await rejects(` ${token}`, 'ERR_JWS_INVALID');
  await rejects(await issuer.sign({ pad: 'x'.repeat(17000) }), 'ERR_JWS_INVALID');
  await rejects(`${b64('{"alg":"RS256","alg":"none"}')}.${p}.${s}`, 'ERR_JWS_INVALID');
  await rejects('', 'ERR_JWS_INVALID');
  const e = await verifyIdToken(undefined, options).catch(e => e);
  assert.equal(e.code, 'ERR_JWS_INVALID');
});

test('RSA keys under 2048 bits are refused', async () => {
  const small = await makeKey('RS256', 'small', { modulusLength: 1024 });
  const weak = await startIssuer();
  weak.state.keys = [small];
  const e = await rejects(await weak.sign({ iss: weak.url }, { key: small }), 'ERR_JWK_INVALID', { opts: optionsFor(weak) });
  assert.match(e.message, /1024 bits/);
  await weak.stop();
});

test('bad options reject with ERR_INVALID_OPTIONS naming the option', async () => {
  const token = await issuer.sign();
  for (const [opts, name] of [
    [{}, 'issuer'],
    [{ issuer: issuer.url }, 'audience'],
    [{ ...options, clockTolerance: 120 }, 'clockTolerance'],
    [{ ...options, issuer: 'http://login.example.com' }, 'https'],
    [{ ...options, jwksUri: 'http://keys.example.com/jwks' }, 'jwksUri'],
    [{ ...options, algorithms: ['none'] }, 'algorithms'],
  ]) {
    const e = await verifyIdToken(token, opts).catch(e => e);
    assert.equal(e.code, 'ERR_INVALID_OPTIONS', JSON.stringify(opts));
    assert.match(e.message, new RegExp(name));
    // The same verdict synchronously, for start-up checks.
    assert.throws(() => validateOptions(opts), { code: 'ERR_INVALID_OPTIONS', message: e.message });
  }
  assert.equal(validateOptions(options), undefined);
});
