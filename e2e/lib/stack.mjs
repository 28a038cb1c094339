// One scenario's real parts, started in order and stopped in reverse: the IdP (localhost), the
// Backstage backend (127.0.0.1, reachable directly only by the tests), one Apache proxy per
// entry of `proxies` (127.0.0.1), one Envoy per entry of `envoys` with their one authorization
// service (127.0.0.1), and Chromium.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS_DIR } from './paths.mjs';
import { startOidcIssuer } from '../../test-support/oidc-issuer.mjs';
import { freePort } from '../../test-support/processes.mjs';
import { startBackend } from './backend.mjs';
import { startApache } from './apache.mjs';
import { startAuthorizer, startEnvoy } from './envoy.mjs';
import { launchBrowser } from './browser.mjs';
import { CLIENT_ID } from './auth-config.mjs';
import { ACCOUNTS, serveAvatar } from './users.mjs';

// Keeps each server's log as a test artifact (e2e/artifacts/logs/<scenario>-<server>.log):
// when a test fails in CI, these say why.
function saveLog(scenario, server, text) {
  const dir = path.join(ARTIFACTS_DIR, 'logs');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${scenario}-${server}.log`), text);
}

/**
 * name: the scenario, for log file names. authYaml({ issuer, publicUrl }) returns the scenario's auth config. proxies: { name: { header,
 * sessionAtTokenExpiry, sessionMaxDuration } }. idTokenTtl: seconds. app: starts the Backstage app, with
 * startBackend's arguments and result (plus `frontendPort` when a dev server serves the frontend); the
 * e2e app's backend by default. envoys: { name: { pathPrefix } }, Envoys with ext_authz
 * (e2e/lib/envoy.mjs), all asking one authorization service (`authorizer`: { sessionMaxDuration }).
 */
export async function startStack({ name, authYaml, proxies = { main: {} }, envoys = {}, authorizer = {}, idTokenTtl = 3600, app = startBackend }) {
  const stoppers = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => {});
  };
  try {
    const backendPort = await freePort();
    const proxyPorts = {};
    for (const name of Object.keys(proxies)) proxyPorts[name] = await freePort();
    const envoyPorts = {};
    for (const name of Object.keys(envoys)) envoyPorts[name] = await freePort();
    const clientSecret = crypto.randomBytes(16).toString('hex');

    // The IdP's issuer host is `localhost` while the proxies run on 127.0.0.1: browsers scope
    // cookies by host, not port, so the IdP's session cookies and the proxy's never overwrite
    // each other.
    const idp = await startOidcIssuer({
      issuerHost: 'localhost',
      idTokenTtl,
      // Only IdToken matters here; sessions and grants outlast a scenario.
      ttl: { AccessToken: 3600, Grant: 86400, Interaction: 600, Session: 86400 },
      accounts: ACCOUNTS,
      routes: serveAvatar,
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          redirect_uris: [...Object.values(proxyPorts), ...Object.values(envoyPorts)].map(p => `http://127.0.0.1:${p}/oauth2callback`),
          // Where RP-initiated logout may send the browser back to: each proxy's root.
          post_logout_redirect_uris: [...Object.values(proxyPorts), ...Object.values(envoyPorts)].map(p => `http://127.0.0.1:${p}/`),
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
    });
    stoppers.push(() => idp.close());

    // The backend's public URL is the first proxy's; the frontend rebases both URLs onto the
    // origin it is loaded from, so other proxies in front of the same backend work too.
    const publicUrl = `http://127.0.0.1:${[...Object.values(proxyPorts), ...Object.values(envoyPorts)][0]}`;
    const backend = await app({ port: backendPort, publicUrl, authYaml: authYaml({ issuer: idp.issuer, publicUrl }), imgSrc: [idp.issuer] });
    stoppers.push(async () => {
      await backend.stop();
      saveLog(name, 'backend', backend.output());
    });

    const apaches = {};
    for (const [proxyName, opts] of Object.entries(proxies)) {
      apaches[proxyName] = await startApache({
        port: proxyPorts[proxyName],
        backendPort,
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret,
        header: opts.header,
        sessionAtTokenExpiry: opts.sessionAtTokenExpiry,
        sessionMaxDuration: opts.sessionMaxDuration,
        frontendPort: backend.frontendPort,
      });
      const apache = apaches[proxyName];
      stoppers.push(async () => {
        saveLog(name, `apache-${proxyName}`, apache.errorLog());
        await apache.stop();
      });
    }

    const envoyProxies = {};
    if (Object.keys(envoys).length) {
      const authzPort = await freePort();
      const authz = await startAuthorizer({ port: authzPort, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret, ...authorizer });
      stoppers.push(async () => {
        saveLog(name, 'authorizer', authz.logs());
        await authz.stop();
      });
      for (const [envoyName, opts] of Object.entries(envoys)) {
        const envoy = await startEnvoy({ port: envoyPorts[envoyName], backendPort, authzPort, pathPrefix: opts.pathPrefix });
        envoyProxies[envoyName] = envoy;
        stoppers.push(async () => {
          saveLog(name, `envoy-${envoyName}`, envoy.logs());
          await envoy.stop();
        });
      }
    }

    const browser = await launchBrowser();
    stoppers.push(() => browser.close());

    return { idp, backend, proxies: apaches, envoys: envoyProxies, browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
