// A Backstage backend as `backstage-cli new` lays it out, trimmed to what sign-in needs: the
// auth plugin, the catalog (for the resolvers that look users up) and the oidcProxy module,
// added by package name exactly as the module's README tells an operator to.
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();

backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-oidc-proxy-provider'));
backend.add(import('@backstage/plugin-catalog-backend'));

// backend.start() rejects when a plugin or module fails to start (a config error, say), but
// the HTTP server and database pools keep the process alive: exit so a supervisor sees it.
backend.start().catch(error => {
  console.error(`Backend failed to start: ${error?.message ?? error}`);
  process.exit(1);
});
