// In-process comparisons: distinct tokens at 1 and 64 in flight, the same token repeated,
// and main-thread cost at a fixed offered rate. Contenders are interleaved round by round
// so that noise from the shared machine spreads over all of them.
import { startIssuer, makeKey } from '../test-support/test-issuer.mjs';
import { CONTENDERS, FLOOR, native } from './verifiers.mjs';
import { signPool, keycloakKid } from './tokens.mjs';
import { probe, throughput, latency, fixedRate } from './measure.mjs';
import { summary } from './stats.mjs';

const ALGS = (process.env.BENCH_ALGS ?? 'RS256,ES256,EdDSA').split(',');

export async function issuerFor(alg) {
  const issuer = await startIssuer({ algs: [] });
  const key = await makeKey(alg, keycloakKid(alg));
  issuer.state.keys = [key];
  return { issuer, key };
}

/** Runs `fn(verify, isAsync, round)` for each contender, `rounds` times, after one warm-up round. */
export async function compare(contenders, ctx, warmTokens, rounds, fn, log) {
  const samples = Object.fromEntries(Object.keys(contenders).map(n => [n, []]));
  const names = Object.keys(contenders);
  for (let round = 0; round <= rounds; round++) {
    // Rotate the order each round so no contender always runs first or last.
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      // A fetch from the loopback issuer that fails is not what is measured: the contender's
      // round is run again on a fresh verifier (up to 10 times, each logged). The test issuer
      // closes idle keep-alive connections after 1 s; a client that reuses one it kept gets a
      // reset ("could not be fetched"), one per stale pooled connection.
      for (let attempt = 0; ; attempt++) {
        const verify = contenders[name]({ ...ctx, round: ctx.roundBase + round });
        if (!verify) break; // the library does not support this algorithm
        try {
          const isAsync = await probe(verify, warmTokens[0]);
          for (const t of warmTokens.slice(1)) await verify(t);
          const value = await fn(verify, isAsync, round);
          if (round > 0) samples[name].push(value);
          break;
        } catch (error) {
          if (error?.code !== 'ERR_ISSUER_UNAVAILABLE' || attempt >= 9) throw error;
          log?.(`(${name}: ${error.message}; round run again)`);
          await new Promise(r => setTimeout(r, 200));
        }
      }
    }
    log?.(`.`);
  }
  return samples;
}

export async function runCore({ rounds, log, sizes }) {
  const results = [];
  const add = (workload, alg, unit, better, samples, extra = {}) => {
    for (const [contender, xs] of Object.entries(samples)) if (xs.length) results.push({ workload, alg, contender, unit, better, ...summary(xs), ...extra });
  };
  let roundBase = 0;
  for (const alg of ALGS) {
    const { issuer, key } = await issuerFor(alg);
    log(`\n${alg}: signing ${sizes.pool} tokens`);
    const pool = await signPool(key, issuer.url, sizes.pool);
    const warm = pool.splice(0, 200);
    const ctx = { issuer, key, roundBase };
    const all = { ...CONTENDERS, ...FLOOR };
    const statsBefore = native.cacheStats();

    log(` | 64 in flight`);
    const many = pool.slice(0, sizes.throughput);
    add('distinct tokens, 64 in flight', alg, 'verifications/s', 'higher',
      await compare(all, ctx, warm, rounds, (v, isAsync) => throughput(v, many, 64, isAsync), log));
    ctx.roundBase = roundBase += 100;

    log(` | 1 in flight`);
    const one = pool.slice(0, sizes.latency);
    const lat = await compare(all, ctx, warm, rounds, (v, isAsync) => latency(v, one, isAsync), log);
    add('distinct tokens, 1 in flight: p50 latency', alg, 'µs', 'lower', mapSamples(lat, x => x.p50));
    add('distinct tokens, 1 in flight: rate', alg, 'verifications/s', 'higher', mapSamples(lat, x => x.rate));
    ctx.roundBase = roundBase += 100;

    const hitsDuringDistinct = native.cacheStats().tokenCacheHit - statsBefore.tokenCacheHit;
    log(` | same token`);
    const same = new Array(sizes.same).fill(pool[0]);
    add('same token repeated, 1 in flight', alg, 'verifications/s', 'higher',
      await compare(all, ctx, warm, rounds, (v, isAsync) => throughput(v, same, 1, isAsync), log));
    ctx.roundBase = roundBase += 100;

    if (alg === 'RS256') {
      log(` | fixed ${sizes.rate}/s`);
      const { 'jsonwebtoken + jwks-rsa': _slow, 'fast-jwt + cache': _cached, 'jose remote JWKS': _remote, ...rateSet } = CONTENDERS;
      const contenders = { ...rateSet, 'crypto.verify sync (floor)': FLOOR['crypto.verify sync (floor)'], 'load loop alone': () => () => true };
      const fixed = await compare(contenders, ctx, warm, rounds,
        (v, isAsync) => fixedRate(v, pool, sizes.rate, sizes.rateMs, isAsync), log);
      add(`fixed ${sizes.rate / 1000}k/s: main-thread time per verification`, alg, 'µs', 'lower', mapSamples(fixed, x => x.busyUsPerVerify));
      add(`fixed ${sizes.rate / 1000}k/s: event-loop utilisation`, alg, '%', 'lower', mapSamples(fixed, x => x.elu * 100));
      add(`fixed ${sizes.rate / 1000}k/s: event-loop delay p99`, alg, 'ms', 'lower', mapSamples(fixed, x => x.delayP99Ms));
      ctx.roundBase = roundBase += 100;
    }
    if (hitsDuringDistinct !== 0) throw new Error(`distinct-token rounds hit the verified-token cache ${hitsDuringDistinct} times`);
    await issuer.stop();
  }
  return results;
}

const mapSamples = (samples, f) => Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, xs.map(f)]));
