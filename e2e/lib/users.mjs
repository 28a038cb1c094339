// The people the IdP knows. Typing `login` into the IdP's login form signs in as that user
// (oidc-provider's devInteractions uses the typed login as the account id, the token's `sub`).
// jane's catalog entity is named `jdoe`, not `jane.doe`: an identity of user:default/jdoe can only
// come from the catalog resolver, user:default/jane.doe_at_example.com only from signInWithoutCatalogUser
// (no homeDomain in these configs, so the name keeps the email's domain).
export const USERS = [
  {
    login: 'jane',
    initials: 'JD',
    email: 'jane.doe@example.com',
    name: 'Jane Doe',
    catalogEntityRef: 'user:default/jdoe',
    catalogGroupRef: 'group:default/platform-team',
    emailDerivedRef: 'user:default/jane.doe_at_example.com',
  },
  {
    login: 'sam',
    initials: 'SR',
    email: 'sam.rivera@example.org',
    name: 'Sam Rivera',
    catalogEntityRef: null,
    emailDerivedRef: 'user:default/sam.rivera_at_example.org',
  },
].map(u => ({
  ...u,
  claims: issuer => ({
    sub: u.login,
    email: u.email,
    email_verified: true,
    name: u.name,
    picture: `${issuer}/avatar/${u.login}.svg`,
  }),
}));

export function userByLogin(login) {
  return USERS.find(u => u.login === login);
}

/** The `accounts` parameter of startOidcIssuer(): the typed login is the account id and the `sub`. */
export const ACCOUNTS = {
  idOf: login => login,
  claims: (accountId, issuer) => userByLogin(accountId)?.claims(issuer),
};

function avatarSvg(initials) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="#2e7d32"/><text x="48" y="60" font-size="40" font-family="sans-serif" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
}

/** The IdP's extra route (startOidcIssuer's `routes`): each user's `picture`, /avatar/<login>.svg. */
export function serveAvatar(req, res) {
  const avatar = /^\/avatar\/([a-z.]+)\.svg$/.exec(req.url);
  if (!avatar) return false;
  const user = userByLogin(avatar[1]);
  res.writeHead(user ? 200 : 404, { 'content-type': 'image/svg+xml' });
  res.end(user ? avatarSvg(user.initials) : '');
  return true;
}
