// Before a browser suite runs: says in one line what to run when its setup is missing, instead
// of letting every test file fail on a missing module or app.
// Usage: node e2e/check-setup.mjs e2e|create-app
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E = path.dirname(fileURLToPath(import.meta.url));
const SUITES = {
  e2e: {
    setup: 'bash e2e/setup.sh',
    needs: ['node_modules/playwright-core', 'node_modules/oidc-provider', '.work/app/node_modules', '.work/app/packages/app/dist'],
  },
  'create-app': {
    setup: 'bash e2e/create-app/setup.sh',
    needs: ['node_modules/playwright-core', 'node_modules/oidc-provider', ...['default', 'legacy'].flatMap(t => [`.work/create-app/${t}/node_modules`, `.work/create-app/${t}-prod/packages/backend/dist`])],
  },
};
const suite = SUITES[process.argv[2]];
if (!suite) {
  console.error(`usage: node e2e/check-setup.mjs ${Object.keys(SUITES).join('|')}`);
  process.exit(2);
}
const missing = [...suite.needs.map(p => path.join(E2E, p)), '/usr/sbin/apache2', '/usr/bin/chromium'].filter(p => !fs.existsSync(p));
if (missing.length) {
  console.error(`Not set up (missing ${path.relative(process.cwd(), missing[0]) || missing[0]}): run \`${suite.setup}\` first.`);
  process.exit(1);
}
