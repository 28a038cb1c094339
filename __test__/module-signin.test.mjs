// The oidcProxy module in a real Backstage backend (auth + catalog plugins) with ID tokens from
// a real OpenID provider: resolvers and their order, status codes and what error bodies say.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcIssuer } from '../test-support/oidc-issuer.mjs';
import { USERS, subjectOf } from '../test-support/users.mjs';
import { startAuthBackend, user, group } from '../test-support/auth-backend.mjs';

/** Asserts a failed refresh: status, one-line message, and nothing of the token in the body. */
async function assertRefused(response, status, { token, login, mentions } = {}) {
  const text = await response.text();
  assert.equal(response.status, status, text);
  const body = JSON.parse(text);
  assert.equal(body.error.message.includes('\n'), false, 'one line');
  assert.equal(body.error.cause, undefined, 'no cause in the body');
  if (token) {
    for (const part of token.split('.')) assert.equal(text.includes(part), false, 'the body contains part of the token');
  }
  if (login) {
    const u = USERS[login];
    for (const value of [u.email, u.name, subjectOf(login), u.email.split('@')[0]]) {
      assert.equal(text.includes(value), false, `the body contains the claim value ${value}`);
    }
  }
  if (mentions) assert.match(body.error.message, mentions);
  return body;
}

async function signedIn(response) {
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return JSON.parse(text);
}

// Each resolver would find a different User for alice, so the identity tells which one ran.
function catalogFor(issuer) {
  return [
    group('team-a'),
    user('alice-by-profile-email', { email: 'alice@example.com', memberOf: ['team-a'] }),
    user('alice'),
    user('alice-by-email-annotation', { annotations: { 'openid.net/email': 'alice@example.com' } }),
    user('alice-by-id-annotation', { annotations: { 'openid.net/iss': issuer, 'openid.net/sub': subjectOf('alice') } }),
    // bob only by name; dave+ci@ must not match dave@'s User (no +tag folding).
    user('bob'),
    user('dave-by-profile-email', { email: 'dave@example.com' }),
  ];
}

const provider = (idp, resolvers, extra = {}) => ({
  issuer: idp.issuer,
  audience: idp.clientId,
  signIn: { resolvers: resolvers.map(r => (typeof r === 'string' ? { resolver: r } : r)) },
  ...extra,
});

describe('each resolver, alone, against the catalog', () => {
  let idp;
  before(async () => {
    idp = await startOidcIssuer();
  });
  after(() => idp.stop());

  const cases = [
    ['emailMatchingUserEntityProfileEmail', 'alice', 'user:default/alice-by-profile-email'],
    ['emailLocalPartMatchingUserEntityName', 'alice', 'user:default/alice'],
    ['emailMatchingUserEntityAnnotation', 'alice', 'user:default/alice-by-email-annotation'],
    ['idMatchingUserEntityAnnotation', 'alice', 'user:default/alice-by-id-annotation'],
  ];
  let backends;
  before(async () => {
    // One backend per resolver, started together: the catalog ingestion dominates.
    const names = [...new Set(cases.map(([name]) => name))];
    backends = Object.fromEntries(
      await Promise.all(
        names.map(async name => [name, await startAuthBackend({ providers: { oidcProxy: provider(idp, [name]) }, entities: catalogFor(idp.issuer) })]),
      ),
    );
  });
  after(() => Promise.all(Object.values(backends ?? {}).map(b => b.stop())));

  for (const [resolver, login, expected] of cases) {
    test(`${resolver} signs ${login} in as ${expected}`, async () => {
      const body = await signedIn(await backends[resolver].refresh(await idp.login(login)));
      assert.equal(body.backstageIdentity.identity.userEntityRef, expected);
      assert.equal(body.profile.email, USERS[login].email);
      assert.equal(body.profile.displayName, USERS[login].name);
      assert.equal(body.profile.picture, `https://avatars.example.com/${login}.png`);
      // providerInfo carries the verified claims, never the raw token.
      assert.equal(body.providerInfo.claims.sub, subjectOf(login));
      assert.equal(JSON.stringify(body).includes('eyJ'), true); // the Backstage token
      assert.equal(Object.values(body.providerInfo).some(v => typeof v === 'string' && v.split('.').length === 3), false);
    });
  }

  test('catalog ownership comes from the User entity (memberOf)', async () => {
    const body = await signedIn(await backends.emailMatchingUserEntityProfileEmail.refresh(await idp.login('alice')));
    assert.deepEqual(body.backstageIdentity.identity.ownershipEntityRefs.sort(), ['group:default/team-a', 'user:default/alice-by-profile-email']);
  });

  test('a verified user no resolver can sign in gets 403 with a one-line reason, not 500', async () => {
    for (const [resolver, backend] of Object.entries(backends)) {
      const token = await idp.login('carol');
      const body = await assertRefused(await backend.refresh(token), 403, { token, login: 'carol' });
      assert.equal(body.error.name, 'NotAllowedError', resolver);
    }
  });

  test('an email the issuer marks unverified matches no catalog user (403)', async () => {
    for (const login of ['eve', 'frank']) {
      const token = await idp.login(login);
      for (const resolver of ['emailMatchingUserEntityProfileEmail', 'emailLocalPartMatchingUserEntityName', 'emailMatchingUserEntityAnnotation']) {
        await assertRefused(await backends[resolver].refresh(token), 403, { token, login, mentions: /ERR_IDENTITY_EMAIL_NOT_VERIFIED/ });
      }
    }
  });

  test('dave+ci@ is not dave@: a +tag is never folded away (403)', async () => {
    const token = await idp.login('dave');
    await assertRefused(await backends.emailMatchingUserEntityProfileEmail.refresh(token), 403, { token, login: 'dave' });
    await assertRefused(await backends.emailLocalPartMatchingUserEntityName.refresh(token), 403, { token, login: 'dave', mentions: /ERR_IDENTITY_INVALID_NAME/ });
  });

  test('emailLocalPartMatchingUserEntityName without allowedDomains warns at start-up that it matches across domains', async () => {
    const warned = backends.emailLocalPartMatchingUserEntityName.logs.some(
      l => l.level === 'warn' && /emailLocalPartMatchingUserEntityName\) has no allowedDomains.*across all domains/.test(l.message),
    );
    assert.ok(warned);
  });
});

describe('resolver order, seed config (oidc-proxy key), tokens that must be refused', () => {
  let idp;
  let profileFirst;
  let localPartFirst;
  let seed;
  before(async () => {
    idp = await startOidcIssuer();
    const entities = catalogFor(idp.issuer);
    [profileFirst, localPartFirst, seed] = await Promise.all([
      startAuthBackend({ providers: { oidcProxy: provider(idp, ['emailMatchingUserEntityProfileEmail', 'emailLocalPartMatchingUserEntityName']) }, entities }),
      startAuthBackend({ providers: { oidcProxy: provider(idp, ['emailLocalPartMatchingUserEntityName', 'emailMatchingUserEntityProfileEmail']) }, entities }),
      // The seed document's block, verbatim but for issuer and audience values.
      startAuthBackend({
        providers: {
          'oidc-proxy': {
            issuer: idp.issuer,
            audience: idp.clientId,
            oidcIdTokenHeader: 'x-oidc-id-token',
            signIn: { resolvers: [{ resolver: 'emailMatchingUserEntityProfileEmail' }, { resolver: 'signInWithoutCatalogUser' }] },
          },
        },
        entities,
      }),
    ]);
  });
  after(async () => {
    await Promise.all([profileFirst, localPartFirst, seed].filter(Boolean).map(b => b.stop()));
    await idp.stop();
  });

  test('resolvers run in the configured order; a miss falls through to the next', async () => {
    const alice = await idp.login('alice');
    assert.equal((await signedIn(await profileFirst.refresh(alice))).backstageIdentity.identity.userEntityRef, 'user:default/alice-by-profile-email');
    assert.equal((await signedIn(await localPartFirst.refresh(alice))).backstageIdentity.identity.userEntityRef, 'user:default/alice');
    // bob has no profile email match: the second resolver (local part) signs him in.
    const bob = await idp.login('bob');
    assert.equal((await signedIn(await profileFirst.refresh(bob))).backstageIdentity.identity.userEntityRef, 'user:default/bob');
  });

  test("the seed's `oidc-proxy` key serves /api/auth/oidcProxy (the frontend's provider id) and logs the spelling", async () => {
    const alice = await signedIn(await seed.refresh(await idp.login('alice')));
    assert.equal(alice.backstageIdentity.identity.userEntityRef, 'user:default/alice-by-profile-email');
    // Not in the catalog: the seed's second resolver signs bob in without a User entity,
    // named with his domain (no options, no home domain), so no other bob becomes him.
    const bob = await signedIn(await seed.refresh(await idp.login('bob')));
    assert.equal(bob.backstageIdentity.identity.userEntityRef, 'user:default/bob_at_example.com');
    // The alias path answers too.
    const viaAlias = await signedIn(await seed.refresh(await idp.login('alice'), { provider: 'oidc-proxy' }));
    assert.equal(viaAlias.backstageIdentity.identity.userEntityRef, 'user:default/alice-by-profile-email');
    assert.ok(seed.logs.some(l => l.level === 'info' && l.message.includes("'auth.providers.oidc-proxy'")), 'logs the key used');
    assert.ok(
      seed.logs.some(l => l.level === 'warn' && /signInWithoutCatalogUser\) has no allowedDomains/.test(l.message)),
      'warns that signInWithoutCatalogUser has no allowedDomains',
    );
    assert.ok(profileFirst.logs.some(l => l.level === 'info' && l.message.includes("'auth.providers.oidcProxy'")));
  });

  test('missing header: 401 naming the header', async () => {
    await assertRefused(await profileFirst.refresh(undefined), 401, { mentions: /x-oidc-id-token/ });
  });

  test('a `Bearer ` form of the header (any letter case, one space) is read as its token', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
      const body = await signedIn(await profileFirst.refresh(`${scheme} ${await idp.login('alice')}`));
      assert.equal(body.backstageIdentity.identity.userEntityRef, 'user:default/alice-by-profile-email', scheme);
    }
  });

  test('expired, forged, wrong-audience, malformed and odd Bearer-prefixed tokens: 401, nothing of the token in the body', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      expired: [await idp.sign({ iat: now - 7200, exp: now - 3600 }), /ERR_JWT_EXPIRED/],
      forged: [await idp.forge(), /ERR_JWS_SIGNATURE_VERIFICATION_FAILED/],
      'wrong audience': [await idp.login('alice', { clientId: 'other-app' }), /ERR_JWT_CLAIM_VALIDATION_FAILED/],
      'unknown kid': [await idp.sign({}, { kid: 'not-published' }), /ERR_JWKS_NO_MATCHING_KEY/],
      malformed: ['not-a-token', /ERR_JWS_INVALID/],
      'Bearer with two spaces': [`Bearer  ${await idp.login('alice')}`, /ERR_JWS_INVALID/],
      'Bearer with a trailing word': [`Bearer ${await idp.login('alice')} x`, /ERR_JWS_INVALID/],
      'another scheme': [`Basic ${await idp.login('alice')}`, /ERR_JWS_INVALID/],
    };
    for (const [name, [token, code]] of Object.entries(cases)) {
      const body = await assertRefused(await profileFirst.refresh(token), 401, { token: token.replace(/^\w+ +/, '').replace(/ x$/, ''), login: 'alice', mentions: code });
      assert.equal(body.error.name, 'AuthenticationError', name);
    }
  });

  test('no log line carries the token; ours carry no email or name', async () => {
    const token = await idp.login('alice');
    await profileFirst.refresh(token);
    await profileFirst.refresh(await idp.forge());
    const text = JSON.stringify([...profileFirst.logs, ...seed.logs]);
    assert.equal(text.includes(token.split('.')[1]), false);
    // The refusal log shows the unverified sub (a subject id), never an email or a name
    // (Backstage's own catalog audit lines name the email looked up: not ours).
    const ours = JSON.stringify([...profileFirst.logs, ...seed.logs].filter(l => /^oidc-?proxy/i.test(l.message)));
    for (const personal of ['alice@example.com', 'Alice Adams']) assert.equal(ours.includes(personal), false, personal);
  });
});

describe('signInWithoutCatalogUser with allowedDomains, groups and a custom header', () => {
  let idp;
  let backend;
  before(async () => {
    idp = await startOidcIssuer({ alg: 'ES256' });
    backend = await startAuthBackend({
      providers: {
        oidcProxy: provider(idp, [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['Example.com'], homeDomain: 'example.com', groupsClaim: 'groups' }], {
          oidcIdTokenHeader: 'X-Forwarded-Id-Token',
        }),
      },
    });
  });
  after(async () => {
    await backend?.stop();
    await idp.stop();
  });

  test('the custom header is read case-insensitively; the default header is then ignored', async () => {
    const token = await idp.login('alice');
    await signedIn(await backend.refresh(token, { header: 'x-forwarded-id-token' }));
    await signedIn(await backend.refresh(token, { header: 'X-FORWARDED-ID-TOKEN' }));
    await assertRefused(await backend.refresh(token, { header: 'x-oidc-id-token' }), 401, { token, mentions: /x-forwarded-id-token/ });
  });

  test('names home-domain users by their local part, ownership from the groups claim; a +tag is refused', async () => {
    const send = async login => (await signedIn(await backend.refresh(await idp.login(login), { header: 'x-forwarded-id-token' }))).backstageIdentity.identity;
    const bob = await send('bob');
    assert.equal(bob.userEntityRef, 'user:default/bob');
    assert.deepEqual(bob.ownershipEntityRefs, ['user:default/bob', 'group:default/team-b', 'group:default/ops']);
    const token = await idp.login('dave');
    await assertRefused(await backend.refresh(token, { header: 'x-forwarded-id-token' }), 403, { token, login: 'dave', mentions: /ERR_IDENTITY_INVALID_NAME/ });
  });

  test('a domain outside allowedDomains, or an unverified email: 403', async () => {
    for (const [login, code] of [
      ['carol', /ERR_IDENTITY_DOMAIN_NOT_ALLOWED/],
      ['eve', /ERR_IDENTITY_EMAIL_NOT_VERIFIED/],
      ['frank', /ERR_IDENTITY_EMAIL_NOT_VERIFIED/],
      ['mallory', /ERR_IDENTITY_EMAIL_INVALID/],
    ]) {
      const token = await idp.login(login);
      await assertRefused(await backend.refresh(token, { header: 'x-forwarded-id-token' }), 403, { token, login, mentions: code });
    }
    assert.equal(backend.logs.some(l => l.level === 'warn' && /has no allowedDomains/.test(l.message)), false, 'no open sign-in warning');
  });
});

describe('signInWithoutCatalogUser with userNameClaim and namespace', () => {
  let idp;
  let byEmail;
  let bySub;
  before(async () => {
    idp = await startOidcIssuer();
    [byEmail, bySub] = await Promise.all([
      startAuthBackend({ providers: { oidcProxy: provider(idp, ['signInWithoutCatalogUser']) } }),
      startAuthBackend({
        providers: {
          oidcProxy: provider(idp, [{ resolver: 'signInWithoutCatalogUser', userNameClaim: 'sub', namespace: 'staff', groupsClaim: 'groups' }]),
        },
      }),
    ]);
  });
  after(async () => {
    await Promise.all([byEmail, bySub].filter(Boolean).map(b => b.stop()));
    await idp.stop();
  });

  test('userNameClaim and namespace name the user and place the groups', async () => {
    const { identity } = (await signedIn(await bySub.refresh(await idp.login('alice')))).backstageIdentity;
    assert.equal(identity.userEntityRef, `user:staff/${subjectOf('alice')}`);
    assert.deepEqual(identity.ownershipEntityRefs, [`user:staff/${subjectOf('alice')}`, 'group:staff/team-a']);
  });

  test('an email local part that is no valid entity name is refused (403), not rewritten', async () => {
    const token = await idp.login('oconnor');
    await assertRefused(await byEmail.refresh(token), 403, { token, mentions: /ERR_IDENTITY_INVALID_NAME/ });
    // Named by another claim, the same user signs in.
    const { identity } = (await signedIn(await bySub.refresh(token))).backstageIdentity;
    assert.equal(identity.userEntityRef, `user:staff/${subjectOf('oconnor')}`);
  });
});

describe('identity rules in a real backend: one person, one user; ID tokens only', () => {
  let idp;
  let open;
  let twoDomains;
  let kelvin;
  let strict;
  before(async () => {
    idp = await startOidcIssuer();
    [open, twoDomains, kelvin, strict] = await Promise.all([
      // The original documentation's resolver, no options.
      startAuthBackend({ providers: { oidcProxy: provider(idp, ['signInWithoutCatalogUser']) } }),
      startAuthBackend({
        providers: {
          oidcProxy: provider(idp, [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com', 'example.org'], homeDomain: 'example.com' }]),
        },
      }),
      startAuthBackend({
        providers: {
          oidcProxy: provider(idp, [
            { resolver: 'emailMatchingUserEntityProfileEmail', allowedDomains: ['korp.com'] },
            { resolver: 'signInWithoutCatalogUser', allowedDomains: ['korp.com'] },
          ]),
        },
        entities: [user('kim', { email: 'kim@korp.com' })],
      }),
      startAuthBackend({ providers: { oidcProxy: provider(idp, ['signInWithoutCatalogUser'], { requireEmailVerifiedClaim: true }) } }),
    ]);
  });
  after(async () => {
    await Promise.all([open, twoDomains, kelvin, strict].filter(Boolean).map(b => b.stop()));
    await idp.stop();
  });

  const refOf = async (backend, login) => (await signedIn(await backend.refresh(await idp.login(login)))).backstageIdentity.identity.userEntityRef;

  test('alice@example.org never signs in as alice@example.com', async () => {
    assert.equal(await refOf(open, 'alice'), 'user:default/alice_at_example.com');
    assert.equal(await refOf(open, 'aliceorg'), 'user:default/alice_at_example.org');
    assert.equal(await refOf(twoDomains, 'alice'), 'user:default/alice');
    assert.equal(await refOf(twoDomains, 'aliceorg'), 'user:default/alice_at_example.org');
  });

  test('alice@evil.org@example.com is refused outright, not checked as one address and named as another', async () => {
    for (const backend of [open, twoDomains]) {
      const token = await idp.login('mallory');
      await assertRefused(await backend.refresh(token), 403, { token, mentions: /ERR_IDENTITY_EMAIL_INVALID/ });
    }
  });

  test('a Kelvin-sign domain does not pass allowedDomains [korp.com] in any resolver', async () => {
    const token = await idp.login('kelvin');
    await assertRefused(await kelvin.refresh(token), 403, { token, mentions: /ERR_IDENTITY_DOMAIN_NOT_ALLOWED/ });
  });

  test('a missing email_verified signs in by default and is refused with requireEmailVerifiedClaim', async () => {
    assert.equal(await refOf(open, 'gina'), 'user:default/gina_at_example.com');
    const token = await idp.login('gina');
    await assertRefused(await strict.refresh(token), 403, { token, mentions: /ERR_IDENTITY_EMAIL_NOT_VERIFIED/ });
    const profile = (await signedIn(await open.refresh(token))).profile;
    assert.equal(profile.email, 'gina@example.com');
  });

  test('an access token or a logout token signs nobody in (401)', async () => {
    for (const [claims, typ] of [[{}, 'at+jwt'], [{}, 'application/at+jwt'], [{}, 'logout+jwt'], [{ typ: 'Bearer' }, 'JWT']]) {
      const token = await idp.sign(claims, { typ });
      const body = await assertRefused(await open.refresh(token), 401, { token, mentions: /ERR_JWT_CLAIM_VALIDATION_FAILED/ });
      assert.equal(body.error.name, 'AuthenticationError');
    }
  });
});
