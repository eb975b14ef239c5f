/**
 * Weight initialisers, seeded, with `torch.nn.init` semantics: Xavier/Glorot (Glorot &
 * Bengio, 2010), He/Kaiming (He et al., 2015) with fan-in/fan-out modes and a gain per
 * nonlinearity, LeCun, orthogonal (Saxe et al., 2014), constants. Fans follow
 * `_calculate_fan_in_and_fan_out`: a weight of shape [out, in, ...k] has fan_in = in·∏k and
 * fan_out = out·∏k.
 */
import { describe } from '../backend/validate.js';
import type { Rng } from '../random.js';

export type Nonlinearity = 'linear' | 'conv' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

/** `torch.nn.init.calculate_gain`. */
export function gain(nonlinearity: Nonlinearity, param = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + param * param));
    case 'selu':
      return 3 / 4;
  }
}

export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2)
    throw new RangeError(
      `init: fan in/out need a tensor of ≥ 2 dimensions, got shape [${shape.join(', ')}]`,
    );
  const receptive = shape.slice(2).reduce((a, d) => a * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

export type Init =
  | { kind: 'zeros' }
  | { kind: 'ones' }
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; a: number; b: number }
  | { kind: 'normal'; mean: number; std: number }
  | { kind: 'xavierUniform'; gain?: number }
  | { kind: 'xavierNormal'; gain?: number }
  | { kind: 'kaimingUniform'; a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity }
  | { kind: 'kaimingNormal'; a?: number; mode?: 'fanIn' | 'fanOut'; nonlinearity?: Nonlinearity }
  | { kind: 'lecunUniform' }
  | { kind: 'lecunNormal' }
  | { kind: 'orthogonal'; gain?: number };

export const INIT_KINDS = [
  'zeros',
  'ones',
  'constant',
  'uniform',
  'normal',
  'xavierUniform',
  'xavierNormal',
  'kaimingUniform',
  'kaimingNormal',
  'lecunUniform',
  'lecunNormal',
  'orthogonal',
] as const;

function kaimingStd(
  shape: readonly number[],
  a: number,
  mode: 'fanIn' | 'fanOut',
  nl: Nonlinearity,
): number {
  const f = fans(shape);
  const fan = mode === 'fanIn' ? f.fanIn : f.fanOut;
  return gain(nl, a) / Math.sqrt(fan);
}

/** Fills `out` (a tensor of `shape`) by `init`, drawing from `rng`. */
export function initialize(
  out: Float32Array,
  shape: readonly number[],
  init: Init,
  rng: Rng,
): void {
  if (
    init === null ||
    typeof init !== 'object' ||
    !INIT_KINDS.includes(init.kind as (typeof INIT_KINDS)[number])
  ) {
    throw new TypeError(
      `initialize: init must be one of ${INIT_KINDS.join(', ')}, got ${describe(init)}`,
    );
  }
  switch (init.kind) {
    case 'zeros':
      out.fill(0);
      return;
    case 'ones':
      out.fill(1);
      return;
    case 'constant':
      out.fill(init.value);
      return;
    case 'uniform':
      rng.uniform(out, init.a, init.b);
      return;
    case 'normal':
      rng.normal(out, init.mean, init.std);
      return;
    case 'xavierUniform': {
      const { fanIn, fanOut } = fans(shape);
      const bound = (init.gain ?? 1) * Math.sqrt(6 / (fanIn + fanOut));
      rng.uniform(out, -bound, bound);
      return;
    }
    case 'xavierNormal': {
      const { fanIn, fanOut } = fans(shape);
      rng.normal(out, 0, (init.gain ?? 1) * Math.sqrt(2 / (fanIn + fanOut)));
      return;
    }
    case 'kaimingUniform': {
      const std = kaimingStd(
        shape,
        init.a ?? 0,
        init.mode ?? 'fanIn',
        init.nonlinearity ?? 'leakyRelu',
      );
      const bound = Math.sqrt(3) * std;
      rng.uniform(out, -bound, bound);
      return;
    }
    case 'kaimingNormal':
      rng.normal(
        out,
        0,
        kaimingStd(shape, init.a ?? 0, init.mode ?? 'fanIn', init.nonlinearity ?? 'leakyRelu'),
      );
      return;
    case 'lecunUniform': {
      const bound = Math.sqrt(3 / fans(shape).fanIn);
      rng.uniform(out, -bound, bound);
      return;
    }
    case 'lecunNormal':
      rng.normal(out, 0, Math.sqrt(1 / fans(shape).fanIn));
      return;
    case 'orthogonal':
      orthogonal(out, shape, init.gain ?? 1, rng);
      return;
  }
}

/**
 * `torch.nn.init.orthogonal_`: a normal matrix of shape [rows, ∏rest] (transposed if wide),
 * QR-decomposed (here by modified Gram–Schmidt in f64), Q scaled by the signs of R's
 * diagonal so the result is uniformly distributed, times `g`.
 */
function orthogonal(out: Float32Array, shape: readonly number[], g: number, rng: Rng): void {
  if (shape.length < 2) throw new RangeError('orthogonal init needs a tensor of ≥ 2 dimensions');
  const rows = shape[0];
  const cols = out.length / rows;
  const tall = rows >= cols;
  const m = tall ? rows : cols; // long side
  const n = tall ? cols : rows; // short side: number of orthonormal vectors
  const a = rng.normal(m * n); // column j of the m×n matrix at a[j*m .. j*m+m)
  const q = Float64Array.from(a);
  for (let j = 0; j < n; j++) {
    const qj = q.subarray(j * m, j * m + m);
    for (let i = 0; i < j; i++) {
      const qi = q.subarray(i * m, i * m + m);
      let d = 0;
      for (let t = 0; t < m; t++) d += qi[t] * qj[t];
      for (let t = 0; t < m; t++) qj[t] -= d * qi[t];
    }
    let norm = 0;
    for (let t = 0; t < m; t++) norm += qj[t] * qj[t];
    norm = Math.sqrt(norm);
    // R's diagonal entry is the norm (positive), so no sign flip is needed.
    for (let t = 0; t < m; t++) qj[t] /= norm || 1;
  }
  // Q is m×n with orthonormal columns; the weight is Q (rows×cols) if tall, else Qᵀ.
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = g * (tall ? q[c * m + r] : q[r * m + c]);
    }
  }
}
