/**
 * Unary elementwise kernels and activations on descent's `unary`/`clamp`, plus the fused
 * activations of _FusedMatMul and FusedConv2D. tfjs's formulas where they differ from
 * descent's defaults: Elu α = 1; Softplus returns x above −(ln ε_f32 + 2) ≈ 13.94 (tfjs cpu's
 * threshold); Relu6 = clamp(x, 0, 6). NaN propagates in every one, as in tfjs.
 */
import type { UnaryOp } from '../backend/kernels.js';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { f32, kernelsFor, onesOf, output } from './util.js';

/** tfjs cpu's Softplus threshold: ln(2^-23) + 2, negated. */
const SOFTPLUS_THRESHOLD = -(Math.log(1.1920928955078125e-7) + 2);

function unaryKernel(
  kernelName: string,
  op: UnaryOp,
  params: (attrs: Record<string, unknown>) => [number, number] = () => [0, 0],
): DescentKernel {
  return {
    kernelName,
    run({ inputs, backend, attrs }: KernelArgs) {
      const x = inputs.x;
      const xv = f32(backend, x);
      if (xv === null) return null;
      const [alpha, beta] = params(attrs ?? {});
      const out = backend.alloc(xv.length);
      kernelsFor(xv.length * (op === 'relu' || op === 'neg' || op === 'abs' ? 1 : 8)).unary(
        op,
        out,
        xv,
        alpha,
        beta,
      );
      return output(backend, x.shape.slice(), out);
    },
  };
}

function clampKernel(
  kernelName: string,
  bounds: (attrs: Record<string, unknown>) => [number, number],
): DescentKernel {
  return {
    kernelName,
    run({ inputs, backend, attrs }: KernelArgs) {
      const xv = f32(backend, inputs.x);
      if (xv === null) return null;
      const [lo, hi] = bounds(attrs ?? {});
      const out = backend.alloc(xv.length);
      kernelsFor(xv.length).clamp(out, xv, lo, hi);
      return output(backend, inputs.x.shape.slice(), out);
    },
  };
}

/**
 * Step (what tfjs's gradients multiply by for relu): 1 where x > 0, α elsewhere, NaN kept.
 * For α = 0 it is descent's relu derivative applied to ones (exact), unless x holds a NaN
 * (descent's derivative maps NaN to a number); otherwise a loop here.
 */
const step: DescentKernel = {
  kernelName: 'Step',
  run({ inputs, backend, attrs }: KernelArgs) {
    const xv = f32(backend, inputs.x);
    if (xv === null) return null;
    const alpha = Math.fround(Number(attrs?.alpha ?? 0));
    const out = backend.alloc(xv.length);
    const k = kernelsFor(xv.length);
    if (alpha === 0 && !Number.isNaN(k.max(xv)))
      k.unaryBackward('relu', out, xv, onesOf(xv.length), 0, 0);
    else
      for (let i = 0; i < xv.length; i++) {
        const v = xv[i];
        out[i] = v > 0 ? 1 : Number.isNaN(v) ? Number.NaN : alpha;
      }
    return output(backend, inputs.x.shape.slice(), out);
  },
};

export const unaryKernels: DescentKernel[] = [
  unaryKernel('Abs', 'abs'),
  unaryKernel('Neg', 'neg'),
  unaryKernel('Square', 'square'),
  unaryKernel('Sqrt', 'sqrt'),
  unaryKernel('Exp', 'exp'),
  unaryKernel('Log', 'log'),
  unaryKernel('Reciprocal', 'reciprocal'),
  unaryKernel('Sigmoid', 'sigmoid'),
  unaryKernel('Tanh', 'tanh'),
  unaryKernel('Relu', 'relu'),
  unaryKernel('Elu', 'elu', () => [1, 0]),
  unaryKernel('Selu', 'selu'),
  unaryKernel('Softplus', 'softplus', () => [1, SOFTPLUS_THRESHOLD]),
  unaryKernel('LeakyRelu', 'leakyRelu', (a) => [Number(a.alpha), 0]),
  clampKernel('Relu6', () => [0, 6]),
  clampKernel('ClipByValue', (a) => [Number(a.clipValueMin), Number(a.clipValueMax)]),
  step,
];

/** tfjs's fused activations that descent applies in place; 'prelu' (a weights tensor) is not. */
export function fusedActivationSupported(activation: unknown): boolean {
  return (
    activation === undefined ||
    activation === null ||
    ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid'].includes(activation as string)
  );
}

/** Applies a supported fused activation to `y` in place. */
export function applyActivation(y: Float32Array, activation: unknown, leakyreluAlpha: unknown) {
  const k = kernelsFor(y.length);
  switch (activation) {
    case 'relu':
      k.unary('relu', y, y, 0, 0);
      return;
    case 'relu6':
      k.clamp(y, y, 0, 6);
      return;
    case 'elu':
      kernelsFor(y.length * 8).unary('elu', y, y, 1, 0);
      return;
    case 'leakyrelu':
      k.unary('leakyRelu', y, y, Number(leakyreluAlpha ?? 0.2), 0);
      return;
    case 'sigmoid':
      kernelsFor(y.length * 8).unary('sigmoid', y, y, 0, 0);
      return;
    default: // linear
      return;
  }
}
