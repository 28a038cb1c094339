// A Backstage backend for the /refresh benchmark: createBackend() with the auth and catalog
// plugins plus either this module (by package name, as examples/backend adds it) or the
// jose-based comparison module. Started as its own process by bench/refresh.mjs:
//   node bench/refresh-backend.mjs <ours|jose> --config <file> [--config <file>...]
import { createBackend } from '@backstage/backend-defaults';

const which = process.argv[2];
if (which !== 'ours' && which !== 'jose') {
  console.error('usage: refresh-backend.mjs <ours|jose> --config <file>');
  process.exit(2);
}
// Exit at once on SIGTERM/SIGINT (before Backstage's graceful stop, which can wait on
// keep-alive connections): the bench's state is in memory, and a clean exit is what makes
// `node --cpu-prof` write its profile (bench/profile-refresh.mjs).
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(which === 'ours' ? import('@backstage/plugin-auth-backend-module-oidc-proxy-provider') : import('./jose-module/index.mjs'));
backend.add(import('@backstage/plugin-catalog-backend'));
backend.start().catch(error => {
  console.error(`Backend failed to start: ${error?.message ?? error}`);
  process.exit(1);
});
