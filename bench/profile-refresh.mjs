// Where a distinct-token /refresh spends its CPU, this module against the jose-based module
// (issue 13, part 1). Both backends of the signInWithoutCatalogUser scenario run under
// `node --cpu-prof`; each gets a warm-up, then a fixed number of distinct-token refreshes, 32
// in flight; the backends are stopped (refresh-backend.mjs exits on SIGTERM, so V8 writes the
// profile) and only the samples taken during the measured load are read (profile timestamps
// and process.hrtime are both CLOCK_MONOTONIC on Linux). Prints the top frames by self time
// with their share of the busy (non-idle) main-thread samples, side by side, and the share of
// each module's own code. The profile covers the backend's main thread only.
//   node bench/profile-refresh.mjs   (BENCH_QUICK=1 for fewer requests)
import fs from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { signPool, keycloakKid } from './tokens.mjs';
import { SCENARIOS, JOSE_MODULE, startBackend, waitReady, load, ensureModuleBuilt } from './refresh.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const SIDES = { ours: 'oidcProxy (this)', jose: JOSE_MODULE };
const INTERVAL_US = 500;
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/**
 * CPU time (user + system, ms) of each of a process's threads, summed by thread name (the
 * main thread is `node`; digits dropped so numbered pools add up); null off Linux.
 */
function threadCpuMs(pid) {
  try {
    const out = new Map();
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[\d-]+$/, '').trim() || '?';
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(pid) ? 'main thread' : name === 'node' ? 'other threads named node (V8 platform workers: GC, compiler; libuv pool)' : name;
      out.set(key, (out.get(key) ?? 0) + ((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
    }
    return out;
  } catch {
    return null;
  }
}

const threadDelta = (before, after) => {
  if (!before || !after) return null;
  const out = new Map();
  for (const [name, ms] of after) out.set(name, ms - (before.get(name) ?? 0));
  return out;
};

/**
 * Whose code a script URL is: this package (dist/, index.js), the jose module (jose 6 at the
 * top of node_modules, and bench/jose-module), or null. Backstage's own jose 5 (nested under
 * @backstage/*: it signs the Backstage token on both sides) is neither.
 */
function owner(url) {
  if (!url) return null;
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (file.startsWith(path.join(root, 'dist') + path.sep) || file === path.join(root, 'index.js')) return 'ours';
  if (file.startsWith(path.join(root, 'node_modules', 'jose') + path.sep) || file.startsWith(path.join(here, 'jose-module') + path.sep)) return 'jose';
  if (file.includes(`${path.sep}node_modules${path.sep}@backstage${path.sep}`) && file.includes(`${path.sep}node_modules${path.sep}jose${path.sep}`)) return 'backstageJose';
  return null;
}

/** A frame's short name: function, then the file relative to the repository or its package, and line. */
function frameName({ functionName, url, lineNumber }) {
  const fn = functionName || '(anonymous)';
  if (!url) return fn;
  let file = url.startsWith('file://') ? fileURLToPath(url) : url;
  // node_modules/a/node_modules/b/x.js -> a/…/b/x.js
  const nm = file.indexOf(`${path.sep}node_modules${path.sep}`);
  if (nm >= 0) file = file.slice(nm + 14).split(`${path.sep}node_modules${path.sep}`).join('/…/');
  else if (file.startsWith(root + path.sep)) file = path.relative(root, file);
  return `${fn} ${file}:${lineNumber + 1}`;
}

/**
 * Reads a .cpuprofile, keeping the samples in [fromUs, toUs]: self samples per frame, and the
 * samples whose leaf is a side's own code. A native leaf (no script URL: a C++ or napi
 * function, e.g. the addon's verify) belongs to the nearest caller with a URL, so time in the
 * `.node` counts as this package's when its JS calls it. `inclusive` counts samples with any
 * frame of that side on the stack.
 */
export function analyseProfile(file, fromUs, toUs) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const counts = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    if (t >= fromUs && t <= toUs) counts.set(profile.samples[i], (counts.get(profile.samples[i]) ?? 0) + 1);
  }
  const self = new Map();
  const own = { ours: 0, jose: 0, backstageJose: 0 };
  const inclusive = { ours: 0, jose: 0, backstageJose: 0 };
  // Per side, the innermost frame of its own code on each sample's stack: that function with everything it calls.
  const ownFrames = { ours: new Map(), jose: new Map() };
  let busy = 0;
  let idle = 0;
  for (const [id, n] of counts) {
    const leaf = byId.get(id);
    if (leaf.callFrame.functionName === '(idle)') {
      idle += n;
      continue;
    }
    busy += n;
    const name = frameName(leaf.callFrame);
    self.set(name, (self.get(name) ?? 0) + n);
    let selfOwner = owner(leaf.callFrame.url);
    const onStack = new Set();
    for (let at = id, first = true; at != null; at = parent.get(at)) {
      const frame = byId.get(at).callFrame;
      const o = owner(frame.url);
      if (o && !onStack.has(o) && ownFrames[o]) ownFrames[o].set(frameName(frame), (ownFrames[o].get(frameName(frame)) ?? 0) + n);
      if (o) onStack.add(o);
      // A native leaf: charge the first caller with a script URL.
      if (first && !leaf.callFrame.url && frame.url && !leaf.callFrame.functionName.startsWith('(')) {
        selfOwner = o;
        first = false;
      }
    }
    if (selfOwner) own[selfOwner] += n;
    for (const o of onStack) inclusive[o] += n;
  }
  const top = [...self].sort((a, b) => b[1] - a[1]);
  const sorted = m => [...m].sort((a, b) => b[1] - a[1]);
  return { busy, idle, top, own, inclusive, ownFrames: { ours: sorted(ownFrames.ours), jose: sorted(ownFrames.jose) } };
}

/** Both backends under --cpu-prof, `requests` distinct-token refreshes each after `warmup`; returns the analyses and /proc CPU. */
export async function profileRefresh({ requests, warmup = 500, inFlight = 32, log = () => {} }) {
  log('\n/refresh CPU profiles (signInWithoutCatalogUser, distinct tokens): ');
  ensureModuleBuilt(log);
  const scenario = SCENARIOS.withoutCatalog;
  const issuer = await startIssuer({ algs: [] });
  const key = await makeKey('RS256', keycloakKid('RS256'));
  issuer.state.keys = [key];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oidc-proxy-profile-'));
  const backends = {};
  const agents = {};
  const windows = {};
  const loads = {};
  try {
    for (const which of Object.keys(SIDES)) {
      const profDir = path.join(dir, `profile-${which}`);
      backends[which] = await startBackend(which, issuer.url, dir, scenario,
        ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${INTERVAL_US}`]);
      agents[which] = new http.Agent({ keepAlive: true, maxSockets: inFlight });
    }
    log(`signing ${2 * (requests + warmup + 1)} tokens`);
    const pool = await signPool(key, issuer.url, 2 * (requests + warmup + 1));
    for (const which of Object.keys(SIDES)) await waitReady(backends[which], pool.pop(), agents[which], scenario.userEntityRef);
    for (const which of Object.keys(SIDES)) {
      await load(agents[which], backends[which], pool.splice(0, warmup), inFlight, 60_000);
      log(` | ${which}`);
      const threads0 = threadCpuMs(backends[which].child.pid);
      const from = nowUs();
      loads[which] = await load(agents[which], backends[which], pool.splice(0, requests), inFlight, 60_000);
      windows[which] = [from, nowUs()];
      loads[which].threads = threadDelta(threads0, threadCpuMs(backends[which].child.pid));
    }
  } finally {
    for (const agent of Object.values(agents)) agent.destroy();
    await Promise.all(Object.values(backends).map(b => b.stop()));
    await issuer.stop();
  }
  try {
    const result = {};
    for (const which of Object.keys(SIDES)) {
      const profDir = path.join(dir, `profile-${which}`);
      // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: the main thread's is thread 0.
      const main = `.${backends[which].child.pid}.0.`;
      const files = fs.existsSync(profDir) ? fs.readdirSync(profDir).filter(f => f.endsWith('.cpuprofile') && f.includes(main)) : [];
      if (files.length !== 1) throw new Error(`${which}: expected the main thread's .cpuprofile in ${profDir}, found ${files.length}:\n${backends[which].output()}`);
      result[which] = { ...analyseProfile(path.join(profDir, files[0]), ...windows[which]), load: loads[which], requests };
    }
    return result;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (n, d) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;
const us = (samples, requests) => `${Math.round((samples * INTERVAL_US) / requests)} µs`;

/** The comparison as markdown: the top `count` frames by self time side by side, then the own-code shares. */
export function renderProfile(result, count = 15) {
  const { ours, jose } = result;
  const cell = (side, i) => {
    const entry = side.top[i];
    return entry ? `\`${entry[0].replace(/\|/g, '\\|')}\` | ${pct(entry[1], side.busy)}` : ' | ';
  };
  const lines = [
    `| # | ${SIDES.ours}: frame (self time) | share | ${SIDES.jose}: frame (self time) | share |`,
    '|---:|---|---:|---|---:|',
  ];
  for (let i = 0; i < count; i++) lines.push(`| ${i + 1} | ${cell(ours, i)} | ${cell(jose, i)} |`);
  const row = (name, f) => `| ${name} | ${f(ours)} | ${f(jose)} |`;
  lines.push(
    '',
    `| per distinct-token refresh | ${SIDES.ours} | ${SIDES.jose} |`,
    '|---|---:|---:|',
    row('requests profiled (after a warm-up)', s => s.requests.toLocaleString('en-US')),
    row('requests/s while profiled', s => Math.round(s.load.rps).toLocaleString('en-US')),
    row('backend CPU per request, all threads (/proc)', s => (s.load.cpuUs == null ? 'n/a' : `${Math.round(s.load.cpuUs)} µs`)),
    row('main-thread busy time per request (profile)', s => us(s.busy, s.requests)),
    row('of which garbage collection', s => `${us(s.top.find(([n]) => n === '(garbage collector)')?.[1] ?? 0, s.requests)} (${pct(s.top.find(([n]) => n === '(garbage collector)')?.[1] ?? 0, s.busy)})`),
    row("this package's own code, self (dist/ JS + the .node's functions it calls)", s => `${us(s.own.ours, s.requests)} (${pct(s.own.ours, s.busy)})`),
    row("this package's code on the stack (inclusive)", s => `${us(s.inclusive.ours, s.requests)} (${pct(s.inclusive.ours, s.busy)})`),
    row("jose's code, self (jose + bench/jose-module, and the native calls they make)", s => `${us(s.own.jose, s.requests)} (${pct(s.own.jose, s.busy)})`),
    row("jose's code on the stack (inclusive)", s => `${us(s.inclusive.jose, s.requests)} (${pct(s.inclusive.jose, s.busy)})`),
    row("Backstage's token issuing on the stack (its own jose 5: signing the Backstage token)", s => `${us(s.inclusive.backstageJose, s.requests)} (${pct(s.inclusive.backstageJose, s.busy)})`),
  );
  lines.push('', `| # | ${SIDES.ours}: its own code, by function (with what it calls) | per request | ${SIDES.jose}: its own code (jose 6 + bench/jose-module) | per request |`, '|---:|---|---:|---|---:|');
  const ownCell = (side, list, i) => (list[i] ? `\`${list[i][0].replace(/\|/g, '\\|')}\` | ${us(list[i][1], side.requests)}` : ' | ');
  for (let i = 0; i < 8; i++) {
    if (!ours.ownFrames.ours[i] && !jose.ownFrames.jose[i]) break;
    lines.push(`| ${i + 1} | ${ownCell(ours, ours.ownFrames.ours, i)} | ${ownCell(jose, jose.ownFrames.jose, i)} |`);
  }
  if (ours.load.threads && jose.load.threads) {
    const names = [...new Set([...ours.load.threads.keys(), ...jose.load.threads.keys()])];
    const perReq = (s, name) => ((s.load.threads.get(name) ?? 0) * 1000) / s.requests;
    names.sort((a, b) => Math.max(perReq(ours, b), perReq(jose, b)) - Math.max(perReq(ours, a), perReq(jose, a)));
    lines.push('', `| backend CPU per request by thread (/proc, µs) | ${SIDES.ours} | ${SIDES.jose} |`, '|---|---:|---:|');
    for (const name of names) {
      if (Math.max(perReq(ours, name), perReq(jose, name)) < 5) continue;
      lines.push(`| ${name} | ${Math.round(perReq(ours, name))} | ${Math.round(perReq(jose, name))} |`);
    }
  }
  return `${lines.join('\n')}\n\n${summarise(result)}`;
}

/** What this run's profiles show, in figures. */
export function summarise({ ours, jose }) {
  const per = (s, n) => (n * INTERVAL_US) / s.requests;
  const [busyOurs, busyJose] = [per(ours, ours.busy), per(jose, jose.busy)];
  const [ownOurs, ownJose] = [per(ours, ours.inclusive.ours), per(jose, jose.inclusive.jose)];
  const cpu = s => (s.load.cpuUs == null ? 'n/a' : `${Math.round(s.load.cpuUs)} µs`);
  const cacheBookkeeping = per(ours, ours.ownFrames.ours.filter(([name]) => name.includes('signInCache.js')).reduce((a, [, n]) => a + n, 0));
  return `In this run the main thread was busy ${Math.round(busyOurs)} µs per distinct-token refresh with this module and ${Math.round(busyJose)} µs with the jose module ` +
    `(${cpu(ours)} vs ${cpu(jose)} on all threads, from /proc): this package's own code (dist/ and the .node, inclusive) took ${Math.round(ownOurs)} µs of it ` +
    `(${Math.round(cacheBookkeeping)} µs of that in the sign-in cache's own code, signInCache.js, which a token seen once does not reach), ` +
    `jose's verification path ${Math.round(ownJose)} µs on the main thread (both RSA checks run off it: jose's on libuv's pool, this module's on napi's tokio runtime), and the rest, ` +
    `about ${Math.round(busyOurs - ownOurs)} µs vs ${Math.round(busyJose - ownJose)} µs, is Backstage's own per-request work on both sides ` +
    `(issuing and signing the Backstage token: ${Math.round(per(ours, ours.inclusive.backstageJose))} vs ${Math.round(per(jose, jose.inclusive.backstageJose))} µs; Express, the database, the response).`;
}

// Alone: node bench/profile-refresh.mjs (BENCH_QUICK=1 for fewer requests).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const quick = process.env.BENCH_QUICK === '1';
  const result = await profileRefresh({ requests: quick ? 1500 : 4000, log: s => process.stderr.write(s) });
  console.log(`\n${renderProfile(result)}`);
  process.exit(0);
}
