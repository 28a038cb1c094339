// A small OIDC issuer on loopback for the core tests: discovery, a JWKS we can rotate,
// break, slow down or replace, and signing of arbitrary tokens (including hostile ones).
import http from 'node:http';
import https from 'node:https';
import crypto from 'node:crypto';
import { generateKeys } from './keys.mjs';

// Signing with node:crypto directly, not a JOSE library: tests need tokens that such
// libraries refuse to make (small keys, crit headers, mismatched algs).
const KEY_TYPES = {
  RS: (bits = 2048) => ['rsa', { modulusLength: bits }],
  PS: (bits = 2048) => ['rsa', { modulusLength: bits }],
  ES256: () => ['ec', { namedCurve: 'P-256' }],
  ES384: () => ['ec', { namedCurve: 'P-384' }],
  EdDSA: () => ['ed25519', {}],
};

export async function makeKey(alg, kid, { modulusLength } = {}) {
  const type = KEY_TYPES[alg] ?? KEY_TYPES[alg.slice(0, 2)];
  const [kind, params] = type(modulusLength);
  const { privateKey, publicKey } = generateKeys(kind, params);
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, jwk };
}

export const b64 = value =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString('base64url');

/** Signs `header.payload` with `key` as `alg` says, whatever the header claims. */
export function signJws(header, payload, key, alg = header.alg) {
  const input = `${b64(header)}.${b64(payload)}`;
  const hash = alg === 'EdDSA' ? null : `sha${alg.slice(2)}`;
  let signer = key.privateKey;
  if (alg.startsWith('PS')) signer = { key: signer, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 };
  if (alg.startsWith('ES')) signer = { key: signer, dsaEncoding: 'ieee-p1363' };
  return `${input}.${crypto.sign(hash, Buffer.from(input), signer).toString('base64url')}`;
}

// Each issuer gets its own path: key stores are shared per issuer URL in a process, and a
// port freed by one test may be handed to the next, whose issuer must not inherit the first
// one's key store (its keys, whose kids repeat, or a remembered failure).
let issuers = 0;

/** A path of its own for a new loopback issuer, and `route(url)`: a request's path under it ('' when not under it). */
export function ownPath() {
  const prefix = `/issuer-${++issuers}`;
  return { prefix, route: url => (url.startsWith(`${prefix}/`) ? url.slice(prefix.length) : '') };
}

/**
 * `tls` ({ key, cert }) serves https; `urlHost` is the host name the issuer URL uses (for a
 * certificate issued to `localhost`), default the address it listens on.
 */
export async function startIssuer({ algs = ['RS256'], host = '127.0.0.1', tls, urlHost = host } = {}) {
  const { prefix, route } = ownPath();
  const state = {
    keys: [],
    counts: { discovery: 0, jwks: 0 },
    pending: 0, // requests being answered right now
    jwksOverride: undefined, // a body (string) served instead of the real JWKS
    discoveryOverride: undefined,
    status: 200,
    delayMs: 0,
    cacheControl: undefined,
    down: false,
  };
  for (const alg of algs) state.keys.push(await makeKey(alg, `${alg}-1`));

  const handler = async (req, res) => {
    if (state.down) return req.socket.destroy();
    const url = route(req.url);
    state.pending++;
    res.on('close', () => state.pending--);
    if (state.delayMs) await new Promise(r => setTimeout(r, state.delayMs));
    if (state.hold) await state.hold; // a promise the test resolves to let answers go
    const headers = { 'content-type': 'application/json' };
    if (state.cacheControl) headers['cache-control'] = state.cacheControl;
    if (url === '/.well-known/openid-configuration') {
      state.counts.discovery++;
      const body = state.discoveryOverride ?? JSON.stringify({ issuer: issuer.url, jwks_uri: `${issuer.url}/jwks` });
      res.writeHead(state.status, headers).end(body);
    } else if (url === '/jwks') {
      state.counts.jwks++;
      const body = state.jwksOverride ?? JSON.stringify({ keys: state.keys.map(k => k.jwk) });
      res.writeHead(state.status, headers).end(body);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  // Slow-response tests leave sockets open; never let them hold the process.
  server.keepAliveTimeout = 1000;
  await new Promise(r => server.listen(0, host, r));
  const port = server.address().port;

  const issuer = {
    url: `${tls ? 'https' : 'http'}://${urlHost}:${port}${prefix}`,
    state,
    get key() {
      return state.keys[0];
    },
    /** A token signed by `key` (default: the current first key) with standard claims. */
    async sign(claims = {}, { key = state.keys[0], header = {}, audience = 'backstage' } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = {
        iss: issuer.url, aud: audience, sub: 'user-1', email: 'jane.doe@example.com', name: 'Jane Doe',
        iat: now, exp: now + 600, ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return signJws({ alg: key.alg, kid: key.kid, ...header }, payload, key, key.alg);
    },
    /** Adds a new key in front; with `drop`, removes the old ones. */
    async rotate({ alg = state.keys[0].alg, drop = false } = {}) {
      const key = await makeKey(alg, `${alg}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`);
      state.keys = drop ? [key] : [key, ...state.keys];
      return key;
    },
    stop: () => new Promise(r => { server.closeAllConnections(); server.close(() => r()); }),
    /** Listens again on the same port (after stop). */
    restart: () => new Promise((r, j) => { server.once('error', j); server.listen(port, host, r); }),
  };
  return issuer;
}

export function optionsFor(issuer, extra = {}) {
  return { issuer: issuer.url, audience: 'backstage', ...extra };
}
