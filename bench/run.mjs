// npm run bench: every figure in one run, printed as one table and written to
// docs/bench.md and docs/bench.svg. BENCH_ROUNDS and BENCH_QUICK=1 scale it.
import { runCore } from './core.mjs';
import { renderTable } from './report.mjs';

const quick = process.env.BENCH_QUICK === '1';
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 3 : 5));
const sizes = quick
  ? { pool: 4000, throughput: 2000, latency: 500, same: 5000, rate: 10_000, rateMs: 300 }
  : { pool: 12_200, throughput: 5000, latency: 1500, same: 20_000, rate: 10_000, rateMs: 1000 };
const log = s => process.stderr.write(s);

const results = await runCore({ rounds, log, sizes });
log('\n');
console.log(renderTable(results));
