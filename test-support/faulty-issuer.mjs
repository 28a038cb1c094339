// An OIDC issuer on loopback that can fail in the ways transport-level faults look: a body
// dripped slower than the fetch timeout, an endless chunked body, a redirect, a reset in
// the middle of the body, too many keys. The test issuer covers status codes and bodies;
// this one covers the socket.
import http from 'node:http';
import { makeKey, signJws, ownPath } from './test-issuer.mjs';

export async function startFaultyIssuer() {
  const key = await makeKey('ES256', 'faulty-1');
  const { prefix, route } = ownPath();
  const state = { mode: 'ok', counts: { discovery: 0, jwks: 0, redirected: 0 }, cacheControl: 'max-age=5' };
  const sockets = new Set();
  const jwks = () => JSON.stringify({ keys: [key.jwk] });

  const server = http.createServer((req, res) => {
    const url = route(req.url);
    if (url === '/.well-known/openid-configuration') {
      state.counts.discovery++;
      // A discovery document may point anywhere; plain http off loopback must be refused.
      const jwksUri = state.mode === 'plain-http-jwks-uri' ? 'http://keys.example.com/jwks' : `${issuer.url}/jwks`;
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: issuer.url, jwks_uri: jwksUri }));
    }
    if (url === '/elsewhere') {
      state.counts.redirected++;
      return res.writeHead(200, { 'content-type': 'application/json' }).end(jwks());
    }
    if (url !== '/jwks') return res.writeHead(404).end();
    state.counts.jwks++;
    const headers = { 'content-type': 'application/json', 'cache-control': state.cacheControl };
    switch (state.mode) {
      case 'ok':
      case 'plain-http-jwks-uri': // only discovery is wrong
        return res.writeHead(200, headers).end(jwks());
      case 'drip': {
        // Headers at once, then one byte every 200 ms: each read is quick, the whole is not.
        res.writeHead(200, headers);
        const body = jwks();
        let i = 0;
        const timer = setInterval(() => (i < body.length && !res.destroyed ? res.write(body[i++]) : (clearInterval(timer), res.end())), 200);
        return res.on('close', () => clearInterval(timer));
      }
      case 'endless': {
        // Chunked, no content-length: only the reader's own limit stops it.
        res.writeHead(200, headers);
        res.write('{"keys":[],"pad":"');
        const chunk = 'x'.repeat(64 * 1024);
        const pump = () => { while (!res.destroyed && res.write(chunk)); };
        res.on('drain', pump);
        return pump();
      }
      case 'redirect':
        return res.writeHead(302, { location: `${issuer.url}/elsewhere` }).end();
      case 'reset': {
        const body = jwks();
        res.writeHead(200, { ...headers, 'content-length': body.length });
        res.write(body.slice(0, 20));
        return setTimeout(() => req.socket.destroy(), 50);
      }
      case 'many-keys':
        return res.writeHead(200, headers).end(JSON.stringify({ keys: Array.from({ length: 101 }, (_, i) => ({ ...key.jwk, kid: `k${i}` })) }));
      default:
        throw new Error(`unknown mode ${state.mode}`);
    }
  });
  server.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise(r => server.listen(0, '127.0.0.1', r));

  const issuer = {
    url: `http://127.0.0.1:${server.address().port}${prefix}`,
    state,
    key,
    sign(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      return signJws({ alg: 'ES256', kid: key.kid }, { iss: issuer.url, aud: 'backstage', sub: 'user-1', email: 'jane.doe@example.com', iat: now, exp: now + 600, ...claims }, key);
    },
    stop: () => new Promise(r => { for (const s of sockets) s.destroy(); server.close(() => r()); }),
  };
  return issuer;
}
