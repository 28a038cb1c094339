// The hostile token catalogue: each case names the published rule or attack it comes from,
// builds its token against a loopback test issuer, and says which error code it must get.
// Signing is by node:crypto directly so the tokens can be as broken as the attacks need.
import crypto from 'node:crypto';
import { makeKey, signJws, b64 } from './test-issuer.mjs';

const now = () => Math.floor(Date.now() / 1000);

// Curve orders, for ECDSA signatures with r or s equal to n (CVE-2022-21449 variants).
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
const P384_N = 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973';
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

/**
 * What the catalogue needs besides the issuer: its keys by alg, a stranger's key, a 2047-bit
 * key and odd JWKS entries, all published before the first verification (later kids
 * would depend on the unknown-kid refetch cooldown).
 */
export async function hostileContext(issuer, attackerUrl) {
  const keys = Object.fromEntries(issuer.state.keys.map(k => [k.alg, k]));
  const rsa2047 = await makeKey('RS256', 'rsa-2047', { modulusLength: 2047 });
  const stranger = await makeKey('RS256', 'stranger');
  for (const jwk of [rsa2047.jwk, ...extraJwks(keys)]) issuer.state.keys.push({ jwk });
  return { issuer, keys, rsa2047, stranger, attackerUrl };
}

function extraJwks(keys) {
  const rsa = keys.RS256.jwk;
  const es = keys.ES256.jwk;
  return [
    // RSA with e = 1: the "signature" would be the padded hash itself.
    { kty: 'RSA', kid: 'rsa-e1', use: 'sig', n: rsa.n, e: 'AQ' },
    // RSA above the 8192-bit ceiling (work bound), and an EC key with a short coordinate.
    { kty: 'RSA', kid: 'rsa-huge', use: 'sig', n: Buffer.alloc(1100, 0xff).toString('base64url'), e: 'AQAB' },
    { kty: 'EC', kid: 'ec-short', use: 'sig', crv: 'P-256', x: es.x.slice(0, 42), y: es.y },
    // An HMAC secret in the JWKS (Wycheproof jws_mixedSymmetryKeyset): never usable.
    { kty: 'oct', kid: 'hmac', k: Buffer.from('secret-secret-secret-secret-32b!').toString('base64url') },
  ];
}

function resign(token, mutate) {
  const [h, p, s] = token.split('.');
  return mutate(h, p, s);
}

/** Sets the unused low bits of the last base64url character: lenient decoders read the same bytes. */
function dirtyTail(part) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const unused = { 2: 4, 3: 2 }[part.length % 4];
  if (!unused) throw new Error('this part has no unused bits');
  const last = alphabet.indexOf(part.at(-1));
  return part.slice(0, -1) + alphabet[last | 1];
}

function ecdsaSig(rHex, sHex, size) {
  return Buffer.concat([Buffer.from(rHex.padStart(size * 2, '0'), 'hex'), Buffer.from(sHex.padStart(size * 2, '0'), 'hex')]).toString('base64url');
}

/**
 * The catalogue: [{ source, name, token(ctx), code, claim? }]. `ctx` has the issuer, its
 * keys by alg, a stranger key and the URL of an attacker server that must never be called.
 */
export function hostileCases() {
  const cases = [];
  const add = (source, name, token, code, claim) => cases.push({ source, name, token, code, claim });
  const claims = ctx => ({ iss: ctx.issuer.url, aud: 'backstage', sub: 'user-1', email: 'jane.doe@example.com', iat: now(), exp: now() + 600 });

  // --- RFC 7518 3.6 / RFC 8725 2.1 and 3.1: "none" in every spelling, with or without a signature.
  for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
    add('RFC 7518 3.6', `alg ${alg}, empty signature`, ctx => `${b64({ alg })}.${b64(claims(ctx))}.`, 'ERR_JOSE_ALG_NOT_ALLOWED');
  }
  add('RFC 8725 3.1', 'alg none with a real RS256 signature attached', async ctx =>
    resign(await ctx.issuer.sign(), (h, p, s) => `${b64({ alg: 'none', kid: ctx.keys.RS256.kid })}.${p}.${s}`), 'ERR_JOSE_ALG_NOT_ALLOWED');
  add('RFC 7515 4.1.1', 'no alg', ctx => signJws({ kid: ctx.keys.RS256.kid }, claims(ctx), ctx.keys.RS256, 'RS256'), 'ERR_JWS_INVALID');
  add('RFC 7515 4.1.1', 'alg is an array', ctx => signJws({ alg: ['RS256'], kid: ctx.keys.RS256.kid }, claims(ctx), ctx.keys.RS256, 'RS256'), 'ERR_JWS_INVALID');
  add('RFC 7515 4.1.1', 'alg is null', ctx => signJws({ alg: null, kid: ctx.keys.RS256.kid }, claims(ctx), ctx.keys.RS256, 'RS256'), 'ERR_JWS_INVALID');
  for (const alg of ['ES512', 'RS1', 'RS256 ', 'rs256', 'ES256K', 'Ed25519']) {
    add('RFC 8725 3.1', `alg ${JSON.stringify(alg)} outside the allow-list`, ctx =>
      resign(signJws({ alg: 'RS256', kid: ctx.keys.RS256.kid }, claims(ctx), ctx.keys.RS256), (h, p, s) => `${b64({ alg, kid: ctx.keys.RS256.kid })}.${p}.${s}`),
      'ERR_JOSE_ALG_NOT_ALLOWED');
  }

  // --- CVE-2016-10555 and RFC 8725 2.1: algorithm confusion, the public key as an HMAC secret.
  for (const [alg, hash] of [['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']]) {
    for (const [form, secret] of [
      ['PEM', ctx => ctx.keys.RS256.publicKey.export({ type: 'spki', format: 'pem' })],
      ['JWK n', ctx => Buffer.from(ctx.keys.RS256.jwk.n, 'base64url')],
      ['JWK JSON', ctx => JSON.stringify(ctx.keys.RS256.jwk)],
    ]) {
      add('CVE-2016-10555', `${alg} keyed with the RSA public key (${form})`, ctx => {
        const input = `${b64({ alg, kid: ctx.keys.RS256.kid })}.${b64(claims(ctx))}`;
        return `${input}.${crypto.createHmac(hash, secret(ctx)).update(input).digest('base64url')}`;
      }, 'ERR_JOSE_ALG_NOT_ALLOWED');
    }
  }
  add('Wycheproof jws_mixedSymmetryKeyset', 'HS256 naming the oct key the JWKS publishes', ctx => {
    const input = `${b64({ alg: 'HS256', kid: 'hmac' })}.${b64(claims(ctx))}`;
    return `${input}.${crypto.createHmac('sha256', 'secret-secret-secret-secret-32b!').update(input).digest('base64url')}`;
  }, 'ERR_JOSE_ALG_NOT_ALLOWED');
  // Family confusion: a header alg of another family or curve naming an existing key.
  for (const [alg, keyAlg] of [['ES256', 'RS256'], ['RS256', 'ES256'], ['ES384', 'ES256'], ['ES256', 'ES384'], ['EdDSA', 'ES256'], ['RS256', 'PS256'], ['PS256', 'RS256']]) {
    add('RFC 8725 3.1', `${alg} header naming the ${keyAlg} key`, ctx => ctx.issuer.sign({}, { key: ctx.keys[keyAlg], header: { alg } }), 'ERR_JWKS_NO_MATCHING_KEY');
  }

  // --- RFC 7515 4.1.2-4.1.6, RFC 8725 3.10: key material named by the token is never used or fetched.
  for (const header of ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256']) {
    const value = ctx => ({
      jwk: ctx.stranger.jwk,
      jku: `${ctx.attackerUrl}/jwks`,
      x5u: `${ctx.attackerUrl}/cert.pem`,
      x5c: [Buffer.from('not really a certificate').toString('base64')],
      x5t: crypto.createHash('sha1').update('x').digest('base64url'),
      'x5t#S256': crypto.createHash('sha256').update('x').digest('base64url'),
    })[header];
    add('RFC 7515 4.1', `attacker-signed with ${header} and the issuer's kid`, async ctx =>
      ctx.issuer.sign({}, { key: { ...ctx.stranger, kid: ctx.keys.RS256.kid }, header: { [header]: value(ctx) } }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    add('RFC 7515 4.1', `attacker-signed with ${header} and its own kid`, async ctx =>
      ctx.issuer.sign({}, { key: ctx.stranger, header: { [header]: value(ctx) } }), 'ERR_JWKS_NO_MATCHING_KEY');
  }

  // --- RFC 7515 4.1.11 crit and RFC 7797 b64.
  for (const crit of [[], ['exp'], ['b64'], 'b64', ['http://example.com/ext']]) {
    add('RFC 7515 4.1.11', `crit ${JSON.stringify(crit)}`, ctx => ctx.issuer.sign({}, { header: { crit, b64: true, exp: 1 } }), 'ERR_JOSE_NOT_SUPPORTED');
  }
  for (const b64v of [false, 'false', 0, null]) {
    add('RFC 7797', `b64 ${JSON.stringify(b64v)} without crit`, ctx => ctx.issuer.sign({}, { header: { b64: b64v } }), 'ERR_JOSE_NOT_SUPPORTED');
  }
  add('RFC 7797', 'b64:false payload signed unencoded', ctx => {
    const header = b64({ alg: 'RS256', kid: ctx.keys.RS256.kid, b64: false, crit: ['b64'] });
    const payload = JSON.stringify(claims(ctx));
    const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), ctx.keys.RS256.privateKey).toString('base64url');
    return `${header}..${sig}`; // detached, as RFC 7797 5.2 allows
  }, 'ERR_JOSE_NOT_SUPPORTED');

  // --- RFC 7518 3.3, 3.4, 6.2 key sizes and shapes; RFC 8017 3.1 exponent.
  add('RFC 7518 3.3', 'RSA key of 2047 bits', ctx => ctx.issuer.sign({}, { key: ctx.rsa2047 }), 'ERR_JWK_INVALID');
  add('RFC 7518 3.3', 'RSA key above 8192 bits', ctx => signJws({ alg: 'RS256', kid: 'rsa-huge' }, claims(ctx), ctx.keys.RS256), 'ERR_JWK_INVALID');
  add('RFC 8017 3.1', 'RSA key with e = 1 and the padded hash as signature', ctx => {
    const input = `${b64({ alg: 'RS256', kid: 'rsa-e1' })}.${b64(claims(ctx))}`;
    const digest = Buffer.concat([SHA256_DIGEST_INFO, crypto.createHash('sha256').update(input).digest()]);
    const k = Buffer.from(ctx.keys.RS256.jwk.n, 'base64url').length;
    const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - digest.length - 3, 0xff), Buffer.from([0]), digest]);
    return `${input}.${em.toString('base64url')}`;
  }, 'ERR_JWK_INVALID');
  add('RFC 7518 6.2.1', 'P-256 key with a 31-byte x coordinate', ctx => signJws({ alg: 'ES256', kid: 'ec-short' }, claims(ctx), ctx.keys.ES256), 'ERR_JWK_INVALID');

  // --- CVE-2022-21449 psychic signatures and ECDSA encodings (RFC 7518 3.4: R || S, fixed size).
  for (const [alg, n, size] of [['ES256', P256_N, 32], ['ES384', P384_N, 48]]) {
    for (const [label, r, s] of [['r = s = 0', '0', '0'], ['r = s = n', n, n], ['r = 0, s = 1', '0', '1'], ['r = n, s = 0', n, '0']]) {
      add('CVE-2022-21449', `${alg} with ${label}`, async ctx =>
        resign(await ctx.issuer.sign({}, { key: ctx.keys[alg] }), (h, p) => `${h}.${p}.${ecdsaSig(r, s, size)}`), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    }
    add('RFC 7518 3.4', `${alg} signature in DER instead of R || S`, ctx => {
      const input = `${b64({ alg, kid: ctx.keys[alg].kid })}.${b64(claims(ctx))}`;
      const der = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: ctx.keys[alg].privateKey, dsaEncoding: 'der' });
      return `${input}.${der.toString('base64url')}`;
    }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    add('RFC 7518 3.4', `${alg} R || S with a zero byte prepended`, async ctx =>
      resign(await ctx.issuer.sign({}, { key: ctx.keys[alg] }), (h, p, s) => `${h}.${p}.${Buffer.concat([Buffer.from([0]), Buffer.from(s, 'base64url')]).toString('base64url')}`),
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    add('RFC 7518 3.4', `${alg} R || S truncated by one byte`, async ctx =>
      resign(await ctx.issuer.sign({}, { key: ctx.keys[alg] }), (h, p, s) => `${h}.${p}.${Buffer.from(s, 'base64url').subarray(1).toString('base64url')}`),
      'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  }
  add('RFC 8032 5.1.7', 'Ed25519 signature with S + L (malleated)', async ctx =>
    resign(await ctx.issuer.sign({}, { key: ctx.keys.EdDSA }), (h, p, s) => {
      const sig = Buffer.from(s, 'base64url');
      const L = 2n ** 252n + 27742317777372353535851937790883648493n;
      const S = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
      const Sle = Buffer.from(S.toString(16).padStart(64, '0'), 'hex').reverse();
      return `${h}.${p}.${Buffer.concat([sig.subarray(0, 32), Sle]).toString('base64url')}`;
    }), 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  add('RFC 8017 8.2.2', 'RS256 signature with a zero byte prepended', async ctx =>
    resign(await ctx.issuer.sign(), (h, p, s) => `${h}.${p}.${Buffer.concat([Buffer.from([0]), Buffer.from(s, 'base64url')]).toString('base64url')}`),
    'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  add('RFC 7515 5.2', 'signature of another token', async ctx => {
    const [h1, p1] = (await ctx.issuer.sign({ sub: 'admin' })).split('.');
    const s2 = (await ctx.issuer.sign()).split('.')[2];
    return `${h1}.${p1}.${s2}`;
  }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');

  // --- JWE and nested JWTs (RFC 7516, RFC 7519 5.2, RFC 8725 2.7).
  add('RFC 7516', 'a five-part JWE', () => [b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }), 'a'.repeat(342), 'AAAAAAAAAAAAAAAA', 'YWJj', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.'), 'ERR_JWS_INVALID');
  add('RFC 7516', 'three parts with an enc header', ctx => ctx.issuer.sign({}, { header: { enc: 'A256GCM' } }), 'ERR_JWS_INVALID');
  for (const cty of ['JWT', 'jwt', 'Jwt']) {
    add('RFC 7519 5.2', `nested JWT, cty ${cty}`, async ctx => {
      const inner = await ctx.issuer.sign({ sub: 'admin' });
      return signJws({ alg: 'RS256', kid: ctx.keys.RS256.kid, cty }, inner, ctx.keys.RS256);
    }, 'ERR_JOSE_NOT_SUPPORTED');
  }
  add('RFC 8725 2.7', 'a validly signed JWT whose payload is another JWT', async ctx =>
    signJws({ alg: 'RS256', kid: ctx.keys.RS256.kid }, await ctx.issuer.sign(), ctx.keys.RS256), 'ERR_JWT_INVALID');

  // --- RFC 7515 2 / RFC 4648 3.5: one canonical base64url spelling only.
  for (const [i, part] of [[0, 'header'], [1, 'payload'], [2, 'signature']]) {
    add('RFC 4648 3.5', `non-zero unused bits in the ${part}`, async ctx => {
      for (let n = 0; n < 20; n++) {
        const parts = (await ctx.issuer.sign({ pad: 'x'.repeat(n) }, { key: ctx.keys.ES256 })).split('.');
        if (parts[i].length % 4 > 1) { parts[i] = dirtyTail(parts[i]); return parts.join('.'); }
      }
      throw new Error('no token with unused bits in that part');
    }, 'ERR_JWS_INVALID');
  }
  for (const [label, edit] of [
    ['standard alphabet (+/)', t => t.replace(/-/g, '+').replace(/_/g, '/')],
    ['padding', t => t.split('.').map(p => p + '='.repeat((4 - (p.length % 4)) % 4 || 0)).join('.')],
    ['a line break', t => t.replace('.', '\n.')],
    ['percent-encoding', t => `${t.slice(0, 10)}%41${t.slice(10)}`],
    ['a trailing dot', t => `${t}.`],
    ['leading whitespace', t => ` ${t}`],
    ['a NUL byte', t => `${t}\u0000`],
    ['non-ASCII', t => `${t.slice(0, 5)}é${t.slice(5)}`],
  ]) {
    add('RFC 7515 7.1', `token with ${label}`, async ctx => {
      // A token whose parts need the edit (signature with - or _, lengths needing padding).
      for (let n = 0; n < 50; n++) {
        const token = await ctx.issuer.sign({ pad: 'x'.repeat(n) });
        const edited = edit(token);
        if (edited !== token) return edited;
      }
      throw new Error(`no token changed by ${label}`);
    }, 'ERR_JWS_INVALID');
  }

  // --- Malformed, oversized and deeply nested JSON (RFC 8259; RFC 7515 4 duplicate names).
  const withHeaderText = text => ctx => {
    const input = `${b64(text)}.${b64(claims(ctx))}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), ctx.keys.RS256.privateKey).toString('base64url')}`;
  };
  const withPayloadText = text => ctx => signJws({ alg: 'RS256', kid: ctx.keys.RS256.kid }, typeof text === 'function' ? text(ctx) : text, ctx.keys.RS256);
  add('RFC 8259', 'header is not JSON', withHeaderText('{alg:"RS256"}'), 'ERR_JWS_INVALID');
  add('RFC 8259', 'header is a JSON array', withHeaderText('["RS256"]'), 'ERR_JWS_INVALID');
  add('RFC 8259', 'header with a byte order mark', ctx => withHeaderText(`\ufeff${JSON.stringify({ alg: 'RS256', kid: ctx.keys.RS256.kid })}`)(ctx), 'ERR_JWS_INVALID');
  add('RFC 7515 4', 'header with a duplicate kid', ctx => withHeaderText(`{"alg":"RS256","kid":"${ctx.keys.RS256.kid}","kid":"other"}`)(ctx), 'ERR_JWS_INVALID');
  add('RFC 8259', 'header nested 4000 deep', ctx => withHeaderText(`{"alg":"RS256","x":${'['.repeat(4000)}${']'.repeat(4000)}}`)(ctx), 'ERR_JWS_INVALID');
  add('RFC 8259', 'payload nested 5000 deep', withPayloadText(`{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`), 'ERR_JWT_INVALID');
  add('RFC 8259', 'payload objects nested 1500 deep', withPayloadText(`${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}`), 'ERR_JWT_INVALID');
  add('RFC 8259', 'payload with trailing garbage', ctx => withPayloadText(`${JSON.stringify(claims(ctx))} x`)(ctx), 'ERR_JWT_INVALID');
  add('RFC 8259', 'payload is not UTF-8', ctx => withPayloadText(Buffer.concat([Buffer.from(JSON.stringify(claims(ctx)).slice(0, -1)), Buffer.from(',"n":"\xff"}', 'latin1')]))(ctx), 'ERR_JWT_INVALID');
  add('RFC 8259 8.2', 'payload with a lone surrogate', ctx => withPayloadText(`${JSON.stringify(claims(ctx)).slice(0, -1)},"name":"\\ud800"}`)(ctx), 'ERR_JWT_INVALID');
  add('RFC 8259 6', 'exp out of double range (1e400)', ctx => withPayloadText(`${JSON.stringify({ ...claims(ctx), exp: undefined }).slice(0, -1)},"exp":1e400}`)(ctx), 'ERR_JWT_INVALID');
  add('RFC 7519 4', 'duplicate exp in the payload', ctx => withPayloadText(`${JSON.stringify(claims(ctx)).slice(0, -1)},"exp":1}`)(ctx), 'ERR_JWT_INVALID');
  add('RFC 7519 7.2', 'payload is a JSON string', withPayloadText('"claims"'), 'ERR_JWT_INVALID');
  add('RFC 7519 7.2', 'payload is empty', withPayloadText(''), 'ERR_JWT_INVALID');
  add('RFC 8725 3.5', 'token over 16 KiB (many claims)', ctx => ctx.issuer.sign(Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`c${i}`, i]))), 'ERR_JWS_INVALID');
  add('RFC 8725 3.5', 'token of 1 MiB', () => `${'a'.repeat(1 << 20)}.b.c`, 'ERR_JWS_INVALID');

  // --- CVE-2026-25537 style: wrongly typed registered claims are errors, never "absent".
  for (const [claim, values] of [
    ['exp', ['9999999999', true, [9999999999], { v: 9999999999 }]],
    ['nbf', ['0', false, [0]]],
    ['iat', ['0', true, {}]],
    ['iss', [1, ['ISSUER'], { u: 1 }, true]],
    ['aud', [1, [], [7], { backstage: true }, true]],
    ['azp', [1, ['backstage'], false]],
    ['sub', [5, ['user-1'], {}]],
    ['email', [['jane.doe@example.com'], 1, {}]],
  ]) {
    for (const value of values) {
      add('CVE-2026-25537', `${claim} is ${JSON.stringify(value)}`, ctx =>
        ctx.issuer.sign({ [claim]: claim === 'iss' && Array.isArray(value) ? [ctx.issuer.url] : value }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim);
    }
  }
  add('CVE-2026-25537', 'exp is null (absent)', ctx => ctx.issuer.sign({ exp: null }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'exp');

  // --- OIDC Core 3.1.3.7, steps 2-10.
  add('OIDC Core 3.1.3.7 (2)', 'iss differs in case', ctx => ctx.issuer.sign({ iss: ctx.issuer.url.toUpperCase() }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  add('OIDC Core 3.1.3.7 (2)', 'iss with a trailing path', ctx => ctx.issuer.sign({ iss: `${ctx.issuer.url}/evil` }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  add('OIDC Core 3.1.3.7 (2)', 'iss with a prefix match only', ctx => ctx.issuer.sign({ iss: ctx.issuer.url.slice(0, -1) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iss');
  add('OIDC Core 3.1.3.7 (3)', 'aud missing', ctx => ctx.issuer.sign({ aud: undefined }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  add('OIDC Core 3.1.3.7 (3)', 'aud differs in case', ctx => ctx.issuer.sign({}, { audience: 'Backstage' }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  add('OIDC Core 3.1.3.7 (3)', 'aud of another client only', ctx => ctx.issuer.sign({}, { audience: ['other-1', 'other-2'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'aud');
  add('OIDC Core 3.1.3.7 (4)', 'several audiences, no azp', ctx => ctx.issuer.sign({}, { audience: ['backstage', 'other'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'azp');
  add('OIDC Core 3.1.3.7 (5)', 'azp names another client', ctx => ctx.issuer.sign({ azp: 'other' }, { audience: ['backstage', 'other'] }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'azp');
  add('OIDC Core 3.1.3.7 (6-8)', 'HS256 signed with a client secret', ctx => {
    const input = `${b64({ alg: 'HS256' })}.${b64(claims(ctx))}`;
    return `${input}.${crypto.createHmac('sha256', 'client-secret').update(input).digest('base64url')}`;
  }, 'ERR_JOSE_ALG_NOT_ALLOWED');
  add('OIDC Core 3.1.3.7 (9)', 'exp just beyond the tolerance', ctx => ctx.issuer.sign({ exp: now() - 40 }), 'ERR_JWT_EXPIRED');
  add('OIDC Core 3.1.3.7 (9)', 'exp at the epoch', ctx => ctx.issuer.sign({ exp: 0, iat: 0 }), 'ERR_JWT_EXPIRED');
  add('OIDC Core 3.1.3.7 (9)', 'exp negative', ctx => ctx.issuer.sign({ exp: -1, iat: 0 }), 'ERR_JWT_EXPIRED');
  add('OIDC Core 3.1.3.7 (10)', 'iat a day ahead', ctx => ctx.issuer.sign({ iat: now() + 86400 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'iat');
  add('RFC 7519 4.1.5', 'nbf a minute ahead', ctx => ctx.issuer.sign({ nbf: now() + 90 }), 'ERR_JWT_CLAIM_VALIDATION_FAILED', 'nbf');
  return cases;
}
