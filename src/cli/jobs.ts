/** `--jobs`: how many runs at once, checked before anything starts, and their progress lines. */
import { UsageError } from './args.js';
import type { RunHooks } from './pool.js';
import { clearProgress, drawProgress } from './runner.js';

/**
 * The number of jobs: `--jobs` if given (an integer from 1 to the number of runs), else 1.
 * One is what benchmarks/scale.mjs measured on the shared 2-core machine this was built on:
 * --jobs 2 × 1 thread against --jobs 1 × 2 threads on the default grid gave 0.61× to 1.89×
 * over six paired rounds at load averages 3 to 13, 0.93× as a geometric mean. Re-measure on
 * an idle machine before changing it (one run alone does not get faster with 2 threads).
 */
export function jobsFor(command: string, raw: unknown, runs: number): number {
  if (raw === undefined) return 1;
  const n = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(
      `descent ${command}: --jobs must be a whole number of runs at once, 1 or more, got ${JSON.stringify(raw)}`,
    );
  if (n > runs)
    throw new UsageError(
      `descent ${command}: --jobs ${n} is more than the ${runs} run${runs === 1 ? '' : 's'} of this grid; give at most --jobs ${runs}`,
    );
  return n;
}

/** Progress as today: a line per run started (no TTY), else a bar and a line per run done. */
export function progressHooks(labelOf: (i: number) => string): RunHooks {
  const running = new Set<number>();
  return {
    onStart: (i) => {
      running.add(i);
      if (!process.stdout.isTTY) process.stdout.write(`${labelOf(i)}\n`);
    },
    onProgress: (i, p) => {
      // Several runs at once share one line: the bar shows the earliest, the rest are counted.
      if (i !== Math.min(...running)) return;
      const more = running.size > 1 ? ` (+${running.size - 1} running)` : '';
      drawProgress(`${labelOf(i)}${more}`, p);
    },
    onResult: (i, r) => {
      running.delete(i);
      if (!process.stdout.isTTY) return;
      clearProgress();
      const how =
        r.stopped === 'failed'
          ? `failed: ${r.error}`
          : `test acc ${(100 * r.finalValAccuracy).toFixed(2)}%, ${r.trainSeconds.toFixed(1)} s`;
      process.stdout.write(`${labelOf(i)}: ${how}\n`);
    },
  };
}
