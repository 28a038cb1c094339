// Pinned keys (`jwks`, `jwksFile`) through the native API: no network call for such an
// issuer, a JWKS file swapped the way a Kubernetes ConfigMap is (symlink to a new directory)
// or by an atomic rename is picked up while the verifier runs, a file gone bad keeps the last
// good keys, and pinned keys follow the rules fetched keys do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OidcVerifier, cacheStats } from '../index.js';
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { eventually as poll } from '../test-support/eventually.mjs';

const eventually = (what, check, options = { attempts: 100, intervalMs: 50 }) => poll(what, check, options);

const sleep = ms => new Promise(r => setTimeout(r, ms));
const codeOf = promise => promise.then(() => 'OK', e => e.code);

const jwksOf = (...keys) => ({ keys: keys.map(k => k.jwk) });

/** A directory laid out as Kubernetes mounts a ConfigMap: keys.json -> ..data/keys.json, ..data -> ..<version>. */
function configMapDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-configmap-'));
  let version = 0;
  const publish = content => {
    const versionDir = `..v${++version}`;
    fs.mkdirSync(path.join(dir, versionDir));
    fs.writeFileSync(path.join(dir, versionDir, 'keys.json'), typeof content === 'string' ? content : JSON.stringify(content));
    // The swap itself: a new symlink renamed over ..data, atomically.
    fs.symlinkSync(versionDir, path.join(dir, '..data_tmp'));
    fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  };
  return {
    file: path.join(dir, 'keys.json'),
    publish,
    link: () => fs.symlinkSync(path.join('..data', 'keys.json'), path.join(dir, 'keys.json')),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

test('inline jwks, as an object or as JSON text, verifies with no network call at all', async () => {
  const issuer = await startIssuer();
  const before = cacheStats();
  try {
    const objectForm = new OidcVerifier({ issuer: issuer.url, audience: 'backstage', jwks: jwksOf(issuer.key) });
    const textForm = new OidcVerifier({ issuer: issuer.url, audience: 'backstage', jwks: JSON.stringify(jwksOf(issuer.key)) });
    await objectForm.prefetchKeys(); // held from the start: resolves without fetching
    assert.equal((await objectForm.verify(await issuer.sign({ sub: 'one' }))).sub, 'one');
    assert.equal((await textForm.verify(await issuer.sign({ sub: 'two' }))).sub, 'two');
    // An unknown kid is not a rotation to fetch: pinned keys are all there is.
    const other = await issuer.rotate();
    assert.equal(await codeOf(textForm.verify(await issuer.sign({}, { key: other }))), 'ERR_JWKS_NO_MATCHING_KEY');

    assert.deepEqual(issuer.state.counts, { discovery: 0, jwks: 0 }, 'the issuer was never asked');
    const after = cacheStats();
    for (const counter of ['discoveryFetchOk', 'discoveryFetchError', 'jwksFetchOk', 'jwksFetchError']) {
      assert.equal(after[counter], before[counter], counter);
    }
    assert.deepEqual(objectForm.issuers().map(i => i.keys), ['jwks']);
  } finally {
    await issuer.stop();
  }
});

test('a jwksFile swapped as a ConfigMap update (symlink) or by an atomic rename is picked up while running', async () => {
  const issuer = await startIssuer();
  const map = configMapDir();
  try {
    const first = issuer.key;
    map.publish(jwksOf(first));
    map.link();
    // Relative to the working directory, as configured in a backend.
    const verifier = new OidcVerifier({ issuer: issuer.url, audience: 'backstage', jwksFile: path.relative(process.cwd(), map.file) });
    const oldToken = await issuer.sign({ sub: 'old' });
    assert.equal((await verifier.verify(oldToken)).sub, 'old');
    const fileStatus = () => verifier.issuers()[0].jwksFile;
    assert.deepEqual([fileStatus().problem, fileStatus().badEpisodes, fileStatus().reloads], [undefined, 0, 0]);

    const second = await issuer.rotate({ drop: true });
    map.publish(jwksOf(second));
    await eventually('the swapped file taken', () => fileStatus().reloads === 1);
    assert.equal((await verifier.verify(await issuer.sign({ sub: 'new' }, { key: second }))).sub, 'new');
    // A verified token dies with its key, cached or not.
    assert.equal(await codeOf(verifier.verify(oldToken)), 'ERR_JWKS_NO_MATCHING_KEY');

    // Written elsewhere and renamed over the file (what most deploy tools do).
    const third = await issuer.rotate({ drop: true });
    const tmp = `${map.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(jwksOf(second, third)));
    fs.rmSync(map.file);
    fs.renameSync(tmp, map.file);
    await eventually('the renamed file taken', () => fileStatus().reloads === 2);
    assert.equal((await verifier.verify(await issuer.sign({ sub: 'third' }, { key: third }))).sub, 'third');
    assert.deepEqual(issuer.state.counts, { discovery: 0, jwks: 0 });
  } finally {
    map.remove();
    await issuer.stop();
  }
});

test('a jwksFile gone bad keeps the last good keys and reports one episode until it is good again', async () => {
  const issuer = await startIssuer();
  const map = configMapDir();
  try {
    map.publish(jwksOf(issuer.key));
    map.link();
    const verifier = new OidcVerifier({ issuer: issuer.url, audience: 'backstage', jwksFile: map.file });
    const fileStatus = () => verifier.issuers()[0].jwksFile;

    map.publish('{"keys": [');
    const bad = await eventually('the bad content noticed', () => fileStatus().problem && fileStatus());
    assert.match(bad.problem, /not a usable JWKS.*not valid JSON/);
    assert.equal(bad.badEpisodes, 1);
    assert.equal((await verifier.verify(await issuer.sign({ sub: 'still' }))).sub, 'still', 'the last good keys serve');

    // Worse, then unreadable: still the same episode.
    map.publish({ keys: [] });
    await eventually('the second bad content noticed', () => fileStatus().problem?.includes('no signing keys'));
    fs.rmSync(path.join(path.dirname(map.file), '..data'));
    await eventually('the missing file noticed', () => fileStatus().problem?.includes('cannot be read'));
    assert.equal(fileStatus().badEpisodes, 1);

    map.publish(jwksOf(issuer.key));
    await eventually('the good content back', () => fileStatus().problem === undefined);
    assert.deepEqual([fileStatus().badEpisodes, fileStatus().reloads], [1, 0], 'the same keys again: recovered, nothing reloaded');

    map.publish('garbage');
    await eventually('a second episode', () => fileStatus().badEpisodes === 2);
  } finally {
    map.remove();
    await issuer.stop();
  }
});

test('a jwksFile that is bad when the verifier is built is refused, naming the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-jwksfile-'));
  try {
    const base = { issuer: 'https://login.example.com', audience: 'backstage' };
    const missing = path.join(dir, 'missing.json');
    assert.throws(() => new OidcVerifier({ ...base, jwksFile: missing }), e => {
      assert.equal(e.code, 'ERR_INVALID_OPTIONS');
      assert.equal(e.option, 'jwksFile');
      assert.ok(e.message.includes(missing) && e.message.includes('cannot be read'), e.message);
      return true;
    });
    const garbage = path.join(dir, 'garbage.json');
    fs.writeFileSync(garbage, 'not json');
    assert.throws(
      () => new OidcVerifier({ issuers: [{ ...base, jwksUri: 'https://login.example.com/keys' }, { issuer: 'https://b.example', audience: 'x', jwksFile: garbage }] }),
      e => e.option === 'issuers[1].jwksFile' && e.message.includes(garbage) && /not a usable JWKS/.test(e.message),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('pinned keys follow the fetched key rules: sizes, use and alg, duplicate kids', async () => {
  const issuer = await startIssuer();
  try {
    const small = await makeKey('RS256', 'rsa-2047', { modulusLength: 2047 });
    const encryption = { ...(await makeKey('RS256', 'enc')).jwk, use: 'enc' };
    const base = { issuer: issuer.url, audience: 'backstage' };
    const verifier = new OidcVerifier({ ...base, jwks: { keys: [issuer.key.jwk, small.jwk, encryption] } });
    assert.equal((await verifier.verify(await issuer.sign())).sub, 'user-1');
    assert.equal(await codeOf(verifier.verify(await issuer.sign({}, { key: small }))), 'ERR_JWK_INVALID');
    // The key's own alg pins it: a PS256 token under an RS256 key's kid finds no key.
    const ps = await issuer.sign({}, { key: { ...issuer.key, alg: 'PS256' } });
    assert.equal(await codeOf(verifier.verify(ps)), 'ERR_JWKS_NO_MATCHING_KEY');

    const twin = await makeKey('RS256', issuer.key.kid);
    const twins = new OidcVerifier({ ...base, jwks: { keys: [issuer.key.jwk, twin.jwk] } });
    assert.equal(await codeOf(twins.verify(await issuer.sign())), 'ERR_JWKS_MULTIPLE_MATCHING_KEYS');

    // A pinned set with nothing usable is a configuration mistake, said at once.
    for (const [keys, why] of [
      [[small.jwk], /rsa-2047.*2047 bits/],
      [[encryption], /no signing keys/],
      [[], /no signing keys/],
    ]) {
      assert.throws(() => new OidcVerifier({ ...base, jwks: { keys } }), e => e.option === 'jwks' && why.test(e.message));
    }
    assert.throws(() => new OidcVerifier({ ...base, jwks: '{"keys":[],"keys":[]}' }), e => e.option === 'jwks' && /duplicate/.test(e.message));
    assert.throws(() => new OidcVerifier({ ...base, jwks: 7 }), e => e.option === 'jwks');
    assert.deepEqual(issuer.state.counts, { discovery: 0, jwks: 0 });
  } finally {
    await issuer.stop();
  }
});
