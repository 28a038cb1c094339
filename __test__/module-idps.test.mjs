// Each identity provider's recipe (docs/identity-providers.md), in a real Backstage backend with the real catalog,
// against a loopback issuer of that provider's shape (support/idp-shapes.mjs): the recipe's
// resolvers and options as the recipe has them, only the issuer and audience replaced by
// the loopback issuer's, which keep the real ones' form.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startIdpShape } from '../test-support/idp-shapes.mjs';
import { startAuthBackend, user, group } from '../test-support/auth-backend.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const recipes = fs.readFileSync(path.join(root, 'docs', 'identity-providers.md'), 'utf8');

/** The provider block of the recipe titled `title` in docs/identity-providers.md. */
function recipe(title) {
  const block = new RegExp('```yaml title="' + title + '"\\n([\\s\\S]*?)```').exec(recipes)?.[1];
  assert.ok(block, `docs/identity-providers.md has a recipe titled ${title}`);
  return YAML.parse(block).auth.providers.oidcProxy;
}

/** Starts the provider's shape and a backend configured by its recipe; runs `check`; stops both. */
async function withRecipe(title, shapeName, { issuerForm, entities, issuer: issuerOf = idp => idp.issuer }, check) {
  const provider = recipe(title);
  assert.match(provider.issuer, issuerForm, "the recipe's issuer has the provider's form");
  const idp = await startIdpShape(shapeName);
  assert.match(idp.issuer.replace(/^http:\/\/127\.0\.0\.1:\d+/, 'https://host'), issuerForm, "so does the loopback issuer's");
  const backend = await startAuthBackend({
    providers: { oidcProxy: { ...provider, issuer: issuerOf(idp), audience: idp.audience } },
    entities,
  });
  try {
    await check(idp, backend);
  } finally {
    await backend.stop();
    await idp.stop();
  }
}

async function identityOf(response) {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text).backstageIdentity.identity;
}

describe("identity providers through the recipes of docs/identity-providers.md", () => {
  test('Entra ID: oid finds the msgraph-ingested User; the email annotation without oid; a UPN names no one', async () => {
    const entities = [
      user('jane.doe', {
        annotations: {
          'graph.microsoft.com/user-id': '00000000-0000-0000-66f3-3332eca7ea81',
          'microsoft.com/email': 'jane@contoso.com',
        },
      }),
    ];
    await withRecipe('Entra ID', 'entra', { issuerForm: /^https:\/\/[^/]+\/[^/]+\/v2\.0$/, entities }, async (idp, backend) => {
      assert.equal((await identityOf(await backend.refresh(idp.sign()))).userEntityRef, 'user:default/jane.doe');
      // No email at all (it is optional in Entra): oid alone signs in.
      assert.equal((await identityOf(await backend.refresh(idp.sign({ email: undefined })))).userEntityRef, 'user:default/jane.doe');
      // Another object id: the email annotation finds her (no email_verified: counted verified).
      const byEmail = idp.sign({ oid: '00000000-0000-0000-0000-000000000000' });
      assert.equal((await identityOf(await backend.refresh(byEmail))).userEntityRef, 'user:default/jane.doe');
      const stranger = idp.sign({ oid: '00000000-0000-0000-0000-000000000001', email: 'eve@contoso.com', preferred_username: 'eve@contoso.com' });
      assert.equal((await backend.refresh(stranger)).status, 403);
    });
  });

  test('Keycloak: preferred_username names the User, full group paths add their last segment', async () => {
    const entities = [user('jane', { memberOf: ['catalog-team'] }), group('catalog-team')];
    await withRecipe('Keycloak', 'keycloak', { issuerForm: /\/realms\/[^/]+$/, entities }, async (idp, backend) => {
      const identity = await identityOf(await backend.refresh(idp.sign()));
      assert.equal(identity.userEntityRef, 'user:default/jane');
      assert.deepEqual(identity.ownershipEntityRefs, [
        'user:default/jane',
        'group:default/catalog-team',
        'group:default/team-a',
        'group:default/sre',
      ]);
      // Keycloak's payload typ must be ID: its access tokens say Bearer.
      assert.equal((await backend.refresh(idp.sign({ typ: 'Bearer' }))).status, 401);
    });
  });

  test('Okta: a group with a space is left out, the sign-in goes on with the others', async () => {
    const entities = [user('jane', { email: 'jane@example.com' })];
    await withRecipe('Okta', 'okta', { issuerForm: /\/oauth2\/default$/, entities }, async (idp, backend) => {
      const identity = await identityOf(await backend.refresh(idp.sign()));
      assert.equal(identity.userEntityRef, 'user:default/jane');
      assert.deepEqual(identity.ownershipEntityRefs, ['user:default/jane', 'group:default/Everyone', 'group:default/backstage-admins']);
      assert.ok(backend.logs.some(l => l.level === 'warn' && l.message.includes('"Engineering Team"')));
    });
  });

  test('Google: the Workspace domain signs in without a User; a gmail.com account is refused', async () => {
    await withRecipe('Google', 'google', { issuerForm: /^https:\/\/[^/]+$/, entities: [user('someone-else')] }, async (idp, backend) => {
      assert.equal((await identityOf(await backend.refresh(idp.sign()))).userEntityRef, 'user:default/jane');
      const personal = await backend.refresh(idp.sign({ email: 'jane@gmail.com', hd: undefined }));
      assert.equal(personal.status, 403);
      assert.match(await personal.text(), /ERR_IDENTITY_DOMAIN_NOT_ALLOWED/);
      // requireEmailVerifiedClaim: true, and Google always sends it.
      const unverified = await backend.refresh(idp.sign({ email_verified: undefined }));
      assert.equal(unverified.status, 403);
    });
  });

  test('Auth0: the issuer with its trailing slash signs in; without it, 503', async () => {
    const entities = [user('jane', { email: 'jane@example.com' })];
    await withRecipe('Auth0', 'auth0', { issuerForm: /\/$/, entities }, async (idp, backend) => {
      assert.equal((await identityOf(await backend.refresh(idp.sign()))).userEntityRef, 'user:default/jane');
    });
    await withRecipe(
      'Auth0',
      'auth0',
      { issuerForm: /\/$/, entities, issuer: idp => idp.issuer.replace(/\/$/, '') },
      async (idp, backend) => {
        const response = await backend.refresh(idp.sign());
        assert.equal(response.status, 503, await response.text());
      },
    );
  });
});
