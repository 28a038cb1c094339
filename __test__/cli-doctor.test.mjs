// `backstage-oidc-proxy doctor`: a healthy issuer (the test IdP), and two broken ones served
// by a small loopback server of this file: a discovery document that names another issuer,
// and a Date header far ahead of this machine's clock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startOidcIssuer } from '../test-support/oidc-issuer.mjs';
import { makeKey } from '../test-support/test-issuer.mjs';
import { runCli, runCliJson, writeConfig } from '../test-support/cli.mjs';

let idp;
before(async () => {
  idp = await startOidcIssuer();
});
after(() => idp?.stop());

const configFor = (issuer, extra = {}) =>
  writeConfig({
    auth: {
      providers: {
        oidcProxy: { issuer, audience: 'backstage', signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] }, ...extra },
      },
    },
  });

/** An issuer on loopback whose discovery says `named` (default: itself) and whose Date is `skewSeconds` off. */
async function brokenIssuer({ named, skewSeconds = 0 } = {}) {
  const key = await makeKey('RS256', 'k1');
  const server = http.createServer((req, res) => {
    res.setHeader('date', new Date(Date.now() + skewSeconds * 1000).toUTCString());
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      res.end(JSON.stringify({ issuer: named ?? url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ['RS256'] }));
    } else if (req.url === '/jwks') {
      res.end(JSON.stringify({ keys: [key.jwk] }));
    } else res.writeHead(404).end();
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return { url, stop: () => new Promise(r => server.close(r)) };
}

const statuses = json => Object.fromEntries(json.issuers[0].checks.map(c => [c.name, c.status]));

test('a healthy issuer: every check passes, exit 0', async () => {
  const text = await runCli(['doctor', '--config', configFor(idp.issuer)]);
  assert.equal(text.code, 0, text.stdout + text.stderr);
  for (const line of ['✔ config', '✔ reachable', '✔ issuer', '✔ algorithms', '✔ jwks', '✔ clock']) assert.ok(text.stdout.includes(line), `${line} in\n${text.stdout}`);
  const { json } = await runCliJson(['doctor', '--config', configFor(idp.issuer)]);
  assert.equal(json.ok, true);
  assert.deepEqual(statuses(json), { reachable: 'pass', issuer: 'pass', algorithms: 'pass', jwks: 'pass', clock: 'pass' });
  assert.match(json.issuers[0].checks.find(c => c.name === 'jwks').detail, /1 signing key\(s\), 1 usable/);
});

test('a discovery document that names another issuer fails the issuer check, exit 1', async () => {
  const other = await brokenIssuer({ named: 'https://login.example.com' });
  try {
    const text = await runCli(['doctor', '--config', configFor(other.url)]);
    assert.equal(text.code, 1, text.stdout);
    assert.match(text.stdout, /✘ issuer: the discovery document at .* names a different issuer: it names "https:\/\/login\.example\.com", the configuration says "http:\/\/127\.0\.0\.1:\d+"/);
    const { json } = await runCliJson(['doctor', '--config', configFor(other.url)]);
    assert.equal(statuses(json).issuer, 'fail');
    assert.equal(json.ok, false);
  } finally {
    await other.stop();
  }
});

test('a Date header beyond clockTolerance fails the clock check, within it passes', async () => {
  const skewed = await brokenIssuer({ skewSeconds: 300 });
  try {
    const text = await runCli(['doctor', '--config', configFor(skewed.url)]);
    assert.equal(text.code, 1, text.stdout);
    // Date has whole seconds: 300 s of skew reads as 299.5 to 300.5.
    assert.match(text.stdout, /✘ clock: the issuer's clock is (299|300)\.\d s ahead of this machine's .*clockTolerance is 30 s/);
    assert.match(text.stdout, /✔ issuer/);
    assert.match(text.stdout, /✔ jwks/);
  } finally {
    await skewed.stop();
  }
  const slight = await brokenIssuer({ skewSeconds: -20 });
  try {
    const { code, json } = await runCliJson(['doctor', '--config', configFor(slight.url)]);
    assert.equal(code, 0, JSON.stringify(json));
    assert.equal(statuses(json).clock, 'pass');
  } finally {
    await slight.stop();
  }
});

test('the config errors start-up would report: exit 2, naming the key', async () => {
  const text = await runCli(['doctor', '--config', configFor(idp.issuer, { algorithms: ['HS256'] })]);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /auth\.providers\.oidcProxy\.algorithms/);
  const { code, json } = await runCliJson(['doctor', '--config', configFor('http://login.example.com')]);
  assert.equal(code, 2);
  assert.equal(json.error.kind, 'config');
  assert.match(json.error.message, /auth\.providers\.oidcProxy\.issuer.*https/);
});
