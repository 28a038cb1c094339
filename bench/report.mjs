// The table: one line per workload, algorithm and contender, with the median of the
// rounds, their min-max spread, and how this module compares (>1: this module is better).
const OURS = 'oidcProxy (this)';

const fmt = x => (x >= 1000 ? Math.round(x).toLocaleString('en-US') : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** How many times better this module is than `row` (higher-is-better or lower-is-better). */
export function advantage(rows, row) {
  const ours = rows.find(r => r.workload === row.workload && r.alg === row.alg && r.contender === OURS);
  if (!ours || row.contender === OURS) return null;
  return row.better === 'higher' ? ours.median / row.median : row.median / ours.median;
}

export function renderTable(rows) {
  const lines = ['| workload | alg | contender | median | min–max | unit | this module vs it |', '|---|---|---|---:|---:|---|---:|'];
  for (const r of rows) {
    const a = advantage(rows, r);
    lines.push(`| ${r.workload} | ${r.alg} | ${r.contender === OURS ? `**${OURS}**` : r.contender} | ${fmt(r.median)} | ${fmt(r.min)}–${fmt(r.max)} | ${r.unit} | ${a == null ? '' : `${a.toFixed(2)}×`} |`);
  }
  return lines.join('\n');
}
