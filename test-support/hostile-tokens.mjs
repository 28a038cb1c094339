// The hostile token catalogue: each case names the published rule or attack it comes from,
// says how its token is made against a loopback test issuer, and which error code it must get.
// The cases are rows of data (CASES, at the end); tokenFor turns a row into a token.
// Signing is by node:crypto directly so the tokens can be as broken as the attacks need.
import crypto from 'node:crypto';
import { makeKey, signJws, b64 } from './test-issuer.mjs';

const now = () => Math.floor(Date.now() / 1000);

// Curve orders, for ECDSA signatures with r or s equal to n (CVE-2022-21449 variants).
const P256_N = 'ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551';
const P384_N = 'ffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973';
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
// The HMAC secret the JWKS publishes as an oct key.
const OCT_SECRET = 'secret-secret-secret-secret-32b!';

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
    { kty: 'oct', kid: 'hmac', k: Buffer.from(OCT_SECRET).toString('base64url') },
  ];
}

/**
 * The catalogue: [{ source, name, token(ctx), code, claim? }]. `ctx` has the issuer, its
 * keys by alg, a stranger key and the URL of an attacker server that must never be called.
 */
export function hostileCases() {
  return CASES.map(row => ({ source: row.source, name: row.name, token: ctx => tokenFor(row, ctx), code: row.code, claim: row.claim }));
}

// ---------------------------------------------------------------------------------------------
// How a row becomes a token. A row has source, name, code (and claim, for a claim error) and
// one recipe:
//   issued: { claims, key, header, audience }  the test issuer's sign() with these edits;
//   jws: { header, payload, signedBy }         a JWS made here: header and payload objects as
//       JSON, text as is (default: the RS256 header with the issuer's RS256 kid, and the
//       standard claims), signed by `signedBy` (default: the RS256 key as RS256);
//   build(ctx)                                 a builder of its own, for the few that need one;
// then `edit(token, ctx)`, if it has one. A function in claims, header or payload (or as all
// of one) is computed from ctx when the token is made: the issuer's URL, kids and the time
// are only known then. A key is named by its alg (the issuer's keys), or 'stranger' or 'rsa2047'.

/** The claims of a good token, for tokens made here rather than by the issuer. */
const standardClaims = ctx => ({ iss: ctx.issuer.url, aud: 'backstage', sub: 'user-1', email: 'jane.doe@example.com', iat: now(), exp: now() + 600 });

async function tokenFor(row, ctx) {
  const token = await recipeToken(row, ctx);
  return row.edit ? row.edit(token, ctx) : token;
}

function recipeToken(row, ctx) {
  if (row.build) return row.build(ctx);
  if (row.issued) return issuedToken(row.issued, ctx);
  if (row.jws) return madeJws(row.jws, ctx);
  throw new Error(`${row.source}: ${row.name}: no recipe`);
}

async function issuedToken({ claims = {}, key, header, audience }, ctx) {
  return ctx.issuer.sign(await computed(claims, ctx), { key: keyNamed(key, ctx), header: await computed(header, ctx), audience });
}

async function madeJws({ header = { alg: 'RS256', kid: kidOf('RS256') }, payload, signedBy = keyAs('RS256', 'RS256') }, ctx) {
  return signedBy(await computed(header, ctx), payload === undefined ? standardClaims(ctx) : await computed(payload, ctx), ctx);
}

/** A function's value for ctx, or an object's with each function member computed; anything else as is. */
async function computed(value, ctx) {
  if (typeof value === 'function') return value(ctx);
  if (!value || typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value)) return value;
  const result = {};
  for (const [k, v] of Object.entries(value)) result[k] = typeof v === 'function' ? await v(ctx) : v;
  return result;
}

function keyNamed(key, ctx) {
  if (typeof key === 'function') return key(ctx);
  return key === undefined ? undefined : (ctx.keys[key] ?? ctx[key]);
}

// Values computed from ctx.
const kidOf = alg => ctx => ctx.keys[alg].kid;
const issuerUrl = edit => ctx => edit(ctx.issuer.url);
const secondsFromNow = seconds => () => now() + seconds;
const issuedBy = claimEdits => ctx => ctx.issuer.sign(claimEdits);
/** The stranger's key under the kid of one of the issuer's. */
const strangerWithKidOf = alg => ctx => ({ ...ctx.stranger, kid: ctx.keys[alg].kid });
/** The standard claims' JSON with more members written in before its closing brace. */
const claimsJsonPlus = (members, overrides = {}) => ctx => `${JSON.stringify({ ...standardClaims(ctx), ...overrides }).slice(0, -1)},${members}}`;
const claimsJsonFollowedBy = text => ctx => `${JSON.stringify(standardClaims(ctx))}${text}`;
/** The standard claims plus a member whose string holds the byte 0xff, which is not UTF-8. */
const claimsWithByteFF = ctx => Buffer.concat([Buffer.from(JSON.stringify(standardClaims(ctx)).slice(0, -1)), Buffer.from(',"n":"\xff"}', 'latin1')]);

// Signers for `jws`: (header, payload, ctx) => the whole token.
const signingInput = (header, payload) => `${b64(header)}.${b64(payload)}`;

/** Signs with the issuer's key of that alg, as `alg` (default: as the header says). */
function keyAs(keyAlg, alg) {
  return (header, payload, ctx) => signJws(header, payload, ctx.keys[keyAlg], alg);
}

function hmac(hash, secret) {
  return (header, payload, ctx) => {
    const input = signingInput(header, payload);
    const key = typeof secret === 'function' ? secret(ctx) : secret;
    return `${input}.${crypto.createHmac(hash, key).update(input).digest('base64url')}`;
  };
}

function unsigned(header, payload) {
  return `${signingInput(header, payload)}.`;
}

function derSignedAs(alg) {
  return (header, payload, ctx) => {
    const input = signingInput(header, payload);
    const der = crypto.sign(`sha${alg.slice(2)}`, Buffer.from(input), { key: ctx.keys[alg].privateKey, dsaEncoding: 'der' });
    return `${input}.${der.toString('base64url')}`;
  };
}

/** With e = 1, RSA verification would compare the PKCS #1 v1.5 padded hash with the signature itself. */
function paddedHashAsSignature(header, payload, ctx) {
  const input = signingInput(header, payload);
  const digest = Buffer.concat([SHA256_DIGEST_INFO, crypto.createHash('sha256').update(input).digest()]);
  const k = Buffer.from(ctx.keys.RS256.jwk.n, 'base64url').length;
  const em = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - digest.length - 3, 0xff), Buffer.from([0]), digest]);
  return `${input}.${em.toString('base64url')}`;
}

// The public key as an HMAC secret, in the forms a confused verifier might use.
const RSA_PUBLIC_KEY_AS_SECRET = [
  ['PEM', ctx => ctx.keys.RS256.publicKey.export({ type: 'spki', format: 'pem' })],
  ['JWK n', ctx => Buffer.from(ctx.keys.RS256.jwk.n, 'base64url')],
  ['JWK JSON', ctx => JSON.stringify(ctx.keys.RS256.jwk)],
];

// Header members that name key material, with an attacker's value for each.
const KEY_MATERIAL_HEADERS = [
  ['jwk', ctx => ctx.stranger.jwk],
  ['jku', ctx => `${ctx.attackerUrl}/jwks`],
  ['x5u', ctx => `${ctx.attackerUrl}/cert.pem`],
  ['x5c', () => [Buffer.from('not really a certificate').toString('base64')]],
  ['x5t', () => crypto.createHash('sha1').update('x').digest('base64url')],
  ['x5t#S256', () => crypto.createHash('sha256').update('x').digest('base64url')],
];

// Edits: (token, ctx) => token.
function headerReplacedBy(header) {
  return async (token, ctx) => {
    const [, p, s] = token.split('.');
    return `${b64(await computed(header, ctx))}.${p}.${s}`;
  };
}

function signatureReplacedBy(signature) {
  return token => {
    const [h, p] = token.split('.');
    return `${h}.${p}.${signature}`;
  };
}

/** An edit of the signature's bytes. */
function onSignature(edit) {
  return token => {
    const [h, p, s] = token.split('.');
    return `${h}.${p}.${edit(Buffer.from(s, 'base64url')).toString('base64url')}`;
  };
}

const zeroBytePrepended = onSignature(sig => Buffer.concat([Buffer.from([0]), sig]));
const firstByteDropped = onSignature(sig => sig.subarray(1));
/** S + L, the group order: the same point for a lax verifier (RFC 8032 requires S < L). */
const ed25519SPlusL = onSignature(sig => {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const S = BigInt(`0x${Buffer.from(sig.subarray(32)).reverse().toString('hex')}`) + L;
  const Sle = Buffer.from(S.toString(16).padStart(64, '0'), 'hex').reverse();
  return Buffer.concat([sig.subarray(0, 32), Sle]);
});

function ecdsaSig(rHex, sHex, size) {
  return Buffer.concat([Buffer.from(rHex.padStart(size * 2, '0'), 'hex'), Buffer.from(sHex.padStart(size * 2, '0'), 'hex')]).toString('base64url');
}

// Builders, for tokens no recipe above makes.
function detachedUnencodedPayload(ctx) {
  const header = b64({ alg: 'RS256', kid: ctx.keys.RS256.kid, b64: false, crit: ['b64'] });
  const payload = JSON.stringify(standardClaims(ctx));
  const sig = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), ctx.keys.RS256.privateKey).toString('base64url');
  return `${header}..${sig}`; // detached, as RFC 7797 5.2 allows
}

async function signatureOfAnotherToken(ctx) {
  const [h1, p1] = (await ctx.issuer.sign({ sub: 'admin' })).split('.');
  const s2 = (await ctx.issuer.sign()).split('.')[2];
  return `${h1}.${p1}.${s2}`;
}

function fivePartJwe() {
  return [b64({ alg: 'RSA-OAEP-256', enc: 'A256GCM' }), 'a'.repeat(342), 'AAAAAAAAAAAAAAAA', 'YWJj', 'AAAAAAAAAAAAAAAAAAAAAA'].join('.');
}

function oneMiBToken() {
  return `${'a'.repeat(1 << 20)}.b.c`;
}

/** Sets the unused low bits of the last base64url character: lenient decoders read the same bytes. */
function dirtyTail(part) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const unused = { 2: 4, 3: 2 }[part.length % 4];
  if (!unused) throw new Error('this part has no unused bits');
  const last = alphabet.indexOf(part.at(-1));
  return part.slice(0, -1) + alphabet[last | 1];
}

/** A token whose part `i` has unused bits (padded claims until its length allows), with them set. */
function unusedBitsSetIn(i) {
  return async ctx => {
    for (let n = 0; n < 20; n++) {
      const parts = (await ctx.issuer.sign({ pad: 'x'.repeat(n) }, { key: ctx.keys.ES256 })).split('.');
      if (parts[i].length % 4 > 1) {
        parts[i] = dirtyTail(parts[i]);
        return parts.join('.');
      }
    }
    throw new Error('no token with unused bits in that part');
  };
}

/** The first of some tokens (padded claims) that `edit` changes (signature with - or _, lengths needing padding), edited. */
function firstTokenChangedBy(label, edit) {
  return async ctx => {
    for (let n = 0; n < 50; n++) {
      const token = await ctx.issuer.sign({ pad: 'x'.repeat(n) });
      const edited = edit(token);
      if (edited !== token) return edited;
    }
    throw new Error(`no token changed by ${label}`);
  };
}

// Other spellings of a token than the one canonical base64url one.
const NON_CANONICAL_EDITS = [
  ['standard alphabet (+/)', t => t.replace(/-/g, '+').replace(/_/g, '/')],
  ['padding', t => t.split('.').map(p => p + '='.repeat((4 - (p.length % 4)) % 4 || 0)).join('.')],
  ['a line break', t => t.replace('.', '\n.')],
  ['percent-encoding', t => `${t.slice(0, 10)}%41${t.slice(10)}`],
  ['a trailing dot', t => `${t}.`],
  ['leading whitespace', t => ` ${t}`],
  ['a NUL byte', t => `${t}\u0000`],
  ['non-ASCII', t => `${t.slice(0, 5)}é${t.slice(5)}`],
];

// Registered claims with values of the wrong type. ['ISSUER'] for iss stands for an array
// holding the issuer's own URL: only its type is wrong.
const WRONGLY_TYPED_CLAIMS = [
  ['exp', ['9999999999', true, [9999999999], { v: 9999999999 }]],
  ['nbf', ['0', false, [0]]],
  ['iat', ['0', true, {}]],
  ['iss', [1, ['ISSUER'], { u: 1 }, true]],
  ['aud', [1, [], [7], { backstage: true }, true]],
  ['azp', [1, ['backstage'], false]],
  ['sub', [5, ['user-1'], {}]],
  ['email', [['jane.doe@example.com'], 1, {}]],
];
const wronglyTypedValue = (claim, value) => (claim === 'iss' && Array.isArray(value) ? issuerUrl(url => [url]) : value);

const MANY_CLAIMS = Object.fromEntries(Array.from({ length: 1200 }, (_, i) => [`c${i}`, i]));
const RS256_KID = kidOf('RS256');

// ---------------------------------------------------------------------------------------------
// The catalogue, in the order the suites run it.
const CASES = [
  // --- RFC 7518 3.6 / RFC 8725 2.1 and 3.1: "none" in every spelling, with or without a signature.
  ...['none', 'None', 'NONE', 'nOnE'].map(alg => ({
    source: 'RFC 7518 3.6', name: `alg ${alg}, empty signature`, code: 'ERR_JOSE_ALG_NOT_ALLOWED', jws: { header: { alg }, signedBy: unsigned },
  })),
  {
    source: 'RFC 8725 3.1', name: 'alg none with a real RS256 signature attached', code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    issued: {}, edit: headerReplacedBy({ alg: 'none', kid: RS256_KID }),
  },
  { source: 'RFC 7515 4.1.1', name: 'no alg', code: 'ERR_JWS_INVALID', jws: { header: { kid: RS256_KID } } },
  { source: 'RFC 7515 4.1.1', name: 'alg is an array', code: 'ERR_JWS_INVALID', jws: { header: { alg: ['RS256'], kid: RS256_KID } } },
  { source: 'RFC 7515 4.1.1', name: 'alg is null', code: 'ERR_JWS_INVALID', jws: { header: { alg: null, kid: RS256_KID } } },
  ...['ES512', 'RS1', 'RS256 ', 'rs256', 'ES256K', 'Ed25519'].map(alg => ({
    source: 'RFC 8725 3.1', name: `alg ${JSON.stringify(alg)} outside the allow-list`, code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    jws: {}, edit: headerReplacedBy({ alg, kid: RS256_KID }),
  })),

  // --- CVE-2016-10555 and RFC 8725 2.1: algorithm confusion, the public key as an HMAC secret.
  ...[['HS256', 'sha256'], ['HS384', 'sha384'], ['HS512', 'sha512']].flatMap(([alg, hash]) =>
    RSA_PUBLIC_KEY_AS_SECRET.map(([form, secret]) => ({
      source: 'CVE-2016-10555', name: `${alg} keyed with the RSA public key (${form})`, code: 'ERR_JOSE_ALG_NOT_ALLOWED',
      jws: { header: { alg, kid: RS256_KID }, signedBy: hmac(hash, secret) },
    })),
  ),
  {
    source: 'Wycheproof jws_mixedSymmetryKeyset', name: 'HS256 naming the oct key the JWKS publishes', code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    jws: { header: { alg: 'HS256', kid: 'hmac' }, signedBy: hmac('sha256', OCT_SECRET) },
  },
  // Family confusion: a header alg of another family or curve naming an existing key.
  ...[['ES256', 'RS256'], ['RS256', 'ES256'], ['ES384', 'ES256'], ['ES256', 'ES384'], ['EdDSA', 'ES256'], ['RS256', 'PS256'], ['PS256', 'RS256']].map(([alg, keyAlg]) => ({
    source: 'RFC 8725 3.1', name: `${alg} header naming the ${keyAlg} key`, code: 'ERR_JWKS_NO_MATCHING_KEY', issued: { key: keyAlg, header: { alg } },
  })),

  // --- RFC 7515 4.1.2-4.1.6, RFC 8725 3.10: key material named by the token is never used or fetched.
  ...KEY_MATERIAL_HEADERS.flatMap(([header, value]) => [
    {
      source: 'RFC 7515 4.1', name: `attacker-signed with ${header} and the issuer's kid`, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      issued: { key: strangerWithKidOf('RS256'), header: { [header]: value } },
    },
    {
      source: 'RFC 7515 4.1', name: `attacker-signed with ${header} and its own kid`, code: 'ERR_JWKS_NO_MATCHING_KEY',
      issued: { key: 'stranger', header: { [header]: value } },
    },
  ]),

  // --- RFC 7515 4.1.11 crit and RFC 7797 b64.
  ...[[], ['exp'], ['b64'], 'b64', ['http://example.com/ext']].map(crit => ({
    source: 'RFC 7515 4.1.11', name: `crit ${JSON.stringify(crit)}`, code: 'ERR_JOSE_NOT_SUPPORTED', issued: { header: { crit, b64: true, exp: 1 } },
  })),
  ...[false, 'false', 0, null].map(b64v => ({
    source: 'RFC 7797', name: `b64 ${JSON.stringify(b64v)} without crit`, code: 'ERR_JOSE_NOT_SUPPORTED', issued: { header: { b64: b64v } },
  })),
  { source: 'RFC 7797', name: 'b64:false payload signed unencoded', code: 'ERR_JOSE_NOT_SUPPORTED', build: detachedUnencodedPayload },

  // --- RFC 7518 3.3, 3.4, 6.2 key sizes and shapes; RFC 8017 3.1 exponent.
  { source: 'RFC 7518 3.3', name: 'RSA key of 2047 bits', code: 'ERR_JWK_INVALID', issued: { key: 'rsa2047' } },
  { source: 'RFC 7518 3.3', name: 'RSA key above 8192 bits', code: 'ERR_JWK_INVALID', jws: { header: { alg: 'RS256', kid: 'rsa-huge' } } },
  {
    source: 'RFC 8017 3.1', name: 'RSA key with e = 1 and the padded hash as signature', code: 'ERR_JWK_INVALID',
    jws: { header: { alg: 'RS256', kid: 'rsa-e1' }, signedBy: paddedHashAsSignature },
  },
  {
    source: 'RFC 7518 6.2.1', name: 'P-256 key with a 31-byte x coordinate', code: 'ERR_JWK_INVALID',
    jws: { header: { alg: 'ES256', kid: 'ec-short' }, signedBy: keyAs('ES256') },
  },

  // --- CVE-2022-21449 psychic signatures and ECDSA encodings (RFC 7518 3.4: R || S, fixed size).
  ...[['ES256', P256_N, 32], ['ES384', P384_N, 48]].flatMap(([alg, n, size]) => [
    ...[['r = s = 0', '0', '0'], ['r = s = n', n, n], ['r = 0, s = 1', '0', '1'], ['r = n, s = 0', n, '0']].map(([label, r, s]) => ({
      source: 'CVE-2022-21449', name: `${alg} with ${label}`, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      issued: { key: alg }, edit: signatureReplacedBy(ecdsaSig(r, s, size)),
    })),
    {
      source: 'RFC 7518 3.4', name: `${alg} signature in DER instead of R || S`, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      jws: { header: { alg, kid: kidOf(alg) }, signedBy: derSignedAs(alg) },
    },
    {
      source: 'RFC 7518 3.4', name: `${alg} R || S with a zero byte prepended`, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      issued: { key: alg }, edit: zeroBytePrepended,
    },
    {
      source: 'RFC 7518 3.4', name: `${alg} R || S truncated by one byte`, code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
      issued: { key: alg }, edit: firstByteDropped,
    },
  ]),
  {
    source: 'RFC 8032 5.1.7', name: 'Ed25519 signature with S + L (malleated)', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    issued: { key: 'EdDSA' }, edit: ed25519SPlusL,
  },
  {
    source: 'RFC 8017 8.2.2', name: 'RS256 signature with a zero byte prepended', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    issued: {}, edit: zeroBytePrepended,
  },
  { source: 'RFC 7515 5.2', name: 'signature of another token', code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', build: signatureOfAnotherToken },

  // --- JWE and nested JWTs (RFC 7516, RFC 7519 5.2, RFC 8725 2.7).
  { source: 'RFC 7516', name: 'a five-part JWE', code: 'ERR_JWS_INVALID', build: fivePartJwe },
  { source: 'RFC 7516', name: 'three parts with an enc header', code: 'ERR_JWS_INVALID', issued: { header: { enc: 'A256GCM' } } },
  ...['JWT', 'jwt', 'Jwt'].map(cty => ({
    source: 'RFC 7519 5.2', name: `nested JWT, cty ${cty}`, code: 'ERR_JOSE_NOT_SUPPORTED',
    jws: { header: { alg: 'RS256', kid: RS256_KID, cty }, payload: issuedBy({ sub: 'admin' }) },
  })),
  { source: 'RFC 8725 2.7', name: 'a validly signed JWT whose payload is another JWT', code: 'ERR_JWT_INVALID', jws: { payload: issuedBy() } },

  // --- RFC 7515 2 / RFC 4648 3.5: one canonical base64url spelling only.
  ...['header', 'payload', 'signature'].map((part, i) => ({
    source: 'RFC 4648 3.5', name: `non-zero unused bits in the ${part}`, code: 'ERR_JWS_INVALID', build: unusedBitsSetIn(i),
  })),
  ...NON_CANONICAL_EDITS.map(([label, edit]) => ({
    source: 'RFC 7515 7.1', name: `token with ${label}`, code: 'ERR_JWS_INVALID', build: firstTokenChangedBy(label, edit),
  })),

  // --- Malformed, oversized and deeply nested JSON (RFC 8259; RFC 7515 4 duplicate names).
  { source: 'RFC 8259', name: 'header is not JSON', code: 'ERR_JWS_INVALID', jws: { header: '{alg:"RS256"}' } },
  { source: 'RFC 8259', name: 'header is a JSON array', code: 'ERR_JWS_INVALID', jws: { header: '["RS256"]' } },
  {
    source: 'RFC 8259', name: 'header with a byte order mark', code: 'ERR_JWS_INVALID',
    jws: { header: ctx => `\ufeff${JSON.stringify({ alg: 'RS256', kid: ctx.keys.RS256.kid })}` },
  },
  {
    source: 'RFC 7515 4', name: 'header with a duplicate kid', code: 'ERR_JWS_INVALID',
    jws: { header: ctx => `{"alg":"RS256","kid":"${ctx.keys.RS256.kid}","kid":"other"}` },
  },
  { source: 'RFC 8259', name: 'header nested 4000 deep', code: 'ERR_JWS_INVALID', jws: { header: `{"alg":"RS256","x":${'['.repeat(4000)}${']'.repeat(4000)}}` } },
  { source: 'RFC 8259', name: 'payload nested 5000 deep', code: 'ERR_JWT_INVALID', jws: { payload: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}` } },
  { source: 'RFC 8259', name: 'payload objects nested 1500 deep', code: 'ERR_JWT_INVALID', jws: { payload: `${'{"a":'.repeat(1500)}1${'}'.repeat(1500)}` } },
  { source: 'RFC 8259', name: 'payload with trailing garbage', code: 'ERR_JWT_INVALID', jws: { payload: claimsJsonFollowedBy(' x') } },
  { source: 'RFC 8259', name: 'payload is not UTF-8', code: 'ERR_JWT_INVALID', jws: { payload: claimsWithByteFF } },
  { source: 'RFC 8259 8.2', name: 'payload with a lone surrogate', code: 'ERR_JWT_INVALID', jws: { payload: claimsJsonPlus('"name":"\\ud800"') } },
  {
    source: 'RFC 8259 6', name: 'exp out of double range (1e400)', code: 'ERR_JWT_INVALID',
    jws: { payload: claimsJsonPlus('"exp":1e400', { exp: undefined }) },
  },
  { source: 'RFC 7519 4', name: 'duplicate exp in the payload', code: 'ERR_JWT_INVALID', jws: { payload: claimsJsonPlus('"exp":1') } },
  { source: 'RFC 7519 7.2', name: 'payload is a JSON string', code: 'ERR_JWT_INVALID', jws: { payload: '"claims"' } },
  { source: 'RFC 7519 7.2', name: 'payload is empty', code: 'ERR_JWT_INVALID', jws: { payload: '' } },
  { source: 'RFC 8725 3.5', name: 'token over 16 KiB (many claims)', code: 'ERR_JWS_INVALID', issued: { claims: MANY_CLAIMS } },
  { source: 'RFC 8725 3.5', name: 'token of 1 MiB', code: 'ERR_JWS_INVALID', build: oneMiBToken },

  // --- CVE-2026-25537 style: wrongly typed registered claims are errors, never "absent".
  ...WRONGLY_TYPED_CLAIMS.flatMap(([claim, values]) =>
    values.map(value => ({
      source: 'CVE-2026-25537', name: `${claim} is ${JSON.stringify(value)}`, code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim,
      issued: { claims: { [claim]: wronglyTypedValue(claim, value) } },
    })),
  ),
  { source: 'CVE-2026-25537', name: 'exp is null (absent)', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'exp', issued: { claims: { exp: null } } },

  // --- OIDC Core 3.1.3.7, steps 2-10.
  {
    source: 'OIDC Core 3.1.3.7 (2)', name: 'iss differs in case', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss',
    issued: { claims: { iss: issuerUrl(url => url.toUpperCase()) } },
  },
  {
    source: 'OIDC Core 3.1.3.7 (2)', name: 'iss with a trailing path', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss',
    issued: { claims: { iss: issuerUrl(url => `${url}/evil`) } },
  },
  {
    source: 'OIDC Core 3.1.3.7 (2)', name: 'iss with a prefix match only', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iss',
    issued: { claims: { iss: issuerUrl(url => url.slice(0, -1)) } },
  },
  { source: 'OIDC Core 3.1.3.7 (3)', name: 'aud missing', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud', issued: { claims: { aud: undefined } } },
  { source: 'OIDC Core 3.1.3.7 (3)', name: 'aud differs in case', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud', issued: { audience: 'Backstage' } },
  {
    source: 'OIDC Core 3.1.3.7 (3)', name: 'aud of another client only', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'aud',
    issued: { audience: ['other-1', 'other-2'] },
  },
  {
    source: 'OIDC Core 3.1.3.7 (4)', name: 'several audiences, no azp', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'azp',
    issued: { audience: ['backstage', 'other'] },
  },
  {
    source: 'OIDC Core 3.1.3.7 (5)', name: 'azp names another client', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'azp',
    issued: { claims: { azp: 'other' }, audience: ['backstage', 'other'] },
  },
  {
    source: 'OIDC Core 3.1.3.7 (6-8)', name: 'HS256 signed with a client secret', code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    jws: { header: { alg: 'HS256' }, signedBy: hmac('sha256', 'client-secret') },
  },
  { source: 'OIDC Core 3.1.3.7 (9)', name: 'exp just beyond the tolerance', code: 'ERR_JWT_EXPIRED', issued: { claims: { exp: secondsFromNow(-40) } } },
  { source: 'OIDC Core 3.1.3.7 (9)', name: 'exp at the epoch', code: 'ERR_JWT_EXPIRED', issued: { claims: { exp: 0, iat: 0 } } },
  { source: 'OIDC Core 3.1.3.7 (9)', name: 'exp negative', code: 'ERR_JWT_EXPIRED', issued: { claims: { exp: -1, iat: 0 } } },
  {
    source: 'OIDC Core 3.1.3.7 (10)', name: 'iat a day ahead', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'iat',
    issued: { claims: { iat: secondsFromNow(86400) } },
  },
  {
    source: 'RFC 7519 4.1.5', name: 'nbf a minute ahead', code: 'ERR_JWT_CLAIM_VALIDATION_FAILED', claim: 'nbf',
    issued: { claims: { nbf: secondsFromNow(90) } },
  },
];
