/**
 * What travels on the BullMQ queue between `descent compare --queue` and `descent worker`.
 * A job is one run of a grid: its spec, the coordinator's version and data checksum (the data
 * is named, not shipped), and the grid id that makes job ids stable, so that a restarted
 * coordinator (`--resume`) finds the runs it already has. Results are v8-serialized, since
 * BullMQ stores return values as JSON and JSON would turn NaN into null.
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import type { RunResult, RunSpec } from './experiment.js';

/** The one queue all coordinators and workers of a Redis database share. */
export const QUEUE_NAME = 'descent-runs';

export interface RunJob {
  version: string;
  checksum: string;
  grid: string;
  index: number;
  spec: RunSpec;
  /** The target loss; null for none (JSON, which BullMQ uses for job data, has no −∞). */
  targetLoss: number | null;
  /** Fashion-MNIST layout the model needs (MLPs take flat images). */
  flatten: boolean;
}

/** Stable id of a grid: the same runs on the same data by the same version. */
export function gridId(o: {
  version: string;
  checksum: string;
  specs: readonly RunSpec[];
  targetLoss: number;
}): string {
  const text = JSON.stringify([o.version, o.checksum, o.specs, String(o.targetLoss)]);
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export const jobIdOf = (grid: string, index: number) => `${grid}-${index}`;

export const encodeResult = (r: RunResult): string => serialize(r).toString('base64');
export const decodeResult = (s: string): RunResult =>
  deserialize(Buffer.from(s, 'base64')) as RunResult;

/** The job's form of a target loss: −∞ (no target) travels as null, as JSON would not keep it. */
export function encodeTarget(t: number): number | null {
  if (t === Number.NEGATIVE_INFINITY) return null;
  if (!Number.isFinite(t)) throw new RangeError(`targetLoss must be finite or -Infinity, got ${t}`);
  return t;
}

/** The run's target loss from a job: null is −∞; anything but a finite number or null is refused. */
export function decodeTarget(v: unknown): number {
  if (v === null) return Number.NEGATIVE_INFINITY;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw new TypeError(
    `the job's targetLoss must be a finite number or null, got ${JSON.stringify(v)}`,
  );
}

/**
 * The path of the first value in a run spec that JSON would change (a non-finite number
 * becomes null, undefined inside an array becomes null), or null when it travels intact.
 */
export function unsafeForJson(v: unknown, path = 'spec'): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} is ${v}`;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad =
        v[i] === undefined ? `${path}[${i}] is undefined` : unsafeForJson(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = unsafeForJson(x, `${path}.${k}`);
      if (bad) return bad;
    }
  }
  return null;
}

/** Refuses, before anything is queued, the specs and target that job data (JSON) would change. */
export function checkJobSafe(
  fn: string,
  specs: readonly RunSpec[],
  targetLoss: number,
): number | null {
  specs.forEach((spec, i) => {
    const bad = unsafeForJson(spec);
    if (bad)
      throw new TypeError(
        `${fn}: run ${i} (${spec.group}): ${bad}, which a queue job (JSON) cannot carry`,
      );
  });
  try {
    return encodeTarget(targetLoss);
  } catch (e) {
    throw new RangeError(`${fn}: ${(e as Error).message}`);
  }
}

/** Why a worker refuses a job, or null when it can run it. */
export function refusal(job: RunJob, mine: { version: string; checksum: string }): string | null {
  if (job.version !== mine.version)
    return `this worker runs descent ${mine.version}, the coordinator descent ${job.version}: run the same version on both`;
  if (job.checksum !== mine.checksum)
    return `this worker's Fashion-MNIST (checksum ${mine.checksum.slice(0, 12)}) differs from the coordinator's (${job.checksum.slice(0, 12)}): give both the same data`;
  return null;
}
