// Timing helpers shared by the benchmarks: a monotonic clock, calibration, warm-up, interleaved
// repetition rounds, and robust statistics (median and spread).
//
// Conventions: a "sample" is the mean time of one operation over a batch of `iters` calls,
// in seconds. Cases are measured round-robin (each round takes one sample of every case, in
// a rotated order) so slow drift of a shared machine — frequency, other tenants — hits all
// cases alike, and the reported figure is the median over rounds.

/** Seconds since an arbitrary origin (monotonic, ns resolution). */
export function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** Mean seconds per call of `fn` over `iters` back-to-back calls (`fn` receives the index). */
export function timeBatch(fn, iters) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
}

/**
 * Calls `fn` repeatedly for at least `seconds` (and at least `minCalls` times): JIT tiers,
 * page faults, thread-pool start-up and CPU clock ramp happen here rather than in samples.
 * Returns the mean seconds per call of the second half (an estimate for calibration).
 */
export function warmUp(fn, seconds = 0.2, minCalls = 3) {
  const start = now();
  let calls = 0;
  let halfStart = start;
  let halfCalls = 0;
  while (calls < minCalls || now() - start < seconds) {
    fn(calls);
    calls++;
    if (now() - start < seconds / 2) {
      halfStart = now();
      halfCalls = 0;
    } else {
      halfCalls++;
    }
  }
  const t = now();
  return halfCalls > 0 ? (t - halfStart) / halfCalls : (t - start) / calls;
}

/** Calls per sample so one sample lasts about `target` seconds, given `perCall` seconds. */
export function itersFor(perCall, target, { min = 1, max = 1e7 } = {}) {
  if (!(perCall > 0)) return min;
  return Math.max(min, Math.min(max, Math.round(target / perCall)));
}

/** Linear-interpolated quantile of a sorted array, q in [0, 1]. */
export function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Robust summary of samples: median, quartiles, extremes, and `spread` = IQR / median (a
 * relative spread; 0.02 means the middle half of the rounds lies within 2% of the median).
 */
export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const median = quantile(s, 0.5);
  const p25 = quantile(s, 0.25);
  const p75 = quantile(s, 0.75);
  return {
    n: s.length,
    median,
    p25,
    p75,
    min: s[0],
    max: s[s.length - 1],
    spread: median !== 0 ? (p75 - p25) / Math.abs(median) : Number.NaN,
  };
}

/** Applies `f` to every sample (e.g. seconds per op to throughput) and summarizes. */
export function statsOf(samples, f) {
  return stats(samples.map(f));
}

/**
 * Interleaved measurement. `cases` is a list of
 *   { name, sample: () => number | Promise<number> }
 * where `sample()` takes one timed sample (seconds per op) — typically `timeBatch(fn, iters)`,
 * or a request to an external process that times itself the same way. Runs `rounds` rounds;
 * in round r the cases start at offset r (rotation), so no case always runs first or last.
 * Returns { [name]: number[] } — the raw samples, in round order.
 */
export async function interleave(cases, rounds, { onRound } = {}) {
  const out = Object.fromEntries(cases.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(r + j) % cases.length];
      out[c.name].push(await c.sample());
    }
    onRound?.(r);
  }
  return out;
}

/** Median of per-round ratios a[i] / b[i] (paired: both samples come from the same round). */
export function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length);
  const r = [];
  for (let i = 0; i < n; i++) r.push(a[i] / b[i]);
  return stats(r);
}

/** Formats a relative spread as "±x.x%" (half the IQR, relative to the median). */
export function fmtSpread(spread) {
  if (!Number.isFinite(spread)) return 'n/a';
  return `±${((spread / 2) * 100).toFixed(1)}%`;
}

/** Formats seconds with a unit (ns, µs, ms, s). */
export function fmtTime(sec) {
  if (!Number.isFinite(sec)) return 'n/a';
  if (sec < 1e-6) return `${(sec * 1e9).toFixed(1)} ns`;
  if (sec < 1e-3) return `${(sec * 1e6).toFixed(2)} µs`;
  if (sec < 1) return `${(sec * 1e3).toFixed(2)} ms`;
  return `${sec.toFixed(2)} s`;
}

/** Renders rows (arrays of strings) as an aligned text table; numeric-looking cells right-aligned. */
export function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => String(c)));
  const w = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const num = (s) => /^[-+±~]?[\d.]+(?:[eE][-+]?\d+)?\s*(?:[%×x]|[a-zµ]+)?$/.test(s);
  const line = (r) =>
    r
      .map((c, i) => (i > 0 && num(c) ? c.padStart(w[i]) : c.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  return [line(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(line)].join(
    '\n',
  );
}
