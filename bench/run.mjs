// npm run bench: every figure in one run, printed as one table and written to
// docs/bench.md (with the machine) and docs/bench.svg. BENCH_QUICK=1 runs a smaller
// version; BENCH_ROUNDS, BENCH_ALGS (e.g. RS256), BENCH_SCENARIOS (e.g.
// withoutCatalog) and BENCH_MEMORY_TOKENS scale parts.
import fs from 'node:fs';
import os from 'node:os';
import { runCore } from './core.mjs';
import { runColdStart, runRotation } from './lifecycle.mjs';
import { runMemory } from './memory.mjs';
import { runRefresh } from './refresh.mjs';
import { profileRefresh, renderProfile } from './profile-refresh.mjs';
import { renderTable } from './report.mjs';
import { checkTargets, renderTargets } from './targets.mjs';
import { renderChart } from './chart.mjs';
import { native } from './verifiers.mjs';

const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5));
// /refresh rounds: its round-to-round spread (±10 % on 2 shared cores) is wider than the
// differences it is read for, so a full run takes more of them.
const refreshRounds = Number(process.env.BENCH_REFRESH_ROUNDS ?? (quick ? rounds : 9));
const sizes = quick
  ? { pool: 4000, throughput: 2000, latency: 500, same: 5000, rate: 10_000, rateMs: 300, refresh: 600, refreshCatalog: 300, profile: 1500 }
  : { pool: 12_200, throughput: 5000, latency: 1500, same: 20_000, rate: 10_000, rateMs: 1000, refresh: 2000, refreshCatalog: 800, profile: 4000 };
const memoryTokens = Number(process.env.BENCH_MEMORY_TOKENS ?? (quick ? 100_000 : 1_000_000));
const log = s => process.stderr.write(s);
const started = Date.now();
const loadAtStart = os.loadavg()[0];

const rows = await runCore({ rounds, log, sizes });
rows.push(...(await runColdStart({ rounds, log })));
rows.push(...(await runRotation({ rounds: Math.min(rounds, 3), log })));
const memory = await runMemory({ tokens: memoryTokens, log });
rows.push(...memory.rows);
rows.push(...(await runRefresh({ rounds: refreshRounds, log, requests: sizes.refresh, catalogRequests: sizes.refreshCatalog })));
const profile = await profileRefresh({ requests: sizes.profile, log });
log('\n');

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${cpu}, ${os.availableParallelism()} cores available, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ` +
  `Linux ${os.release()}, Node ${process.version}, load average (1 min) ${loadAtStart.toFixed(2)} at the start, ${os.loadavg()[0].toFixed(2)} at the end`;
const targets = renderTargets(checkTargets(rows));
const table = renderTable(rows);
const text = [
  `Machine: ${machine}.`,
  `Rounds: ${rounds} per figure, ${refreshRounds} for /refresh (median, min–max); ${quick ? 'quick run' : 'full run'}, ${Math.round((Date.now() - started) / 1000)} s.`,
  `Memory: RSS after a GC, verifying ${memoryTokens.toLocaleString('en-US')} distinct EdDSA tokens 64 in flight; RSS samples: ` +
    memory.samples.map(s => `${s.verified.toLocaleString('en-US')}: ${s.rssMb.toFixed(0)} MB`).join(', ') + '.',
  `/refresh: GET /api/auth/oidcProxy/refresh through createBackend() (auth + catalog + the provider module, bench/refresh-backend.mjs), ` +
    `this module against bench/jose-module (jose 6 createRemoteJWKSet + jwtVerify, the jose-based module), both backends up at once as separate processes, alternating rounds of ` +
    `${sizes.refresh.toLocaleString('en-US')} requests, 32 in flight over keep-alive loopback connections, in two scenarios run one after the other: ` +
    `signInWithoutCatalogUser on both sides, then emailMatchingUserEntityProfileEmail with one catalog User from a file location ` +
    `(this module's resolver against Backstage's own commonSignInResolvers one; ${sizes.refreshCatalog.toLocaleString('en-US')} requests a round). ` +
    `This module runs with its sign-in cache at the default (signInCacheMaxAgeSeconds 60): "same token repeated" is its cached path; the jose module has no such cache.`,
  '',
  table,
  '',
  targets,
  '',
  '## Where a distinct-token /refresh spends its CPU',
  '',
  `Both backends of the signInWithoutCatalogUser scenario under \`node --cpu-prof\` (bench/profile-refresh.mjs, also runnable alone), ` +
    `${sizes.profile.toLocaleString('en-US')} distinct-token refreshes each, 32 in flight, after a warm-up; only the samples taken during that load are counted. ` +
    `Top frames by self time, as a share of the main thread's busy (non-idle) samples; the main thread only, so work on other threads ` +
    `(jose's WebCrypto RSA verification runs on libuv's thread pool, this module's on napi's tokio runtime) is in the /proc CPU figure but not in the frames. ` +
    `A native function (no script URL, e.g. the addon's verify) counts as the code of the JS that calls it.`,
  '',
  renderProfile(profile),
  '',
].join('\n');
console.log(text);

const docs = new URL('../docs/', import.meta.url);
fs.mkdirSync(docs, { recursive: true });
fs.writeFileSync(new URL('bench.md', docs), `<!-- Written by npm run bench; do not edit. -->\n\n${text}`);
fs.writeFileSync(new URL('bench.svg', docs), renderChart(rows, `verifyIdToken, RS256 2048, Keycloak-sized tokens — ${cpu}, ${os.availableParallelism()} cores`));
log(`wrote docs/bench.md and docs/bench.svg; cache stats ${JSON.stringify(native.cacheStats())}\n`);
process.exit(0);
