// End to end: GET /api/auth/oidcProxy/refresh through a real createBackend() app (auth +
// catalog + the provider module), this module against a jose-based module
// (bench/jose-module: createRemoteJWKSet + jwtVerify, upstream Backstage's proposal), both
// running at once as separate processes on loopback, with the same config and the same
// sign-in resolver semantics, so only the token verification differs. Rounds alternate
// between the two backends (the order flips every round); each load run is bounded by a
// request count and a time limit.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import http from 'node:http';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startIssuer, makeKey } from '../__test__/support/test-issuer.mjs';
import { signPool, keycloakKid } from './tokens.mjs';
import { summary, percentile } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SIDES = { ours: 'oidcProxy (this)', jose: 'jose-based module' };
export const JOSE_MODULE = SIDES.jose;

/** The module's dist/ is what the backend loads by package name: build it when missing or stale. */
function ensureModuleBuilt(log) {
  const dist = path.join(root, 'dist/index.js');
  const newest = fs.readdirSync(path.join(root, 'backstage')).map(f => fs.statSync(path.join(root, 'backstage', f)).mtimeMs);
  if (fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= Math.max(...newest)) return;
  log(' (building dist/)');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/** CPU time (user + system, all threads) a process has used, in ms; null off Linux. */
function cpuMs(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100)
  } catch {
    return null;
  }
}

async function startBackend(which, issuerUrl, dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = path.join(dir, `app-config.${which}.json`);
  fs.writeFileSync(config, JSON.stringify({
    app: { baseUrl: 'http://127.0.0.1:3000' },
    backend: { baseUrl: url, listen: { host: '127.0.0.1', port }, database: { client: 'better-sqlite3', connection: ':memory:' } },
    auth: {
      providers: {
        oidcProxy: {
          issuer: issuerUrl,
          audience: 'backstage',
          signIn: { resolvers: [{ resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], homeDomain: 'example.com' }] },
        },
      },
    },
    catalog: { locations: [] },
  }));
  const child = spawn(process.execPath, [path.join(here, 'refresh-backend.mjs'), which, '--config', config], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', d => (output = (output + d).slice(-4000)));
  child.stderr.on('data', d => (output = (output + d).slice(-4000)));
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    which, url, port, child,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** One GET of the refresh endpoint; resolves with [status, body]. */
function refresh(agent, port, token) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/api/auth/oidcProxy/refresh', agent,
      headers: { 'x-requested-with': 'XMLHttpRequest', 'x-oidc-id-token': token },
    }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString()]));
    });
    req.on('error', reject);
    req.end();
  });
}

async function waitReady(backend, token, agent) {
  for (let i = 0; i < 1200; i++) {
    if (backend.child.exitCode !== null) break;
    try {
      const [status, body] = await refresh(agent, backend.port, token);
      if (status === 200) {
        const identity = JSON.parse(body).backstageIdentity?.identity;
        if (identity?.userEntityRef !== 'user:default/jane.doe') throw new Error(`${backend.which}: unexpected identity ${JSON.stringify(identity)}`);
        return identity;
      }
      if (status !== 404 && status !== 503) throw new Error(`${backend.which}: refresh answered ${status}: ${body}`);
    } catch (error) {
      if (error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET') throw error;
    }
    await sleep(100);
  }
  throw new Error(`${backend.which} backend did not come up:\n${backend.output()}`);
}

/** `tokens.length` requests with `inFlight` outstanding (bounded by `limitMs`): requests/s and latency percentiles. */
async function load(agent, { port, child }, tokens, inFlight, limitMs) {
  const latencies = [];
  const cpu0 = cpuMs(child.pid);
  const deadline = performance.now() + limitMs;
  let next = 0;
  let failure = null;
  const t0 = performance.now();
  const lane = async () => {
    while (next < tokens.length && performance.now() < deadline && !failure) {
      const token = tokens[next++];
      const start = performance.now();
      const [status, body] = await refresh(agent, port, token);
      latencies.push(performance.now() - start);
      if (status !== 200) failure = new Error(`refresh answered ${status}: ${body.slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  if (failure) throw failure;
  const seconds = (performance.now() - t0) / 1000;
  const cpu1 = cpuMs(child.pid);
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    cpuUs: cpu0 == null || cpu1 == null ? null : ((cpu1 - cpu0) * 1000) / latencies.length,
  };
}

export async function runRefresh({ rounds, log, requests, inFlight = 32, limitMs = 20_000 }) {
  log('\n/refresh end to end: building and starting the backends');
  ensureModuleBuilt(log);
  const issuer = await startIssuer({ algs: [] });
  const key = await makeKey('RS256', keycloakKid('RS256'));
  issuer.state.keys = [key];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-bench-'));
  const backends = {};
  const agents = {};
  try {
    for (const which of Object.keys(SIDES)) {
      backends[which] = await startBackend(which, issuer.url, dir);
      agents[which] = new http.Agent({ keepAlive: true, maxSockets: inFlight });
    }
    // Distinct tokens: each is sent once in the whole run (warm-up round included).
    log(`, signing ${(rounds + 1) * 2 * requests + 2} tokens`);
    const pool = await signPool(key, issuer.url, (rounds + 1) * 2 * requests + 2);
    for (const which of Object.keys(SIDES)) await waitReady(backends[which], pool.pop(), agents[which]);
    const same = new Array(requests).fill(pool[pool.length - 1]);
    const samples = { distinct: { ours: [], jose: [] }, same: { ours: [], jose: [] } };
    log(' ');
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 ? ['jose', 'ours'] : ['ours', 'jose'];
      for (const which of order) {
        const distinct = pool.splice(0, requests);
        const d = await load(agents[which], backends[which], distinct, inFlight, limitMs);
        const s = await load(agents[which], backends[which], same, inFlight, limitMs);
        if (round > 0) {
          samples.distinct[which].push(d);
          samples.same[which].push(s);
        }
      }
      log('.');
    }
    const rows = [];
    const add = (workload, unit, better, kind, f) => {
      for (const which of Object.keys(SIDES)) {
        rows.push({ workload, alg: 'RS256', contender: SIDES[which], unit, better, ...summary(samples[kind][which].map(f)) });
      }
    };
    const label = `/refresh end to end, ${inFlight} in flight`;
    add(`${label}, distinct tokens: requests/s`, 'requests/s', 'higher', 'distinct', x => x.rps);
    add(`${label}, distinct tokens: p99 latency`, 'ms', 'lower', 'distinct', x => x.p99);
    add(`${label}, distinct tokens: p50 latency`, 'ms', 'lower', 'distinct', x => x.p50);
    if (samples.distinct.ours.every(x => x.cpuUs != null)) {
      add(`${label}, distinct tokens: backend CPU per request`, 'µs', 'lower', 'distinct', x => x.cpuUs);
    }
    add(`${label}, same token repeated: requests/s`, 'requests/s', 'higher', 'same', x => x.rps);
    add(`${label}, same token repeated: p99 latency`, 'ms', 'lower', 'same', x => x.p99);
    if (samples.same.ours.every(x => x.cpuUs != null)) {
      add(`${label}, same token repeated: backend CPU per request`, 'µs', 'lower', 'same', x => x.cpuUs);
    }
    return rows;
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
    await Promise.all(Object.values(backends).map(b => b.stop()));
    await issuer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Alone: node bench/refresh.mjs (BENCH_QUICK=1 for a short run).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1';
  const rows = await runRefresh({
    rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5)), requests: quick ? 600 : 2000,
    inFlight: Number(process.env.BENCH_REFRESH_IN_FLIGHT ?? 32), log: s => process.stderr.write(s),
  });
  const { renderTable } = await import('./report.mjs');
  console.log(`\n${renderTable(rows)}`);
  process.exit(0);
}
