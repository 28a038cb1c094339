// CPU per off-thread verification, by thread, at a fixed offered rate: this module's signIn
// (always off the event loop) against jose (WebCrypto on libuv's pool), distinct RS256
// tokens. The rate is below saturation on purpose: it is the cost a backend pays per
// sign-in at an everyday load, which a saturated throughput run does not show (threads that
// sleep and wake for every check cost more than threads that never run out of work).
//
//   node bench/thread-cpu.mjs [addon.node ...]   (BENCH_RATE per second, BENCH_ROUNDS)
//
// CPU is read per thread from /proc/self/task (utime + stime, in clock ticks), so the
// figures are Linux only. Threads are grouped by name: MainThread, the runtime's threads
// (tokio-*), libuv-worker, V8's workers.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import * as jose from 'jose';
import { signPool } from './tokens.mjs';
import { issuerFor } from './core.mjs';

const require = createRequire(import.meta.url);
const RATE = Number(process.env.BENCH_RATE ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = 5;
const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

// By thread id: a thread that ends during a run (an idle pool thread's keep-alive running
// out) must not take its earlier CPU out of the sum for its name.
function cpuByThread() {
  const out = new Map();
  for (const task of fs.readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/self/task/${task}/stat`, 'utf8');
    } catch {
      continue; // ended while being read
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    out.set(task, { name, ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

function byName(before, after, count) {
  const out = {};
  for (const [task, { name, ticks }] of after) {
    out[name] = (out[name] ?? 0) + ((ticks - (before.get(task)?.ticks ?? 0)) * TICK_US) / count;
  }
  return out;
}

/** Issues `tokens` at RATE per second from a 1 ms timer; returns µs of CPU per token by thread. */
async function atFixedRate(verify, tokens) {
  for (const t of tokens.slice(0, 200)) await verify(t);
  const measured = tokens.slice(200);
  const before = cpuByThread();
  const t0 = performance.now();
  let issued = 0;
  let answered = 0;
  await new Promise((resolve, reject) => {
    const tick = () => {
      const due = Math.min(measured.length, Math.floor(((performance.now() - t0) * RATE) / 1000));
      while (issued < due) {
        verify(measured[issued++]).then(() => {
          if (++answered === measured.length) resolve();
        }, reject);
      }
      if (issued < measured.length) setTimeout(tick, 1);
    };
    tick();
  });
  return byName(before, cpuByThread(), measured.length);
}

const { issuer, key } = await issuerFor('RS256');
const count = RATE * SECONDS + 200;
const addons = process.argv.slice(2);
const contenders = {};
for (const file of addons.length ? addons : [path.resolve(import.meta.dirname, '..', 'index.js')]) {
  const native = require(path.resolve(file));
  const rules = new native.SignInRules({ resolvers: [{ lookup: 'emailLocalPart' }] });
  const verifier = new native.OidcVerifier({ issuer: issuer.url, audience: 'backstage', algorithms: ['RS256'] });
  contenders[`signIn (${path.basename(file)})`] = t => verifier.signIn(t, rules);
}
const jwks = jose.createRemoteJWKSet(new URL(`${issuer.url}/jwks`));
contenders['jose jwtVerify'] = t => jose.jwtVerify(t, jwks, { issuer: issuer.url, audience: 'backstage' });

console.log(
  `CPU per verification by thread, µs, ${RATE}/s for ${SECONDS} s, distinct RS256 tokens, load ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}`,
);
for (let round = 0; round < ROUNDS; round++) {
  // New tokens each round: a verifier answers a token it has seen from its cache.
  const tokens = await signPool(key, issuer.url, count);
  for (const [name, verify] of Object.entries(contenders)) {
    const byThread = await atFixedRate(verify, tokens);
    const shown = Object.entries(byThread).filter(([, us]) => us >= 0.5);
    const total = shown.reduce((sum, [, us]) => sum + us, 0);
    console.log(
      `${name.padEnd(34)} total ${total.toFixed(1).padStart(6)}  ${shown.map(([thread, us]) => `${thread} ${us.toFixed(1)}`).join(', ')}`,
    );
  }
}
await issuer.stop();
process.exit(0);
