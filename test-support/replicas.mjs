// Two (or more) replica processes sharing one PostgreSQL, behind a round-robin nginx.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcess, waitFor } from './processes.mjs';
import { startNginx } from './nginx.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const exampleBackend = path.resolve(here, '../examples/backend/src/index.js');

// A replica is the example backend, as a deployment would run it: its own process with
// its own --config, its own native key cache, the shared database.
function startReplica(configFile, name, url, timeoutMs) {
  const proc = startProcess(process.execPath, [exampleBackend, '--config', configFile], {
    cwd: path.dirname(path.dirname(exampleBackend)),
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn' },
    name,
    killAfterMs: 15_000,
  });
  // Ready once Backstage's readiness probe answers 200; rejects if the replica exits first or
  // is not ready within timeoutMs.
  const intervalMs = 250;
  const ready = waitFor(proc, async () => (await fetch(`${url}/.backstage/health/v1/readiness`)).ok, `readiness in ${timeoutMs} ms`, {
    attempts: Math.ceil(timeoutMs / intervalMs),
    intervalMs,
  });
  return { ready, log: proc.output, stop: proc.stop };
}

/**
 * Starts `count` replicas sharing `database` (a startPostgres() result) behind nginx.
 * `provider` is the auth.providers.oidcProxy block. Returns the front URL, the
 * replicas' own URLs and stop().
 */
export async function startReplicas({ database, provider, count = 2, timeoutMs = 180_000 }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-replicas-'));
  const ports = await Promise.all(Array.from({ length: count }, () => freePort()));
  const replicaUrls = ports.map(p => `http://127.0.0.1:${p}`);
  const stoppers = [];
  try {
    const front = await startNginx({ upstreams: replicaUrls });
    stoppers.push(front);
    const configs = ports.map((port, n) => {
      const config = {
        app: { baseUrl: 'http://127.0.0.1:3000' },
        backend: {
          // The public URL: what users and other plugins call, so JWKS lookups between
          // plugins go through the front too and may land on either replica.
          baseUrl: front.url,
          listen: { host: '127.0.0.1', port },
          database: { client: 'pg', connection: database.connection },
          auth: { dangerouslyDisableDefaultAuthPolicy: false },
        },
        auth: { providers: { oidcProxy: provider } },
        catalog: { locations: [] },
      };
      const file = path.join(dir, `replica-${n}.json`);
      fs.writeFileSync(file, JSON.stringify(config));
      return file;
    });
    // The first replica alone, then the rest together: on an empty database Backstage's
    // catalog migrations fail with MigrationLocked when two replicas race for the knex
    // lock (seen here), so deployments roll out one replica first. Once migrated, any
    // number start together.
    const first = startReplica(configs[0], 'replica 0', replicaUrls[0], timeoutMs);
    stoppers.push(first);
    await first.ready;
    const rest = configs.slice(1).map((file, n) => startReplica(file, `replica ${n + 1}`, replicaUrls[n + 1], timeoutMs));
    stoppers.push(...rest);
    await Promise.all(rest.map(r => r.ready));
    const replicas = [first, ...rest];
    return {
      url: front.url,
      replicaUrls,
      logs: () => replicas.map(r => r.log()),
      stop: async () => {
        await Promise.all(stoppers.map(s => s.stop()));
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(stoppers.map(s => s.stop().catch(() => {})));
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
