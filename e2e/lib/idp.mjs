// A real OpenID provider (npm oidc-provider) on loopback for the e2e tests.
// The issuer host is `localhost` while the proxy runs on 127.0.0.1: browsers scope cookies by
// host, not port, so the IdP's session cookies and the proxy's never overwrite each other.
import http from 'node:http';
import crypto from 'node:crypto';
import './quiet-oidc-provider.mjs';
import Provider from 'oidc-provider';
import { exportJWK } from 'jose';
import { generateKeys } from '../../__test__/support/keys.mjs';
import { userByLogin } from './users.mjs';

async function signingKey() {
  const { privateKey } = generateKeys('rsa', { modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function listen(server, host, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server.address().port));
  });
}

// Builds one oidc-provider instance. Key rotation builds a second one with the new key first;
// the default memory adapter is module-wide, so IdP sessions and grants survive the swap.
function buildProvider({ issuer, clients, keys, idTokenTtl, cookieKeys }) {
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    cookies: { keys: cookieKeys },
    // Put profile and email claims into the ID token itself: that token is all Backstage sees.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'picture'],
    },
    features: { devInteractions: { enabled: true } },
    // Explicit lifetimes (oidc-provider nags about its defaults); only IdToken matters here.
    ttl: { IdToken: idTokenTtl, AccessToken: 3600, Grant: 86400, Interaction: 600, Session: 86400 },
    async findAccount(ctx, login) {
      const user = userByLogin(login);
      if (!user) return undefined;
      return { accountId: login, claims: async () => user.claims(issuer) };
    },
    // A first-party client: consent is implied, so once the IdP session exists a new proxy
    // session is created with no page shown (what "signed in again without interaction" needs).
    async loadExistingGrant(ctx) {
      const { session, client } = ctx.oidc;
      if (!session.accountId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (grantId) {
        const existing = await ctx.oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  return provider;
}

function avatarSvg(initials) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" fill="#2e7d32"/><text x="48" y="60" font-size="40" font-family="sans-serif" fill="#fff" text-anchor="middle">${initials}</text></svg>`;
}

/**
 * Starts the IdP. `clients` are oidc-provider client metadata (the proxies).
 * Returns { issuer, port, rotateKeys(), jwksFetches, kids(), close() }.
 */
export async function startIdp({ clients, idTokenTtl = 3600, port = 0 } = {}) {
  const cookieKeys = [crypto.randomBytes(32).toString('hex')];
  const state = { provider: null, callback: null, keys: [await signingKey()] };
  const jwksFetches = [];
  const issuedKids = [];
  // Notes the `kid` of each ID token the token endpoint hands out (the browser never sees the
  // token: the proxy keeps it), so the rotation test can tell which key signed a login.
  const recordIssuedKid = res => {
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
  };

  const handler = (req, res) => {
    const avatar = /^\/avatar\/([a-z.]+)\.svg$/.exec(req.url);
    if (avatar) {
      const user = userByLogin(avatar[1]);
      res.writeHead(user ? 200 : 404, { 'content-type': 'image/svg+xml' });
      return res.end(user ? avatarSvg(user.initials) : '');
    }
    if (req.url.startsWith('/jwks')) jwksFetches.push({ at: Date.now(), ua: req.headers['user-agent'] ?? '' });
    if (req.url.startsWith('/token')) recordIssuedKid(res);
    return state.callback(req, res);
  };

  const server = http.createServer(handler);
  const boundPort = await listen(server, '127.0.0.1', port);
  const issuer = `http://localhost:${boundPort}`;

  const install = () => {
    state.provider = buildProvider({ issuer, clients, keys: state.keys, idTokenTtl, cookieKeys });
    state.callback = state.provider.callback();
  };
  install();

  return {
    issuer,
    port: boundPort,
    jwksFetches,
    issuedKids,
    kids: () => state.keys.map(k => k.kid),
    // Publishes a new signing key first (it signs from now on) and keeps the old one published,
    // as a real rotation does, so tokens already issued stay verifiable until they expire.
    async rotateKeys() {
      state.keys = [await signingKey(), ...state.keys];
      install();
      return state.keys[0].kid;
    },
    close: () => new Promise(resolve => {
      server.closeAllConnections?.();
      server.close(() => resolve());
    }),
  };
}
