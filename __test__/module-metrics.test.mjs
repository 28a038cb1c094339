// Metrics reach whatever OpenTelemetry MeterProvider the backend registers: sign-ins by
// outcome, and the native core's verification, fetch and cache counters (its one table).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { metrics } from '@opentelemetry/api';
import { startOidcIssuer } from '../test-support/oidc-issuer.mjs';
import { startAuthBackend } from '../test-support/auth-backend.mjs';

/** A MeterProvider that keeps counter sums by name and attributes. */
function recordingMeterProvider() {
  const sums = new Map();
  const observables = new Map();
  const key = (name, attributes) => `${name} ${JSON.stringify(Object.fromEntries(Object.entries(attributes ?? {}).sort()))}`;
  const meter = {
    createCounter: name => ({ add: (value, attributes) => sums.set(key(name, attributes), (sums.get(key(name, attributes)) ?? 0) + value) }),
    createObservableCounter: name => ({
      addCallback: callback => observables.set(name, callback),
      removeCallback: () => observables.delete(name),
    }),
  };
  return {
    getMeter: () => meter,
    sum: (name, attributes) => sums.get(key(name, attributes)) ?? 0,
    /** Runs the observable callbacks as an exporter's collection does. */
    collect(name) {
      const seen = {};
      observables.get(name)?.({ observe: (value, attributes) => (seen[JSON.stringify(attributes)] = value) });
      return seen;
    },
  };
}

test('verifications, sign-ins, fetches and cache lookups are exported through @opentelemetry/api', async () => {
  const provider = recordingMeterProvider();
  metrics.setGlobalMeterProvider(provider);
  const idp = await startOidcIssuer();
  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuer: idp.issuer,
        audience: idp.clientId,
        signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'] }] },
      },
    },
  });
  try {
    const token = await idp.login('alice');
    for (let i = 0; i < 3; i++) assert.equal((await backend.refresh(token)).status, 200);
    assert.equal((await backend.refresh(await idp.forge())).status, 401);
    assert.equal((await backend.refresh(undefined)).status, 401);
    assert.equal((await backend.refresh(await idp.login('carol'))).status, 403);

    // Verifications are counted once, in the native core (outcome ok or error, process-wide).
    const verifications = provider.collect('auth.oidc_proxy.verifications');
    assert.ok(verifications[JSON.stringify({ outcome: 'ok' })] >= 3, JSON.stringify(verifications));
    assert.ok(verifications[JSON.stringify({ outcome: 'error' })] >= 1, JSON.stringify(verifications));
    // Sign-ins by outcome: the token's second sign-in is kept, its third is answered by the
    // sign-in cache, its own outcome.
    assert.equal(provider.sum('auth.oidc_proxy.sign_ins', { outcome: 'ok' }), 2);
    assert.equal(provider.sum('auth.oidc_proxy.sign_ins', { outcome: 'cache_hit' }), 1);
    assert.equal(provider.sum('auth.oidc_proxy.sign_ins', { outcome: 'AuthenticationError' }), 2);
    assert.equal(provider.sum('auth.oidc_proxy.sign_ins', { outcome: 'NotAllowedError' }), 1);

    const fetches = provider.collect('auth.oidc_proxy.key_fetches');
    assert.ok(fetches[JSON.stringify({ document: 'jwks', result: 'ok' })] >= 1, JSON.stringify(fetches));
    const lookups = provider.collect('auth.oidc_proxy.cache_lookups');
    // The same token twice: the second verification is a verified-token cache hit.
    assert.ok(lookups[JSON.stringify({ cache: 'token', result: 'hit' })] >= 1, JSON.stringify(lookups));
  } finally {
    await backend.stop();
    await idp.stop();
  }
});
