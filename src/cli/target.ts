/**
 * The target loss of "steps and seconds to target" when none is given: a fixed target that no
 * run reaches (the bundled subset's losses stay above 0.4 in three epochs) says nothing, so it
 * is chosen from the data: the lowest smoothed loss the worst run reached, rounded up to two
 * significant digits. Every run that did not diverge reaches it; the columns say how soon.
 */
import type { CurvePoint, RunResult } from './experiment.js';

/** Crossings count from this step on, as in the run's own recorder (the average warms up). */
export const TARGET_WARMUP = 20;

const settled = (c: readonly CurvePoint[]) => c.filter((p) => p.step >= TARGET_WARMUP);

/** x rounded up to two significant digits (never below x, whatever the float rounding). */
export function ceil2(x: number): number {
  const unit = 10 ** (Math.floor(Math.log10(x)) - 1);
  const k = Math.ceil(x / unit);
  const t = Number((k * unit).toPrecision(2));
  return t >= x ? t : Number(((k + 1) * unit).toPrecision(2));
}

/** The target chosen from the runs, or null when no run has a usable curve. */
export function autoTarget(runs: readonly RunResult[]): number | null {
  const lows = runs
    .filter((r) => r.stopped !== 'diverged')
    .map((r) => Math.min(...settled(r.curve).map((p) => p.loss)))
    .filter((v) => Number.isFinite(v) && v > 0);
  return lows.length > 0 ? ceil2(Math.max(...lows)) : null;
}

/** The run with steps and seconds to `target` read from its recorded curve. */
export function withTarget(r: RunResult, target: number): RunResult {
  const hit = settled(r.curve).find((p) => p.loss <= target);
  return { ...r, stepsToTarget: hit?.step ?? null, secondsToTarget: hit?.seconds ?? null };
}
