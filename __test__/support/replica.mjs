// One Backstage backend replica as its own process: the auth plugin, the catalog and (when
// built) this module, configured by the --config files on the command line, like a real
// deployment. Each replica has its own native key cache; all share the database.
// Prints "READY" on stdout once it listens; exits non-zero if start-up fails.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBackend } from '@backstage/backend-defaults';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const moduleEntry = path.join(root, 'dist/index.js');

const backend = createBackend();
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-catalog-backend'));
// A CommonJS build sets `exports.default`, which import() wraps once more.
if (fs.existsSync(moduleEntry)) {
  backend.add(import(pathToFileURL(moduleEntry).href).then(m => ({ default: m.default?.default ?? m.default })));
}

backend.start().then(
  () => console.log('READY'),
  error => {
    // backend.start() rejects but leaves the process up: exit so the test sees it.
    console.error(error);
    process.exit(1);
  },
);
