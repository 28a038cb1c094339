// The targets, checked against figures from this run only.
const OURS = 'oidcProxy (this)';
const JS_LIBS = ['jose remote JWKS', 'jose local JWKS', 'fast-jwt', 'fast-jwt + cache', 'jsonwebtoken + jwks-rsa'];

const pick = (rows, workload, contender, alg = 'RS256') => rows.find(r => r.workload.startsWith(workload) && r.contender === contender && r.alg === alg);

export function checkTargets(rows) {
  const out = [];
  const target = (name, ok, detail) => out.push({ name, ok, detail });
  const tp = c => pick(rows, 'distinct tokens, 64 in flight', c)?.median;
  const bestTp = Math.max(...JS_LIBS.map(tp).filter(Boolean));
  const bestTpName = JS_LIBS.find(c => tp(c) === bestTp);
  target('64 in flight ≥ 1.5× the best JS library', tp(OURS) >= 1.5 * bestTp, `${(tp(OURS) / bestTp).toFixed(2)}× ${bestTpName}`);
  const floor = tp('crypto.verify callback (floor)');
  target('64 in flight ≥ 0.8× the floor (crypto.verify callback, 64 in flight)', tp(OURS) >= 0.8 * floor, `${(tp(OURS) / floor).toFixed(2)}× the floor`);
  const lat = c => pick(rows, 'distinct tokens, 1 in flight', c)?.median;
  const bestLat = Math.min(...JS_LIBS.map(lat).filter(Boolean));
  const bestLatName = JS_LIBS.find(c => lat(c) === bestLat);
  target('1 in flight: lower p50 latency than every JS library', lat(OURS) < bestLat, `${lat(OURS).toFixed(1)} µs vs ${bestLat.toFixed(1)} µs (${bestLatName})`);
  const same = c => pick(rows, 'same token repeated', c)?.median;
  target('same token ≥ 10× fast-jwt with its cache', same(OURS) >= 10 * same('fast-jwt + cache'), `${(same(OURS) / same('fast-jwt + cache')).toFixed(2)}×`);
  const busy = c => pick(rows, 'fixed 10k/s: main-thread time', c)?.median;
  if (busy(OURS) != null) target('fixed 10k/s: less main-thread time per verification than fast-jwt', busy(OURS) < busy('fast-jwt'), `${busy(OURS).toFixed(1)} µs vs ${busy('fast-jwt').toFixed(1)} µs`);
  const before = pick(rows, 'rotation at', OURS)?.median;
  const after = rows.find(r => r.workload.includes('p99 latency after'))?.median;
  if (before != null && after != null) target('rotation under load: p99 does not jump', after <= 1.5 * before + 50, `p99 ${before.toFixed(0)} µs before, ${after.toFixed(0)} µs after`);
  const growth = rows.find(r => r.workload.startsWith('memory: growth'));
  if (growth) target('memory: no growth once the caches are full', growth.median < 16, `${growth.median.toFixed(1)} MB over the second half`);
  const e2e = (kind, c) => rows.find(r => r.workload.startsWith('/refresh end to end') && r.workload.endsWith(kind) && r.contender === c)?.median;
  const JOSE = 'jose-based module';
  if (e2e('distinct tokens: requests/s', OURS) != null) {
    const [rps, joseRps] = [e2e('distinct tokens: requests/s', OURS), e2e('distinct tokens: requests/s', JOSE)];
    const [p99, joseP99] = [e2e('distinct tokens: p99 latency', OURS), e2e('distinct tokens: p99 latency', JOSE)];
    target('/refresh end to end: ≥ the jose-based module\'s requests/s, p99 no worse (distinct tokens)', rps >= joseRps && p99 <= joseP99,
      `${Math.round(rps)} vs ${Math.round(joseRps)} requests/s (${(rps / joseRps).toFixed(2)}×); p99 ${p99.toFixed(1)} vs ${joseP99.toFixed(1)} ms (${(p99 / joseP99).toFixed(2)}×)`);
    const [sRps, sJoseRps] = [e2e('same token repeated: requests/s', OURS), e2e('same token repeated: requests/s', JOSE)];
    const [sP99, sJoseP99] = [e2e('same token repeated: p99 latency', OURS), e2e('same token repeated: p99 latency', JOSE)];
    target('/refresh end to end, same token repeated: ≥ the jose-based module\'s requests/s, p99 no worse', sRps >= sJoseRps && sP99 <= sJoseP99,
      `${Math.round(sRps)} vs ${Math.round(sJoseRps)} requests/s (${(sRps / sJoseRps).toFixed(2)}×); p99 ${sP99.toFixed(1)} vs ${sJoseP99.toFixed(1)} ms (${(sP99 / sJoseP99).toFixed(2)}×)`);
  }
  return out;
}

export function renderTargets(targets, extra = []) {
  return ['| target | holds | this run |', '|---|---|---|', ...targets.map(t => `| ${t.name} | ${t.ok ? 'yes' : '**no**'} | ${t.detail} |`), ...extra].join('\n');
}
