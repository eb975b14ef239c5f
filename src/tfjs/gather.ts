/**
 * GatherV2 (what tfjs-layers' `model.fit` slices every batch with) for float32 tensors,
 * batchDims 0: each index selects a contiguous block of the input, copied with
 * TypedArray#set (a memcpy) instead of tfjs cpu's per-element index arithmetic. Out-of-range
 * indices go to the cpu kernel, which throws tfjs's error.
 */
import { util } from '@tensorflow/tfjs-core';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { f32, output, sizeOf } from './util.js';

const gatherV2: DescentKernel = {
  kernelName: 'GatherV2',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { x, indices } = inputs;
    const xv = f32(backend, x);
    const iv = backend.data.get(indices.dataId)?.values;
    if (xv === null || !(iv instanceof Int32Array) || Number(attrs?.batchDims ?? 0) !== 0)
      return null;
    const axis = util.parseAxisParam(attrs?.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    for (let i = 0; i < iv.length; i++) if (!(iv[i] >= 0 && iv[i] < dim)) return null;
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const n = iv.length;
    const out = backend.alloc(outer * n * inner);
    if (inner === 1)
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < n; j++) out[o * n + j] = xv[o * dim + iv[j]];
    else
      for (let o = 0; o < outer; o++)
        for (let j = 0; j < n; j++) {
          const src = (o * dim + iv[j]) * inner;
          out.set(xv.subarray(src, src + inner), (o * n + j) * inner);
        }
    const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
    return output(backend, shape, out);
  },
};

export const gatherKernels: DescentKernel[] = [gatherV2];
