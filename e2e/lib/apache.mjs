// Starts Debian's Apache with mod_auth_openidc from e2e/apache/ in the foreground, with every
// runtime file in a fresh temp dir, as the identity-aware proxy in front of the backend.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startProcess, waitFor } from '../../test-support/processes.mjs';

const CONF_DIR = fileURLToPath(new URL('../apache/', import.meta.url));

/**
 * port: where the proxy listens (127.0.0.1); backendPort: the Backstage backend;
 * issuer, clientId, clientSecret: the IdP and this proxy's client there;
 * header: the request header carrying the ID token; sessionAtTokenExpiry: OIDCSessionMaxDuration 0;
 * sessionMaxDuration: seconds (default 28800, mod_auth_openidc's own), ignored with sessionAtTokenExpiry;
 * frontendPort: a frontend dev server (`yarn start`) that serves all but /api/ and /.backstage/.
 */
export async function startApache({
  port,
  backendPort,
  issuer,
  clientId,
  clientSecret,
  header = 'x-oidc-id-token',
  sessionAtTokenExpiry = false,
  sessionMaxDuration = 28800,
  frontendPort,
}) {
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-apache-'));
  // Apache's children (www-data when started as root) reopen the mutex files in here.
  fs.chmodSync(runDir, 0o755);
  const env = {
    PATH: process.env.PATH,
    RUN_DIR: runDir,
    CONF_DIR,
    PROXY_PORT: String(port),
    BACKEND_PORT: String(backendPort),
    OIDC_METADATA_URL: `${issuer}/.well-known/openid-configuration`,
    OIDC_CLIENT_ID: clientId,
    OIDC_CLIENT_SECRET: clientSecret,
    OIDC_CRYPTO_PASSPHRASE: crypto.randomBytes(24).toString('hex'),
    ID_TOKEN_HEADER: header,
    SESSION_MAX_DURATION: String(sessionAtTokenExpiry ? 0 : sessionMaxDuration),
    // Apache expands variables even in sections it then skips: always set.
    FRONTEND_PORT: String(frontendPort ?? backendPort),
  };
  const args = ['-f', path.join(CONF_DIR, 'httpd.conf'), '-DFOREGROUND'];
  if (frontendPort) args.push('-DFrontendDevServer');
  const proc = startProcess('/usr/sbin/apache2', args, { env, name: `apache:${port}` });
  const errorLog = () => {
    try {
      return fs.readFileSync(path.join(runDir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  const origOutput = proc.output;
  proc.output = () => `${origOutput()}\n--- error.log ---\n${errorLog()}`;
  // Any answer means it listens (unauthenticated requests get a redirect to the IdP).
  await waitFor(proc, async () => (await fetch(`http://127.0.0.1:${port}/healthz`, { redirect: 'manual' })).status > 0, 'listening');
  return {
    url: `http://127.0.0.1:${port}`,
    redirectUri: `http://127.0.0.1:${port}/oauth2callback`,
    errorLog,
    async stop() {
      await proc.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
    },
  };
}
