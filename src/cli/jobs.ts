/** `--jobs`: how many runs at once, checked before anything starts, and their progress lines. */
import { availableParallelism } from 'node:os';
import { UsageError } from './args.js';
import type { RunHooks } from './pool.js';
import { clearProgress, drawProgress } from './runner.js';

/**
 * The number of jobs: `--jobs` if given (an integer from 1 to the number of runs), else one per
 * core (at most one per run). benchmarks/scale.mjs on the 2-core machine this was built on, at
 * load average ~2: --jobs 2 × 1 thread ran the default grid at 1.93× the runs per minute of
 * --jobs 1 × 2 threads (one run alone does not get faster with its second thread). On the
 * same machine shared with other work (load 3–13) the ratio fell to 0.61–1.89×, so a busy
 * machine may prefer --jobs 1.
 */
export function jobsFor(command: string, raw: unknown, runs: number): number {
  if (raw === undefined) return Math.max(1, Math.min(availableParallelism(), runs));
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
