// IdentityResolver, resolveIdentity, resolveEmail and resolveProfile through the native binding: the identity
// rules (one person, one user), refusals and their codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeValidator } from '@backstage/catalog-model';
import { IdentityResolver, resolveIdentity, resolveEmail, resolveProfile, validateIdentityOptions } from '../index.js';

const claims = {
  iss: 'https://idp.example', sub: 'abc-1', email: 'jane.doe@example.com', name: 'Jane Doe',
  picture: 'https://img.example/jane.png', groups: ['devs', 'platform/admins'],
};
const codeOf = fn => { try { fn(); return 'OK'; } catch (e) { return e.code; } };
const withEmail = (email, extra = {}) => ({ ...claims, email, ...extra });

/** A small seeded generator, so a failure names inputs that reproduce. */
function random(seed) {
  let state = seed >>> 0;
  return () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}
function pick(next, alphabet, maxLength) {
  const length = Math.floor(next() * (maxLength + 1));
  return Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
}

test('derives the profile, user ref, ownership and annotations', () => {
  const id = resolveIdentity(claims, { groupsClaim: 'groups', allowedDomains: ['Example.com'], homeDomain: 'example.com' });
  assert.deepEqual(id, {
    profile: { email: claims.email, displayName: 'Jane Doe', picture: claims.picture },
    userEntityName: 'jane.doe',
    userEntityRef: 'user:default/jane.doe',
    ownershipEntityRefs: ['user:default/jane.doe', 'group:default/devs', 'group:platform/admins'],
    annotations: { 'openid.net/iss': claims.iss, 'openid.net/sub': 'abc-1', 'openid.net/email': claims.email },
  });
});

test('without a home domain the user name keeps the domain: jane@example.org is not jane@example.com', () => {
  assert.equal(resolveIdentity(withEmail('jane@example.com')).userEntityRef, 'user:default/jane_at_example.com');
  assert.equal(resolveIdentity(withEmail('jane@example.org')).userEntityRef, 'user:default/jane_at_example.org');
  const home = { homeDomain: 'example.com' };
  assert.equal(resolveIdentity(withEmail('jane@example.com'), home).userEntityRef, 'user:default/jane');
  assert.equal(resolveIdentity(withEmail('jane@EXAMPLE.org'), home).userEntityRef, 'user:default/jane_at_example.org');
});

test('two verified addresses that differ other than by letter case never become one user, under any options', () => {
  const next = random(20261201);
  const local = 'aaabbb_.-+';
  const domains = ['example.com', 'example.org', 'a.b', 'b', 'at.example.com', 'ex-ample.com'];
  const addresses = new Set(['jane@example.com', 'jane_at_example.org@example.com', 'jane@example.org', 'j_at_a@b', 'j@a_at_b']);
  while (addresses.size < 4000) {
    const middle = `${pick(next, local, 6)}${next() < 0.3 ? '_at_' + pick(next, 'ab.', 4) : ''}`;
    addresses.add(`a${middle}${next() < 0.5 ? 'b' : ''}@${domains[Math.floor(next() * domains.length)]}`);
  }
  const optionSets = [{}, { homeDomain: 'example.com' }, { homeDomain: 'b' }, { allowedDomains: ['example.com', 'b'], homeDomain: 'b' }];
  for (const options of optionSets) {
    const owner = new Map();
    let named = 0;
    for (const address of addresses) {
      let ref;
      try {
        ref = resolveIdentity(withEmail(address), options).userEntityRef.toLowerCase();
      } catch (error) {
        assert.match(error.code, /^ERR_IDENTITY_(INVALID_NAME|EMAIL_INVALID|DOMAIN_NOT_ALLOWED)$/, address);
        continue;
      }
      named++;
      const other = owner.get(ref);
      assert.ok(other === undefined || other === address.toLowerCase(), `${address} and ${other} both became ${ref} (${JSON.stringify(options)})`);
      owner.set(ref, address.toLowerCase());
    }
    assert.ok(named > 400, `only ${named} addresses named with ${JSON.stringify(options)}`);
  }
});

test('a +tag is refused, never folded: jane+ops@ does not become jane', () => {
  for (const options of [{}, { homeDomain: 'example.com' }]) {
    assert.equal(codeOf(() => resolveIdentity(withEmail('jane+ops@example.com'), options)), 'ERR_IDENTITY_INVALID_NAME');
  }
  // The email resolvers still see the whole address, for an exact catalog match.
  assert.equal(resolveEmail(withEmail('jane+ops@example.com')).address, 'jane+ops@example.com');
});

test('an address is parsed once: two @, quotes or an empty side are refused outright', () => {
  const domains = { allowedDomains: ['example.com'] };
  for (const email of ['alice@evil.org@example.com', '"alice@evil.org"@example.com', '@example.com', 'alice@', 'alice', 'a b@example.com']) {
    assert.equal(codeOf(() => resolveIdentity(withEmail(email), domains)), 'ERR_IDENTITY_EMAIL_INVALID', email);
    assert.equal(codeOf(() => resolveEmail(withEmail(email), domains)), 'ERR_IDENTITY_EMAIL_INVALID', email);
    assert.equal(resolveProfile(withEmail(email)).email, undefined, email);
  }
});

test('domains compare ASCII case-insensitively; a non-ASCII domain never matches an ASCII entry', () => {
  const korp = { allowedDomains: ['korp.com'] };
  // U+212A KELVIN SIGN lower-cases to "k" in Unicode.
  assert.equal(codeOf(() => resolveEmail(withEmail('alice@\u212Aorp.com'), korp)), 'ERR_IDENTITY_DOMAIN_NOT_ALLOWED');
  assert.equal(codeOf(() => resolveIdentity(withEmail('alice@\u212Aorp.com'), korp)), 'ERR_IDENTITY_DOMAIN_NOT_ALLOWED');
  assert.equal(resolveEmail(withEmail('alice@KORP.com'), korp).domain, 'KORP.com');
  assert.equal(codeOf(() => validateIdentityOptions({ allowedDomains: ['\u212Aorp.com'] })), 'ERR_INVALID_OPTIONS');
  assert.equal(codeOf(() => validateIdentityOptions({ allowedDomains: ['korp.com'], homeDomain: 'other.com' })), 'ERR_INVALID_OPTIONS');
});

test('email_verified: true/"true" verified, false/"false" not, anything else refused', () => {
  for (const value of [true, 'true', 'TRUE', 'True']) {
    assert.equal(resolveEmail(withEmail('jane@example.com', { email_verified: value })).address, 'jane@example.com');
  }
  for (const value of [false, 'false', 'FALSE', 'maybe', 1, 0, null, ['true'], {}]) {
    for (const fn of [resolveEmail, resolveIdentity]) {
      assert.equal(codeOf(() => fn(withEmail('jane@example.com', { email_verified: value }))), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED', String(value));
    }
    assert.equal(resolveProfile(withEmail('jane@example.com', { email_verified: value })).email, undefined);
  }
  // allowedDomains decides with the email even when another claim names the user.
  const byName = { userNameClaim: 'preferred_username', allowedDomains: ['example.com'] };
  assert.equal(codeOf(() => resolveIdentity(withEmail('jane@example.com', { email_verified: 'false', preferred_username: 'jd' }), byName)), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED');
});

test('a missing email_verified counts as verified unless requireEmailVerifiedClaim', () => {
  assert.equal(resolveEmail(claims).address, claims.email);
  const strict = { requireEmailVerifiedClaim: true };
  assert.equal(codeOf(() => resolveEmail(claims, strict)), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED');
  assert.equal(codeOf(() => resolveIdentity(claims, strict)), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED');
  assert.equal(resolveProfile(claims, strict).email, undefined);
  assert.equal(resolveEmail({ ...claims, email_verified: true }, strict).address, claims.email);
});

test('entity-name and namespace rules agree with @backstage/catalog-model over generated names', () => {
  const validator = makeValidator();
  const next = random(7);
  const names = ['a', 'A', '0', 'a-', '-a', 'a.b', 'a..b', 'a_b', 'a' .repeat(63), 'a'.repeat(64), '', 'ä', 'a b', 'team-a'];
  for (let i = 0; i < 3000; i++) names.push(pick(next, 'aaaZZ0099-_.+@:/ é', next() < 0.9 ? 6 : 70));
  let valid = 0;
  for (const name of names) {
    const ours = codeOf(() => resolveIdentity({ ...claims, u: name }, { userNameClaim: 'u' }));
    const theirs = validator.isValidEntityName(name);
    assert.equal(ours === 'OK', theirs, `entity name ${JSON.stringify(name)}: ours ${ours}, catalog-model ${theirs}`);
    if (theirs) valid++;
    if (name === '') continue; // an empty option string is refused as a missing namespace would be
    const ns = codeOf(() => resolveIdentity({ ...claims, u: 'x' }, { userNameClaim: 'u', namespace: name }));
    assert.equal(ns === 'OK', validator.isValidNamespace(name), `namespace ${JSON.stringify(name)}: ours ${ns}`);
  }
  assert.ok(valid > 300 && valid < names.length - 300, `${valid} of ${names.length} valid: the generator must produce both`);
});

test('the claims the rules read are read safely: cyclic, over-deep, throwing or non-object ones throw ERR_IDENTITY_CLAIMS_INVALID', () => {
  const cyclic = [];
  cyclic.push(cyclic);
  let deep = [];
  const deepGroups = deep;
  for (let i = 0; i < 200; i++) deep = deep[0] = [];
  let veryDeep = {};
  const veryDeepGroups = veryDeep;
  for (let i = 0; i < 100_000; i++) veryDeep = veryDeep.next = {};
  const throwingGetter = { ...claims };
  Object.defineProperty(throwingGetter, 'email', { enumerable: true, get() { throw new Error('no'); } });
  const throwingToJSON = { ...claims, groups: { toJSON() { throw new Error('no'); } } };
  const groups = { groupsClaim: 'groups' };
  for (const [bad, options] of [
    [{ ...claims, groups: cyclic }, groups],
    [{ ...claims, groups: deepGroups }, groups],
    [{ ...claims, groups: veryDeepGroups }, groups],
    [{ ...claims, groups: 10n }, groups],
    [throwingToJSON, groups],
    [throwingGetter, {}],
    [new Proxy(claims, { has() { throw new Error('no'); }, getOwnPropertyDescriptor() { throw new Error('no'); } }), {}],
    ['text', {}], [7, {}], [null, {}], [[claims], {}],
  ]) {
    for (const fn of [resolveIdentity, resolveEmail, resolveProfile]) {
      assert.equal(codeOf(() => fn(bad, options)), 'ERR_IDENTITY_CLAIMS_INVALID', String(bad));
    }
    assert.equal(codeOf(() => new IdentityResolver(options).identity(bad)), 'ERR_IDENTITY_CLAIMS_INVALID');
  }
});

test('only the claims the rules use are read: the rest of the object is never touched', () => {
  const cyclic = { ...claims };
  cyclic.self = cyclic;
  let touched = false;
  Object.defineProperty(cyclic, 'other', { enumerable: true, get() { touched = true; throw new Error('no'); } });
  const resolver = new IdentityResolver({ groupsClaim: 'groups' });
  assert.equal(resolver.identity(cyclic).userEntityRef, resolveIdentity(claims, { groupsClaim: 'groups' }).userEntityRef);
  assert.equal(resolver.email(cyclic).address, claims.email);
  assert.deepEqual(resolver.profile(cyclic), resolveProfile(claims));
  assert.equal(touched, false);
  // Inherited properties are not claims (JSON.stringify leaves them out too).
  assert.equal(codeOf(() => resolveEmail(Object.create(claims))), 'ERR_IDENTITY_CLAIM_MISSING');
});

test('an IdentityResolver applies the rules of the one-call functions with its options', () => {
  const options = { groupsClaim: 'groups', allowedDomains: ['Example.com'], homeDomain: 'example.com' };
  const resolver = new IdentityResolver(options);
  assert.deepEqual(resolver.identity(claims), resolveIdentity(claims, options));
  assert.deepEqual(resolver.email(claims), resolveEmail(claims, options));
  assert.deepEqual(resolver.profile(claims), resolveProfile(claims, options));
  const strict = new IdentityResolver({ requireEmailVerifiedClaim: true });
  assert.equal(codeOf(() => strict.email({ ...claims, email_verified: undefined })), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED');
  for (const bad of [{ namespace: 'Bad' }, { allowedDomain: ['x.org'] }, { allowedDomains: ['exämple.com'] }]) {
    const error = (() => { try { new IdentityResolver(bad); } catch (e) { return e; } })();
    assert.equal(error?.code, 'ERR_INVALID_OPTIONS', JSON.stringify(bad));
    assert.equal(typeof error.option, 'string');
  }
});

test('refuses rather than rewrites, with stable codes', () => {
  assert.equal(codeOf(() => resolveIdentity(claims, { allowedDomains: ['corp.example'] })), 'ERR_IDENTITY_DOMAIN_NOT_ALLOWED');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, email: "o'brien@example.com" })), 'ERR_IDENTITY_INVALID_NAME');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, email: undefined })), 'ERR_IDENTITY_CLAIM_MISSING');
  assert.equal(codeOf(() => resolveIdentity(claims, { userNameClaim: 'preferred_username' })), 'ERR_IDENTITY_CLAIM_MISSING');
  assert.equal(codeOf(() => resolveIdentity(claims, { groupsClaim: 'groups', namespace: 'Bad' })), 'ERR_INVALID_OPTIONS');
});

test('groups never refuse: a Keycloak path names its last segment, an invalid value is left out', () => {
  const id = resolveIdentity(
    { ...claims, groups: ['/devs', '/a/ops', 'Engineering Team', 7, 'team-a/admins'] },
    { groupsClaim: 'groups' },
  );
  assert.deepEqual(id.ownershipEntityRefs.slice(1), ['group:default/devs', 'group:default/ops', 'group:team-a/admins']);
});

test('an unknown option is refused, naming it', () => {
  for (const fn of [resolveIdentity, resolveEmail, resolveProfile, (_c, o) => validateIdentityOptions(o)]) {
    try {
      fn(claims, { allowedDomain: ['example.com'] });
      assert.fail('an unknown option must be refused');
    } catch (error) {
      assert.equal(error.code, 'ERR_INVALID_OPTIONS');
      assert.match(error.message, /options\.allowedDomain\b/);
    }
  }
});

test('a configured claim names the user', () => {
  const id = resolveIdentity({ ...claims, preferred_username: 'jdoe' }, { userNameClaim: 'preferred_username', namespace: 'corp' });
  assert.equal(id.userEntityRef, 'user:corp/jdoe');
});
