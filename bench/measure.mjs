// The workloads. Every one is bounded by a token count and a time limit.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { percentile } from './stats.mjs';

const isThenable = v => v !== null && typeof v === 'object' && typeof v.then === 'function';
const now = () => performance.now();

/** Calls verify once and says whether it answers with a promise. */
export async function probe(verify, token) {
  const r = verify(token);
  if (isThenable(r)) {
    await r;
    return true;
  }
  if (r === false) throw new Error('verification failed');
  return false;
}

/** Verifications per second with `inFlight` calls outstanding (a sync verifier just loops). */
export async function throughput(verify, tokens, inFlight, isAsync, limitMs = 20_000) {
  const deadline = now() + limitMs;
  const t0 = now();
  if (!isAsync) {
    // A verifier that answers inline may still answer a call with a promise (this module's
    // OidcVerifier does when a call needs the network, e.g. a key refresh): await those.
    for (let i = 0; i < tokens.length; i++) {
      const r = verify(tokens[i]);
      if (r === false) throw new Error('verification failed');
      if (isThenable(r)) await r;
    }
    return tokens.length / ((now() - t0) / 1000);
  }
  let next = 0;
  const lane = async () => {
    while (next < tokens.length && now() < deadline) await verify(tokens[next++]);
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return next / ((now() - t0) / 1000);
}

/** Median and p99 latency in microseconds, one call at a time, and the rate that gives. */
export async function latency(verify, tokens, isAsync, limitMs = 20_000) {
  const deadline = now() + limitMs;
  const times = [];
  const t0 = now();
  for (let i = 0; i < tokens.length && now() < deadline; i++) {
    const t = now();
    const r = verify(tokens[i]);
    if (isAsync || isThenable(r)) await r;
    else if (r === false) throw new Error('verification failed');
    times.push((now() - t) * 1000);
  }
  const rate = times.length / ((now() - t0) / 1000);
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99), rate };
}

/**
 * Offers `rate` verifications a second from a 1 ms timer for `durationMs`, and reports
 * main-thread busy time per verification (event-loop utilisation over the run divided by
 * the verifications done) and the event-loop delay p99.
 */
export async function fixedRate(verify, tokens, rate, durationMs, isAsync) {
  const total = Math.min(tokens.length, Math.floor((rate * durationMs) / 1000));
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let issued = 0;
  let done = 0;
  let failed = null;
  const finish = () => { done++; };
  const fail = e => { failed = e; done++; };
  histogram.enable();
  const elu0 = performance.eventLoopUtilization();
  const t0 = now();
  await new Promise(resolve => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - t0) * rate) / 1000));
      while (issued < due) {
        const r = verify(tokens[issued++]);
        if (isAsync || isThenable(r)) Promise.resolve(r).then(finish, fail);
        else if (r === false) fail(new Error('verification failed'));
        else finish();
      }
      if ((issued < total || done < issued) && now() - t0 < durationMs * 3) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, 1);
  });
  const elu = performance.eventLoopUtilization(elu0);
  histogram.disable();
  if (failed) throw failed;
  return {
    busyUsPerVerify: (elu.active * 1000) / Math.max(1, done),
    elu: elu.utilization,
    delayP99Ms: histogram.percentile(99) / 1e6,
    done,
  };
}
