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
  const stop = () => stopInReverse(stoppers);
  const atStop = stopper => stoppers.push(stopper);
  try {
    const ports = await reservePorts(proxies, envoys);
    const clientSecret = crypto.randomBytes(16).toString('hex');
    const idp = await startIdp({ idTokenTtl, clientSecret, entryPorts: entryPortsOf(ports) }, atStop);
    const backend = await startApp({ app, name, authYaml, idp, port: ports.backend, publicUrl: publicUrlOf(ports) }, atStop);
    const apaches = await startApaches({ name, proxies, ports, idp, clientSecret, frontendPort: backend.frontendPort }, atStop);
    const envoyProxies = await startEnvoys({ name, envoys, authorizer, ports, idp, clientSecret }, atStop);
    const browser = await openBrowser(atStop);
    return { idp, backend, proxies: apaches, envoys: envoyProxies, browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Runs each stopper, last started first; one that fails does not keep the others running. */
async function stopInReverse(stoppers) {
  for (const s of stoppers.reverse()) await s().catch(() => {});
}

/**
 * The backend's port and one per proxy and Envoy, all taken before anything starts: the IdP
 * is told every callback URL when it starts.
 */
async function reservePorts(proxies, envoys) {
  const backend = await freePort();
  const proxyPorts = await portPerName(proxies);
  const envoyPorts = await portPerName(envoys);
  return { backend, proxies: proxyPorts, envoys: envoyPorts };
}

async function portPerName(entries) {
  const ports = {};
  for (const name of Object.keys(entries)) ports[name] = await freePort();
  return ports;
}

/** The ports a browser comes in through: the proxies', then the Envoys'. */
function entryPortsOf(ports) {
  return [...Object.values(ports.proxies), ...Object.values(ports.envoys)];
}

// The backend's public URL is the first proxy's; the frontend rebases both URLs onto the
// origin it is loaded from, so other proxies in front of the same backend work too.
function publicUrlOf(ports) {
  return `http://127.0.0.1:${entryPortsOf(ports)[0]}`;
}

// The IdP's issuer host is `localhost` while the proxies run on 127.0.0.1: browsers scope
// cookies by host, not port, so the IdP's session cookies and the proxy's never overwrite
// each other.
async function startIdp({ idTokenTtl, clientSecret, entryPorts }, atStop) {
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
        redirect_uris: entryPorts.map(p => `http://127.0.0.1:${p}/oauth2callback`),
        // Where RP-initiated logout may send the browser back to: each proxy's root.
        post_logout_redirect_uris: entryPorts.map(p => `http://127.0.0.1:${p}/`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
  });
  atStop(() => idp.close());
  return idp;
}

/** The Backstage app, configured with the scenario's auth config for this IdP. */
async function startApp({ app, name, authYaml, idp, port, publicUrl }, atStop) {
  const backend = await app({ port, publicUrl, authYaml: authYaml({ issuer: idp.issuer, publicUrl }), imgSrc: [idp.issuer] });
  atStop(async () => {
    await backend.stop();
    saveLog(name, 'backend', backend.output());
  });
  return backend;
}

/** One Apache mod_auth_openidc per entry of `proxies`, by name. */
async function startApaches({ name, proxies, ports, idp, clientSecret, frontendPort }, atStop) {
  const apaches = {};
  for (const [proxyName, opts] of Object.entries(proxies)) {
    const apache = await startApache({
      port: ports.proxies[proxyName],
      backendPort: ports.backend,
      issuer: idp.issuer,
      clientId: CLIENT_ID,
      clientSecret,
      header: opts.header,
      sessionAtTokenExpiry: opts.sessionAtTokenExpiry,
      sessionMaxDuration: opts.sessionMaxDuration,
      frontendPort,
    });
    apaches[proxyName] = apache;
    atStop(async () => {
      saveLog(name, `apache-${proxyName}`, apache.errorLog());
      await apache.stop();
    });
  }
  return apaches;
}

/** One Envoy per entry of `envoys`, by name, and (when there is any) the authorization service they share. */
async function startEnvoys({ name, envoys, authorizer, ports, idp, clientSecret }, atStop) {
  const envoyProxies = {};
  if (!Object.keys(envoys).length) return envoyProxies;
  const authzPort = await startAuthorization({ name, authorizer, idp, clientSecret }, atStop);
  for (const [envoyName, opts] of Object.entries(envoys)) {
    const envoy = await startEnvoy({ port: ports.envoys[envoyName], backendPort: ports.backend, authzPort, pathPrefix: opts.pathPrefix });
    envoyProxies[envoyName] = envoy;
    atStop(async () => {
      saveLog(name, `envoy-${envoyName}`, envoy.logs());
      await envoy.stop();
    });
  }
  return envoyProxies;
}

/** The ext_authz service, on a port of its own; returns that port. */
async function startAuthorization({ name, authorizer, idp, clientSecret }, atStop) {
  const authzPort = await freePort();
  const authz = await startAuthorizer({ port: authzPort, issuer: idp.issuer, clientId: CLIENT_ID, clientSecret, ...authorizer });
  atStop(async () => {
    saveLog(name, 'authorizer', authz.logs());
    await authz.stop();
  });
  return authzPort;
}

async function openBrowser(atStop) {
  const browser = await launchBrowser();
  atStop(() => browser.close());
  return browser;
}
