// RSS while verifying a million distinct valid tokens: the verified-token cache holds at
// most 5000 entries per configuration (about 12 MB by its own estimate), so RSS must level
// off once it is full and not grow after.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./memory-child.mjs', import.meta.url));

export async function runMemory({ tokens, log }) {
  log(`\nmemory: ${tokens.toLocaleString('en-US')} distinct tokens`);
  const result = await new Promise((resolve, reject) =>
    execFile(process.execPath, ['--expose-gc', child, String(tokens)], { timeout: 15 * 60_000, maxBuffer: 1 << 20 },
      (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))));
  if (result.tokenCacheHit !== 0) throw new Error('distinct tokens hit the verified-token cache');
  const s = result.samples;
  const at = n => s.find(x => x.verified >= n) ?? s[s.length - 1];
  const last = s[s.length - 1];
  const half = at(tokens / 2);
  const row = (workload, value) => ({ workload, alg: 'EdDSA', contender: 'oidcProxy (this)', unit: 'MB', better: 'lower', median: value, min: value, max: value, rounds: 1 });
  return {
    samples: s,
    rows: [
      row('memory: RSS before any verification', s[0].rssMb),
      row(`memory: RSS after ${(s[1].verified).toLocaleString('en-US')} tokens`, s[1].rssMb),
      row(`memory: RSS after ${last.verified.toLocaleString('en-US')} tokens`, last.rssMb),
      row(`memory: growth from ${half.verified.toLocaleString('en-US')} to ${last.verified.toLocaleString('en-US')} tokens`, last.rssMb - half.rssMb),
    ],
  };
}
