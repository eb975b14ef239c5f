/**
 * Unary elementwise kernels, forward and backward. Every element is read as f32, computed
 * in f64 with cancellation-free formulas, and rounded once when stored.
 *
 * Each op has its own loop (the switch is outside the loop). `out` may be `x` and `dx` may be
 * `dy`: every loop reads element i before writing element i.
 */
import type { UnaryOp } from '../kernels.js';

// 1.0507009873554804934193349852946 and 1.6732632423543772848170429916717 rounded to f64.
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_C = 0.044715;

/**
 * erfc(z) for z >= 0: the Numerical Recipes `erfcc` Chebyshev fit, fractional error < 1.2e-7
 * everywhere (the fit both backends are specified to use).
 */
function erfcNonNeg(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  return (
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t *
                              (-1.13520398 +
                                t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  );
}

/** Logistic sigmoid, accurate in both tails. */
function sigmoid(x: number): number {
  const e = Math.exp(-Math.abs(x));
  const r = 1 / (1 + e);
  return x < 0 ? e * r : r;
}

/** softplus(x) = log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)). */
function softplus1(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

export function unary(
  op: UnaryOp,
  out: Float32Array,
  x: Float32Array,
  alpha: number,
  beta: number,
): void {
  const n = out.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    case 'abs':
      for (let i = 0; i < n; i++) out[i] = Math.abs(x[i]);
      return;
    case 'square':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v * v;
      }
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) out[i] = Math.sqrt(x[i]);
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) out[i] = Math.log(x[i]);
      return;
    case 'reciprocal':
      for (let i = 0; i < n; i++) out[i] = 1 / x[i];
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const e = Math.exp(-Math.abs(v));
        const r = 1 / (1 + e);
        out[i] = v < 0 ? e * r : r;
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        // biome-ignore lint/complexity/useMathMinMax: spec'd form; keeps -0 as -0 (Math.max gives +0)
        out[i] = v < 0 ? 0 : v;
      }
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : alpha * v;
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : alpha * Math.expm1(v);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Math.expm1(v);
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const q = 0.5 * erfcNonNeg(Math.abs(v) * INV_SQRT_2);
        out[i] = v * (v < 0 ? q : 1 - q);
      }
      return;
    case 'geluTanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const u2 = 2 * SQRT_2_OVER_PI * (v + GELU_C * v * v * v);
        const e = Math.exp(-Math.abs(u2));
        const r = 1 / (1 + e);
        out[i] = v * (u2 < 0 ? e * r : r);
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const e = Math.exp(-Math.abs(v));
        const r = 1 / (1 + e);
        out[i] = v * (v < 0 ? e * r : r);
      }
      return;
    case 'mish':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v * Math.tanh(softplus1(v));
      }
      return;
    case 'softplus': {
      // alpha = PyTorch's `beta` (scale), beta = PyTorch's `threshold`.
      const sc = alpha;
      const threshold = beta;
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const bx = sc * v;
        out[i] = bx > threshold ? v : softplus1(bx) / sc;
      }
      return;
    }
    case 'hardSigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v <= -3 ? 0 : v >= 3 ? 1 : (v + 3) / 6; // relu6(x + 3) / 6, exact near -3
      }
      return;
    default:
      throw new Error(`unknown unary op: ${String(op)}`);
  }
}

export function unaryBackward(
  op: UnaryOp,
  dx: Float32Array,
  x: Float32Array,
  dy: Float32Array,
  alpha: number,
  beta: number,
): void {
  const n = dx.length;
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) dx[i] = -dy[i];
      return;
    case 'abs':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        dx[i] = dy[i] * (v > 0 ? 1 : v < 0 ? -1 : 0);
      }
      return;
    case 'square':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * 2 * x[i];
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) dx[i] = (dy[i] * 0.5) / Math.sqrt(x[i]);
      return;
    case 'exp':
      for (let i = 0; i < n; i++) dx[i] = dy[i] * Math.exp(x[i]);
      return;
    case 'log':
      for (let i = 0; i < n; i++) dx[i] = dy[i] / x[i];
      return;
    case 'reciprocal':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        dx[i] = -dy[i] / (v * v);
      }
      return;
    case 'sigmoid':
      for (let i = 0; i < n; i++) {
        const e = Math.exp(-Math.abs(x[i]));
        const d = 1 + e;
        dx[i] = dy[i] * (e / (d * d));
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const e = Math.exp(-2 * Math.abs(x[i]));
        const d = 1 + e;
        dx[i] = dy[i] * ((4 * e) / (d * d));
      }
      return;
    case 'relu':
      for (let i = 0; i < n; i++) dx[i] = x[i] <= 0 ? 0 : dy[i];
      return;
    case 'leakyRelu':
      for (let i = 0; i < n; i++) {
        const g = dy[i];
        dx[i] = x[i] > 0 ? g : g * alpha;
      }
      return;
    case 'elu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const g = dy[i];
        dx[i] = v > 0 ? g : g * alpha * Math.exp(v);
      }
      return;
    case 'selu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const g = dy[i];
        dx[i] = v > 0 ? g * SELU_SCALE : g * SELU_SCALE * SELU_ALPHA * Math.exp(v);
      }
      return;
    case 'gelu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const q = 0.5 * erfcNonNeg(Math.abs(v) * INV_SQRT_2);
        const cdf = v < 0 ? q : 1 - q;
        const pdf = Math.exp(-0.5 * v * v) * INV_SQRT_2PI;
        dx[i] = dy[i] * (cdf + v * pdf);
      }
      return;
    case 'geluTanh':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const v2 = v * v;
        const u2 = 2 * SQRT_2_OVER_PI * (v + GELU_C * v2 * v);
        const e = Math.exp(-Math.abs(u2));
        const d = 1 + e;
        const r = 1 / d;
        const s = u2 < 0 ? e * r : r;
        const ds = e / (d * d);
        dx[i] = dy[i] * (s + v * ds * 2 * SQRT_2_OVER_PI * (1 + 3 * GELU_C * v2));
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const e = Math.exp(-Math.abs(v));
        const d = 1 + e;
        const r = 1 / d;
        const s = v < 0 ? e * r : r;
        dx[i] = dy[i] * (s + v * (e / (d * d)));
      }
      return;
    case 'mish':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        const sp = softplus1(v);
        const e2 = Math.exp(-2 * sp);
        const d2 = 1 + e2;
        const sech2 = (4 * e2) / (d2 * d2);
        dx[i] = dy[i] * (Math.tanh(sp) + v * sech2 * sigmoid(v));
      }
      return;
    case 'softplus': {
      const sc = alpha;
      const threshold = beta;
      for (let i = 0; i < n; i++) {
        const bx = sc * x[i];
        const g = dy[i];
        dx[i] = bx > threshold ? g : g * sigmoid(bx);
      }
      return;
    }
    case 'hardSigmoid':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        dx[i] = -3 < v && v < 3 ? dy[i] / 6 : 0;
      }
      return;
    default:
      throw new Error(`unknown unary op: ${String(op)}`);
  }
}
