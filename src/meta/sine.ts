/**
 * Sine-wave regression tasks, the MAML paper's toy problem (Finn et al. 2017, §5.1): a task is
 * y = A·sin(x − φ) with amplitude A ~ U[0.1, 5] and phase φ ~ U[0, π]; its points have
 * x ~ U[−5, 5] (the form of the reference code, cbfinn/maml data_generator.py). K points make
 * the support set, `queries` more the query set; inputs and targets are [n, 1].
 */
import { options as checkObject, count, knownKeys } from '../backend/validate.js';
import { Rng } from '../random.js';
import type { Task, TaskFamily } from './task.js';

/** Options of {@link SineTasks}. */
export interface SineTaskOptions {
  /** K: support points per task (default 10). */
  shots?: number;
  /** Query points per task (default 10). */
  queries?: number;
  /** Seed of the task stream (default 0). */
  seed?: number;
}

/** A sine regression task y = A·sin(x − φ); support and query sets are [n, 1]. */
export interface SineTask extends Task {
  /** A, drawn from {@link SINE_AMPLITUDE}. */
  readonly amplitude: number;
  /** φ in radians, drawn from {@link SINE_PHASE}. */
  readonly phase: number;
}

/** Range [lo, hi] of a task's amplitude A (uniform), as in the MAML paper. */
export const SINE_AMPLITUDE: readonly [number, number] = [0.1, 5];
/** Range [lo, hi] of a task's phase φ in radians (uniform). */
export const SINE_PHASE: readonly [number, number] = [0, Math.PI];
/** Range [lo, hi] of the inputs x (uniform). */
export const SINE_INPUT: readonly [number, number] = [-5, 5];

/** A·sin(x − φ): the task's true curve at x. */
export function sineValue(task: { amplitude: number; phase: number }, x: number): number {
  return task.amplitude * Math.sin(x - task.phase);
}

/** The MAML paper's sine-regression task family (Finn et al. 2017, §5.1), from a seeded stream. */
export class SineTasks implements TaskFamily<SineTask> {
  /** K: support points per task. */
  readonly shots: number;
  /** Query points per task. */
  readonly queries: number;
  private readonly rng: Rng;

  constructor(options: SineTaskOptions = {}) {
    const fn = 'SineTasks';
    checkObject(fn, 'options', options);
    knownKeys(fn, 'option', options, ['shots', 'queries', 'seed']);
    this.shots = options.shots ?? 10;
    this.queries = options.queries ?? 10;
    for (const k of ['shots', 'queries'] as const) {
      count(fn, k, this[k]);
      if (this[k] < 1) throw new RangeError(`${fn}: ${k} must be at least 1, got ${this[k]}`);
    }
    const seed = options.seed ?? 0;
    count(fn, 'seed', seed);
    this.rng = new Rng(seed);
  }

  /**
   * `n` fresh tasks. Each takes one draw of 2 + K + queries uniforms from the stream: A, φ,
   * then the support inputs, then the query inputs.
   */
  sample(n = 1): SineTask[] {
    count('SineTasks.sample', 'n', n);
    const k = this.shots;
    const q = this.queries;
    const u = new Float32Array(2 + k + q);
    const tasks: SineTask[] = [];
    for (let t = 0; t < n; t++) {
      this.rng.uniform(u, 0, 1);
      const amplitude = SINE_AMPLITUDE[0] + (SINE_AMPLITUDE[1] - SINE_AMPLITUDE[0]) * u[0];
      const phase = SINE_PHASE[0] + (SINE_PHASE[1] - SINE_PHASE[0]) * u[1];
      const set = (from: number, m: number) => {
        const x = new Float32Array(m);
        const y = new Float32Array(m);
        for (let i = 0; i < m; i++) {
          x[i] = SINE_INPUT[0] + (SINE_INPUT[1] - SINE_INPUT[0]) * u[from + i];
          y[i] = amplitude * Math.sin(x[i] - phase);
        }
        return { x: { data: x, shape: [m, 1] }, y: { data: y, shape: [m, 1] } };
      };
      tasks.push({ amplitude, phase, support: set(2, k), query: set(2 + k, q) });
    }
    return tasks;
  }

  toString(): string {
    return `SineTasks(K=${this.shots}, queries=${this.queries})`;
  }
}
