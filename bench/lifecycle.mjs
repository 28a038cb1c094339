// Cold start (a fresh process's first verification, fetching discovery/JWKS on the way)
// and a key rotation under load (p99 latency before and after the issuer rotates).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { CONTENDERS } from './verifiers.mjs';
import { signPool, keycloakKid } from './tokens.mjs';
import { summary, percentile } from './stats.mjs';

const COLD = ['oidcProxy (this)', 'jose remote JWKS', 'jsonwebtoken + jwks-rsa'];
const child = fileURLToPath(new URL('./cold-child.mjs', import.meta.url));

function runChild(args) {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [child, ...args], { timeout: 30_000 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))));
}

export async function runColdStart({ rounds, log }) {
  const issuer = await startIssuer({ algs: [] });
  const key = await makeKey('RS256', keycloakKid('RS256'));
  issuer.state.keys = [key];
  const tokens = await signPool(key, issuer.url, 2 * rounds * COLD.length + 2);
  const samples = Object.fromEntries(COLD.map(n => [n, []]));
  log('\ncold start');
  for (let r = 0; r < rounds; r++) {
    for (const name of COLD) {
      const [a, b] = tokens.splice(0, 2);
      samples[name].push((await runChild([name, issuer.url, 'RS256', a, b])).firstMs);
      log('.');
    }
  }
  await issuer.stop();
  return Object.entries(samples).map(([contender, xs]) => ({
    workload: 'cold start: first call in a fresh process (discovery + JWKS)', alg: 'RS256', contender, unit: 'ms', better: 'lower', ...summary(xs),
  }));
}

/**
 * Offers `rate` verifications a second for `seconds`; halfway through, the issuer
 * publishes a new key and from then on half of the tokens use it. Reports p99 latency
 * in the windows before and after the rotation.
 */
export async function runRotation({ rounds, log, rate = 2500, seconds = 2 }) {
  const out = { before: [], after: [], maxAfter: [] };
  log('\nrotation under load: preparing');
  const total = rate * seconds;
  const rotateAt = total / 2;
  // Every round's issuer is warmed first, then we wait out the key store's cooldown
  // (a kid miss refetches at most once per 5 s after the last fetch), once for all.
  const prepared = [];
  for (let r = 0; r < rounds; r++) {
    const issuer = await startIssuer({ algs: [] });
    const oldKey = await makeKey('RS256', keycloakKid('RS256'));
    const newKey = await makeKey('RS256', keycloakKid('RS256'));
    issuer.state.keys = [oldKey];
    const [oldTokens, newTokens] = await Promise.all([signPool(oldKey, issuer.url, total), signPool(newKey, issuer.url, rotateAt)]);
    const verify = CONTENDERS['oidcProxy (this)']({ issuer, key: oldKey, round: 900 + r });
    await verify(oldTokens.pop());
    prepared.push({ issuer, oldKey, newKey, oldTokens, newTokens, verify });
  }
  await new Promise(r => setTimeout(r, 5200));
  for (const { issuer, oldKey, newKey, oldTokens, newTokens, verify } of prepared) {
    const before = [];
    const after = [];
    let issued = 0;
    let pending = 0;
    let failed = null;
    const t0 = performance.now();
    await new Promise(resolve => {
      const tick = () => {
        const due = Math.min(total - 1, Math.floor(((performance.now() - t0) * rate) / 1000));
        while (issued < due) {
          if (issued === rotateAt) issuer.state.keys = [newKey, oldKey];
          const rotated = issued >= rotateAt;
          const token = rotated && issued % 2 ? newTokens.pop() : oldTokens.pop();
          const start = performance.now();
          pending++;
          issued++;
          verify(token).then(() => { (rotated ? after : before).push((performance.now() - start) * 1000); pending--; }, e => { failed = e; pending--; });
        }
        if ((issued < total - 1 || pending) && performance.now() - t0 < seconds * 3000) setTimeout(tick, 1);
        else resolve();
      };
      setTimeout(tick, 1);
    });
    await issuer.stop();
    if (failed) throw failed;
    if (issuer.state.counts.jwks !== 2) throw new Error(`expected one refetch for the rotation, saw ${issuer.state.counts.jwks - 1}`);
    before.sort((a, b) => a - b);
    after.sort((a, b) => a - b);
    out.before.push(percentile(before, 99));
    out.after.push(percentile(after, 99));
    out.maxAfter.push(after[after.length - 1]);
    log('.');
  }
  const row = (workload, xs) => ({ workload, alg: 'RS256', contender: 'oidcProxy (this)', unit: 'µs', better: 'lower', ...summary(xs) });
  return [
    row(`rotation at ${rate}/s: p99 latency before`, out.before),
    row(`rotation at ${rate}/s: p99 latency after (half the tokens on the new key)`, out.after),
    row(`rotation at ${rate}/s: slowest call after (waits for the new JWKS)`, out.maxAfter),
  ];
}
