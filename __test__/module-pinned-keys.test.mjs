// Pinned keys in a real backend: issuers that Backstage cannot reach sign in with keys from
// the config (`jwks`) or a file (`jwksFile`); a file changed while the backend runs is taken
// without a restart; a file gone bad keeps the last good keys and is logged once; a bad file
// at start-up stops the backend naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startIssuer } from '../test-support/test-issuer.mjs';
import { startAuthBackend } from '../test-support/auth-backend.mjs';
import { eventually as poll } from '../test-support/eventually.mjs';

const eventually = (what, check, options = { attempts: 150, intervalMs: 100 }) => poll(what, check, options);

const sleep = ms => new Promise(r => setTimeout(r, ms));

const resolvers = [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'] }];
const jwksOf = (...keys) => ({ keys: keys.map(k => k.jwk) });

/** Replaces `file` atomically: written beside it, then renamed over it. */
function replace(file, content) {
  fs.writeFileSync(`${file}.tmp`, typeof content === 'string' ? content : JSON.stringify(content));
  fs.renameSync(`${file}.tmp`, file);
}

test('issuers Backstage cannot reach sign in with inline keys (object, JSON text), and are never called', async () => {
  const [counted, stopped] = [await startIssuer(), await startIssuer()];
  const stoppedToken = await stopped.sign();
  await stopped.stop();
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuers: [
          { issuer: counted.url, audience: 'backstage', jwks: jwksOf(counted.key) },
          // As `${ISSUER_JWKS}` substitution gives it: JSON text.
          { issuer: stopped.url, audience: 'backstage', jwks: JSON.stringify(jwksOf(stopped.key)) },
        ],
        signIn: { resolvers },
      },
    },
  });
  try {
    for (const token of [await counted.sign(), stoppedToken]) {
      const response = await backend.refresh(token);
      assert.equal(response.status, 200, await response.text());
    }
    assert.deepEqual(counted.state.counts, { discovery: 0, jwks: 0 }, 'no discovery, no JWKS fetch');
    const line = backend.logs.find(l => l.message.includes(`issuer ${stopped.url}`));
    assert.match(line?.message ?? '', /pinned keys from the inline jwks, no network calls/);
  } finally {
    await backend.stop();
    await counted.stop();
  }
});

test('a jwksFile changed while the backend runs is taken without a restart; gone bad, its last keys serve and one warning is logged', async () => {
  const issuer = await startIssuer();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-module-jwks-'));
  const file = path.join(dir, 'keys.json');
  replace(file, jwksOf(issuer.key));
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuer: issuer.url,
        audience: 'backstage',
        // Relative to the backend's working directory.
        jwksFile: path.relative(process.cwd(), file),
        signIn: { resolvers },
      },
    },
  });
  try {
    const first = await issuer.sign({ sub: 'first' });
    assert.equal((await backend.refresh(first)).status, 200);

    const rotated = await issuer.rotate({ drop: true });
    replace(file, jwksOf(rotated));
    const fresh = await issuer.sign({ sub: 'fresh' }, { key: rotated });
    await eventually('the new key in use', async () => (await backend.refresh(fresh)).status === 200);
    await eventually('the reload logged', () => backend.logs.some(l => l.level === 'info' && l.message.includes('changed; its new keys are in use')));
    const old = await backend.refresh(first);
    assert.equal(old.status, 401, 'the replaced key no longer verifies');
    assert.match((await old.json()).error.message, /ERR_JWKS_NO_MATCHING_KEY/);

    replace(file, '{"keys": [');
    const warning = await eventually('the warning about the bad file', () =>
      backend.logs.find(l => l.level === 'warn' && l.message.includes('JWKS file')),
    );
    assert.ok(warning.message.includes(path.relative(process.cwd(), file)) && warning.message.includes('last good keys'), warning.message);
    assert.equal((await backend.refresh(await issuer.sign({ sub: 'still' }, { key: rotated }))).status, 200, 'the last good keys serve');
    replace(file, { keys: [] }); // still bad: the same episode
    await sleep(1500); // not a timing check: lets the file and its status be polled again while still bad
    replace(file, jwksOf(rotated));
    await eventually('the recovery logged', () => backend.logs.some(l => l.level === 'info' && l.message.includes('is good again')));
    assert.equal(backend.logs.filter(l => l.level === 'warn' && l.message.includes('JWKS file')).length, 1, 'one warning per bad episode');
    assert.deepEqual(issuer.state.counts, { discovery: 0, jwks: 0 });
  } finally {
    await backend.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    await issuer.stop();
  }
});

test('a bad jwksFile at start-up stops the backend, naming the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-module-jwks-'));
  try {
    const file = path.join(dir, 'keys.json');
    fs.writeFileSync(file, '{"keys": "none"}');
    for (const [jwksFile, why] of [
      [file, /no "keys" array/],
      [path.join(dir, 'absent.json'), /cannot be read/],
    ]) {
      await assert.rejects(
        startAuthBackend({ providers: { oidcProxy: { issuers: [{ issuer: 'http://127.0.0.1:9', audience: 'backstage', jwksFile }], signIn: { resolvers } } } }),
        error => {
          assert.match(error.message, /auth\.providers\.oidcProxy\.issuers\[0\]\.jwksFile/);
          assert.ok(error.message.includes(jwksFile), error.message);
          assert.match(error.message, why);
          return true;
        },
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
