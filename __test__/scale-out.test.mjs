// Scale-out: replicas of the backend sharing one PostgreSQL behind a round-robin nginx.
// The module keeps no state of its own beyond a per-process key cache, so a user signed
// in through one replica must be served by the other, and refresh must work on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres, postgresMissing } from '../test-support/postgres.mjs';
import { nginxMissing } from '../test-support/nginx.mjs';
import { startReplicas } from '../test-support/replicas.mjs';
import { moduleMissing, providerConfig } from '../test-support/module-backend.mjs';
import { startIssuer } from '../test-support/test-issuer.mjs';

const servicesMissing = postgresMissing() ?? nginxMissing();
let database, issuer, front;

before(async () => {
  if (servicesMissing) return;
  database = await startPostgres();
  issuer = await startIssuer({ algs: ['RS256'] });
  front = await startReplicas({ database, provider: providerConfig({ issuer: issuer.url }) });
});
after(async () => {
  await front?.stop();
  await issuer?.stop();
  await database?.stop();
});

const upstreamOf = response => response.headers.get('x-upstream');

test('two replicas share PostgreSQL behind a round-robin front', { skip: servicesMissing ?? false }, async () => {
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const response = await fetch(`${front.url}/api/catalog/entities`);
    assert.equal(response.status, 401, 'the catalog refuses anonymous calls on every replica');
    seen.push(upstreamOf(response));
  }
  assert.equal(new Set(seen).size, 2, `both replicas answered: ${seen}`);
  assert.notEqual(seen[0], seen[1], 'consecutive requests alternate');
});

test('sign in through one replica, use the catalog through the other, refresh through both', { skip: servicesMissing ?? moduleMissing() ?? false }, async () => {
  const idToken = await issuer.sign({ email: 'jane.doe@example.com' });
  const refresh = base => fetch(`${base}/api/auth/oidcProxy/refresh`, { headers: { 'x-oidc-id-token': idToken, 'x-requested-with': 'XMLHttpRequest' } });
  const catalog = (base, token) => fetch(`${base}/api/catalog/entities`, { headers: { authorization: `Bearer ${token}` } });

  const signIn = await refresh(front.url);
  assert.equal(signIn.status, 200, await signIn.clone().text());
  const { backstageIdentity } = await signIn.json();
  assert.ok(backstageIdentity?.token, 'refresh issues a Backstage token');
  const signedInOn = upstreamOf(signIn);

  // Round robin: the next request goes to the other replica.
  const listed = await catalog(front.url, backstageIdentity.token);
  assert.equal(listed.status, 200, await listed.clone().text());
  assert.notEqual(upstreamOf(listed), signedInOn, 'the catalog call went to the other replica');

  // The same without relying on nginx's order: each replica directly, with that token.
  for (const replica of front.replicaUrls) {
    assert.equal((await catalog(replica, backstageIdentity.token)).status, 200, `${replica} accepts the token`);
  }

  // Refresh on both replicas, through the front and directly.
  const upstreams = new Set();
  for (let i = 0; i < 2; i++) {
    const again = await refresh(front.url);
    assert.equal(again.status, 200);
    upstreams.add(upstreamOf(again));
  }
  assert.equal(upstreams.size, 2, 'refresh answered by both replicas');
  for (const replica of front.replicaUrls) assert.equal((await refresh(replica)).status, 200);

  // Each replica keeps its own key cache: at most one discovery and one JWKS fetch each.
  assert.ok(issuer.state.counts.jwks <= front.replicaUrls.length, JSON.stringify(issuer.state.counts));
  assert.ok(issuer.state.counts.discovery <= front.replicaUrls.length, JSON.stringify(issuer.state.counts));
});
