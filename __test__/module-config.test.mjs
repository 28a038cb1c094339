// Configuration: start-up fails on every config mistake with a message naming the key, and
// the package's config.d.ts (validated the way `backstage-cli config:check --strict` does)
// accepts the seed document's config and rejects broken ones.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadConfigSchema } from '@backstage/config-loader';
import { startAuthBackend } from '../test-support/auth-backend.mjs';

// A backend that fails to start leaves its process-wide error listeners behind.
process.setMaxListeners(50);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Loopback issuer that is never started: start-up must not depend on it.
const issuer = 'http://127.0.0.1:9';
const valid = { issuer, audience: 'backstage', signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'] }] } };

async function startupError(providers) {
  let backend;
  try {
    backend = await startAuthBackend({ providers });
  } catch (error) {
    return error;
  }
  await backend.stop();
  assert.fail('the backend started');
}

describe('start-up fails on config errors, naming the key', () => {
  const cases = [
    ['no provider block at all', undefined, /auth\.providers\.oidcProxy/],
    ['both spellings', { oidcProxy: valid, 'oidc-proxy': valid }, /auth\.providers\.oidcProxy.*auth\.providers\.oidc-proxy/],
    ['issuer missing', { oidcProxy: { ...valid, issuer: undefined } }, /auth\.providers\.oidcProxy\.issuer/],
    ['issuer not a URL', { oidcProxy: { ...valid, issuer: 'login.example.com' } }, /auth\.providers\.oidcProxy\.issuer/],
    ['plain-http issuer off loopback', { 'oidc-proxy': { ...valid, issuer: 'http://login.example.com' } }, /auth\.providers\.oidc-proxy\.issuer.*https/],
    ['audience missing', { oidcProxy: { ...valid, audience: undefined } }, /auth\.providers\.oidcProxy\.audience/],
    ['audience empty list', { oidcProxy: { ...valid, audience: [] } }, /auth\.providers\.oidcProxy\.audience/],
    ['authorization header', { oidcProxy: { ...valid, oidcIdTokenHeader: 'authorization' } }, /auth\.providers\.oidcProxy\.oidcIdTokenHeader.*authorization/],
    ['Authorization header, any case', { 'oidc-proxy': { ...valid, oidcIdTokenHeader: 'AuthoriZation' } }, /auth\.providers\.oidc-proxy\.oidcIdTokenHeader/],
    ['header name with a space', { oidcProxy: { ...valid, oidcIdTokenHeader: 'x id token' } }, /oidcIdTokenHeader/],
    ['clockTolerance over 60', { oidcProxy: { ...valid, clockTolerance: 61 } }, /auth\.providers\.oidcProxy\.clockTolerance/],
    ['unsupported algorithm', { oidcProxy: { ...valid, algorithms: ['HS256'] } }, /auth\.providers\.oidcProxy\.algorithms.*HS256/],
    ['no resolvers', { oidcProxy: { ...valid, signIn: { resolvers: [] } } }, /auth\.providers\.oidcProxy\.signIn\.resolvers/],
    ['no signIn', { oidcProxy: { ...valid, signIn: undefined } }, /auth\.providers\.oidcProxy\.signIn\.resolvers/],
    ['unknown resolver', { oidcProxy: { ...valid, signIn: { resolvers: [{ resolver: 'usernameMatchingUserEntityName' }] } } }, /signIn\.resolvers\[0\]\.resolver.*usernameMatchingUserEntityName/],
    ['unknown provider option (a typo)', { oidcProxy: { ...valid, algorithm: ['RS256'] } }, /auth\.providers\.oidcProxy\.algorithm\b.*not an option/],
    ['signOutUrl neither a URL nor a path', { oidcProxy: { ...valid, signOutUrl: 'oauth2callback?logout=x' } }, /auth\.providers\.oidcProxy\.signOutUrl/],
    ['signOutUrl of another scheme', { 'oidc-proxy': { ...valid, signOutUrl: 'javascript:alert(1)' } }, /auth\.providers\.oidc-proxy\.signOutUrl/],
    ['requireEmailVerifiedClaim not a boolean', { oidcProxy: { ...valid, requireEmailVerifiedClaim: 'maybe' } }, /requireEmailVerifiedClaim/],
    [
      'non-ASCII allowedDomains entry',
      { oidcProxy: { ...valid, signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['\u212Aorp.com'] }] } } },
      /signIn\.resolvers\[0\].*allowedDomains.*ASCII/,
    ],
    [
      'homeDomain outside allowedDomains',
      { oidcProxy: { ...valid, signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], homeDomain: 'example.org' }] } } },
      /signIn\.resolvers\[0\].*homeDomain/,
    ],
    [
      'unknown resolver option',
      { oidcProxy: { ...valid, signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomain: ['example.com'] }] } } },
      /signIn\.resolvers\[0\].*allowedDomain/,
    ],
  ];
  for (const [name, providers, message] of cases) {
    test(name, async () => {
      const error = await startupError(providers === undefined ? undefined : JSON.parse(JSON.stringify(providers)));
      assert.match(error.message, message);
    });
  }
});

describe('config.d.ts schema (as backstage-cli config:check --strict validates)', () => {
  let schema;
  const validate = data => schema.process([{ data: { app: { baseUrl: 'http://localhost:3000' }, ...data }, context: 'test' }]);

  test('loads', async () => {
    schema = await loadConfigSchema({ dependencies: [], packagePaths: [path.join(root, 'package.json')], noUndeclaredProperties: true });
  });

  test('declares exactly the keys the start-up checks and the native option reader know, both ways', () => {
    const require = createRequire(import.meta.url);
    const { KNOWN_KEYS, ISSUER_KEYS } = require('../dist/config.js');
    const { optionNames } = require('../index.js');
    // The JSON schema config.d.ts compiles to, as Backstage validates with it: the provider
    // block is a union of its single-issuer and `issuers` forms.
    const own = schema.serialize().schemas.find(x => x.packageName === '@backstage/plugin-auth-backend-module-oidc-proxy-provider');
    const provider = own.value.properties.auth.properties.providers.properties.oidcProxy;
    const forms = provider.anyOf ?? [provider];
    const declared = new Set(forms.flatMap(form => Object.keys(form.properties ?? {})));
    assert.deepEqual([...declared].sort(), [...KNOWN_KEYS].sort());
    const issuers = forms.map(form => form.properties?.issuers).find(Boolean);
    assert.deepEqual(Object.keys(issuers.items.properties).sort(), [...ISSUER_KEYS].sort());
    // The verifier's keys are the native reader's own names.
    for (const name of optionNames().verify) assert.ok(KNOWN_KEYS.includes(name), name);
    assert.deepEqual([...ISSUER_KEYS].sort(), [...optionNames().issuer].sort());
  });

  test("accepts the seed document's YAML verbatim (the oidc-proxy key) and every option", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-schema-'));
    try {
      // The seed's block as an operator pastes it.
      fs.writeFileSync(
        path.join(dir, 'app-config.yaml'),
        `app:
  baseUrl: http://localhost:3000
auth:
  providers:
    oidc-proxy:
      # issuer is required, must match the iss claim of the id token.
      issuer: https://login.example.com
      # audience is required, must match one of the aud values listed in the id token.
      audience: 'https://backstage.example.com'
      # oidcIdTokenHeader is optional and may be set to any value except \`authorization\`.
      # The value of the header is the id token without a "Bearer " prefix.
      oidcIdTokenHeader: 'x-oidc-id-token'
      signIn:
        resolvers:
          # emailMatchingUserEntityProfileEmail resolves the authenticated id
          # token to a catalog entity by matching the email token claim to the
          # User spec.profile.email field of the catalog entity.
          - resolver: emailMatchingUserEntityProfileEmail
          # signInWithoutCatalogUser allows Sign-In without a pre-existing User
          # entity in the catalog.
          - resolver: signInWithoutCatalogUser
`,
      );
      const { appConfigs } = await loadConfig({ configRoot: dir, configTargets: [{ path: path.join(dir, 'app-config.yaml') }] });
      schema.process(appConfigs);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    validate({
      auth: {
        providers: {
          oidcProxy: {
            issuer: 'https://login.example.com',
            audience: ['https://backstage.example.com', 'other'],
            oidcIdTokenHeader: 'X-Forwarded-Id-Token',
            jwksUri: 'https://login.example.com/keys',
            algorithms: ['RS256', 'ES256'],
            clockTolerance: 10,
            requiredClaims: ['iat', 'exp', 'sub', 'email', 'groups'],
            signIn: {
              resolvers: [
                { resolver: 'emailMatchingUserEntityProfileEmail', allowedDomains: ['example.com'] },
                { resolver: 'emailLocalPartMatchingUserEntityName', dangerouslyAllowSignInWithoutUserInCatalog: false },
                { resolver: 'emailMatchingUserEntityAnnotation', annotation: 'microsoft.com/email', groupsClaim: 'groups' },
                { resolver: 'idMatchingUserEntityAnnotation', groupsClaim: 'groups', namespace: 'staff' },
                { resolver: 'claimMatchingUserEntityName', claim: 'preferred_username', dangerouslyAllowSignInWithoutUserInCatalog: true },
                { resolver: 'claimMatchingUserEntityAnnotation', claim: 'oid', annotation: 'graph.microsoft.com/user-id' },
                { resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], userNameClaim: 'preferred_username', groupsClaim: 'groups', namespace: 'staff' },
              ],
            },
          },
        },
      },
    });
  });

  const bad = {
    'issuer missing': { audience: 'a', signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } },
    'audience missing': { issuer: 'https://i', signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } },
    'signIn missing': { issuer: 'https://i', audience: 'a' },
    'empty resolvers': { issuer: 'https://i', audience: 'a', signIn: { resolvers: [] } },
    'unknown resolver': { issuer: 'https://i', audience: 'a', signIn: { resolvers: [{ resolver: 'nope' }] } },
    'unknown option': { issuer: 'https://i', audience: 'a', bogus: true, signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } },
    'clockTolerance 120': { issuer: 'https://i', audience: 'a', clockTolerance: 120, signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } },
    'algorithm HS256': { issuer: 'https://i', audience: 'a', algorithms: ['HS256'], signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } },
  };
  for (const [name, block] of Object.entries(bad)) {
    test(`rejects: ${name}`, () => {
      for (const key of ['oidcProxy', 'oidc-proxy']) {
        assert.throws(() => validate({ auth: { providers: { [key]: block } } }), /Config validation failed/, `${key}: ${name}`);
      }
    });
  }
});

describe('signOutUrl: the backend accepts it, the frontend package gets it', () => {
  for (const signOutUrl of ['/oauth2callback?logout=https%3A%2F%2Fbackstage.example.com%2F', 'https://proxy.example.com/oauth2/sign_out?rd=']) {
    test(`start-up accepts ${signOutUrl}`, async () => {
      const backend = await startAuthBackend({ providers: { oidcProxy: { ...valid, signOutUrl } } });
      await backend.stop();
    });
  }

  test('with the frontend package, the schema makes it frontend-visible under either key', async () => {
    const packagePaths = ['package.json', 'plugins/app-module-oidc-proxy/package.json'].map(p => path.join(root, p));
    const schema = await loadConfigSchema({ dependencies: [], packagePaths, noUndeclaredProperties: true });
    const block = { issuer: 'https://i', audience: 'a', signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] } };
    for (const key of ['oidcProxy', 'oidc-proxy']) {
      const data = { app: { baseUrl: 'http://localhost:3000' }, auth: { providers: { [key]: { ...block, signOutUrl: '/logout' } } } };
      const [visible] = schema.process([{ data, context: 'test' }], { visibility: ['frontend'] });
      assert.deepEqual(visible.data.auth, { providers: { [key]: { signOutUrl: '/logout' } } }, key);
    }
  });
});
