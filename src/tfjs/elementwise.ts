/**
 * Binary elementwise kernels (Add, Sub, Multiply, RealDiv, Maximum, Minimum,
 * SquaredDifference, AddN) on descent's `binary`/`binaryScalar`/`biasAdd`. Broadcasting is
 * lowered when one operand has the output's shape and the other is a scalar, a block repeated
 * over the leading axes (a bias row) or one value per run of trailing elements (a [N, 1]
 * column); other broadcasts, and dtypes other than float32, go to tfjs cpu.
 */
import { backend_util } from '@tensorflow/tfjs-core';
import type { BinaryOp } from '../backend/kernels.js';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { f32, kernelsFor, output, sizeOf } from './util.js';

/**
 * How the smaller operand `s` of a binary op meets the full one: `same` (equal sizes),
 * `rows` (s is a block of `inner` values repeated over `outer` rows), `runs` (s[r] applies to
 * the `inner` consecutive elements of run r; a scalar is one run).
 */
type Plan = { kind: 'same' } | { kind: 'rows' | 'runs'; outer: number; inner: number };

function planOf(small: readonly number[], out: readonly number[]): Plan | null {
  const pad = out.length - small.length;
  // per output axis (size-1 axes skipped): does `small` repeat along it (B) or follow it (F)?
  let pattern = '';
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < out.length; i++) {
    if (out[i] === 1) continue;
    const d = i < pad ? 1 : small[i - pad];
    const p = d === 1 ? 'B' : 'F';
    if (pattern.at(-1) !== p) pattern += p;
    if (pattern.length === 1) outer *= out[i];
    else inner *= out[i];
  }
  if (pattern === '' || pattern === 'F') return { kind: 'same' };
  if (pattern === 'B') return { kind: 'runs', outer: 1, inner: outer };
  if (pattern === 'BF') return { kind: 'rows', outer, inner };
  if (pattern === 'FB') return { kind: 'runs', outer, inner };
  return null;
}

/** Whether `small` broadcasts to `out` (unchanged) in one of the forms `broadcastBinary` lowers. */
export function canBroadcast(small: readonly number[], out: readonly number[]): boolean {
  if (small.length > out.length) return false;
  const pad = out.length - small.length;
  if (small.some((d, i) => d !== 1 && d !== out[i + pad])) return false;
  return planOf(small, out) !== null;
}

/** out = a op b for a full `a` and the scalar b = s (`left`: out = s op a). */
function scalarOp(op: BinaryOp, out: Float32Array, x: Float32Array, s: number, left: boolean) {
  const k = kernelsFor(out.length);
  if (!left || op === 'add' || op === 'mul' || op === 'max' || op === 'min')
    k.binaryScalar(op, out, x, s);
  else if (op === 'sub') {
    k.binaryScalar('sub', out, x, s); // s − x = −(x − s) exactly
    k.unary('neg', out, out, 0, 0);
  } else {
    k.fill(out, s);
    k.binary(op, out, out, x);
  }
}

/**
 * out = a op b (shapes broadcast to `outShape`), or false when the broadcast is not one of
 * the lowered forms.
 */
export function broadcastBinary(
  op: BinaryOp,
  out: Float32Array,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): boolean {
  const n = out.length;
  const aFull = a.length === n;
  const bFull = b.length === n;
  if (aFull && bFull) {
    kernelsFor(n).binary(op, out, a, b);
    return true;
  }
  if (!aFull && !bFull) return false;
  const [full, small, smallShape, smallIsA] = aFull ? [a, b, bShape, false] : [b, a, aShape, true];
  const plan = planOf(smallShape, outShape);
  if (plan === null) return false;
  if (plan.kind === 'same') kernelsFor(n).binary(op, out, a, b);
  else if (plan.kind === 'rows') {
    const { outer, inner } = plan;
    if (op === 'add') {
      const k = kernelsFor(n);
      k.copy(out, full);
      k.biasAdd(out, small, outer, inner, 1);
    } else {
      const k = kernelsFor(inner);
      for (let o = 0; o < outer; o++) {
        const rows = out.subarray(o * inner, (o + 1) * inner);
        const f = full.subarray(o * inner, (o + 1) * inner);
        if (smallIsA) k.binary(op, rows, small, f);
        else k.binary(op, rows, f, small);
      }
    }
  } else {
    const { outer, inner } = plan;
    for (let o = 0; o < outer; o++)
      scalarOp(
        op,
        out.subarray(o * inner, (o + 1) * inner),
        full.subarray(o * inner, (o + 1) * inner),
        small[o],
        smallIsA,
      );
  }
  return true;
}

function binaryKernel(kernelName: string, op: BinaryOp, square = false): DescentKernel {
  return {
    kernelName,
    run({ inputs, backend }: KernelArgs) {
      const { a, b } = inputs;
      const av = f32(backend, a);
      const bv = f32(backend, b);
      if (av === null || bv === null) return null;
      const shape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = backend.alloc(sizeOf(shape));
      if (!broadcastBinary(op, out, av, a.shape, bv, b.shape, shape)) return null;
      if (square) kernelsFor(out.length).unary('square', out, out, 0, 0);
      return output(backend, shape, out);
    },
  };
}

const addN: DescentKernel = {
  kernelName: 'AddN',
  run({ inputs, backend }: KernelArgs) {
    const list = Object.values(inputs);
    const vals = list.map((t) => f32(backend, t));
    if (list.length === 0 || vals.some((v) => v === null)) return null;
    const shape = list[0].shape;
    if (list.some((t) => t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])))
      return null;
    const first = vals[0] as Float32Array;
    const out = backend.alloc(first.length);
    const k = kernelsFor(out.length);
    k.copy(out, first);
    for (let i = 1; i < vals.length; i++) k.binary('add', out, out, vals[i] as Float32Array);
    return output(backend, shape.slice(), out);
  },
};

export const elementwiseKernels: DescentKernel[] = [
  binaryKernel('Add', 'add'),
  binaryKernel('Sub', 'sub'),
  binaryKernel('Multiply', 'mul'),
  binaryKernel('RealDiv', 'div'),
  binaryKernel('Maximum', 'max'),
  binaryKernel('Minimum', 'min'),
  binaryKernel('SquaredDifference', 'sub', true),
  addN,
];
