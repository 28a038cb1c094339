// Runs in a fresh process (node --expose-gc): verifies N distinct valid tokens, signed in
// batches as it goes (Ed25519, the fastest to sign; the caches do not care about the
// algorithm), and prints RSS after a GC at checkpoints as one JSON line.
import { createRequire } from 'node:module';
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { signPool, keycloakKid } from './tokens.mjs';

const native = createRequire(import.meta.url)('../index.js');
const total = Number(process.argv[2] ?? 1_000_000);
const BATCH = 10_000;
const issuer = await startIssuer({ algs: [] });
const key = await makeKey('EdDSA', keycloakKid('EdDSA'));
issuer.state.keys = [key];
const options = { issuer: issuer.url, audience: 'backstage', algorithms: ['EdDSA'] };
const rssMb = () => {
  globalThis.gc();
  return process.memoryUsage().rss / 2 ** 20;
};
await native.verifyIdToken(issuer.sign ? await issuer.sign({}, { key }) : '', options);
const samples = [{ verified: 0, rssMb: rssMb() }];
const checkpoints = new Set([total / 10, total / 4, total / 2, (3 * total) / 4, total].map(Math.round));
let verified = 0;
const deadline = Date.now() + 10 * 60_000;
while (verified < total && Date.now() < deadline) {
  const tokens = await signPool(key, issuer.url, Math.min(BATCH, total - verified));
  let next = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next < tokens.length) await native.verifyIdToken(tokens[next++], options);
  }));
  verified += tokens.length;
  if ([...checkpoints].some(c => c <= verified && c > verified - tokens.length)) samples.push({ verified, rssMb: rssMb() });
}
const stats = native.cacheStats();
process.stdout.write(JSON.stringify({ samples, verifyOk: stats.verifyOk, tokenCacheHit: stats.tokenCacheHit }) + '\n');
await issuer.stop();
process.exit(0);
