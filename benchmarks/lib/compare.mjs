// The suite against its previous results: every figure of this run beside the same figure (same
// section, case and implementation) of the newest earlier committed result of the same mode
// that measured that section, and the list of those that got slower by more than the noise.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/** descent's own implementations (the rest are peers: their drift says how loaded we were). */
const OURS = /^(native|native-kernel|native-1t|js|descent)$/;
/** A change smaller than this is never reported, however tight the spreads. */
export const MIN_CHANGE = 0.05;

const st = (m, key) =>
  m?.available !== false && Number.isFinite(m?.[key]?.median)
    ? { value: m[key].median, spread: Number.isFinite(m[key].spread) ? m[key].spread : 0 }
    : null;

/**
 * Every comparable figure of a suite result: Map key → { section, value, spread (IQR/median),
 * unit, higherIsBetter, ours }. Keys name the case and implementation, so that only like is
 * compared with like (e.g. `training mlp b128 native`).
 */
export function figuresOf(res) {
  const f = new Map();
  const add = (section, key, s, unit, impl, higherIsBetter = true) => {
    if (s)
      f.set(`${section} ${key}`, { section, ...s, unit, higherIsBetter, ours: OURS.test(impl) });
  };
  if (res.bandwidth?.available)
    for (const s of res.bandwidth.sizes ?? [])
      for (const kind of ['impls', 'inplace'])
        for (const [k, m] of Object.entries(s[kind] ?? {}))
          add(
            'bandwidth',
            `${s.id} ${kind === 'impls' ? 'triad' : 'inplace'} ${k}`,
            st(m, 'gbs'),
            'GB/s',
            'c',
          );
  if (res.optimizers?.available)
    for (const r of res.optimizers.rows ?? [])
      for (const [k, m] of Object.entries(r.impls))
        add('optimizers', `${r.optimizer} n=${r.n} ${k}`, st(m, 'mParamsPerSec'), 'Mparam/s', k);
  if (res.gemm?.available)
    for (const r of res.gemm.rows ?? [])
      for (const [k, m] of Object.entries(r.impls))
        add('gemm', `${r.m}x${r.k}x${r.n} ${k}`, st(m, 'gflops'), 'GFLOP/s', k);
  if (res.training?.available)
    for (const r of res.training.rows ?? [])
      for (const [k, m] of Object.entries(r.impls))
        add('training', `${r.net} b${r.batch} ${k}`, st(m, 'samplesPerSec'), 'samples/s', k);
  if (res.autograd?.available)
    for (const o of res.autograd.overhead ?? [])
      add('autograd', `${o.case} descent`, st(o, 'descentUs'), 'µs', 'descent', false);
  if (res.models?.available) {
    for (const r of res.models.maml?.rows ?? [])
      add('models', `${r.case} descent`, st(r, 'descentMs'), 'ms', 'descent', false);
    if (res.models.dcgan)
      add('models', 'dcgan descent', st(res.models.dcgan, 'descentMs'), 'ms', 'descent', false);
  }
  return f;
}

/** Same CPU model, core count and native SIMD level: only then are two runs' figures alike. */
export const sameMachine = (a, b) =>
  a?.cpu === b?.cpu && a?.logicalCores === b?.logicalCores && a?.simd === b?.simd;

/**
 * The newest earlier suite result of `res.mode` on the same machine in `dir` per section that
 * `res` measured: [{ section, file, res }], skipping `file` itself.
 */
export function previousPerSection(res, file, dir) {
  const older = readdirSync(dir)
    .filter((f) => f.startsWith(`suite-${res.mode}-`) && f.endsWith('.json'))
    .map((f) => join(dir, f))
    .filter((f) => !file || resolve(f) !== resolve(file))
    .flatMap((f) => {
      try {
        return [{ file: f, res: JSON.parse(readFileSync(f, 'utf8')) }];
      } catch {
        return []; // an unreadable file is no baseline
      }
    })
    .filter((o) => o.res.benchmark === 'suite' && o.res.startedAt < res.startedAt)
    .filter((o) => sameMachine(o.res.machine, res.machine))
    .sort((a, b) => (a.res.startedAt < b.res.startedAt ? 1 : -1));
  const out = [];
  for (const section of res.sections ?? []) {
    if (!res[section]?.available) continue;
    const o = older.find((x) => x.res[section]?.available);
    if (o) out.push({ section, ...o });
  }
  return out;
}

/**
 * `res` against the earlier results of the same machine: { baselines: [{section, file,
 * startedAt, loadAvg}],
 * compared, slower: [...], faster: [...] }. A figure counts as slower when it lost more than
 * both spreads allow (its ±half-IQR band and the earlier one do not overlap: a relative change
 * beyond (spread before + spread after) / 2) and more than MIN_CHANGE.
 */
export function compareWithPrevious(res, file, dir) {
  const now = figuresOf(res);
  const baselines = [];
  const slower = [];
  const faster = [];
  let compared = 0;
  for (const { section, file: f, res: old } of previousPerSection(res, file, dir)) {
    baselines.push({
      section,
      file: relative(resolve(dir, '..', '..'), f), // as from the repository's root
      startedAt: old.startedAt,
      loadAvg: old.machine?.loadAvg ?? null,
    });
    for (const [key, b] of figuresOf(old)) {
      const a = now.get(key);
      if (!a || a.section !== section || !(b.value > 0) || !(a.value > 0)) continue;
      compared++;
      // > 0: better now, < 0: worse, as a fraction of the earlier speed
      const change = a.higherIsBetter ? a.value / b.value - 1 : b.value / a.value - 1;
      const noise = Math.max(MIN_CHANGE, (a.spread + b.spread) / 2);
      const entry = {
        key,
        section,
        unit: a.unit,
        before: b.value,
        after: a.value,
        change,
        spreadBefore: b.spread,
        spreadAfter: a.spread,
        ours: a.ours,
        higherIsBetter: a.higherIsBetter,
      };
      if (change < -noise) slower.push(entry);
      else if (change > noise) faster.push(entry);
    }
  }
  slower.sort((p, q) => p.change - q.change);
  faster.sort((p, q) => q.change - p.change);
  return {
    rule: `slower: lost more than max(${MIN_CHANGE * 100}%, (IQR/median before + after) / 2), i.e. the ±half-IQR bands do not overlap`,
    baselines,
    compared,
    slower,
    faster,
  };
}

const fmtV = (v) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toPrecision(3));

/** Plain-text lines of a comparison, for the suite's stdout. */
export function comparisonLines(cmp, rel = (f) => f) {
  const lines = [];
  if (!cmp.baselines.length)
    return ['No earlier result of this mode on this machine (CPU, cores, SIMD) to compare with.'];
  const files = [...new Set(cmp.baselines.map((b) => b.file))];
  for (const f of files) {
    const bs = cmp.baselines.filter((b) => b.file === f);
    lines.push(
      `Compared with ${rel(f)} (${bs[0].startedAt}, load ${bs[0].loadAvg?.[0] ?? '?'}): ${bs.map((b) => b.section).join(', ')}`,
    );
  }
  lines.push(
    `${cmp.compared} figures compared; ${cmp.slower.length} slower (${cmp.slower.filter((s) => s.ours).length} of descent's), ${cmp.faster.length} faster, beyond the noise (${cmp.rule})`,
  );
  for (const s of cmp.slower)
    lines.push(
      `  slower ${s.ours ? '' : '(peer) '}${s.key}: ${fmtV(s.before)} → ${fmtV(s.after)} ${s.unit} (${(s.change * 100).toFixed(0)}%, spreads ±${((s.spreadBefore / 2) * 100).toFixed(0)}% / ±${((s.spreadAfter / 2) * 100).toFixed(0)}%)`,
    );
  return lines;
}
