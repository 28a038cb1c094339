// End to end: GET /api/auth/oidcProxy/refresh through a real createBackend() app (auth +
// catalog + the provider module), this module against a jose-based module
// (bench/jose-module: createRemoteJWKSet + jwtVerify, upstream Backstage's proposal), both
// running at once as separate processes on loopback, with the same config and the same
// sign-in resolver semantics. Two scenarios, one after the other: signInWithoutCatalogUser
// (no catalog lookup, so only verification and this module's own code differ) and
// emailMatchingUserEntityProfileEmail with one catalog User (the resolver most operators use;
// the jose module uses Backstage's own commonSignInResolvers one). Rounds alternate between
// the two backends (the order flips every round); each load run is bounded by a request
// count and a time limit.
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { spawn, execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { freePort } from '../test-support/processes.mjs';
import { signPool, keycloakKid } from './tokens.mjs';
import { summary, percentile } from './stats.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SIDES = { ours: 'oidcProxy (this)', jose: 'jose-based module' };
export const JOSE_MODULE = SIDES.jose;
/** The contender of a ratio row: this module's figure over the jose module's, round by round. */
export const PAIRED = 'this ÷ jose, same round';

/** The module's dist/ is what the backend loads by package name: build it when missing or stale. */
function ensureModuleBuilt(log) {
  const dist = path.join(root, 'dist/index.js');
  const newest = fs.readdirSync(path.join(root, 'backstage')).map(f => fs.statSync(path.join(root, 'backstage', f)).mtimeMs);
  if (fs.existsSync(dist) && fs.statSync(dist).mtimeMs >= Math.max(...newest)) return;
  log(' (building dist/)');
  execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
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

/**
 * The sign-in scenarios. Every bench token carries email jane.doe@example.com (verified);
 * `userEntityRef` is who both backends must sign it in as. The catalog User is named `jdoe`,
 * not after the email, so a 200 with user:default/jdoe proves the catalog lookup ran.
 */
export const SCENARIOS = {
  withoutCatalog: {
    label: 'signInWithoutCatalogUser',
    resolver: { resolver: 'signInWithoutCatalogUser', allowedDomains: ['example.com'], homeDomain: 'example.com' },
    userEntityRef: 'user:default/jane.doe',
  },
  catalog: {
    label: 'emailMatchingUserEntityProfileEmail, 1 catalog User',
    resolver: { resolver: 'emailMatchingUserEntityProfileEmail', allowedDomains: ['example.com'] },
    userEntityRef: 'user:default/jdoe',
    entities: [{
      apiVersion: 'backstage.io/v1alpha1', kind: 'User',
      metadata: { name: 'jdoe' }, spec: { profile: { email: 'jane.doe@example.com', displayName: 'Jane Doe' }, memberOf: [] },
    }],
  },
};

/** Starts one backend (`ours` or `jose`) for `scenario` as a child process; `nodeArgs` go before the script (e.g. --cpu-prof). */
export async function startBackend(which, issuerUrl, dir, scenario = SCENARIOS.withoutCatalog, nodeArgs = []) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = path.join(dir, `app-config.${which}.json`);
  let locations = [];
  if (scenario.entities) {
    const file = path.join(dir, 'catalog-users.yaml');
    // JSON is YAML: one document per entity.
    fs.writeFileSync(file, scenario.entities.map(e => JSON.stringify(e)).join('\n---\n'));
    locations = [{ type: 'file', target: file, rules: [{ allow: ['User', 'Group'] }] }];
  }
  fs.writeFileSync(config, JSON.stringify({
    app: { baseUrl: 'http://127.0.0.1:3000' },
    backend: { baseUrl: url, listen: { host: '127.0.0.1', port }, database: { client: 'better-sqlite3', connection: ':memory:' } },
    auth: {
      providers: {
        oidcProxy: { issuer: issuerUrl, audience: 'backstage', signIn: { resolvers: [scenario.resolver] } },
      },
    },
    catalog: { locations },
  }));
  const child = spawn(process.execPath, [...nodeArgs, path.join(here, 'refresh-backend.mjs'), which, '--config', config], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', d => (output = (output + d).slice(-4000)));
  child.stderr.on('data', d => (output = (output + d).slice(-4000)));
  const exited = new Promise(resolve => child.once('exit', resolve));
  return {
    which, url, port, child, catalog: Boolean(scenario.entities),
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/**
 * One GET of the refresh endpoint; resolves with [status, body]. A kept-alive socket the
 * server closed while it sat idle (its keep-alive timeout, while the other backend was
 * measured) resets on reuse: that request is sent again once, on a new socket.
 */
export function refresh(agent, port, token, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port, path: '/api/auth/oidcProxy/refresh', agent,
      headers: { 'x-requested-with': 'XMLHttpRequest', 'x-oidc-id-token': token },
    }, res => {
      const chunks = [];
      res.on('data', c => chunks.push(c));
      res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString()]));
    });
    req.on('error', error => {
      if (!retried && req.reusedSocket && error.code === 'ECONNRESET') refresh(agent, port, token, true).then(resolve, reject);
      else reject(error);
    });
    req.end();
  });
}

/** Waits (bounded) for a 200 signing `token` in as `userEntityRef` (for the catalog scenario: once the catalog has ingested the User). */
export async function waitReady(backend, token, agent, userEntityRef = SCENARIOS.withoutCatalog.userEntityRef) {
  for (let i = 0; i < 1200; i++) {
    if (backend.child.exitCode !== null) break;
    try {
      const [status, body] = await refresh(agent, backend.port, token);
      if (status === 200) {
        const identity = JSON.parse(body).backstageIdentity?.identity;
        if (identity?.userEntityRef !== userEntityRef) throw new Error(`${backend.which}: unexpected identity ${JSON.stringify(identity)}`);
        return identity;
      }
      // 404/503: the route or the plugin is not up yet; 401/403/404 with the catalog resolver: the User is not ingested yet.
      if (status !== 404 && status !== 503 && !(backend.catalog && (status === 401 || status === 403))) throw new Error(`${backend.which}: refresh answered ${status}: ${body}`);
    } catch (error) {
      if (error.code !== 'ECONNREFUSED' && error.code !== 'ECONNRESET') throw error;
    }
    await sleep(100);
  }
  throw new Error(`${backend.which} backend did not come up:\n${backend.output()}`);
}

/** `tokens.length` requests with `inFlight` outstanding (bounded by `limitMs`): requests/s and latency percentiles. */
export async function load(agent, backend, tokens, inFlight, limitMs) {
  try {
    return await loadOnce(agent, backend, tokens, inFlight, limitMs);
  } catch (error) {
    // Name a backend that died, with the end of its output.
    await sleep(200);
    if (backend.child.exitCode !== null || backend.child.signalCode) {
      throw new Error(`${backend.which} backend exited (${backend.child.exitCode ?? backend.child.signalCode}) during the load: ${error.message}\n${backend.output()}`);
    }
    throw error;
  }
}

async function loadOnce(agent, { port, child }, tokens, inFlight, limitMs) {
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

/**
 * Rounds run before the measured ones. A backend's CPU per distinct-token request keeps
 * falling through its first two rounds of 2,000 (V8 still compiling the request path):
 * 985, 860, then 690 µs and steady, in one run; one warm-up round left that in the figures.
 */
const WARM_UP_ROUNDS = 2;

/** The workload label for a scenario: `/refresh end to end (<resolver>), 32 in flight`. */
export const refreshLabel = (scenario, inFlight = 32) => `/refresh end to end (${scenario.label}), ${inFlight} in flight`;

/**
 * Both backends for one scenario: rounds of `requests` distinct tokens then `requests` of
 * the same token, alternating backends; the first WARM_UP_ROUNDS are a warm-up.
 */
async function runScenario(scenario, { issuer, key, dir, rounds, log, requests, inFlight, limitMs }) {
  const backends = {};
  const agents = {};
  try {
    log(`\n  ${scenario.label}: starting the backends`);
    for (const which of Object.keys(SIDES)) {
      backends[which] = await startBackend(which, issuer.url, dir, scenario);
      agents[which] = new http.Agent({ keepAlive: true, maxSockets: inFlight });
    }
    // Distinct tokens: each is sent once in the whole run (warm-up rounds included).
    const total = (rounds + WARM_UP_ROUNDS) * 2 * requests + 3;
    log(`, signing ${total} tokens`);
    const pool = await signPool(key, issuer.url, total);
    for (const which of Object.keys(SIDES)) await waitReady(backends[which], pool.pop(), agents[which], scenario.userEntityRef);
    const same = new Array(requests).fill(pool.pop());
    const samples = { distinct: { ours: [], jose: [] }, same: { ours: [], jose: [] } };
    log(' ');
    for (let round = 0; round < WARM_UP_ROUNDS + rounds; round++) {
      const order = round % 2 ? ['jose', 'ours'] : ['ours', 'jose'];
      for (const which of order) {
        const distinct = pool.splice(0, requests);
        const d = await load(agents[which], backends[which], distinct, inFlight, limitMs);
        const s = await load(agents[which], backends[which], same, inFlight, limitMs);
        if (round >= WARM_UP_ROUNDS) {
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
    // This module's figure over the jose module's from the same round (the two ran back to
    // back): a shared machine's load drifts over a run by more than the difference measured,
    // and a ratio per round cancels what both runs of a round shared.
    const paired = (workload, kind, f) => {
      const ratios = samples[kind].ours.map((x, i) => f(x) / f(samples[kind].jose[i]));
      rows.push({ workload, alg: 'RS256', contender: PAIRED, unit: '×', better: 'none', ...summary(ratios) });
    };
    const label = refreshLabel(scenario, inFlight);
    for (const [kind, name] of [['distinct', 'distinct tokens'], ['same', 'same token repeated']]) {
      add(`${label}, ${name}: requests/s`, 'requests/s', 'higher', kind, x => x.rps);
      add(`${label}, ${name}: p50 latency`, 'ms', 'lower', kind, x => x.p50);
      add(`${label}, ${name}: p99 latency`, 'ms', 'lower', kind, x => x.p99);
      const cpu = samples[kind].ours.every(x => x.cpuUs != null);
      if (cpu) add(`${label}, ${name}: backend CPU per request`, 'µs', 'lower', kind, x => x.cpuUs);
      paired(`${label}, ${name}, paired by round: requests/s`, kind, x => x.rps);
      paired(`${label}, ${name}, paired by round: p99 latency`, kind, x => x.p99);
      if (cpu) paired(`${label}, ${name}, paired by round: backend CPU per request`, kind, x => x.cpuUs);
    }
    return rows;
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
    await Promise.all(Object.values(backends).map(b => b.stop()));
  }
}

/**
 * Every scenario, one after the other (two backends up at a time). `requests` per load run;
 * the catalog scenario runs `catalogRequests` (it is several times slower a request).
 */
export async function runRefresh({ rounds, log, requests, catalogRequests = requests, inFlight = 32, limitMs = 20_000 }) {
  log('\n/refresh end to end: building the module');
  ensureModuleBuilt(log);
  const issuer = await startIssuer({ algs: [] });
  const key = await makeKey('RS256', keycloakKid('RS256'));
  issuer.state.keys = [key];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-bench-'));
  try {
    const rows = [];
    // BENCH_SCENARIOS (e.g. withoutCatalog) runs only the named scenarios.
    const only = process.env.BENCH_SCENARIOS?.split(',');
    for (const [name, scenario] of Object.entries(SCENARIOS)) {
      if (only && !only.includes(name)) continue;
      const n = scenario.entities ? catalogRequests : requests;
      rows.push(...(await runScenario(scenario, { issuer, key, dir, rounds, log, requests: n, inFlight, limitMs })));
    }
    return rows;
  } finally {
    await issuer.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export { ensureModuleBuilt, sleep };

// Alone: node bench/refresh.mjs (BENCH_QUICK=1 for a short run).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1';
  const rows = await runRefresh({
    rounds: Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5)), requests: quick ? 600 : 2000, catalogRequests: quick ? 300 : 1000,
    inFlight: Number(process.env.BENCH_REFRESH_IN_FLIGHT ?? 32), log: s => process.stderr.write(s),
  });
  const { renderTable } = await import('./report.mjs');
  console.log(`\n${renderTable(rows)}`);
  process.exit(0);
}
