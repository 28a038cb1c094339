// The issuer down when Backstage starts: start-up goes on (a warning, no wait), sign-ins
// answer 503 with a one-line reason, and they recover by themselves once the issuer is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcIssuer } from '../test-support/oidc-issuer.mjs';
import { startAuthBackend } from '../test-support/auth-backend.mjs';
import { eventually } from '../test-support/eventually.mjs';

const sleep = ms => new Promise(r => setTimeout(r, ms));

test('issuer down at start-up: backend starts, 503 without the token in the body, then recovery without a restart', async () => {
  const idp = await startOidcIssuer();
  const token = await idp.login('alice');
  await idp.stop();

  const backend = await startAuthBackend({
    providers: {
      oidcProxy: {
        issuer: idp.issuer,
        audience: idp.clientId,
        signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], homeDomain: 'example.com' }] },
      },
    },
  });
  try {
    await eventually('the start-up prefetch warning', () =>
      backend.logs.find(l => l.level === 'warn' && l.message.includes('could not fetch the signing keys') && l.message.includes('ERR_ISSUER_UNAVAILABLE')),
    );

    for (let i = 0; i < 5; i++) {
      const response = await backend.refresh(token);
      const text = await response.text();
      assert.equal(response.status, 503, text);
      const body = JSON.parse(text);
      assert.equal(body.error.name, 'ServiceUnavailableError');
      assert.match(body.error.message, /ERR_ISSUER_UNAVAILABLE/);
      assert.equal(body.error.message.includes('\n'), false);
      for (const part of token.split('.')) assert.equal(text.includes(part), false);
      assert.equal(text.includes('alice'), false);
      // Where the keys come from is for the log, not for whoever calls.
      for (const internal of [idp.issuer, '127.0.0.1', 'localhost', '.well-known', 'jwks', 'ECONNREFUSED']) {
        assert.equal(text.toLowerCase().includes(internal.toLowerCase()), false, `the 503 body names ${internal}`);
      }
    }
    // Issuer trouble is logged with the URL, but not once per request.
    const outageWarnings = backend.logs.filter(l => l.level === 'warn' && l.message.includes('answering 503'));
    assert.equal(outageWarnings.length, 1);
    assert.ok(outageWarnings[0].message.includes(idp.issuer), outageWarnings[0].message);

    await idp.start();
    const body = await eventually('a sign-in after the issuer is back', async () => {
      const response = await backend.refresh(token);
      if (response.status === 503) return undefined;
      assert.equal(response.status, 200, await response.clone().text());
      return response.json();
    });
    assert.equal(body.backstageIdentity.identity.userEntityRef, 'user:default/alice');
  } finally {
    await backend.stop();
    await idp.stop();
  }
});
