// How the addon reaches the issuer, as Node would: private CAs from NODE_EXTRA_CA_CERTS, and
// HTTP_PROXY / NO_PROXY. Both are read once per process, so each case runs in a child process.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'node:http';
import { startIssuer, optionsFor } from '../test-support/test-issuer.mjs';

const dir = mkdtempSync(join(tmpdir(), 'oidc-proxy-transport-'));
const addon = new URL('../index.js', import.meta.url).pathname;
const child = join(dir, 'verify.mjs');
writeFileSync(child, `
  const { verifyIdToken } = await import(${JSON.stringify(addon)});
  const { token, options } = JSON.parse(process.argv[2]);
  const outcome = await verifyIdToken(token, options).then(c => ({ sub: c.sub }), e => ({ code: e.code, message: e.message }));
  console.log(JSON.stringify(outcome));
`);

/** Verifies `token` in a fresh Node process with `env` added (asynchronously: the issuer
 * and the proxy live in this process and must keep answering). */
async function verifyIn(env, token, options) {
  const cleanEnv = { ...process.env };
  for (const k of ['NODE_EXTRA_CA_CERTS', 'HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']) delete cleanEnv[k];
  const { stdout: out } = await promisify(execFile)(process.execPath, [child, JSON.stringify({ token, options })], { env: { ...cleanEnv, ...env } });
  return JSON.parse(out.trim().split('\n').at(-1));
}

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

let tlsIssuer;
before(async () => {
  // A private CA and a certificate for localhost signed by it.
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
    '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=localhost',
    '-keyout', 'leaf.key', '-out', 'leaf.csr');
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2',
    '-extfile', 'leaf.ext', '-out', 'leaf.pem');
  tlsIssuer = await startIssuer({
    tls: { key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) },
    urlHost: 'localhost',
  });
});
after(async () => {
  await tlsIssuer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('an https issuer signed by a private CA is trusted only through NODE_EXTRA_CA_CERTS', async () => {
  const token = await tlsIssuer.sign();
  const options = optionsFor(tlsIssuer);
  const untrusted = await verifyIn({}, token, options);
  assert.equal(untrusted.code, 'ERR_ISSUER_UNAVAILABLE');
  assert.equal(tlsIssuer.state.counts.discovery, 0, 'the TLS handshake failed before any request');
  assert.deepEqual(await verifyIn({ NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') }, token, options), { sub: 'user-1' });
  assert.equal(tlsIssuer.state.counts.jwks, 1);
});

test('HTTP_PROXY is used for the issuer, and NO_PROXY bypasses it', async () => {
  const issuer = await startIssuer();
  const proxied = [];
  // A forward proxy: requests arrive in absolute form and are passed on.
  const proxy = http.createServer((req, res) => {
    proxied.push(req.url);
    const upstream = http.request(req.url, { method: req.method, headers: req.headers }, up => {
      res.writeHead(up.statusCode, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise(r => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${proxy.address().port}`;
  try {
    const token = await issuer.sign();
    assert.deepEqual(await verifyIn({ HTTP_PROXY: proxyUrl }, token, optionsFor(issuer)), { sub: 'user-1' });
    assert.deepEqual(proxied, [`${issuer.url}/.well-known/openid-configuration`, `${issuer.url}/jwks`]);
    assert.deepEqual(await verifyIn({ HTTP_PROXY: proxyUrl, NO_PROXY: '127.0.0.1' }, token, optionsFor(issuer)), { sub: 'user-1' });
    assert.equal(proxied.length, 2, 'NO_PROXY kept the second process off the proxy');
    assert.equal(issuer.state.counts.jwks, 2);
  } finally {
    proxy.closeAllConnections();
    proxy.close();
    await issuer.stop();
  }
});
