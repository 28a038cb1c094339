// A real OpenID provider (npm oidc-provider) on loopback that hands out real ID tokens through
// a real authorization-code + PKCE login, driven with fetch and a cookie jar. Shared by the
// module tests, the demo, and anything else that needs tokens as an IdP issues them.
//
//   const idp = await startOidcIssuer();
//   const token = await idp.login('alice');            // aud = idp.clientId ('backstage')
//   const other = await idp.login('alice', { clientId: 'other-app' }); // another audience
//   const expired = await idp.sign({ exp: past });     // signed with the IdP's own key
//   await idp.stop(); await idp.start();               // down and up again on the same port
import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { SignJWT, importJWK } from 'jose';
import { generateKeys } from './keys.mjs';

export const CLIENT_ID = 'backstage';
export const OTHER_CLIENT_ID = 'other-app';
// Never called: the login stops at the redirect and reads the code from its Location.
const REDIRECT_URI = 'http://127.0.0.1/callback';

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

function createProvider({ issuer, keys, alg, idTokenTtl, cookieKeys }) {
  return new Provider(issuer, {
    clients: [CLIENT_ID, OTHER_CLIENT_ID].map(clientId => ({
      client_id: clientId,
      client_secret: `${clientId}-secret`,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: alg,
    })),
    jwks: { keys },
    cookies: { keys: cookieKeys },
    // Profile, email and groups inside the ID token itself: that token is all Backstage sees.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: true } },
    ttl: { IdToken: idTokenTtl, AccessToken: 600, AuthorizationCode: 60, Grant: 600, Interaction: 600, Session: 600 },
    // The login form is posted with the account id (= sub), see login().
    async findAccount(_ctx, id) {
      const claims = accountClaims(id.replace(/^sub-/, ''));
      return claims && { accountId: id, claims: async () => claims };
    },
    // First-party clients: consent is implied, so a login needs one form post.
    async loadExistingGrant(ctx) {
      const { session, client } = ctx.oidc;
      if (!session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
  });
}

/** Minimal cookie jar for one origin: enough for oidc-provider's interaction cookies. */
class CookieJar {
  #cookies = new Map();
  store(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }
  header() {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/**
 * Starts the IdP on `host` (default 127.0.0.1) and a random port (or `port`).
 * `alg`: the signing algorithm (RS256, PS256, ES256). `idTokenTtl`: seconds.
 */
export async function startOidcIssuer({ host = '127.0.0.1', port = 0, alg = 'RS256', idTokenTtl = 600 } = {}) {
  const kty = alg.startsWith('ES') ? 'EC' : 'RSA';
  /** A key of the IdP's type (its own signing key, or a forger's). */
  const newKey = () => generateKeys(kty === 'EC' ? 'ec' : 'rsa', kty === 'EC' ? { namedCurve: 'P-256' } : { modulusLength: 2048 });
  const { privateKey } = newKey();
  const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg, use: 'sig' };

  let callback = () => {};
  const server = http.createServer((req, res) => callback(req, res));
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = server.address().port;
  const issuer = `http://${host}:${boundPort}`;
  const provider = createProvider({ issuer, keys: [signingJwk], alg, idTokenTtl, cookieKeys: [crypto.randomBytes(32).toString('hex')] });
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));
  callback = provider.callback();

  /** A real login: authorization request, login form, code, token endpoint. Returns the ID token. */
  async function login(user, { clientId = CLIENT_ID, scope = 'openid email profile groups' } = {}) {
    const jar = new CookieJar();
    const request = async (url, init = {}) => {
      const response = await fetch(new URL(url, issuer), {
        ...init,
        redirect: 'manual',
        headers: { ...init.headers, cookie: jar.header() },
      });
      jar.store(response);
      return response;
    };
    const verifier = crypto.randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      scope,
      redirect_uri: REDIRECT_URI,
      state: crypto.randomBytes(8).toString('hex'),
      nonce: crypto.randomBytes(8).toString('hex'),
      code_challenge: crypto.createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    let response = await request(`/auth?${params}`);
    // Follow redirects; answer the login (and, should one come, the consent) form.
    for (let step = 0; step < 10; step++) {
      const location = response.headers.get('location');
      if (!location) throw new Error(`login of ${user}: unexpected ${response.status} from the IdP: ${await response.text()}`);
      if (location.startsWith(REDIRECT_URI)) {
        const query = new URL(location).searchParams;
        if (!query.get('code')) throw new Error(`login of ${user} failed: ${query.get('error')} ${query.get('error_description')}`);
        return exchange(query.get('code'), verifier, clientId);
      }
      response = await request(location);
      if (response.status === 200) {
        const page = await response.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (!prompt) throw new Error(`login of ${user}: unexpected IdP page`);
        const form = new URLSearchParams(prompt === 'login' ? { prompt, login: subjectOf(user), password: 'any' } : { prompt });
        response = await request(location, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
      }
    }
    throw new Error(`login of ${user}: too many redirects`);
  }

  async function exchange(code, verifier, clientId) {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${clientId}:${clientId}-secret`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }).toString(),
    });
    const body = await response.json();
    if (!body.id_token) throw new Error(`token endpoint: ${response.status} ${body.error} ${body.error_description}`);
    return body.id_token;
  }

  const signingKey = await importJWK(signingJwk, alg);
  /**
   * A token signed with the IdP's own published key, for claims the IdP would never issue
   * (already expired, from the future...). `claims` override the defaults of user `user`.
   */
  async function sign(claims = {}, { user = 'alice', key = signingKey, kid = signingJwk.kid, typ = 'JWT' } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const payload = { ...accountClaims(user), iss: issuer, aud: CLIENT_ID, iat: now, exp: now + 600, ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    return new SignJWT(payload).setProtectedHeader({ alg, kid, typ }).sign(key);
  }

  /** A token with the IdP's kid and issuer but signed by a key the IdP never published. */
  async function forge(claims = {}, options = {}) {
    const { privateKey: otherKey } = newKey();
    return sign(claims, { ...options, key: otherKey });
  }

  return {
    issuer,
    port: boundPort,
    clientId: CLIENT_ID,
    provider,
    login,
    sign,
    forge,
    /** Stops listening (the issuer is "down"); keys and state are kept for start(). */
    stop: () =>
      new Promise(resolve => {
        if (!server.listening) return resolve();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    /** Listens again on the same port, with the same keys. */
    start: () =>
      new Promise((resolve, reject) => {
        if (server.listening) return resolve();
        server.once('error', reject);
        server.listen(boundPort, host, () => resolve());
      }),
    close() {
      return this.stop();
    },
  };
}
