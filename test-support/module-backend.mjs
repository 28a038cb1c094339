// A real Backstage backend with the auth plugin and this module, for tests that go through
// HTTP. Written against the module's contract (config `auth.providers.oidcProxy` with
// issuer and audience; the ID token in the `x-oidc-id-token` header; refresh at
// `/api/auth/oidcProxy/refresh`), so it works as soon as the module is built to dist/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist/index.js');

/**
 * The module's feature. A CommonJS build (what backstage-cli emits) sets
 * `exports.default`, which import() wraps once more.
 */
export async function loadModule() {
  const loaded = await import(pathToFileURL(entry).href);
  return loaded.default?.default ?? loaded.default;
}

/** Why HTTP tests must skip, or null when the module is there. */
export function moduleMissing() {
  return fs.existsSync(entry) ? null : `the Backstage module is not built (${path.relative(root, entry)} is missing)`;
}

/** The provider block; the resolver is the one the provider's documentation names. */
export function providerConfig({ issuer, audience = 'backstage', extra = {} }) {
  return {
    issuer,
    audience,
    signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser' }] },
    ...extra,
  };
}

/** Starts the backend in this process; `refresh(token)` calls the refresh endpoint. */
export async function startModuleBackend({ issuer, audience = 'backstage', extra = {} }) {
  const { startTestBackend, mockServices } = await import('@backstage/backend-test-utils');
  const authPlugin = (await import('@backstage/plugin-auth-backend')).default;
  const module = await loadModule();
  const backend = await startTestBackend({
    features: [
      authPlugin,
      module,
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://127.0.0.1:3000' },
          auth: { providers: { oidcProxy: providerConfig({ issuer, audience, extra }) } },
        },
      }),
    ],
  });
  const url = `http://127.0.0.1:${backend.server.port()}`;
  return {
    url,
    refresh: token =>
      fetch(`${url}/api/auth/oidcProxy/refresh`, {
        headers: { 'x-requested-with': 'XMLHttpRequest', ...(token === undefined ? {} : { 'x-oidc-id-token': token }) },
      }),
    stop: () => backend.stop(),
  };
}
