// The example backend as a process, started with --config files like any Backstage backend:
// the README's Develop command (the demo) signs a user in, and a config error makes the process
// exit non-zero with a message naming the key (backend.start() alone would leave it running).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test-support/processes.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const backendDir = path.join(root, 'examples', 'backend');

function run(args, { cwd = root, env = {} } = {}) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', d => (output += d));
    child.stderr.on('data', d => (output += d));
    child.once('exit', code => resolve({ code, output }));
  });
}

test('npm run demo: a real login at oidc-provider signs alice in through the example backend', async () => {
  const { code, output } = await run(['examples/demo.mjs']);
  assert.equal(code, 0, output);
  assert.match(output, /alice@example\.com \(a User in the catalog\): HTTP 200/);
  assert.match(output, /signed in as user:default\/alice\n\s+ownership:\s+user:default\/alice, group:default\/team-a/);
  assert.match(output, /signed in as user:default\/bob/);
  assert.match(output, /carol@other\.org \(domain not allowed\): HTTP 403/);
  assert.match(output, /ProxiedSignInPage \{\.\.\.props\} provider="oidcProxy"/);
});

async function startExample({ env, config }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-example-'));
  const file = path.join(dir, 'app-config.local.yaml');
  const port = await freePort();
  fs.writeFileSync(file, JSON.stringify({ backend: { listen: { host: '127.0.0.1', port } }, ...config }));
  try {
    return await run(['src/index.js', '--config', 'app-config.yaml', '--config', file], {
      cwd: backendDir,
      env: { NODE_ENV: 'production', OIDC_AUDIENCE: 'backstage', ...env },
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('example backend: the issuer unset in the environment stops start-up, naming the key', async () => {
  // An empty variable counts as unset in Backstage's ${VAR} substitution.
  const { code, output } = await startExample({ env: { OIDC_ISSUER: '' }, config: {} });
  assert.notEqual(code, 0, output);
  assert.match(output, /Backend failed to start/);
  assert.match(output, /auth\.providers\.oidcProxy\.issuer/);
});

test('example backend: oidcIdTokenHeader authorization stops start-up, naming the key', async () => {
  const { code, output } = await startExample({
    env: { OIDC_ISSUER: 'http://127.0.0.1:9' },
    config: { auth: { providers: { oidcProxy: { oidcIdTokenHeader: 'Authorization' } } } },
  });
  assert.notEqual(code, 0, output);
  assert.match(output, /Backend failed to start.*auth\.providers\.oidcProxy\.oidcIdTokenHeader/s);
});
