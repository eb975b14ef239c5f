/**
 * GatherV2 (what tfjs-layers' `model.fit` slices every batch with, inputs and labels), batchDims
 * 0, for float32, int32 and bool tensors in whatever typed array stores them (a one-hot label
 * tensor cast to float32 keeps its Int32Array): each index selects a contiguous block of the
 * input, copied with TypedArray#set (a memcpy, or a conversion into the output's type) instead
 * of tfjs cpu's per-element index arithmetic. Out-of-range indices, strings and complex
 * tensors go to the cpu kernel, which throws tfjs's errors.
 */
import { util } from '@tensorflow/tfjs-core';
import type { DescentKernel, KernelArgs } from './kernels.js';
import { sizeOf } from './util.js';

const gatherV2: DescentKernel = {
  kernelName: 'GatherV2',
  run({ inputs, backend, attrs }: KernelArgs) {
    const { x, indices } = inputs;
    const xv = backend.data.get(x.dataId)?.values;
    const iv = backend.data.get(indices.dataId)?.values;
    const numeric = x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool';
    if (
      !numeric ||
      !(xv instanceof Float32Array || xv instanceof Int32Array || xv instanceof Uint8Array) ||
      xv.length !== sizeOf(x.shape) ||
      !(iv instanceof Int32Array) ||
      Number(attrs?.batchDims ?? 0) !== 0
    )
      return null;
    const axis = util.parseAxisParam(attrs?.axis as number, x.shape)[0];
    const dim = x.shape[axis];
    for (let i = 0; i < iv.length; i++) if (!(iv[i] >= 0 && iv[i] < dim)) return null;
    const outer = sizeOf(x.shape.slice(0, axis));
    const inner = sizeOf(x.shape.slice(axis + 1));
    const n = iv.length;
    const size = outer * n * inner;
    const out =
      x.dtype === 'float32'
        ? backend.alloc(size)
        : x.dtype === 'int32'
          ? new Int32Array(size)
          : new Uint8Array(size);
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
    return backend.makeTensorInfo(shape, x.dtype, out);
  },
};

export const gatherKernels: DescentKernel[] = [gatherV2];
