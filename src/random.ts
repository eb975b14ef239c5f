/** A seeded random number generator whose draws are identical in both backends. */
import { seedState } from './backend/js/rng.js';
import { getBackend } from './backend/select.js';
import { count, noMoreArgs, u32 } from './backend/validate.js';

/**
 * A seeded random number generator (xoshiro128**) whose draws are identical on the native and
 * js backends, used for initialisation, dropout, shuffles and tasks; its 4-word state is saved
 * in checkpoints (the role of `torch.Generator`).
 *
 * @example
 * ```ts
 * import { Rng } from 'descent-ml';
 *
 * const rng = new Rng(42);
 * const u = rng.uniform(3); // Float32Array of 3 draws in [0, 1)
 * const z = rng.normal(new Float32Array(4), 0, 0.02);
 * const again = Rng.fromState(rng.state); // continues the same stream
 * console.log(u, z, again.uniform(1));
 * ```
 */
export class Rng {
  /** xoshiro128** state, advanced in place by every draw. */
  readonly state: Uint32Array;

  /** `seed`: an integer in [0, 2^53). */
  constructor(seed = 0, ...extra: never[]) {
    count('Rng', 'seed', seed);
    noMoreArgs('Rng', extra, 'one argument (seed)');
    this.state = seedState(seed);
  }

  /** A generator continuing from a saved `state` (e.g. from a checkpoint). */
  static fromState(state: Uint32Array): Rng {
    u32('Rng.fromState', 'state', state);
    if (state.length !== 4)
      throw new RangeError(`Rng.fromState: state must have length 4, got ${state.length}`);
    if (state.every((w) => w === 0)) {
      throw new RangeError(
        'Rng.fromState: state must not be all zeros (xoshiro128** would stay at zero)',
      );
    }
    const r = new Rng(0);
    r.state.set(state);
    return r;
  }

  /** An independent copy of this generator's current state. */
  clone(): Rng {
    return Rng.fromState(this.state);
  }

  /** Uniform draws in [lo, hi) into `out` (a new array of length `out` if a number). */
  uniform(out: Float32Array | number, lo = 0, hi = 1): Float32Array {
    return getBackend().rngUniform(this.state, alloc('Rng.uniform', out), lo, hi);
  }

  /** Normal draws with the given mean and standard deviation. */
  normal(out: Float32Array | number, mean = 0, std = 1): Float32Array {
    return getBackend().rngNormal(this.state, alloc('Rng.normal', out), mean, std);
  }

  /** Inverted-dropout mask: 0 with probability p, else 1/(1−p). */
  dropoutMask(out: Float32Array | number, p: number): Float32Array {
    return getBackend().rngDropoutMask(this.state, alloc('Rng.dropoutMask', out), p);
  }
}

function alloc(fn: string, out: Float32Array | number): Float32Array {
  if (typeof out === 'number') {
    count(fn, 'length', out);
    return new Float32Array(out);
  }
  return out;
}
