// Catalogs as ingesters write them, in a real Backstage backend with the real catalog: the
// claim resolvers (preferred_username as the User's name, Entra's oid as the msgraph
// ingester's annotation), the email annotation option, token groups added to a catalog
// User's ownership, groups that never refuse a sign-in, the naming rule of the README's
// example config, and one native call per sign-in.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startIssuer } from '../test-support/test-issuer.mjs';
import { startAuthBackend, user, group } from '../test-support/auth-backend.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function signedIn(response) {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text).backstageIdentity.identity;
}

async function refused(response, status, pattern) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  assert.match(text, pattern);
  return JSON.parse(text);
}

describe('resolvers that match what catalog ingesters write', () => {
  let issuer;
  let backend;
  let fallback;
  before(async () => {
    issuer = await startIssuer();
    const entities = [
      user('jane', {
        annotations: { 'graph.microsoft.com/user-id': 'oid-jane', 'microsoft.com/email': 'jane@contoso.com' },
        memberOf: ['team-a'],
      }),
      group('team-a'),
    ];
    [backend, fallback] = await Promise.all([
      startAuthBackend({
        providers: {
          oidcProxy: {
            issuer: issuer.url,
            audience: 'backstage',
            signIn: {
              resolvers: [
                {
                  resolver: 'claimMatchingUserEntityAnnotation',
                  claim: 'oid',
                  annotation: 'graph.microsoft.com/user-id',
                  groupsClaim: 'groups',
                },
                { resolver: 'emailMatchingUserEntityAnnotation', annotation: 'microsoft.com/email' },
                { resolver: 'claimMatchingUserEntityName' },
              ],
            },
          },
        },
        entities,
      }),
      startAuthBackend({
        providers: {
          oidcProxy: {
            issuer: issuer.url,
            audience: 'backstage',
            signIn: {
              resolvers: [{ resolver: 'claimMatchingUserEntityName', dangerouslyAllowSignInWithoutUserInCatalog: true }],
            },
          },
        },
        entities,
      }),
    ]);
  });
  after(async () => {
    await Promise.all([backend, fallback].filter(Boolean).map(b => b.stop()));
    await issuer?.stop();
  });

  test("claimMatchingUserEntityAnnotation: Entra's oid finds the msgraph-ingested User; token groups join the catalog's", async () => {
    const token = await issuer.sign({
      oid: 'oid-jane',
      email: undefined,
      groups: ['/platform/ops', 'Engineering Team', 'Odd\nGroup'],
    });
    const identity = await signedIn(await backend.refresh(token));
    assert.equal(identity.userEntityRef, 'user:default/jane');
    assert.deepEqual(identity.ownershipEntityRefs, ['user:default/jane', 'group:default/team-a', 'group:default/ops']);
  });

  test('a group that cannot be an entity name is left out, and reported once a minute with its value', async () => {
    const lines = () => backend.logs.filter(l => l.level === 'warn' && l.message.includes('groupsClaim value'));
    for (let i = 0; i < 3; i++) {
      const token = await issuer.sign({ sub: `g-${i}`, oid: 'oid-jane', groups: ['Engineering Team', `Other ${i}`] });
      await signedIn(await backend.refresh(token));
    }
    // The first sign-in above logged; the three since are within the minute.
    assert.equal(lines().length, 1, JSON.stringify(lines()));
    const [line] = lines();
    assert.match(line.message, /left out 2 groupsClaim value/);
    assert.match(line.message, /"Engineering Team"/);
    assert.ok(line.message.includes('"Odd\\u{a}Group"'), `control characters are escaped: ${line.message}`);
    assert.doesNotMatch(line.message, /Odd\nGroup/);
  });

  test('emailMatchingUserEntityAnnotation with annotation: microsoft.com/email', async () => {
    const token = await issuer.sign({ email: 'jane@contoso.com' });
    assert.equal((await signedIn(await backend.refresh(token))).userEntityRef, 'user:default/jane');
  });

  test('claimMatchingUserEntityName: preferred_username names the User; a missing claim hands over', async () => {
    const token = await issuer.sign({ email: 'someone@contoso.com', preferred_username: 'jane' });
    assert.equal((await signedIn(await backend.refresh(token))).userEntityRef, 'user:default/jane');
  });

  test("an Entra UPN in preferred_username is never an entity name: no User, so the chain ends in 403", async () => {
    const token = await issuer.sign({ email: 'nobody@contoso.com', preferred_username: 'jane@contoso.com' });
    await refused(await backend.refresh(token), 403, /no configured sign-in resolver matched/);
  });

  test('a claim that is present but not a non-empty string refuses with 403, naming the claim', async () => {
    for (const oid of [42, '', ['oid-jane']]) {
      const body = await refused(await backend.refresh(await issuer.sign({ oid })), 403, /ERR_IDENTITY_CLAIMS_INVALID/);
      assert.match(body.error.message, /\boid\b/);
      assert.equal(body.error.name, 'NotAllowedError');
    }
  });

  test('claimMatchingUserEntityName with dangerouslyAllowSignInWithoutUserInCatalog names the user by the claim', async () => {
    const token = await issuer.sign({ preferred_username: 'zed' });
    assert.equal((await signedIn(await fallback.refresh(token))).userEntityRef, 'user:default/zed');
    assert.equal(
      (await signedIn(await fallback.refresh(await issuer.sign({ preferred_username: 'jane' })))).userEntityRef,
      'user:default/jane',
    );
  });

  test('resolver options are checked at start-up', async () => {
    await assert.rejects(
      startAuthBackend({
        providers: {
          oidcProxy: {
            issuer: issuer.url,
            audience: 'backstage',
            signIn: { resolvers: [{ resolver: 'claimMatchingUserEntityAnnotation', claim: 'oid' }] },
          },
        },
      }),
      /signIn\.resolvers\[0\].*annotation/s,
    );
    await assert.rejects(
      startAuthBackend({
        providers: {
          oidcProxy: {
            issuer: issuer.url,
            audience: 'backstage',
            signIn: { resolvers: [{ resolver: 'idMatchingUserEntityAnnotation', namespace: 'Not A Namespace' }] },
          },
        },
      }),
      /signIn\.resolvers\[0\]\.namespace/,
    );
  });
});

/** The provider block of the README's configuration example, with this test's issuer. */
function readmeProviderBlock(issuerUrl) {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /```yaml title="app-config\.production\.yaml"\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(block, "the README's configuration example");
  const provider = YAML.parse(block).auth.providers.oidcProxy;
  return { ...provider, issuer: issuerUrl, audience: 'backstage' };
}

describe("user names: the README's example config keeps local-part names", () => {
  let issuer;
  let backend;
  let twoDomains;
  before(async () => {
    issuer = await startIssuer();
    const provider = readmeProviderBlock(issuer.url);
    [backend, twoDomains] = await Promise.all([
      startAuthBackend({ providers: { oidcProxy: provider }, entities: [user('someone-else')] }),
      startAuthBackend({
        providers: {
          oidcProxy: {
            issuer: issuer.url,
            audience: 'backstage',
            signIn: {
              resolvers: [
                {
                  resolver: 'emailMatchingUserEntityProfileEmail',
                  allowedDomains: ['example.com', 'example.org'],
                  dangerouslyAllowSignInWithoutUserInCatalog: true,
                },
              ],
            },
          },
        },
        entities: [user('someone-else')],
      }),
    ]);
  });
  after(async () => {
    await Promise.all([backend, twoDomains].filter(Boolean).map(b => b.stop()));
    await issuer?.stop();
  });

  test('one allowed domain is the home domain: jane.doe@example.com signs in as user:default/jane.doe', async () => {
    const identity = await signedIn(await backend.refresh(await issuer.sign({ email: 'jane.doe@example.com' })));
    assert.equal(identity.userEntityRef, 'user:default/jane.doe');
  });

  test('the naming rule is logged at start-up, with an example', async () => {
    const line = backend.logs.find(l => l.level === 'info' && l.message.includes('signInWithoutCatalogUser'));
    assert.ok(line, JSON.stringify(backend.logs.map(l => l.message)));
    assert.match(line.message, /jane@example\.com -> user:default\/jane\b/);
  });

  test('two allowed domains keep the domain in the name, the fallback of an email resolver too', async () => {
    const identity = await signedIn(await twoDomains.refresh(await issuer.sign({ email: 'jane@example.org' })));
    assert.equal(identity.userEntityRef, 'user:default/jane_at_example.org');
    const line = twoDomains.logs.find(l => l.level === 'info' && l.message.includes('emailMatchingUserEntityProfileEmail'));
    assert.match(line?.message ?? '', /jane_at_example\.com/);
  });
});

describe('one native call per sign-in', () => {
  let issuer;
  let backend;
  const calls = [];
  let restore = () => {};
  before(async () => {
    issuer = await startIssuer();
    backend = await startAuthBackend({
      providers: {
        oidcProxy: {
          issuer: issuer.url,
          audience: 'backstage',
          signIn: {
            resolvers: [
              { resolver: 'emailMatchingUserEntityProfileEmail', groupsClaim: 'groups' },
              { resolver: 'claimMatchingUserEntityName' },
              { resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], groupsClaim: 'groups' },
            ],
          },
        },
      },
      entities: [user('someone-else')],
    });
    // The module loads the addon through the package's index.js: the same module object, so
    // every exported function and every method of every exported class is counted.
    const native = createRequire(import.meta.url)(path.join(root, 'index.js'));
    const undo = [];
    const wrap = (owner, name, label) => {
      const original = owner[name];
      owner[name] = function (...args) {
        calls.push(label);
        return original.apply(this, args);
      };
      undo.push(() => (owner[name] = original));
    };
    for (const [name, value] of Object.entries(native)) {
      if (typeof value !== 'function') continue;
      for (const method of Object.getOwnPropertyNames(value.prototype ?? {})) {
        if (method !== 'constructor' && typeof value.prototype[method] === 'function') {
          wrap(value.prototype, method, `${name}.${method}`);
        }
      }
      if (!/^[A-Z]/.test(name)) wrap(native, name, name);
    }
    restore = () => undo.forEach(u => u());
  });
  after(async () => {
    restore();
    await backend?.stop();
    await issuer?.stop();
  });

  test('a sign-in through three resolvers with groups, and its repeat from the sign-in cache: one call each', async () => {
    const token = await issuer.sign({ email: 'jane@example.com', preferred_username: 'nobody', groups: ['/a/devs'] });
    calls.length = 0;
    const identity = await signedIn(await backend.refresh(token));
    assert.equal(identity.userEntityRef, 'user:default/jane');
    assert.deepEqual(identity.ownershipEntityRefs, ['user:default/jane', 'group:default/devs']);
    assert.deepEqual(calls, ['OidcVerifier.signIn']);
    for (const what of ['the second sign-in, kept', 'a repeat served from the sign-in cache']) {
      calls.length = 0;
      await signedIn(await backend.refresh(token));
      assert.deepEqual(calls, ['OidcVerifier.signIn'], what);
    }
  });
});
