// Small statistics helpers: rounds are summarised by their median and min-max spread.
export const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const summary = xs => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs), rounds: xs.length });
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
