// Completes the Vite output into what @backstage/plugin-app-backend expects of an app bundle
// built by @backstage/cli:
// - dist/.config-schema.json: the config schema of the app's dependencies, which the backend
//   uses to pick the config values marked frontend-visible (app.baseUrl, backend.baseUrl...);
// - dist/index.html.tmpl: the page as a template, into which the backend injects that config as
//   <script type="backstage.io/config"> at start-up. So one build serves any base URL.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfigSchema } from '@backstage/config-loader';

const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(appDir, 'dist');
const pkg = JSON.parse(await fs.readFile(path.join(appDir, 'package.json'), 'utf8'));

const schema = await loadConfigSchema({ dependencies: [pkg.name], packagePaths: [] });
await fs.writeFile(path.join(dist, '.config-schema.json'), JSON.stringify(schema.serialize(), null, 2));
await fs.copyFile(path.join(dist, 'index.html'), path.join(dist, 'index.html.tmpl'));
console.log('wrote dist/.config-schema.json and dist/index.html.tmpl');
