// Keycloak-sized ID tokens (about 1.2 KB, about 20 claims) signed with node:crypto.
// RSA signing costs about 1 ms a token, so large pools are signed on worker threads.
import crypto from 'node:crypto';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { signJws } from '../test-support/test-issuer.mjs';

/** The claims Keycloak puts in an ID token, with a per-token jti and sid so every token is distinct. */
export function keycloakClaims(issuerUrl, i, now = Math.floor(Date.now() / 1000)) {
  const id = crypto.randomUUID();
  return {
    exp: now + 3600,
    iat: now,
    auth_time: now - 5,
    jti: id,
    iss: issuerUrl,
    aud: 'backstage',
    sub: 'f3a1c2d4-5b6e-4f70-8a9b-0c1d2e3f4a5b',
    typ: 'ID',
    azp: 'backstage',
    nonce: `n-${i}-${id.slice(0, 8)}`,
    session_state: crypto.randomUUID(),
    at_hash: crypto.randomBytes(16).toString('base64url'),
    acr: '1',
    sid: crypto.randomUUID(),
    email_verified: true,
    name: 'Jane Doe',
    preferred_username: 'jane.doe',
    given_name: 'Jane',
    family_name: 'Doe',
    email: 'jane.doe@example.com',
    groups: ['/engineering', '/engineering/platform', '/backstage-admins'],
    locale: 'en',
  };
}

/** A Keycloak-looking kid (43 base64url chars). */
export const keycloakKid = alg => `${alg}-${crypto.randomBytes(30).toString('base64url')}`.slice(0, 43);

function signBatch(key, issuerUrl, from, count) {
  const header = { alg: key.alg, typ: 'JWT', kid: key.kid };
  const out = new Array(count);
  for (let i = 0; i < count; i++) out[i] = signJws(header, keycloakClaims(issuerUrl, from + i), key, key.alg);
  return out;
}

const WORKER = `
  const { parentPort, workerData } = require('node:worker_threads');
  const crypto = require('node:crypto');
  import(workerData.self).then(({ signBatchFromPem }) => {
    parentPort.postMessage(signBatchFromPem(workerData));
  });
`;

export function signBatchFromPem({ pem, alg, kid, issuerUrl, from, count }) {
  const key = { alg, kid, privateKey: crypto.createPrivateKey(pem) };
  return signBatch(key, issuerUrl, from, count);
}

/** `count` distinct tokens signed by `key`, spread over worker threads when signing is slow. */
export async function signPool(key, issuerUrl, count) {
  if (key.alg !== 'RS256' || count < 200) return signBatch(key, issuerUrl, 0, count);
  const pem = key.privateKey.export({ format: 'pem', type: 'pkcs8' });
  const threads = Math.max(1, os.availableParallelism());
  const per = Math.ceil(count / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => new Promise((resolve, reject) => {
      const w = new Worker(WORKER, {
        eval: true,
        workerData: { self: import.meta.url, pem, alg: key.alg, kid: key.kid, issuerUrl, from: t * per, count: Math.min(per, count - t * per) },
      });
      w.once('message', resolve);
      w.once('error', reject);
    })),
  );
  return parts.flat();
}
