// Several issuers in one provider (`issuers:`), through a real backend and two real
// OpenID providers on loopback: each token is checked against the issuer its `iss` names,
// with that issuer's audience and keys; one issuer down leaves the other signing in; the
// config mistakes stop start-up naming the keys, and config.d.ts declares the form.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { metrics } from '@opentelemetry/api';
import { loadConfig, loadConfigSchema } from '@backstage/config-loader';
import { startOidcIssuer, OTHER_CLIENT_ID } from '../test-support/oidc-issuer.mjs';
import { startAuthBackend } from '../test-support/auth-backend.mjs';
import { eventually } from '../test-support/eventually.mjs';

// A backend that fails to start leaves its process-wide error listeners behind.
process.setMaxListeners(50);

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Observable counters as an exporter collects them (the module creates its instruments once per process). */
const observables = new Map();
metrics.setGlobalMeterProvider({
  getMeter: () => ({
    createCounter: () => ({ add: () => {} }),
    createObservableCounter: name => ({ addCallback: callback => observables.set(name, callback) }),
  }),
});
function collect(name) {
  const seen = [];
  observables.get(name)?.({ observe: (value, attributes) => seen.push({ ...attributes, value }) });
  return seen;
}

const resolvers = [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'] }];

async function refused(response) {
  const text = await response.text();
  assert.equal(response.status, 401, text);
  return JSON.parse(text).error.message;
}

test('two real issuers at once: each token meets its own issuer audience and keys; an unlisted, missing or mistyped iss is refused', async () => {
  const [a, b] = [await startOidcIssuer(), await startOidcIssuer()];
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuers: [
          { issuer: a.issuer, audience: a.clientId },
          { issuer: b.issuer, audience: [OTHER_CLIENT_ID] },
        ],
        signIn: { resolvers },
      },
    },
  });
  try {
    const fromA = await backend.refresh(await a.login('alice'));
    assert.equal(fromA.status, 200, await fromA.clone().text());
    assert.equal((await fromA.json()).backstageIdentity.identity.userEntityRef, 'user:default/alice');
    const fromB = await backend.refresh(await b.login('bob', { clientId: OTHER_CLIENT_ID }));
    assert.equal(fromB.status, 200, await fromB.clone().text());

    // B signs for the audience configured for A: B's own audience is the only one that counts.
    assert.match(await refused(await backend.refresh(await b.login('bob', { clientId: a.clientId }))), /ERR_JWT_CLAIM_VALIDATION_FAILED.*\baud\b/);
    assert.match(await refused(await backend.refresh(await a.login('alice', { clientId: OTHER_CLIENT_ID }))), /ERR_JWT_CLAIM_VALIDATION_FAILED.*\baud\b/);
    // A's key does not verify a token naming B (genuine signature, the other issuer's iss).
    assert.match(await refused(await backend.refresh(await a.sign({ iss: b.issuer, aud: OTHER_CLIENT_ID }))), /ERR_JWKS_NO_MATCHING_KEY/);

    // iss compared byte for byte; missing or not a string: the same refusal, before any key is looked at.
    for (const iss of [`${a.issuer}/`, 'http://127.0.0.1:9', a.issuer.toUpperCase(), undefined, 7, [a.issuer]]) {
      const message = await refused(await backend.refresh(await a.sign({ iss })));
      assert.match(message, /ERR_JWT_CLAIM_VALIDATION_FAILED.*\biss\b/, `iss ${JSON.stringify(iss)}`);
    }

    // The start-up log names each issuer, where its keys come from and where it is configured.
    for (const [index, idp] of [a, b].entries()) {
      const line = backend.logs.find(l => l.level === 'info' && l.message.includes(`issuers[${index}]'`));
      assert.ok(line?.message.includes(`issuer ${idp.issuer}`) && line.message.includes('keys by discovery'), line?.message);
    }
    // Both issuers may assert any email and no entry restricts its domains: said at start-up.
    const warning = backend.logs.find(l => l.level === 'warn' && l.message.includes("'auth.providers.oidcProxy.issuers' lists 2 issuers"));
    assert.ok(warning?.message.includes('signInWithoutCatalogUser') && warning.message.includes('allowedDomains'), warning?.message);

    // Verifications by issuer, as the exporter sees them.
    const byIssuer = collect('auth.oidc_proxy.issuer_verifications');
    const count = (issuer, result) => byIssuer.find(o => o.issuer === issuer && o.result === result)?.value;
    assert.deepEqual(
      [count(a.issuer, 'ok'), count(a.issuer, 'refused'), count(b.issuer, 'ok'), count(b.issuer, 'refused')],
      [1, 1, 1, 2],
      'a token naming no configured issuer is charged to none',
    );
  } finally {
    await backend.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

test('one issuer down: the other keeps signing in, the stopped one answers 503 and recovers by itself', async () => {
  const [a, b] = [await startOidcIssuer(), await startOidcIssuer()];
  const bToken = await b.login('bob');
  await b.stop();
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuers: [
          { issuer: a.issuer, audience: a.clientId, allowedDomains: ['example.com'] },
          { issuer: b.issuer, audience: b.clientId, allowedDomains: ['example.com'] },
        ],
        signIn: { resolvers },
      },
    },
  });
  try {
    await eventually('the warm-up warning about the stopped issuer', () =>
      backend.logs.find(l => l.level === 'warn' && l.message.includes(`signing keys of ${b.issuer}`)),
    );
    await eventually('the warm-up of the running issuer', () =>
      backend.logs.some(l => l.level === 'info' && l.message.includes(`signing keys of ${a.issuer} fetched`)),
    );
    assert.equal(backend.logs.some(l => l.message.includes('lists 2 issuers')), false, 'entries restrict their domains: no warning');

    for (const user of ['alice', 'bob', 'alice']) {
      const response = await backend.refresh(await a.login(user));
      assert.equal(response.status, 200, await response.text());
      const down = await backend.refresh(bToken);
      assert.equal(down.status, 503, await down.text());
    }

    await b.start();
    await eventually('a sign-in with the recovered issuer', async () => {
      const response = await backend.refresh(bToken);
      if (response.status === 503) return false;
      assert.equal(response.status, 200, await response.text());
      return true;
    });
    assert.equal((await backend.refresh(await a.login('alice'))).status, 200);
  } finally {
    await backend.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});

describe('start-up fails on an issuers mistake, naming the keys', () => {
  const entry = (issuer, extra = {}) => ({ issuer, audience: 'backstage', ...extra });
  const block = extra => ({ signIn: { resolvers }, ...extra });
  const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', kid: 'k', x: 'Qn99M2pm4a-aTvcApMtZ87sBgVnrv8aHYFsOsEOjgqE' }] };
  const cases = [
    [
      'both forms in one block',
      block({ issuer: 'http://127.0.0.1:9', audience: 'backstage', issuers: [entry('http://127.0.0.1:8')] }),
      /'auth\.providers\.oidcProxy'.*'issuers' cannot be combined with the top-level 'issuer', 'audience'/,
    ],
    ['a top-level key source next to issuers', block({ jwksUri: 'http://127.0.0.1:9/jwks', issuers: [entry('http://127.0.0.1:8')] }), /'issuers' cannot be combined with the top-level 'jwksUri'/],
    [
      'the same issuer twice',
      block({ issuers: [entry('http://127.0.0.1:8'), entry('http://127.0.0.1:9'), entry('http://127.0.0.1:8', { audience: 'other' })] }),
      /auth\.providers\.oidcProxy\.issuers\[2\]\.issuer.*repeats issuers\[0\]\.issuer/,
    ],
    [
      'two key sources in one entry',
      block({ issuers: [entry('http://127.0.0.1:8', { jwksUri: 'http://127.0.0.1:8/jwks', jwks })] }),
      /auth\.providers\.oidcProxy\.issuers\[0\]\.jwks'.*cannot be combined with jwksUri/,
    ],
    ['two key sources at the top level', block({ ...entry('http://127.0.0.1:8'), jwks, jwksFile: 'keys.json' }), /auth\.providers\.oidcProxy\.jwksFile'.*cannot be combined with jwks/],
    ['an entry without audience', block({ issuers: [entry('http://127.0.0.1:8'), { issuer: 'http://127.0.0.1:9' }] }), /issuers\[1\]\.audience/],
    ['an unknown entry key', block({ issuers: [entry('http://127.0.0.1:8', { audiences: ['x'] })] }), /issuers\[0\]\.audiences.*not an option/],
    ['a non-ASCII allowedDomains entry', block({ issuers: [entry('http://127.0.0.1:8', { allowedDomains: ['\u212Aorp.com'] })] }), /issuers\[0\]\.allowedDomains.*ASCII/],
    ['an empty list', block({ issuers: [] }), /auth\.providers\.oidcProxy\.issuers.*at least one/],
    ['jwks neither an object nor JSON text', block({ ...entry('http://127.0.0.1:8'), jwks: 7 }), /auth\.providers\.oidcProxy\.jwks'.*JWKS object/],
    ['jwks without a usable key', block({ issuers: [entry('http://127.0.0.1:8', { jwks: '{"keys":[]}' })] }), /issuers\[0\]\.jwks'.*no signing keys/],
  ];
  for (const [name, oidcProxy, message] of cases) {
    test(name, async () => {
      await assert.rejects(startAuthBackend({ providers: { oidcProxy } }), error => {
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('config.d.ts declares issuers, jwks and jwksFile', () => {
  let schema;
  const validate = provider => schema.process([{ data: { app: { baseUrl: 'http://localhost:3000' }, auth: { providers: { oidcProxy: provider } } }, context: 'test' }]);
  const signIn = { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] };
  const jwks = { keys: [{ kty: 'RSA', kid: 'k', n: 'AQAB', e: 'AQAB' }] };

  test('loads', async () => {
    schema = await loadConfigSchema({ dependencies: [], packagePaths: [path.join(root, 'package.json')], noUndeclaredProperties: true });
  });

  test('accepts every new option', () => {
    validate({
      issuers: [
        { issuer: 'https://a.example', audience: 'backstage', jwksUri: 'https://a.example/keys', allowedDomains: ['a.example'] },
        { issuer: 'https://b.example/', audience: ['x', 'y'], jwks },
        { issuer: 'https://c.example', audience: 'backstage', jwks: JSON.stringify(jwks) },
        { issuer: 'https://d.example', audience: 'backstage', jwksFile: 'keys/d.json' },
      ],
      algorithms: ['ES256'],
      signIn,
    });
    validate({ issuer: 'https://a.example', audience: 'backstage', jwks, signIn });
    validate({ issuer: 'https://a.example', audience: 'backstage', jwksFile: '/etc/jwks/keys.json', signIn });
  });

  test("accepts the example of several issuers in docs/configuration.md (the README links it)", async () => {
    const doc = fs.readFileSync(path.join(root, 'docs', 'configuration.md'), 'utf8');
    const at = doc.indexOf('## Several issuers, pinned keys');
    assert.ok(at >= 0, 'docs/configuration.md: the section "Several issuers, pinned keys"');
    const section = doc.slice(at);
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)[1];
    assert.match(yaml, /issuers:/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-schema-'));
    try {
      fs.writeFileSync(path.join(dir, 'app-config.yaml'), `app:\n  baseUrl: http://localhost:3000\n${yaml}`);
      const { appConfigs } = await loadConfig({ configRoot: dir, configTargets: [{ path: path.join(dir, 'app-config.yaml') }] });
      schema.process(appConfigs);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  const bad = {
    'an entry without audience': { issuers: [{ issuer: 'https://a.example' }], signIn },
    'an unknown entry key': { issuers: [{ issuer: 'https://a.example', audience: 'x', bogus: 1 }], signIn },
    'an empty list': { issuers: [], signIn },
    'issuers and issuer': { issuer: 'https://a.example', audience: 'x', issuers: [{ issuer: 'https://b.example', audience: 'x' }], signIn },
    'allowedDomains at the top level': { issuer: 'https://a.example', audience: 'x', allowedDomains: ['a.example'], signIn },
  };
  for (const [name, provider] of Object.entries(bad)) {
    test(`rejects: ${name}`, () => {
      assert.throws(() => validate(provider), /Config validation failed/);
    });
  }
});

test("an issuer's allowedDomains: an email of another domain from it is refused (403), whatever the resolver allows", async () => {
  const [a, b] = [await startOidcIssuer(), await startOidcIssuer()];
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuers: [
          { issuer: a.issuer, audience: a.clientId, allowedDomains: ['example.com'] },
          { issuer: b.issuer, audience: b.clientId, allowedDomains: ['partner.org'] },
        ],
        // The resolver allows both domains: only the issuers' own lists keep them apart.
        signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com', 'partner.org'] }] },
      },
    },
  });
  try {
    const signedIn = async token => {
      const response = await backend.refresh(token);
      const text = await response.text();
      assert.equal(response.status, 200, text);
      return JSON.parse(text).backstageIdentity.identity.userEntityRef;
    };
    assert.equal(await signedIn(await a.sign({ email: 'jane@example.com' })), 'user:default/jane_at_example.com');
    assert.equal(await signedIn(await b.sign({ email: 'bob@partner.org' })), 'user:default/bob_at_partner.org');
    for (const token of [await a.sign({ email: 'bob@partner.org' }), await b.sign({ email: 'jane@example.com' })]) {
      const response = await backend.refresh(token);
      const text = await response.text();
      assert.equal(response.status, 403, text);
      assert.match(text, /ERR_IDENTITY_DOMAIN_NOT_ALLOWED/);
      assert.match(text, /issuer/);
    }
  } finally {
    await backend.stop();
    await Promise.all([a.stop(), b.stop()]);
  }
});
