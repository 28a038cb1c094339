// One adapter per contender, configured the way each library's docs show for an OIDC
// ID token: issuer, audience and algorithm pinned, keys from the issuer's JWKS.
// `make(ctx)` returns `verify(token)`, which may return a value or a promise.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import * as jose from 'jose';
import { createVerifier } from 'fast-jwt';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';

const require = createRequire(import.meta.url);
const native = require('../index.js');

const HASH = { RS256: 'sha256', ES256: 'sha256', EdDSA: null };

/** ctx: { issuer, key (the signing key: alg, kid, publicKey, jwk), round } */
export const CONTENDERS = {
  // One verifier per round, built once as the provider builds it at start-up: a fresh
  // verified-token cache (the key cache is per issuer and stays warm), so "distinct" rounds
  // never hit a cache.
  'oidcProxy (this)': ({ issuer, key }) => {
    const verifier = new native.OidcVerifier({ issuer: issuer.url, audience: 'backstage', algorithms: [key.alg] });
    return token => verifier.verify(token);
  },
  'jose remote JWKS': ({ issuer, key }) => {
    const jwks = jose.createRemoteJWKSet(new URL(`${issuer.url}/jwks`));
    const options = { issuer: issuer.url, audience: 'backstage', algorithms: [key.alg] };
    return token => jose.jwtVerify(token, jwks, options).then(r => r.payload);
  },
  'jose local JWKS': ({ issuer, key }) => {
    const jwks = jose.createLocalJWKSet({ keys: issuer.state.keys.map(k => k.jwk) });
    const options = { issuer: issuer.url, audience: 'backstage', algorithms: [key.alg] };
    return token => jose.jwtVerify(token, jwks, options).then(r => r.payload);
  },
  'fast-jwt': ({ issuer, key }) => fastJwt(issuer, key, false),
  'fast-jwt + cache': ({ issuer, key }) => fastJwt(issuer, key, true),
  'jsonwebtoken + jwks-rsa': ({ issuer, key }) => {
    if (key.alg === 'EdDSA') return null; // jsonwebtoken 9 has no EdDSA
    const client = jwksRsa({ jwksUri: `${issuer.url}/jwks`, cache: true, rateLimit: false });
    const getKey = (header, cb) => client.getSigningKey(header.kid).then(k => cb(null, k.getPublicKey()), cb);
    const options = { issuer: issuer.url, audience: 'backstage', algorithms: [key.alg] };
    return token => new Promise((resolve, reject) => jwt.verify(token, getKey, options, (err, claims) => (err ? reject(err) : resolve(claims))));
  },
};

function fastJwt(issuer, key, cache) {
  // fast-jwt has no JWKS client; a static PEM is its fastest configuration (sync).
  const pem = key.publicKey.export({ format: 'pem', type: 'spki' });
  return createVerifier({
    key: pem, algorithms: [key.alg], allowedIss: issuer.url, allowedAud: 'backstage',
    requiredClaims: ['iat', 'exp', 'sub'], cache: cache ? 5000 : false,
  });
}

/** The floor: Node's own signature check of the same token, nothing else. */
export const FLOOR = {
  'crypto.verify sync (floor)': ({ key }) => {
    const [publicKey, hash] = [verifyKey(key), HASH[key.alg]];
    return token => {
      const dot = token.lastIndexOf('.');
      return crypto.verify(hash, Buffer.from(token.slice(0, dot)), publicKey, Buffer.from(token.slice(dot + 1), 'base64url'));
    };
  },
  'crypto.verify callback (floor)': ({ key }) => {
    const [publicKey, hash] = [verifyKey(key), HASH[key.alg]];
    return token => new Promise((resolve, reject) => {
      const dot = token.lastIndexOf('.');
      crypto.verify(hash, Buffer.from(token.slice(0, dot)), publicKey, Buffer.from(token.slice(dot + 1), 'base64url'),
        (err, ok) => (err || !ok ? reject(err ?? new Error('bad signature')) : resolve(ok)));
    });
  },
};

function verifyKey(key) {
  return key.alg === 'ES256' ? { key: key.publicKey, dsaEncoding: 'ieee-p1363' } : key.publicKey;
}

export { native };
