// `npm run demo`: a real sign-in, end to end, on this machine's loopback.
//   1. a real OpenID provider (npm oidc-provider) on 127.0.0.1;
//   2. the example backend (examples/backend: auth + catalog + this module, by package name)
//      started with --config files, like any Backstage backend;
//   3. a real authorization-code login at the IdP, as an identity-aware proxy performs it;
//   4. GET /api/auth/oidcProxy/refresh with the ID token in x-oidc-id-token, as the proxy
//      forwards it and the frontend's ProxiedSignInPage calls it;
// then it prints the profile and Backstage identity, and what to do next with a browser.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// oidc-provider warns about its development defaults (memory adapter, dev login form, Node 20):
// right for a demo IdP, noise in the demo's output.
const warn = console.warn;
console.warn = (...args) => (/^oidc-provider (WARNING|NOTICE)/.test(String(args[0])) ? undefined : warn(...args));
const { startOidcIssuer } = await import('../test-support/oidc-issuer.mjs');

const here = path.dirname(fileURLToPath(import.meta.url));
const backendDir = path.join(here, 'backend');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** Starts the example backend; resolves once it is ready and its catalog holds alice. */
async function startBackend({ issuer, audience }) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const readToken = crypto.randomBytes(24).toString('hex');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-demo-'));
  // Only what differs from app-config.yaml: the port, and a static token for this script to
  // ask the catalog whether it has ingested catalog.yaml yet (JSON is valid YAML).
  const local = path.join(dir, 'app-config.demo.yaml');
  fs.writeFileSync(
    local,
    JSON.stringify({
      backend: {
        baseUrl: url,
        listen: { host: '127.0.0.1', port },
        auth: { externalAccess: [{ type: 'static', options: { token: readToken, subject: 'demo-script' } }] },
      },
    }),
  );
  const child = spawn(process.execPath, ['src/index.js', '--config', 'app-config.yaml', '--config', local], {
    cwd: backendDir,
    env: { ...process.env, OIDC_ISSUER: issuer, OIDC_AUDIENCE: audience, NODE_ENV: 'production', LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  const exited = new Promise(resolve => child.once('exit', code => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };

  for (let attempt = 0; attempt < 1200; attempt++) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/api/catalog/entities/by-name/user/default/alice`, { headers: { authorization: `Bearer ${readToken}` } });
      if (res.ok) return { url, stop, output: () => output };
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  await stop();
  throw new Error(`the example backend did not start:\n${output}`);
}

async function refresh(url, token) {
  const res = await fetch(`${url}/api/auth/oidcProxy/refresh`, {
    headers: { 'x-oidc-id-token': token, 'x-requested-with': 'XMLHttpRequest' },
  });
  return { status: res.status, body: await res.json() };
}

function show(title, { status, body }) {
  console.log(`\n${title}: HTTP ${status}`);
  if (status !== 200) {
    console.log(`  ${body.error?.name}: ${body.error?.message}`);
    return;
  }
  const { identity } = body.backstageIdentity;
  console.log(`  profile:     ${JSON.stringify(body.profile)}`);
  console.log(`  signed in as ${identity.userEntityRef}`);
  console.log(`  ownership:   ${identity.ownershipEntityRefs.join(', ')}`);
  console.log(`  Backstage token expires in ${body.backstageIdentity.expiresInSeconds} s`);
}

const idp = await startOidcIssuer();
let backend;
try {
  console.log(`OpenID provider:  ${idp.issuer} (client id ${idp.clientId})`);
  backend = await startBackend({ issuer: idp.issuer, audience: idp.clientId });
  console.log(`Backstage backend: ${backend.url} (examples/backend, config examples/backend/app-config.yaml)`);

  const alice = await refresh(backend.url, await idp.login('alice'));
  show('alice@example.com (a User in the catalog)', alice);
  show('bob@example.com (not in the catalog; signInWithoutCatalogUser)', await refresh(backend.url, await idp.login('bob')));
  show('carol@other.org (domain not allowed)', await refresh(backend.url, await idp.login('carol')));

  console.log(`
Next, with a browser:
  1. Put an identity-aware proxy in front of Backstage that signs users in at your IdP and
     forwards their ID token in the x-oidc-id-token header (docs/proxies.md has a tested
     Apache mod_auth_openidc config, and notes for oauth2-proxy and Istio).
  2. In packages/app/src/App.tsx use
       SignInPage: props => <ProxiedSignInPage {...props} provider="oidcProxy" />
  3. Browse to Backstage through the proxy: you are signed in without a click; /settings
     shows the name and email from the token.`);
  if (alice.status !== 200) process.exitCode = 1;
} catch (error) {
  console.error(error.message);
  process.exitCode = 1;
} finally {
  await backend?.stop();
  await idp.stop();
}
