// One scenario's real parts, started in order and stopped in reverse: the IdP (localhost), the
// Backstage backend (127.0.0.1, reachable directly only by the tests), one Apache proxy per
// entry of `proxies` (127.0.0.1), and Chromium.
import crypto from 'node:crypto';
import { startIdp } from './idp.mjs';
import { startBackend } from './backend.mjs';
import { startApache } from './apache.mjs';
import { launchBrowser } from './browser.mjs';
import { freePort } from './ports.mjs';
import { CLIENT_ID } from './auth-config.mjs';

/**
 * authYaml({ issuer }) returns the scenario's auth config. proxies: { name: { header,
 * sessionAtTokenExpiry } }. idTokenTtl: seconds.
 */
export async function startStack({ authYaml, proxies = { main: {} }, idTokenTtl = 3600 }) {
  const stoppers = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => {});
  };
  try {
    const backendPort = await freePort();
    const proxyPorts = {};
    for (const name of Object.keys(proxies)) proxyPorts[name] = await freePort();
    const clientSecret = crypto.randomBytes(16).toString('hex');

    const idp = await startIdp({
      idTokenTtl,
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: clientSecret,
          redirect_uris: Object.values(proxyPorts).map(p => `http://127.0.0.1:${p}/oauth2callback`),
          grant_types: ['authorization_code'],
          response_types: ['code'],
        },
      ],
    });
    stoppers.push(() => idp.close());

    // The backend's public URL is the first proxy's; the frontend rebases both URLs onto the
    // origin it is loaded from, so other proxies in front of the same backend work too.
    const publicUrl = `http://127.0.0.1:${Object.values(proxyPorts)[0]}`;
    const backend = await startBackend({ port: backendPort, publicUrl, authYaml: authYaml({ issuer: idp.issuer }), imgSrc: [idp.issuer] });
    stoppers.push(() => backend.stop());

    const apaches = {};
    for (const [name, opts] of Object.entries(proxies)) {
      apaches[name] = await startApache({
        port: proxyPorts[name],
        backendPort,
        issuer: idp.issuer,
        clientId: CLIENT_ID,
        clientSecret,
        header: opts.header,
        sessionAtTokenExpiry: opts.sessionAtTokenExpiry,
      });
      stoppers.push(() => apaches[name].stop());
    }

    const browser = await launchBrowser();
    stoppers.push(() => browser.close());

    return { idp, backend, proxies: apaches, browser, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
