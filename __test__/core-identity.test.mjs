// resolveIdentity through the native binding: shapes, refusals and error codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveIdentity } from '../index.js';

const claims = {
  iss: 'https://idp.example', sub: 'abc-1', email: 'jane.doe+build@example.com', name: 'Jane Doe',
  picture: 'https://img.example/jane.png', groups: ['devs', 'platform/admins'],
};
const codeOf = fn => { try { fn(); return 'OK'; } catch (e) { return e.code; } };

test('derives the profile, user ref, ownership and annotations', () => {
  const id = resolveIdentity(claims, { groupsClaim: 'groups', allowedDomains: ['Example.com'] });
  assert.deepEqual(id, {
    profile: { email: claims.email, displayName: 'Jane Doe', picture: claims.picture },
    userEntityName: 'jane.doe',
    userEntityRef: 'user:default/jane.doe',
    ownershipEntityRefs: ['user:default/jane.doe', 'group:default/devs', 'group:platform/admins'],
    annotations: { 'openid.net/iss': claims.iss, 'openid.net/sub': 'abc-1', 'openid.net/email': claims.email },
  });
});

test('refuses rather than rewrites, with stable codes', () => {
  assert.equal(codeOf(() => resolveIdentity(claims, { allowedDomains: ['corp.example'] })), 'ERR_IDENTITY_DOMAIN_NOT_ALLOWED');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, email: "o'brien@example.com" })), 'ERR_IDENTITY_INVALID_NAME');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, email: undefined })), 'ERR_IDENTITY_CLAIM_MISSING');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, email_verified: false })), 'ERR_IDENTITY_EMAIL_NOT_VERIFIED');
  assert.equal(codeOf(() => resolveIdentity(claims, { userNameClaim: 'preferred_username' })), 'ERR_IDENTITY_CLAIM_MISSING');
  assert.equal(codeOf(() => resolveIdentity(claims, { groupsClaim: 'groups', namespace: 'Bad' })), 'ERR_INVALID_OPTIONS');
  assert.equal(codeOf(() => resolveIdentity({ ...claims, groups: ['/devs'] }, { groupsClaim: 'groups' })), 'ERR_IDENTITY_INVALID_NAME');
});

test('a configured claim names the user', () => {
  const id = resolveIdentity({ ...claims, preferred_username: 'jdoe' }, { userNameClaim: 'preferred_username', namespace: 'corp' });
  assert.equal(id.userEntityRef, 'user:corp/jdoe');
});
