// Runs a create-app app that setup.sh generated and changed as the README says, the two ways a
// user runs one: `yarn start` (development) or `node packages/backend` from the production
// layout (the template Dockerfile's steps, done by setup.sh). Each returns a starter with
// e2e/lib/backend.mjs's startBackend signature, for e2e/lib/stack.mjs.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FIXTURES_DIR } from '../../lib/paths.mjs';
import { freePort, startProcess, waitFor } from '../../../test-support/processes.mjs';
import { waitUntilServing } from '../../lib/backend.mjs';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const WORK_DIR = process.env.E2E_CREATE_APP_WORK || path.join(ROOT, 'e2e/.work/create-app');

/** The app setup.sh made for a template: `dir` (development), `prodDir` (production layout). */
export function appDirs(template) {
  const dir = path.join(WORK_DIR, template);
  const prodDir = path.join(WORK_DIR, `${template}-prod`);
  if (!fs.existsSync(path.join(prodDir, 'packages/backend/package.json'))) {
    throw new Error(`the ${template} create-app app is not set up: run \`bash e2e/create-app/setup.sh\` first`);
  }
  return { dir, prodDir };
}

// The Node the apps run on (the template declares 22 || 24), from scripts/install-node.sh's cache.
let nodeBin;
function node24Bin() {
  nodeBin ??= path.join(execFileSync('bash', [path.join(ROOT, 'scripts/install-node.sh'), '24'], { encoding: 'utf8' }).trim(), 'bin');
  return nodeBin;
}

/** [command, ...args] running the app's own Yarn (the release its .yarnrc.yml names) on Node 24. */
export function appYarn(dir) {
  const release = /^yarnPath:\s*(\S+)/m.exec(fs.readFileSync(path.join(dir, '.yarnrc.yml'), 'utf8'));
  if (!release) throw new Error(`${dir}/.yarnrc.yml names no yarnPath`);
  return [path.join(node24Bin(), 'node'), path.join(dir, release[1])];
}

/**
 * The deployment's own settings, on top of the template's app-config files: public URL (the
 * proxy), loopback listeners, an in-memory database, the test users' catalog, the IdP's avatar
 * URLs allowed as images, and a static token the tests use only to see the catalog is ready.
 */
function runConfig({ publicUrl, port, frontendPort, imgSrc, testToken }) {
  return {
    app: { baseUrl: publicUrl, ...(frontendPort ? { listen: { host: '127.0.0.1', port: frontendPort } } : {}) },
    backend: {
      baseUrl: publicUrl,
      // A string, like app-config.production.yaml's (':7007'): config layers must agree on the type.
      listen: `127.0.0.1:${port}`,
      database: { client: 'better-sqlite3', connection: ':memory:' },
      cors: { origin: publicUrl },
      csp: { 'img-src': ["'self'", 'data:', ...imgSrc] },
      auth: { externalAccess: [{ type: 'static', options: { token: testToken, subject: 'e2e-test' } }] },
      // The template's signals backend can need a newer backend-defaults than the template
      // allows (README, compatibility): without this the backend never becomes ready.
      startup: { plugins: { signals: { onPluginBootFailure: 'continue' } } },
    },
    catalog: {
      locations: [{ type: 'file', target: path.join(FIXTURES_DIR, 'catalog.yaml'), rules: [{ allow: ['User', 'Group'] }] }],
    },
  };
}

/** mode: 'dev' (`yarn start` in the generated app) or 'prod' (its production layout). */
export function appStarter({ template, mode }) {
  const { dir, prodDir } = appDirs(template);
  return async ({ port, publicUrl, authYaml, imgSrc = [] }) => {
    const frontendPort = mode === 'dev' ? await freePort() : undefined;
    const configDir = fs.mkdtempSync(path.join(os.tmpdir(), `e2e-${template}-${mode}-`));
    const testToken = crypto.randomBytes(24).toString('hex');
    const runFile = path.join(configDir, 'app-config.run.yaml');
    const authFile = path.join(configDir, 'app-config.auth.yaml');
    // JSON is YAML: the generated part needs no YAML writer.
    fs.writeFileSync(runFile, JSON.stringify(runConfig({ publicUrl, port, frontendPort, imgSrc, testToken }), null, 2));
    fs.writeFileSync(authFile, authYaml);
    const env = {
      ...process.env,
      PATH: `${node24Bin()}${path.delimiter}${process.env.PATH}`,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL || 'warn',
      // The app's own Yarn (4, from .yarn/releases): no registry is needed to start it.
      YARN_ENABLE_TELEMETRY: '0',
    };
    let proc;
    if (mode === 'dev') {
      const configs = [path.join(dir, 'app-config.yaml'), runFile, authFile].flatMap(f => ['--config', f]);
      const [command, ...yarn] = appYarn(dir);
      proc = startProcess(command, [...yarn, 'start', ...configs], { cwd: dir, env: { ...env, NODE_ENV: 'development' }, name: `${template}:yarn start`, group: true });
    } else {
      // The template Dockerfile's CMD, plus this run's two files.
      const configs = ['app-config.yaml', 'app-config.production.yaml', runFile, authFile].flatMap(f => ['--config', f]);
      proc = startProcess(path.join(node24Bin(), 'node'), ['packages/backend', ...configs], {
        cwd: prodDir,
        env: { ...env, NODE_ENV: 'production' },
        name: `${template}:node packages/backend`,
      });
    }
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitUntilServing(proc, url, testToken);
      // The dev server compiles the frontend on start; it answers once the bundle is ready.
      if (frontendPort) {
        await waitFor(proc, async () => (await fetch(`http://127.0.0.1:${frontendPort}/`)).ok, 'the frontend dev server', { attempts: 6000 });
      }
    } catch (error) {
      await proc.stop();
      throw error;
    }
    return {
      url,
      frontendPort,
      output: proc.output,
      async stop() {
        await proc.stop();
        fs.rmSync(configDir, { recursive: true, force: true });
      },
    };
  };
}
