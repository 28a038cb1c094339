// Builds of this addon side by side, in one process, interleaved round by round, with
// fast-jwt and Node's crypto.verify as the yardsticks: for a change to the native side,
// measured before it lands (docs/benchmarks.md keeps the rows it gave). Each build is named
// by its file name; ratios are the last build's against each row.
//
//   node bench/ab.mjs <before.node> <after.node> [more.node...]   (BENCH_ALGS, BENCH_ROUNDS)
import { createRequire } from 'node:module';
import path from 'node:path';
import { CONTENDERS, FLOOR } from './verifiers.mjs';
import { signPool } from './tokens.mjs';
import { compare, issuerFor } from './core.mjs';
import { throughput, latency } from './measure.mjs';
import { summary } from './stats.mjs';

const require = createRequire(import.meta.url);
const builds = process.argv.slice(2);
if (builds.length < 2) {
  console.error('usage: node bench/ab.mjs <before.node> <after.node> [more.node...]');
  process.exit(2);
}
const ALGS = (process.env.BENCH_ALGS ?? 'RS256').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const build = addon => ({ issuer, key }) => {
  const verifier = new addon.OidcVerifier({ issuer: issuer.url, audience: 'backstage', algorithms: [key.alg] });
  return token => verifier.verify(token);
};
const last = path.basename(builds.at(-1));
const contenders = {
  ...Object.fromEntries(builds.map(file => [path.basename(file), build(require(path.resolve(file)))])),
  'fast-jwt': CONTENDERS['fast-jwt'],
  'fast-jwt + cache': CONTENDERS['fast-jwt + cache'],
  'crypto.verify callback (floor)': FLOOR['crypto.verify callback (floor)'],
};

const rounds = (ctx, warm, fn) => compare(contenders, ctx, warm, ROUNDS, fn);

function print(workload, alg, unit, samples) {
  const base = summary(samples[last]).median;
  for (const [name, xs] of Object.entries(samples)) {
    if (!xs.length) continue;
    const s = summary(xs);
    const fmt = v => (v >= 100 ? Math.round(v).toLocaleString('en') : v.toFixed(1));
    console.log(`| ${workload} | ${alg} | ${name} | ${fmt(s.median)} | ${fmt(s.min)}–${fmt(s.max)} | ${unit} | ${(base / s.median).toFixed(2)}× |`);
  }
}

console.log('| workload | alg | contender | median | min–max | unit | last build vs it |\n|---|---|---|---:|---:|---|---:|');
for (const alg of ALGS) {
  const { issuer, key } = await issuerFor(alg);
  const pool = await signPool(key, issuer.url, 12_200);
  const warm = pool.splice(0, 200);
  const ctx = { issuer, key, roundBase: 0 };
  print('distinct tokens, 64 in flight', alg, 'verifications/s', await rounds(ctx, warm, (v, a) => throughput(v, pool.slice(0, 6000), 64, a)));
  print('distinct tokens, 4 in flight', alg, 'verifications/s', await rounds(ctx, warm, (v, a) => throughput(v, pool.slice(8000, 12000), 4, a)));
  const lat = await rounds(ctx, warm, (v, a) => latency(v, pool.slice(6000, 8000), a));
  const of = f => Object.fromEntries(Object.entries(lat).map(([k, xs]) => [k, xs.map(f)]));
  print('distinct tokens, 1 in flight: p50 latency', alg, 'µs', of(x => x.p50));
  print('distinct tokens, 1 in flight: rate', alg, 'verifications/s', of(x => x.rate));
  const same = new Array(100_000).fill(pool[0]);
  print('same token repeated, 1 in flight', alg, 'verifications/s', await rounds(ctx, warm, (v, a) => throughput(v, same, 1, a)));
  await issuer.stop();
}
process.exit(0);
