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
  targetLoss: number;
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

/** Why a worker refuses a job, or null when it can run it. */
export function refusal(job: RunJob, mine: { version: string; checksum: string }): string | null {
  if (job.version !== mine.version)
    return `this worker runs descent ${mine.version}, the coordinator descent ${job.version}: run the same version on both`;
  if (job.checksum !== mine.checksum)
    return `this worker's Fashion-MNIST (checksum ${mine.checksum.slice(0, 12)}) differs from the coordinator's (${job.checksum.slice(0, 12)}): give both the same data`;
  return null;
}
