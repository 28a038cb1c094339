// An SVG bar chart of the RS256 comparisons, written by the benchmark itself (no image
// libraries): one panel per workload, one bar per contender, this module highlighted.
const OURS = 'oidcProxy (this)';
const esc = s => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

const PANELS = [
  ['distinct tokens, 64 in flight', 'Distinct tokens, 64 in flight (verifications/s, higher is better)'],
  ['distinct tokens, 1 in flight: p50', 'Distinct tokens, 1 in flight (p50 µs, lower is better)'],
  ['distinct tokens, 1 in flight: rate', 'Distinct tokens, 1 in flight (verifications/s, higher is better)'],
  ['same token repeated', 'Same token repeated (verifications/s, higher is better)'],
  ['fixed 10k/s: main-thread time', 'Fixed 10k/s: main-thread µs per verification (lower is better)'],
  ['/refresh end to end (signInWithoutCatalogUser), 32 in flight, distinct tokens: requests/s', '/refresh, signInWithoutCatalogUser, distinct tokens (requests/s, higher is better)'],
  ['/refresh end to end (signInWithoutCatalogUser), 32 in flight, distinct tokens: p99', '/refresh, signInWithoutCatalogUser, distinct tokens (p99 ms, lower is better)'],
  ['/refresh end to end (signInWithoutCatalogUser), 32 in flight, same token repeated: requests/s', '/refresh, signInWithoutCatalogUser, same token repeated (requests/s, higher is better)'],
  ['/refresh end to end (emailMatchingUserEntityProfileEmail, 1 catalog User), 32 in flight, distinct tokens: requests/s', '/refresh, emailMatchingUserEntityProfileEmail, distinct tokens (requests/s, higher is better)'],
  ['/refresh end to end (emailMatchingUserEntityProfileEmail, 1 catalog User), 32 in flight, same token repeated: requests/s', '/refresh, emailMatchingUserEntityProfileEmail, same token repeated (requests/s, higher is better)'],
];

export function renderChart(rows, title) {
  const width = 900;
  const barH = 16;
  const labelW = 230;
  let y = 40;
  const parts = [];
  for (const [prefix, heading] of PANELS) {
    const set = rows.filter(r => r.alg === 'RS256' && r.workload.startsWith(prefix) && r.contender !== 'load loop alone');
    if (!set.length) continue;
    const max = Math.max(...set.map(r => r.max));
    parts.push(`<text x="10" y="${y}" font-size="14" font-weight="bold">${esc(heading)}</text>`);
    y += 10;
    for (const r of set) {
      const w = ((width - labelW - 120) * r.median) / max;
      const spread = [((width - labelW - 120) * r.min) / max, ((width - labelW - 120) * r.max) / max];
      const colour = r.contender === OURS ? '#d9480f' : r.contender.includes('floor') ? '#868e96' : '#1c7ed6';
      parts.push(
        `<text x="${labelW - 6}" y="${y + barH - 4}" font-size="12" text-anchor="end">${esc(r.contender)}</text>`,
        `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${colour}"/>`,
        `<line x1="${(labelW + spread[0]).toFixed(1)}" x2="${(labelW + spread[1]).toFixed(1)}" y1="${y + barH / 2 - 1}" y2="${y + barH / 2 - 1}" stroke="#000" stroke-width="1"/>`,
        `<text x="${(labelW + Math.max(w, spread[1]) + 6).toFixed(1)}" y="${y + barH - 4}" font-size="12">${Math.round(r.median * 10) / 10}</text>`,
      );
      y += barH + 2;
    }
    y += 26;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif">
<rect width="100%" height="100%" fill="#fff"/>
<text x="10" y="20" font-size="16" font-weight="bold">${esc(title)}</text>
${parts.join('\n')}
</svg>
`;
}
