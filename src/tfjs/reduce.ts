/**
 * Reductions (Sum, Mean, Max) and Softmax on descent's `sum`/`max`/`colSums`/`softmax`.
 * Reduced axes must be leading (column sums: bias gradients) or trailing (row reductions:
 * losses, log-sum-exp) once size-1 axes are ignored; interleaved axes go to tfjs cpu, which
 * transposes first. Sums accumulate in f64 (js) or in f32 blocks summed in f64 (native).
 */
import { util } from '@tensorflow/tfjs-core';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { f32, kernelsFor, output } from './util.js';

/** The reduction as rows × cols: `leading` reduces over rows, `trailing` over cols. */
type Layout = { kind: 'leading' | 'trailing'; rows: number; cols: number };

function layoutOf(shape: readonly number[], axes: readonly number[]): Layout | null {
  let pattern = '';
  let first = 1;
  let second = 1;
  for (let i = 0; i < shape.length; i++) {
    if (shape[i] === 1) continue;
    const p = axes.includes(i) ? 'R' : 'K';
    if (pattern.at(-1) !== p) pattern += p;
    if (pattern.length === 1) first *= shape[i];
    else second *= shape[i];
  }
  // all reduced (or nothing but size-1 axes): one row; nothing reduced: one column per element
  if (pattern === '' || pattern === 'R') return { kind: 'trailing', rows: 1, cols: first };
  if (pattern === 'K') return { kind: 'trailing', rows: first, cols: 1 };
  if (pattern === 'RK') return { kind: 'leading', rows: first, cols: second };
  if (pattern === 'KR') return { kind: 'trailing', rows: first, cols: second };
  return null;
}

function outShape(shape: readonly number[], axes: readonly number[], keepDims: unknown) {
  return keepDims
    ? shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : shape.filter((_, i) => !axes.includes(i));
}

type Reduce = 'sum' | 'mean' | 'max';

/** Rows shorter than this are reduced by the loop below: a kernel call per row costs more. */
const SHORT_ROW = 64;

/** Row reductions of short rows, as descent's js kernels compute them (f64 sums, NaN-propagating max). */
function shortRows(kind: Reduce, out: Float32Array, x: Float32Array, cols: number) {
  for (let r = 0, o = 0; r < out.length; r++, o += cols) {
    if (kind === 'max') {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = o; j < o + cols; j++) {
        const v = x[j];
        if (v > m || Number.isNaN(v)) m = v;
        if (Number.isNaN(m)) break;
      }
      out[r] = m;
    } else {
      let s = 0;
      for (let j = o; j < o + cols; j++) s += x[j];
      out[r] = kind === 'sum' ? s : s / cols;
    }
  }
}

function reduceKernel(kernelName: string, kind: Reduce, axisAttr: string): DescentKernel {
  return {
    kernelName,
    run({ inputs, backend, attrs }: KernelArgs) {
      const x = inputs.x;
      const xv = f32(backend, x);
      if (xv === null || xv.length === 0) return null;
      const axes = util.parseAxisParam(attrs?.[axisAttr] as number | number[], x.shape);
      const lay = layoutOf(x.shape, axes);
      if (lay === null || (kind === 'max' && lay.kind === 'leading')) return null;
      const { rows, cols } = lay;
      const out = backend.alloc(lay.kind === 'leading' ? cols : rows);
      if (lay.kind === 'leading') {
        const k = kernelsFor(xv.length);
        k.colSums(out, xv, rows, cols, false);
        if (kind === 'mean') k.binaryScalar('div', out, out, rows);
      } else if (cols === 1) out.set(xv);
      else if (cols < SHORT_ROW) shortRows(kind, out, xv, cols);
      else {
        const k = kernelsFor(cols);
        for (let r = 0; r < rows; r++) {
          const row = xv.subarray(r * cols, (r + 1) * cols);
          out[r] = kind === 'max' ? k.max(row) : kind === 'sum' ? k.sum(row) : k.sum(row) / cols;
        }
      }
      return output(backend, outShape(x.shape, axes, attrs?.keepDims), out);
    },
  };
}

const softmax: DescentKernel = {
  kernelName: 'Softmax',
  run({ inputs, backend, attrs }: KernelArgs) {
    const x = inputs.logits;
    const xv = f32(backend, x);
    const rank = x.shape.length;
    const dim = Number(attrs?.dim ?? -1);
    if (xv === null || rank === 0 || (dim !== -1 && dim !== rank - 1)) return null;
    const cols = x.shape[rank - 1];
    if (cols === 0) return null;
    const out = backend.alloc(xv.length);
    kernelsFor(xv.length * 8).softmax(out, xv, xv.length / cols, cols, false);
    return output(backend, x.shape.slice(), out);
  },
};

export const reduceKernels: DescentKernel[] = [
  reduceKernel('Sum', 'sum', 'axis'),
  reduceKernel('Mean', 'mean', 'axis'),
  reduceKernel('Max', 'max', 'reductionIndices'),
  softmax,
];
