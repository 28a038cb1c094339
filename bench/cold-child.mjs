// Runs in a fresh process: the first verification (discovery and JWKS fetched on the
// way) and the second, for one contender. Prints one JSON line.
import { CONTENDERS } from './verifiers.mjs';

const [name, issuerUrl, alg, first, second] = process.argv.slice(2);
// The adapters only read issuer.url and key.alg here (no local-JWKS contenders run cold).
const verify = CONTENDERS[name]({ issuer: { url: issuerUrl }, key: { alg }, round: 0 });
let t = performance.now();
await verify(first);
const firstMs = performance.now() - t;
t = performance.now();
await verify(second);
const secondMs = performance.now() - t;
process.stdout.write(JSON.stringify({ firstMs, secondMs }) + '\n');
process.exit(0);
