/**
 * The 8-Gaussian ring, the standard test of mode collapse (Metz et al. 2017, Unrolled GANs;
 * Srivastava et al. 2017, VEEGAN): eight isotropic Gaussians of standard deviation `std` at
 * equal angles on a circle of `radius`. A generated point is "high quality" when it lies
 * within 3σ of a mode's centre; a mode is covered when at least `minShare` of the samples
 * (default 1%, an eighth of its fair share of 12.5%) are high-quality points of that mode.
 */

import { asTensor } from '../autograd/ops/util.js';
import { type Tensor, type TensorLike, wrap } from '../autograd/tensor.js';
import { describe, finite } from '../backend/validate.js';
import { shapeStr } from '../nn/tensor.js';
import { Rng } from '../random.js';
import { checkOptions, positiveNumber, seedOf } from './options.js';

/** Options of {@link EightGaussians}. */
export interface EightGaussiansOptions {
  /** Radius of the ring (default 2). */
  radius?: number;
  /** Standard deviation of each Gaussian (default 0.05). */
  std?: number;
  /** Seed of the sample stream (default 0). */
  seed?: number;
}

/** How well generated points cover the ring's modes (what {@link EightGaussians.coverage} returns). */
export interface Coverage {
  /** Modes covered (0–8). */
  modes: number;
  /** High-quality points per mode. */
  counts: number[];
  /** Share of the samples within 3σ of some mode. */
  highQuality: number;
}

export const MODES = 8;

/**
 * The 8-Gaussian ring, the standard test of a GAN's mode coverage (Metz et al. 2017;
 * Srivastava et al. 2017): eight Gaussians of deviation `std` at equal angles on a circle of
 * `radius`. A point is high-quality within 3σ of a mode's centre; a mode is covered when at
 * least `minShare` of the samples (default 1%) are high-quality points of it.
 */
export class EightGaussians {
  /** Radius of the ring. */
  readonly radius: number;
  /** Standard deviation of each Gaussian. */
  readonly std: number;
  /** The modes' centres, [x0, y0, x1, y1, …] at angles 0, π/4, … */
  readonly centres: Float64Array;
  private readonly rng: Rng;

  constructor(options: EightGaussiansOptions = {}) {
    const fn = 'EightGaussians';
    checkOptions(fn, options, ['radius', 'std', 'seed']);
    this.radius = positiveNumber(fn, 'radius', options.radius, 2);
    this.std = positiveNumber(fn, 'std', options.std, 0.05);
    if (3 * this.std >= this.radius * Math.sin(Math.PI / MODES))
      throw new RangeError(
        `${fn}: std ${this.std} is too large for radius ${this.radius}: the modes' 3σ discs would overlap`,
      );
    this.rng = new Rng(seedOf(fn, options.seed));
    this.centres = new Float64Array(2 * MODES);
    for (let k = 0; k < MODES; k++) {
      this.centres[2 * k] = this.radius * Math.cos((k * 2 * Math.PI) / MODES);
      this.centres[2 * k + 1] = this.radius * Math.sin((k * 2 * Math.PI) / MODES);
    }
  }

  /** `n` points [n, 2], each from a uniformly chosen mode. */
  sample(n: number): Tensor {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1)
      throw new RangeError(
        `EightGaussians.sample: n must be a positive integer, got ${describe(n)}`,
      );
    const xy = this.rng.normal(2 * n, 0, this.std);
    const k = this.rng.uniform(n, 0, MODES);
    for (let i = 0; i < n; i++) {
      const m = Math.min(MODES - 1, Math.floor(k[i]));
      xy[2 * i] += this.centres[2 * m];
      xy[2 * i + 1] += this.centres[2 * m + 1];
    }
    return wrap(xy, [n, 2], 'float32');
  }

  /** Which modes generated points [n, 2] cover (criteria in the class description). */
  coverage(points: Tensor | TensorLike, options: { minShare?: number } = {}): Coverage {
    const fn = 'EightGaussians.coverage';
    checkOptions(fn, options, ['minShare']);
    const minShare = options.minShare ?? 0.01;
    finite(fn, 'minShare', minShare);
    if (minShare <= 0 || minShare > 1)
      throw new RangeError(`${fn}: minShare must be in (0, 1], got ${minShare}`);
    const t = asTensor(fn, 'points', points, 'float32');
    if (t.shape.length !== 2 || t.shape[1] !== 2 || t.shape[0] === 0)
      throw new RangeError(
        `${fn}: points must have shape [n, 2] with n ≥ 1, got ${shapeStr(t.shape)}`,
      );
    const d = t._d as Float32Array;
    const n = t.shape[0];
    const counts = new Array<number>(MODES).fill(0);
    const r2 = (3 * this.std) ** 2;
    let good = 0;
    for (let i = 0; i < n; i++) {
      for (let m = 0; m < MODES; m++) {
        const dx = d[2 * i] - this.centres[2 * m];
        const dy = d[2 * i + 1] - this.centres[2 * m + 1];
        if (dx * dx + dy * dy <= r2) {
          counts[m]++;
          good++;
          break;
        }
      }
    }
    return {
      modes: counts.filter((c) => c >= minShare * n).length,
      counts,
      highQuality: good / n,
    };
  }
}
