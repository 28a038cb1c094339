// Starts the e2e app's real Backstage backend (packages/backend, installed by setup.sh) with a
// config written for one test scenario, and waits until it serves and its catalog holds Jane.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { APP_DIR, FIXTURES_DIR } from './paths.mjs';
import { startProcess, waitFor } from '../../test-support/processes.mjs';

/** The config every scenario shares; `authYaml` (the auth section) comes on top of it. */
function baseConfig({ publicUrl, port, testToken, imgSrc }) {
  return {
    app: { title: 'oidcProxy e2e', baseUrl: publicUrl },
    backend: {
      // The browser only ever talks to the proxy: that is the app's and the backend's public URL.
      baseUrl: publicUrl,
      listen: { host: '127.0.0.1', port },
      database: { client: 'better-sqlite3', connection: ':memory:' },
      // The profile picture is the IdP's URL (the token's `picture`); allow it as a real
      // deployment would, or the browser blocks it.
      csp: { 'img-src': ["'self'", 'data:', ...imgSrc] },
      // Lets the test ask the catalog when it has ingested the users (readiness only).
      auth: { externalAccess: [{ type: 'static', options: { token: testToken, subject: 'e2e-test' } }] },
    },
    catalog: {
      locations: [
        { type: 'file', target: path.join(FIXTURES_DIR, 'catalog.yaml'), rules: [{ allow: ['User', 'Group'] }] },
      ],
    },
  };
}

export async function startBackend({ port, publicUrl, authYaml, imgSrc = [] }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-backend-'));
  const testToken = crypto.randomBytes(24).toString('hex');
  const baseFile = path.join(dir, 'app-config.yaml');
  const authFile = path.join(dir, 'app-config.auth.yaml');
  // JSON is YAML: the generated part needs no YAML writer.
  fs.writeFileSync(baseFile, JSON.stringify(baseConfig({ publicUrl, port, testToken, imgSrc }), null, 2));
  fs.writeFileSync(authFile, authYaml);

  const backendDir = path.join(APP_DIR, 'packages', 'backend');
  if (!fs.existsSync(path.join(APP_DIR, 'node_modules'))) {
    throw new Error(`The e2e app is not installed in ${APP_DIR}: run e2e/setup.sh first`);
  }
  const proc = startProcess(process.execPath, ['src/index.js', '--config', baseFile, '--config', authFile], {
    cwd: backendDir,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'warn' },
    name: 'backend',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilServing(proc, url, testToken);
  } catch (error) {
    await proc.stop();
    throw error;
  }
  return {
    url,
    output: proc.output,
    async stop() {
      await proc.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Waits until a backend started as `proc` on `url` is ready and its catalog has ingested
 * fixtures/catalog.yaml (asked with the static token `testToken`, for readiness only).
 */
export async function waitUntilServing(proc, url, testToken) {
  await waitFor(proc, async () => (await fetch(`${url}/.backstage/health/v1/readiness`)).ok, 'readiness', { attempts: 3000 });
  await waitFor(
    proc,
    async () =>
      (await fetch(`${url}/api/catalog/entities/by-name/user/default/jdoe`, {
        headers: { authorization: `Bearer ${testToken}` },
      })).ok,
    'the catalog to ingest fixtures/catalog.yaml',
    { attempts: 1200 },
  );
}
