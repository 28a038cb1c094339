// The one test IdP: a real OpenID provider (npm oidc-provider) on loopback that hands out real
// ID tokens through a real authorization-code + PKCE login. Shared by the module tests (login
// driven with fetch and a cookie jar), the demo, and the browser end-to-end suites (e2e/, whose
// Apache proxies log in through its devInteractions form); each passes its own clients and
// accounts.
//
//   const idp = await startOidcIssuer();
//   const token = await idp.login('alice');            // aud = idp.clientId ('backstage')
//   const other = await idp.login('alice', { clientId: 'other-app' }); // another audience
//   const expired = await idp.sign({ exp: past });     // signed with the IdP's own key
//   const forged = await idp.forge({ sub: 'x' });      // its kid, a key it never published
//   await idp.stop(); await idp.start();               // down and up again on the same port
//   await idp.rotateKeys();                            // a new signing key, the old one kept
import http from 'node:http';
import crypto from 'node:crypto';
import './quiet-oidc-provider.mjs';
import Provider from 'oidc-provider';
import { SignJWT, importJWK } from 'jose';
import { generateKeys } from './keys.mjs';
import { ACCOUNTS } from './users.mjs';

export const CLIENT_ID = 'backstage';
export const OTHER_CLIENT_ID = 'other-app';
// Never called: the login stops at the redirect and reads the code from its Location.
const REDIRECT_URI = 'http://127.0.0.1/callback';

/** The module tests' clients: `backstage` and `other-app`, secret `<id>-secret`. */
function defaultClients(alg) {
  return [CLIENT_ID, OTHER_CLIENT_ID].map(clientId => ({
    client_id: clientId,
    client_secret: `${clientId}-secret`,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: alg,
  }));
}

/** A key of the IdP's type for `alg` (its own signing key, or a forger's). */
function newKey(alg) {
  return alg.startsWith('ES')
    ? generateKeys('ec', { namedCurve: 'P-256' })
    : generateKeys('rsa', { modulusLength: 2048 });
}

function signingJwk(alg) {
  const { privateKey } = newKey(alg);
  return { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg, use: 'sig' };
}

// Builds one oidc-provider instance. Key rotation builds a second one with the new key first;
// the default memory adapter is module-wide, so IdP sessions and grants survive the swap.
function createProvider({ issuer, clients, keys, ttl, cookieKeys, accounts }) {
  return new Provider(issuer, {
    clients,
    jwks: { keys },
    cookies: { keys: cookieKeys },
    // Profile, email and groups inside the ID token itself: that token is all Backstage sees.
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    features: { devInteractions: { enabled: true } },
    // Explicit lifetimes (oidc-provider nags about its defaults).
    ttl,
    // The login form is posted with the account id (= sub), see login().
    async findAccount(_ctx, id) {
      const claims = accounts.claims(id, issuer);
      return claims && { accountId: id, claims: async () => claims };
    },
    // First-party clients: consent is implied, so a login needs one form post, and once the IdP
    // session exists a new login (a new proxy session) shows no page at all.
    async loadExistingGrant(ctx) {
      const { session, client } = ctx.oidc;
      if (!session.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
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

// Notes the `kid` of each ID token the token endpoint hands out (behind a proxy the browser
// never sees the token), so a rotation test can tell which key signed a login.
function recordIssuedKid(res, issuedKids) {
  const chunks = [];
  const { write, end } = res;
  res.write = function (chunk, ...rest) {
    if (chunk) chunks.push(Buffer.from(chunk));
    return write.call(this, chunk, ...rest);
  };
  res.end = function (chunk, ...rest) {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    try {
      const idToken = JSON.parse(Buffer.concat(chunks).toString('utf8')).id_token;
      if (idToken) issuedKids.push(JSON.parse(Buffer.from(idToken.split('.')[0], 'base64url')).kid);
    } catch {
      // not a token response
    }
    return end.call(this, chunk, ...rest);
  };
}

/**
 * Starts the IdP, listening on `host` (default 127.0.0.1) and a random port (or `port`).
 * issuerHost: the host in the issuer URL (default `host`; e2e uses `localhost` so the browser
 * keeps the IdP's cookies apart from the proxy's on 127.0.0.1).
 * alg: the signing algorithm (RS256, PS256, ES256). idTokenTtl: seconds; ttl: other lifetimes.
 * clients: oidc-provider client metadata (default: `backstage` and `other-app`).
 * accounts: { idOf(login) -> account id (= sub), claims(accountId, issuer) -> claims or undefined }
 * (default: test-support/users.mjs). routes(req, res): serves a request itself when it returns true.
 */
export async function startOidcIssuer({
  host = '127.0.0.1',
  issuerHost = host,
  port = 0,
  alg = 'RS256',
  idTokenTtl = 600,
  ttl = { AccessToken: 600, AuthorizationCode: 60, Grant: 600, Interaction: 600, Session: 600 },
  clients = defaultClients(alg),
  accounts = ACCOUNTS,
  routes = () => false,
} = {}) {
  const cookieKeys = [crypto.randomBytes(32).toString('hex')];
  const state = { provider: null, callback: null, keys: [signingJwk(alg)] };
  const jwksFetches = [];
  const issuedKids = [];

  const server = http.createServer((req, res) => {
    if (routes(req, res)) return undefined;
    if (req.url.startsWith('/jwks')) jwksFetches.push({ at: Date.now(), ua: req.headers['user-agent'] ?? '' });
    if (req.url.startsWith('/token')) recordIssuedKid(res, issuedKids);
    return state.callback(req, res);
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const boundPort = server.address().port;
  const issuer = `http://${issuerHost}:${boundPort}`;
  const install = () => {
    state.provider = createProvider({ issuer, clients, keys: state.keys, ttl: { ...ttl, IdToken: idTokenTtl }, cookieKeys, accounts });
    state.provider.on('server_error', (_ctx, error) => console.error('oidc-provider server_error:', error));
    state.callback = state.provider.callback();
  };
  install();

  /**
   * A real login of `user` (a login name, see `accounts`): authorization request, login form,
   * code, token endpoint. Returns the ID token.
   */
  async function login(user, { clientId = clients[0].client_id, scope = 'openid email profile groups' } = {}) {
    const client = clients.find(c => c.client_id === clientId);
    if (!client) throw new Error(`login of ${user}: no client ${clientId}`);
    const redirectUri = client.redirect_uris[0];
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
      redirect_uri: redirectUri,
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
      if (location.startsWith(redirectUri)) {
        const query = new URL(location).searchParams;
        if (!query.get('code')) throw new Error(`login of ${user} failed: ${query.get('error')} ${query.get('error_description')}`);
        return exchange(query.get('code'), verifier, client, redirectUri);
      }
      response = await request(location);
      if (response.status === 200) {
        const page = await response.text();
        const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
        if (!prompt) throw new Error(`login of ${user}: unexpected IdP page`);
        const form = new URLSearchParams(prompt === 'login' ? { prompt, login: accounts.idOf(user), password: 'any' } : { prompt });
        response = await request(location, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: form.toString(),
        });
      }
    }
    throw new Error(`login of ${user}: too many redirects`);
  }

  async function exchange(code, verifier, client, redirectUri) {
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        // client_secret_basic: id and secret form-encoded first (RFC 6749 2.3.1), as an id may be a URL.
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(client.client_secret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
    });
    const body = await response.json();
    if (!body.id_token) throw new Error(`token endpoint: ${response.status} ${body.error} ${body.error_description}`);
    return body.id_token;
  }

  /**
   * A token signed with the IdP's own (current) published key, for claims the IdP would never
   * issue (already expired, from the future...). `claims` override the defaults of user `user`;
   * a claim set to undefined is left out.
   */
  async function sign(claims = {}, { user = 'alice', key, kid = state.keys[0].kid, typ = 'JWT' } = {}) {
    const now = Math.floor(Date.now() / 1000);
    const defaults = accounts.claims(accounts.idOf(user), issuer);
    const payload = { ...defaults, iss: issuer, aud: clients[0].client_id, iat: now, exp: now + 600, ...claims };
    for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
    // typ null: no typ header at all.
    const header = { alg, kid, ...(typ == null ? {} : { typ }) };
    return new SignJWT(payload).setProtectedHeader(header).sign(key ?? (await importJWK(state.keys[0], alg)));
  }

  /** A token with the IdP's kid and issuer but signed by a key the IdP never published. */
  async function forge(claims = {}, options = {}) {
    return sign(claims, { ...options, key: newKey(alg).privateKey });
  }

  return {
    issuer,
    port: boundPort,
    clientId: clients[0].client_id,
    get provider() {
      return state.provider;
    },
    login,
    sign,
    forge,
    /** Requests for the JWKS ({ at, ua }), and the kid of each ID token the token endpoint issued. */
    jwksFetches,
    issuedKids,
    kids: () => state.keys.map(k => k.kid),
    /**
     * Publishes a new signing key first (it signs from now on) and keeps the old one published,
     * as a real rotation does, so tokens already issued stay verifiable until they expire.
     */
    async rotateKeys() {
      state.keys = [signingJwk(alg), ...state.keys];
      install();
      return state.keys[0].kid;
    },
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
