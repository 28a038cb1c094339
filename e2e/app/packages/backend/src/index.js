// The Backstage backend of the e2e app: what `npx @backstage/create-app` generates, trimmed to
// the plugins this test needs, plus the oidcProxy module added exactly as
// docs/oidc-proxy-auth.md says (after `yarn --cwd packages/backend add <packed tarball>`).
const { createBackend } = require('@backstage/backend-defaults');

const backend = createBackend();

// Serves the frontend (packages/app/dist) with the runtime config injected.
backend.add(import('@backstage/plugin-app-backend'));
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(
  import('@backstage/plugin-auth-backend-module-oidc-proxy-provider'),
);
// The catalog holds the User entities that the catalog resolvers match.
backend.add(import('@backstage/plugin-catalog-backend'));

// A provider that fails at start-up only makes start() reject; exit so the failure is seen.
backend.start().catch(error => {
  console.error('Backend failed to start:', error);
  process.exit(1);
});
