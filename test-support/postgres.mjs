// A throwaway PostgreSQL server from Debian's package: its own data directory in a temp
// folder, listening on loopback only, trust authentication (nothing else can reach it),
// stopped and deleted by stop(). initdb refuses to run as root, so as root the server
// runs as Debian's `postgres` user.
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes.mjs';

const PG_BIN = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'].find(d => fs.existsSync(`${d}/postgres`));

/** Why PostgreSQL cannot be started here, or null. */
export function postgresMissing() {
  if (!PG_BIN) return 'PostgreSQL is not installed (run scripts/install-test-services.sh)';
  if (process.getuid?.() === 0) {
    try { execFileSync('id', ['postgres'], { stdio: 'ignore' }); } catch { return 'running as root without a postgres user to run the server as'; }
  }
  return null;
}

function asServerUser(cmd, args) {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startPostgres({ user = 'backstage', timeoutMs = 60_000 } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-pg-'));
  const data = path.join(dir, 'data');
  if (process.getuid?.() === 0) execFileSync('chown', ['postgres', dir]);
  const [initCmd, initArgs] = asServerUser(`${PG_BIN}/initdb`, ['-D', data, '-U', user, '--auth=trust', '--no-sync', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const port = await freePort();
  const [cmd, args] = asServerUser(`${PG_BIN}/postgres`, [
    '-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir,
    // A test server: no durability needed, and few connections per replica.
    '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100',
  ]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', d => { log += d; });
  const exited = new Promise(r => child.once('exit', r));

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      execFileSync(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port), '-U', user, '-q']);
      break;
    } catch {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`PostgreSQL did not start:\n${log.slice(-2000)}`);
      }
      await new Promise(r => setTimeout(r, 200));
    }
  }
  // Clients default to a database named after the user; Backstage creates its own next to it.
  execFileSync(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', user, user]);
  return {
    host: '127.0.0.1',
    port,
    user,
    connection: { host: '127.0.0.1', port, user, password: '' },
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        // Signal the postmaster itself (under runuser it is a grandchild): fast shutdown.
        const pid = Number(fs.readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        try { process.kill(pid, 'SIGINT'); } catch { child.kill('SIGINT'); }
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
