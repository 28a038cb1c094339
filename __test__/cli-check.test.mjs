// `backstage-oidc-proxy check` against the test IdP: the module's own config reading (with
// ${VAR} substitution), the native verifier and the configured resolvers; each refusal with
// its code, the value that did not match and the exit code; --backend against a real backend.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcIssuer, OTHER_CLIENT_ID } from '../test-support/oidc-issuer.mjs';
import { startAuthBackend } from '../test-support/auth-backend.mjs';
import { freePort } from '../test-support/processes.mjs';
import { runCli, runCliJson, writeConfig } from '../test-support/cli.mjs';

let idp;
let config;
const withoutCatalog = { resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'] };
const provider = (issuer, extra = {}) => ({
  auth: { providers: { oidcProxy: { issuer, audience: 'backstage', signIn: { resolvers: [withoutCatalog] }, ...extra } } },
});

before(async () => {
  idp = await startOidcIssuer();
  // The issuer through ${VAR}, as app-config files usually have it.
  config = writeConfig(provider('${OIDC_TEST_ISSUER}'));
});
after(() => idp?.stop());

const check = (args, options = {}) =>
  runCliJson(['check', '--config', config, ...args], { ...options, env: { OIDC_TEST_ISSUER: idp.issuer, ...options.env } });

test('a good token: exit 0, prints the user ref and the ownership refs', async () => {
  const token = await idp.login('alice');
  const text = await runCli(['check', '--config', config, token], { env: { OIDC_TEST_ISSUER: idp.issuer } });
  assert.equal(text.code, 0, text.stdout + text.stderr);
  assert.match(text.stdout, /✔ config: auth\.providers\.oidcProxy read as the backend reads it \(issuer http:\/\/127\.0\.0\.1/);
  assert.match(text.stdout, /✔ verify: /);
  assert.match(text.stdout, /✔ sign-in: would sign in as user:default\/alice/);
  assert.match(text.stdout, /· ownership: user:default\/alice/);

  const { code, json } = await check(['-'], { stdin: token });
  assert.equal(code, 0);
  assert.equal(json.outcome, 'signed-in');
  assert.match(json.userEntityRef, /^user:default\/alice/);
  assert.deepEqual(json.ownershipEntityRefs, [json.userEntityRef]);
});

test('wrong audience: exit 1, the code and the aud that arrived', async () => {
  const token = await idp.login('alice', { clientId: OTHER_CLIENT_ID });
  const text = await runCli(['check', '--config', config, token], { env: { OIDC_TEST_ISSUER: idp.issuer } });
  assert.equal(text.code, 1, text.stdout);
  assert.match(text.stdout, /✘ verify: ERR_JWT_CLAIM_VALIDATION_FAILED: .*the token's aud: "other-app".*configured audience: backstage/);
  const { json } = await check([token]);
  assert.equal(json.error.code, 'ERR_JWT_CLAIM_VALIDATION_FAILED');
  assert.equal(json.error.claim, 'aud');
});

test('an expired token: exit 1, ERR_JWT_EXPIRED with exp as a date', async () => {
  const exp = Math.floor(Date.now() / 1000) - 3600;
  const token = await idp.sign({ exp, iat: exp - 600 });
  const text = await runCli(['check', '--config', config, token], { env: { OIDC_TEST_ISSUER: idp.issuer } });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /✘ verify: ERR_JWT_EXPIRED: .*the token's exp: .*\(36\d\d s ago\); clockTolerance 30 s/);
});

test('a domain that is not allowed: exit 1, naming the resolver', async () => {
  const token = await idp.login('carol'); // carol@other.org
  const text = await runCli(['check', '--config', config, token], { env: { OIDC_TEST_ISSUER: idp.issuer } });
  assert.equal(text.code, 1);
  assert.match(text.stdout, /✔ verify/);
  assert.match(
    text.stdout,
    /✘ resolve: ERR_IDENTITY_DOMAIN_NOT_ALLOWED: .*refused by auth\.providers\.oidcProxy\.signIn\.resolvers\[0\] \(signInWithoutCatalogUser\)/,
  );
  assert.match(text.stdout, /the token's email: "carol@other\.org", email_verified: true/);
});

test('resolvers that need the catalog say what they would look up', async () => {
  const file = writeConfig(
    provider(idp.issuer, {
      signIn: { resolvers: [{ resolver: 'emailMatchingUserEntityProfileEmail' }, { resolver: 'idMatchingUserEntityAnnotation' }] },
    }),
  );
  const token = await idp.login('alice');
  const text = await runCli(['check', '--config', file, token]);
  assert.equal(text.code, 0, text.stdout);
  assert.match(text.stdout, /· catalog: emailMatchingUserEntityProfileEmail would look up \{"filter":\{"spec\.profile\.email":"alice@example\.com"\}\} in the catalog/);
  assert.match(text.stdout, /· catalog: idMatchingUserEntityAnnotation would look up \{"annotations":\{"openid\.net\/iss":"http:[^"]+","openid\.net\/sub":"sub-alice"\}\}/);
  assert.match(text.stdout, /! sign-in: depends on the catalog/);
  const { json } = await runCliJson(['check', '--config', file, token]);
  assert.equal(json.outcome, 'needs-catalog');
  assert.equal(json.catalogLookups.length, 2);
});

test('issuer down: exit 1, ERR_ISSUER_UNAVAILABLE with where the keys were fetched from', async () => {
  const down = `http://127.0.0.1:${await freePort()}`;
  const file = writeConfig(provider(down));
  const token = await idp.login('alice');
  const text = await runCli(['check', '--config', file, token]);
  assert.equal(text.code, 1, text.stdout);
  assert.match(text.stdout, /✘ verify: ERR_ISSUER_UNAVAILABLE: .*could not be reached/);
  assert.ok(text.stdout.includes(`${down}/.well-known/openid-configuration`), text.stdout);
});

test('a config typo: exit 2, naming the key; a usage error: exit 2', async () => {
  const file = writeConfig({ auth: { providers: { oidcProxy: { issuer: idp.issuer, audiense: 'backstage', signIn: { resolvers: [withoutCatalog] } } } } });
  const text = await runCli(['check', '--config', file, 'x.y.z']);
  assert.equal(text.code, 2);
  assert.match(text.stderr, /✘ config: Invalid config at 'auth\.providers\.oidcProxy\.audiense': not an option of this provider/);
  const resolver = writeConfig(provider(idp.issuer, { signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomain: ['x'] }] } }));
  const bad = await runCli(['check', '--config', resolver, 'x.y.z']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /auth\.providers\.oidcProxy\.signIn\.resolvers\[0\]/);
  const unset = await runCli(['check', '--config', config, 'x.y.z'], { env: { OIDC_TEST_ISSUER: '' } });
  assert.equal(unset.code, 2, 'an unset ${VAR} is a config error, as at start-up');
  assert.equal((await runCli(['check', 'x.y.z'])).code, 2, 'no --config');
});

test('check --backend asks a running backend: 200 exits 0, 401 exits 1 with code and reference, no backend exits 2', async () => {
  const backend = await startAuthBackend({ providers: provider(idp.issuer).auth.providers });
  try {
    const good = await check(['--backend', backend.url, await idp.login('alice')]);
    assert.equal(good.code, 0, good.stdout);
    assert.equal(good.json.status, 200);
    assert.match(good.json.userEntityRef, /^user:default\/alice/);

    const text = await runCli(['check', '--config', config, '--backend', backend.url, await idp.login('alice', { clientId: OTHER_CLIENT_ID })], {
      env: { OIDC_TEST_ISSUER: idp.issuer },
    });
    assert.equal(text.code, 1, text.stdout);
    assert.match(text.stdout, /✘ backend: ERR_JWT_CLAIM_VALIDATION_FAILED: GET http:\/\/127\.0\.0\.1:\d+\/api\/auth\/oidcProxy\/refresh: 401 AuthenticationError .*\(reference [0-9a-f]{10}: find it in the backend's log\)/);
    const reference = /reference ([0-9a-f]{10})/.exec(text.stdout)[1];
    assert.ok(backend.logs.some(l => l.level === 'warn' && l.message.includes(reference)), 'the reference is in the backend log');

    const nowhere = await check(['--backend', `http://127.0.0.1:${await freePort()}`, 'a.b.c']);
    assert.equal(nowhere.code, 2);
    assert.equal(nowhere.json.outcome, 'unreachable');
  } finally {
    await backend.stop();
  }
});

test("the seed's oidc-proxy key is read too, and --provider names the key to read", async () => {
  const seed = writeConfig({ auth: { providers: { 'oidc-proxy': provider(idp.issuer).auth.providers.oidcProxy } } });
  const token = await idp.login('alice');
  const { code, json } = await runCliJson(['check', '--config', seed, token]);
  assert.equal(code, 0, JSON.stringify(json));
  assert.match(json.steps[0].detail, /^auth\.providers\.oidc-proxy read as the backend reads it/);
  const missing = await runCliJson(['check', '--config', seed, '--provider', 'oidcProxy', token]);
  assert.equal(missing.code, 2);
  assert.match(missing.json.error.message, /auth\.providers\.oidcProxy/);
});
