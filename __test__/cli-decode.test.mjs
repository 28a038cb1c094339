// `backstage-oidc-proxy decode`: header and claims without a network call, exp/nbf/iat as
// dates and seconds from now, warnings for what is not an ID token, exit 2 for garbage.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startOidcIssuer } from '../test-support/oidc-issuer.mjs';
import { runCli, runCliJson } from '../test-support/cli.mjs';

let idp;
before(async () => {
  idp = await startOidcIssuer();
});
after(() => idp?.stop());

test('a good token: header, claims and times, exit 0, from the argument, stdin or OIDC_ID_TOKEN', async () => {
  const token = await idp.login('alice');
  const text = await runCli(['decode', token]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /"iss": "http:\/\/127\.0\.0\.1:\d+"/);
  assert.match(text.stdout, /"email": "alice@example.com"/);
  assert.match(text.stdout, /exp: \d{4}-\d\d-\d\dT[\d:.]+Z \(in \d+ s\)/);
  assert.match(text.stdout, /iat: \d{4}-\d\d-\d\dT[\d:.]+Z \((now|\d+ s ago)\)/);
  assert.doesNotMatch(text.stdout, /warning/);

  for (const [args, options] of [[['decode', '-'], { stdin: `${token}\n` }], [['decode'], { env: { OIDC_ID_TOKEN: token } }]]) {
    const { code, json } = await runCliJson(args, options);
    assert.equal(code, 0);
    assert.equal(json.kind, 'jws');
    assert.equal(json.header.alg, 'RS256');
    assert.equal(json.claims.sub, 'sub-alice');
    assert.ok(json.times.exp.secondsFromNow > 0 && json.times.exp.secondsFromNow <= 600, JSON.stringify(json.times));
    assert.deepEqual(json.warnings, []);
  }
});

test('an expired token decodes (exit 0) and shows exp in the past', async () => {
  const exp = Math.floor(Date.now() / 1000) - 3600;
  const token = await idp.sign({ exp, iat: exp - 600 });
  const text = await runCli(['decode', token]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /exp: .*\((36\d\d) s ago\)/);
  const { json } = await runCliJson(['decode', token]);
  assert.equal(json.times.exp.value, exp);
  assert.equal(json.times.exp.date, new Date(exp * 1000).toISOString());
  assert.ok(json.times.exp.secondsFromNow <= -3600);
});

test('an access token (typ at+jwt) and a JWE are flagged as not ID tokens', async () => {
  const access = await idp.sign({}, { typ: 'at+jwt' });
  const text = await runCli(['decode', access]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /warning: typ is at\+jwt: this is an OAuth access token/);
  assert.equal((await runCliJson(['decode', access])).json.warnings.length, 1);

  const b64 = o => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwe = `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a2V5.aXY.Y3Q.dGFn`;
  const result = await runCliJson(['decode', jwe]);
  assert.equal(result.code, 2, 'a JWE is not a compact JWS');
  assert.equal(result.json.kind, 'jwe');
  assert.equal(result.json.header.enc, 'A256GCM');
  assert.match(result.json.warnings[0], /JWE/);
});

test('garbage exits 2 with ERR_JWS_INVALID; no token at all is a usage error', async () => {
  for (const input of ['garbage', 'Bearer abc.def.ghi', 'a.b']) {
    const text = await runCli(['decode', input]);
    assert.equal(text.code, 2, input);
    assert.match(text.stdout, /✘ decode: ERR_JWS_INVALID/);
  }
  const none = await runCli(['decode']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /no token/);
  const unknown = await runCli(['decode', '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown option --frobnicate/);
});
