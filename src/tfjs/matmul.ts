/**
 * BatchMatMul and _FusedMatMul (matmul + bias + activation, what tfjs-layers' Dense calls) on
 * descent's GEMM, one call per batch entry (one call in all when B is shared and A is not
 * transposed: the batch is then one tall matrix). Batch dimensions broadcast when the two
 * batch sizes are equal or one is 1; the bias may be anything that broadcasts to the output
 * as a row, a column or a scalar; the 'prelu' activation goes to tfjs cpu.
 */
import { backend_util, type TensorInfo } from '@tensorflow/tfjs-core';
import type { DescentBackend } from './backend.js';
import { broadcastBinary, canBroadcast } from './elementwise.js';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { applyActivation, fusedActivationSupported } from './unary.js';
import { f32, kernelsFor, sizeOf } from './util.js';

/** op(a)·op(b) with tfjs's batch broadcasting, or null when not lowered here. */
function matmul(
  backend: DescentBackend,
  a: TensorInfo,
  b: TensorInfo,
  transA: boolean,
  transB: boolean,
): { values: Float32Array; shape: number[] } | null {
  const av = f32(backend, a);
  const bv = f32(backend, b);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (av === null || bv === null || ra < 2 || rb < 2) return null;
  const m = transA ? a.shape[ra - 1] : a.shape[ra - 2];
  const k = transA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transB ? b.shape[rb - 2] : b.shape[rb - 1];
  if ((transB ? b.shape[rb - 1] : b.shape[rb - 2]) !== k) return null; // tfjs's error
  let batchShape: number[];
  try {
    batchShape = backend_util.assertAndGetBroadcastShape(
      a.shape.slice(0, -2),
      b.shape.slice(0, -2),
    );
  } catch {
    return null;
  }
  const batchA = sizeOf(a.shape.slice(0, -2));
  const batchB = sizeOf(b.shape.slice(0, -2));
  const batch = sizeOf(batchShape);
  if (batchA !== batch && batchA !== 1) return null;
  if (batchB !== batch && batchB !== 1) return null;
  const out = backend.alloc(batch * m * n);
  const kern = kernelsFor(m * n * k);
  if (batchB === 1 && batchA === batch && !transA) {
    kern.gemm(false, transB, batch * m, n, k, 1, av, bv, 0, out);
  } else {
    for (let i = 0; i < batch; i++) {
      const ai = batchA === 1 ? av : av.subarray(i * m * k, (i + 1) * m * k);
      const bi = batchB === 1 ? bv : bv.subarray(i * k * n, (i + 1) * k * n);
      kern.gemm(transA, transB, m, n, k, 1, ai, bi, 0, out.subarray(i * m * n, (i + 1) * m * n));
    }
  }
  return { values: out, shape: [...batchShape, m, n] };
}

const batchMatMul: DescentKernel = {
  kernelName: 'BatchMatMul',
  run({ inputs, backend, attrs }: KernelArgs) {
    const r = matmul(backend, inputs.a, inputs.b, !!attrs?.transposeA, !!attrs?.transposeB);
    return r && backend.makeTensorInfo(r.shape, 'float32', r.values);
  },
};

/** Whether `bias` (optional) can be added to an output of `shape` by `broadcastBinary`. */
export function biasFits(
  backend: DescentBackend,
  bias: TensorInfo | undefined,
  shape: readonly number[],
): boolean {
  if (bias === undefined) return true;
  return f32(backend, bias) !== null && canBroadcast(bias.shape, shape);
}

/** y += bias (broadcast), in place; `biasFits` said yes. */
export function addBias(
  backend: DescentBackend,
  y: Float32Array,
  shape: number[],
  bias: TensorInfo | undefined,
) {
  if (bias === undefined) return;
  broadcastBinary('add', y, y, shape, f32(backend, bias) as Float32Array, bias.shape, shape);
}

const fusedMatMul: DescentKernel = {
  kernelName: '_FusedMatMul',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { a, b, bias } = inputs;
    if (!fusedActivationSupported(attrs?.activation)) return null;
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) return null;
    // the output's shape, to check the bias before any work
    const m = attrs?.transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const n = attrs?.transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    let batchShape: number[];
    try {
      batchShape = backend_util.assertAndGetBroadcastShape(
        a.shape.slice(0, -2),
        b.shape.slice(0, -2),
      );
    } catch {
      return null;
    }
    if (!biasFits(backend, bias, [...batchShape, m, n])) return null;
    const r = matmul(backend, a, b, !!attrs?.transposeA, !!attrs?.transposeB);
    if (r === null) return null;
    addBias(backend, r.values, r.shape, bias);
    applyActivation(r.values, attrs?.activation, attrs?.leakyreluAlpha);
    return backend.makeTensorInfo(r.shape, 'float32', r.values);
  },
};

export const matmulKernels: DescentKernel[] = [batchMatMul, fusedMatMul];
