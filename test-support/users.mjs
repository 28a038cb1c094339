// The module tests' people at the IdP (test-support/oidc-issuer.mjs's default accounts).
// A login posts the account id `sub-<login>`, which is also the token's `sub`.

/** Test users by login. `groups` becomes the `groups` claim (scope `groups`). */
export const USERS = {
  alice: { email: 'alice@example.com', name: 'Alice Adams', groups: ['team-a'] },
  bob: { email: 'bob@example.com', name: 'Bob Brown', groups: ['team-b', 'ops'] },
  carol: { email: 'carol@other.org', name: 'Carol Chen' },
  dave: { email: 'dave+ci@example.com', name: 'Dave Dunn' },
  eve: { email: 'eve@example.com', name: 'Eve Unverified', email_verified: false },
  // A local part that is no valid entity name: naming her from the email must be refused.
  oconnor: { email: "o'connor@example.com", name: "Fiona O'Connor" },
  // alice's local part in another domain: another person, never alice's Backstage user.
  aliceorg: { email: 'alice@example.org', name: 'Alice of Example Org' },
  // Two @: the domain check and the name must never see different addresses.
  mallory: { email: 'alice@evil.org@example.com', name: 'Mallory' },
  // K is U+212A KELVIN SIGN, which Unicode (not ASCII) lower-cases to "k".
  kelvin: { email: 'kim@\u212Aorp.com', name: 'Kim Kelvin' },
  // email_verified as a string, as some issuers send it.
  frank: { email: 'frank@example.com', name: 'Frank Strings', email_verified: 'false' },
  // No email_verified claim at all, as Entra ID sends.
  gina: { email: 'gina@example.com', name: 'Gina Entra', email_verified: null },
};

/** The `sub` each user gets: stable, and unlike any entity name. */
export const subjectOf = login => `sub-${login}`;

function accountClaims(login) {
  const user = USERS[login];
  if (!user) return undefined;
  return {
    sub: subjectOf(login),
    email: user.email,
    // null: the claim is left out.
    ...(user.email_verified === null ? {} : { email_verified: user.email_verified ?? true }),
    name: user.name,
    picture: `https://avatars.example.com/${login}.png`,
    ...(user.groups ? { groups: user.groups } : {}),
  };
}

/** The `accounts` parameter of startOidcIssuer(). */
export const ACCOUNTS = {
  idOf: subjectOf,
  claims: accountId => accountClaims(accountId.replace(/^sub-/, '')),
};
