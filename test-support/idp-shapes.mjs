// Identity providers as they really are, on loopback: each serves its discovery document and
// JWKS at the paths the real one uses, under an issuer of the same shape, and signs ID
// tokens with the claims the provider's documentation shows. Real HTTP and real signatures:
// the module discovers and verifies them like any issuer.
//
//   const entra = await startIdpShape('entra');
//   const token = await entra.sign({ oid: '...' });   // extra or changed claims
//   entra.issuer, entra.audience; await entra.stop();
import http from 'node:http';
import { makeKey, signJws } from './test-issuer.mjs';

const TENANT = '9188040d-6c67-4c5b-b112-36a304b66dad';
const now = () => Math.floor(Date.now() / 1000);

/**
 * Per provider: the issuer (from the server's base URL), where its documents live, the
 * audience it puts in tokens, and a token's claims.
 */
const SHAPES = {
  // Entra ID v2: tenant issuer, oid/tid, a UPN in preferred_username, email optional and
  // never email_verified.
  entra: {
    issuer: base => `${base}/${TENANT}/v2.0`,
    jwks: base => `${base}/${TENANT}/discovery/v2.0/keys`,
    audience: '6731de76-14a6-49ae-97bc-6eba6914391e',
    claims: ({ issuer, audience }) => ({
      ver: '2.0',
      iss: issuer,
      aud: audience,
      sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
      oid: '00000000-0000-0000-66f3-3332eca7ea81',
      tid: TENANT,
      preferred_username: 'jane@contoso.com',
      name: 'Jane Doe',
      email: 'jane@contoso.com',
      nonce: '123523',
      aio: 'Df2UVXL1ix!lMCWMSOJBcFatzcGfvFGhjKv8q5g0x732dR5MB5BisvGQO7YWByjd8iQDLq!eGbIDakyp5mnOrcdqHeYSnltepQmRp6AIZ8jY',
      rh: 'I',
      uti: 'Qu2gYLA4y0eGrZMWAQAA',
    }),
  },
  // Keycloak: payload typ ID, azp, groups as full paths (the default group mapper).
  keycloak: {
    issuer: base => `${base}/realms/acme`,
    jwks: base => `${base}/realms/acme/protocol/openid-connect/certs`,
    audience: 'backstage',
    claims: ({ issuer, audience }) => ({
      iss: issuer,
      aud: audience,
      sub: 'f1b2c3d4-0000-4000-8000-000000000001',
      typ: 'ID',
      azp: audience,
      session_state: '8a6f-4d1c',
      sid: '8a6f-4d1c',
      auth_time: now() - 5,
      at_hash: 'aYpQmGq2Ah0e6P6bLrXk9g',
      acr: '1',
      email_verified: true,
      name: 'Jane Doe',
      preferred_username: 'jane',
      given_name: 'Jane',
      family_name: 'Doe',
      email: 'jane@example.com',
      groups: ['/acme/team-a', '/acme/platform/sre'],
    }),
  },
  // Okta (custom authorization server): groups by display name when the groups claim is on.
  okta: {
    issuer: base => `${base}/oauth2/default`,
    jwks: base => `${base}/oauth2/default/v1/keys`,
    audience: '0oa1b2c3d4e5f6g7h8i9',
    claims: ({ issuer, audience }) => ({
      ver: 1,
      iss: issuer,
      aud: audience,
      sub: '00u1b2c3d4e5f6g7h8i9',
      idp: '00o1b2c3d4e5f6g7h8i9',
      amr: ['pwd'],
      auth_time: now() - 5,
      name: 'Jane Doe',
      email: 'jane@example.com',
      preferred_username: 'jane@example.com',
      groups: ['Everyone', 'Engineering Team', 'backstage-admins'],
    }),
  },
  // Google: hd for Workspace accounts, email_verified.
  google: {
    issuer: base => base,
    jwks: base => `${base}/oauth2/v3/certs`,
    audience: '1234987819200-abcdefghijklmnopqrstuvwx.apps.googleusercontent.com',
    claims: ({ issuer, audience }) => ({
      iss: issuer,
      azp: audience,
      aud: audience,
      sub: '110169484474386276334',
      hd: 'example.com',
      email: 'jane@example.com',
      email_verified: true,
      at_hash: 'X_B3Z3Fi4udZ2mf75RWo3w',
      name: 'Jane Doe',
      picture: 'https://lh3.googleusercontent.com/a/default-user',
      given_name: 'Jane',
      family_name: 'Doe',
    }),
  },
  // Auth0: the issuer ends with a slash.
  auth0: {
    issuer: base => `${base}/`,
    jwks: base => `${base}/.well-known/jwks.json`,
    audience: 'aBcDeFgHiJkLmNoPqRsTuVwXyZ012345',
    claims: ({ issuer, audience }) => ({
      iss: issuer,
      aud: audience,
      sub: 'auth0|64b7f0c2a1b2c3d4e5f6a7b8',
      nickname: 'jane',
      name: 'jane@example.com',
      picture: 'https://s.gravatar.com/avatar/x.png',
      updated_at: '2026-12-01T10:00:00.000Z',
      email: 'jane@example.com',
      email_verified: true,
      sid: 'Kk1bQ2cR3dS4eT5fU6gV7hW8iX9jY0zA',
    }),
  },
};

export const IDP_SHAPES = Object.keys(SHAPES);

export async function startIdpShape(name) {
  const shape = SHAPES[name];
  const key = await makeKey('RS256', `${name}-key-1`);
  const server = http.createServer((req, res) => {
    const { pathname } = new URL(req.url, base);
    const json = body => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (pathname === `${new URL(issuer.replace(/\/$/, '')).pathname.replace(/\/$/, '')}/.well-known/openid-configuration`) {
      return json({
        issuer,
        jwks_uri: shape.jwks(base),
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token'],
        subject_types_supported: ['public', 'pairwise'],
      });
    }
    if (pathname === new URL(shape.jwks(base)).pathname) return json({ keys: [key.jwk] });
    return res.writeHead(404).end();
  });
  server.keepAliveTimeout = 1000;
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  const issuer = shape.issuer(base);
  const audience = shape.audience;
  return {
    name,
    issuer,
    audience,
    /** An ID token of this provider's shape; `claims` adds or replaces members (undefined drops one). */
    sign(claims = {}) {
      const payload = { ...shape.claims({ issuer, audience }), iat: now(), nbf: now(), exp: now() + 3600, ...claims };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return signJws({ alg: 'RS256', kid: key.kid, typ: 'JWT' }, payload, key, 'RS256');
    },
    stop: () => new Promise(r => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
