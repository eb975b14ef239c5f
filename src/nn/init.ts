/**
 * Weight initialisers, seeded, with `torch.nn.init` semantics: Xavier/Glorot (Glorot &
 * Bengio, 2010), He/Kaiming (He et al., 2015) with fan-in/fan-out modes and a gain per
 * nonlinearity, LeCun, orthogonal (Saxe et al., 2014), constants. Fans follow
 * `_calculate_fan_in_and_fan_out`: a weight of shape [out, in, ...k] has fan_in = in·∏k and
 * fan_out = out·∏k.
 */
import { f32, finite, knownKeys, oneOf, options, unused } from '../backend/validate.js';
import { Rng } from '../random.js';

/** The nonlinearity a gain is computed for (`torch.nn.init.calculate_gain`'s names, camelCase). */
export type Nonlinearity = 'linear' | 'conv' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu';

const NONLINEARITIES: readonly Nonlinearity[] = [
  'linear',
  'conv',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'selu',
];

/**
 * `torch.nn.init.calculate_gain`. `param` is leakyRelu's negative slope (default 0.01); torch
 * ignores it for the other nonlinearities, here giving it to them is refused.
 */
export function gain(nonlinearity: Nonlinearity, param?: number): number {
  oneOf('gain', 'nonlinearity', nonlinearity, NONLINEARITIES);
  if (param !== undefined) {
    finite('gain', 'param', param);
    if (nonlinearity !== 'leakyRelu')
      throw new TypeError(
        `gain: param (${param}) is leakyRelu's negative slope; ${nonlinearity} has no parameter`,
      );
  }
  switch (nonlinearity) {
    case 'linear':
    case 'conv':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': {
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
  }
}

/**
 * Fan-in and fan-out of a weight of shape [out, in, ...kernel] (at least 2-D), as PyTorch's
 * `_calculate_fan_in_and_fan_out`: fanIn = in·∏kernel, fanOut = out·∏kernel.
 */
export function fans(shape: readonly number[]): {
  /** in·∏kernel. */
  fanIn: number;
  /** out·∏kernel. */
  fanOut: number;
} {
  if (shape.length < 2)
    throw new RangeError(
      `init: fan in/out need a tensor of ≥ 2 dimensions, got shape [${shape.join(', ')}]`,
    );
  const receptive = shape.slice(2).reduce((a, d) => a * d, 1);
  return { fanIn: shape[1] * receptive, fanOut: shape[0] * receptive };
}

/**
 * A parameter initialiser, as a layer's `weightInit`/`biasInit` (the `torch.nn.init`
 * functions): zeros, ones, constant, U(a, b), N(mean, std²), Xavier/Glorot (Glorot & Bengio
 * 2010), Kaiming/He (He et al. 2015), LeCun, or orthogonal (Saxe et al. 2014). Fans are
 * computed as by {@link fans}.
 */
export type Init =
  | {
      /** All zeros (`nn.init.zeros_`). */
      kind: 'zeros';
    }
  | {
      /** All ones (`nn.init.ones_`). */
      kind: 'ones';
    }
  | {
      /** Every element `value` (`nn.init.constant_`). */
      kind: 'constant';
      /** The constant. */
      value: number;
    }
  | {
      /** U(a, b) (`nn.init.uniform_`). */
      kind: 'uniform';
      /** Lower bound. */
      a: number;
      /** Upper bound (≥ a). */
      b: number;
    }
  | {
      /** N(mean, std²) (`nn.init.normal_`). */
      kind: 'normal';
      /** Mean. */
      mean: number;
      /** Standard deviation (≥ 0). */
      std: number;
    }
  | {
      /** U(−b, b), b = gain·√(6 / (fanIn + fanOut)) (`nn.init.xavier_uniform_`). */
      kind: 'xavierUniform';
      /** Scale factor. Default 1. */
      gain?: number;
    }
  | {
      /** N(0, std²), std = gain·√(2 / (fanIn + fanOut)) (`nn.init.xavier_normal_`). */
      kind: 'xavierNormal';
      /** Scale factor. Default 1. */
      gain?: number;
    }
  | {
      /** U(−b, b), b = √3·gain(nonlinearity, a)/√fan (`nn.init.kaiming_uniform_`). */
      kind: 'kaimingUniform';
      /** Negative slope of the rectifier, used with `'leakyRelu'` only. Default 0. */
      a?: number;
      /** Which fan: `'fanIn'` preserves the forward variance, `'fanOut'` the backward. Default `'fanIn'`. */
      mode?: 'fanIn' | 'fanOut';
      /** Nonlinearity the gain is computed for. Default `'leakyRelu'` (with a = 0, √2 as for ReLU), as PyTorch. */
      nonlinearity?: Nonlinearity;
    }
  | {
      /** N(0, std²), std = gain(nonlinearity, a)/√fan (`nn.init.kaiming_normal_`). */
      kind: 'kaimingNormal';
      /** Negative slope of the rectifier, used with `'leakyRelu'` only. Default 0. */
      a?: number;
      /** Which fan: `'fanIn'` preserves the forward variance, `'fanOut'` the backward. Default `'fanIn'`. */
      mode?: 'fanIn' | 'fanOut';
      /** Nonlinearity the gain is computed for. Default `'leakyRelu'` (with a = 0, √2 as for ReLU), as PyTorch. */
      nonlinearity?: Nonlinearity;
    }
  | {
      /** U(−b, b), b = √(3 / fanIn) (LeCun uniform, Keras's `lecun_uniform`). */
      kind: 'lecunUniform';
    }
  | {
      /** N(0, 1/fanIn) (LeCun normal, for SELU networks; Keras's `lecun_normal` is truncated, this is not). */
      kind: 'lecunNormal';
    }
  | {
      /** A (semi-)orthogonal matrix over the weight flattened to [out, in·∏kernel], times gain (`nn.init.orthogonal_`). */
      kind: 'orthogonal';
      /** Scale factor. Default 1. */
      gain?: number;
    };

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
  return gain(nl, nl === 'leakyRelu' ? a : undefined) / Math.sqrt(fan);
}

/** The keys each kind takes (required ones first, see REQUIRED). */
const INIT_KEYS: Record<Init['kind'], readonly string[]> = {
  zeros: [],
  ones: [],
  constant: ['value'],
  uniform: ['a', 'b'],
  normal: ['mean', 'std'],
  xavierUniform: ['gain'],
  xavierNormal: ['gain'],
  kaimingUniform: ['a', 'mode', 'nonlinearity'],
  kaimingNormal: ['a', 'mode', 'nonlinearity'],
  lecunUniform: [],
  lecunNormal: [],
  orthogonal: ['gain'],
};
const REQUIRED = new Set(['constant', 'uniform', 'normal']);

/**
 * Checks an initialiser (a layer's `weightInit`/`biasInit`, named `name` in messages): a known
 * kind, only that kind's keys (a misspelt key would otherwise leave a bound undefined), finite
 * numbers, uniform's a ≤ b and normal's std ≥ 0 (torch's checks), kaiming's mode and
 * nonlinearity, and no negative slope `a` for a nonlinearity that has none.
 */
export function checkInit(fn: string, name: string, init: unknown): asserts init is Init {
  options(fn, name, init);
  const o = init as Record<string, unknown>;
  oneOf(fn, `${name}.kind`, o.kind, INIT_KINDS);
  const keys = INIT_KEYS[o.kind];
  knownKeys(fn, `key of ${name} (kind '${o.kind}')`, o, ['kind', ...keys]);
  for (const k of keys) {
    const v = o[k];
    if (k === 'mode' || k === 'nonlinearity' || (v === undefined && !REQUIRED.has(o.kind)))
      continue;
    if (v === undefined)
      throw new TypeError(`${fn}: ${name}.${k} is required for kind '${o.kind}'`);
    finite(fn, `${name}.${k}`, v);
  }
  if (o.kind === 'uniform' && (o.a as number) > (o.b as number))
    throw new RangeError(`${fn}: ${name} needs a ≤ b, got a ${o.a}, b ${o.b}`);
  if (o.kind === 'normal' && (o.std as number) < 0)
    throw new RangeError(`${fn}: ${name}.std must be ≥ 0, got ${o.std}`);
  if (o.kind === 'kaimingUniform' || o.kind === 'kaimingNormal') {
    if (o.mode !== undefined) oneOf(fn, `${name}.mode`, o.mode, ['fanIn', 'fanOut']);
    const nl = o.nonlinearity ?? 'leakyRelu';
    oneOf(fn, `${name}.nonlinearity`, nl, NONLINEARITIES);
    if (nl !== 'leakyRelu')
      unused(fn, o, 'a', `${name}.a is leakyRelu's negative slope, and nonlinearity is ${nl}`);
  }
}

/** Fills `out` (a tensor of `shape`) by `init`, drawing from `rng`. */
export function initialize(
  out: Float32Array,
  shape: readonly number[],
  init: Init,
  rng: Rng,
): void {
  const fn = 'initialize';
  f32(fn, 'out', out);
  if (!Array.isArray(shape) || shape.reduce((a, d) => a * d, 1) !== out.length)
    throw new RangeError(
      `${fn}: shape must be an array whose product is out's length ${out.length}, got ${Array.isArray(shape) ? `[${shape.join(', ')}]` : typeof shape}`,
    );
  checkInit(fn, 'init', init);
  if (!(rng instanceof Rng)) throw new TypeError(`${fn}: rng must be an Rng`);
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
