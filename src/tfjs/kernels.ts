/**
 * The kernels the `descent` backend runs itself. Each returns null for inputs it does not
 * handle (dtype other than float32, layouts or attributes outside its lowering), and the
 * registration in ./index.ts then calls tfjs cpu's kernel with the same arguments.
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { DescentBackend } from './backend.js';

export interface KernelArgs {
  inputs: Record<string, TensorInfo>;
  backend: DescentBackend;
  attrs?: Record<string, unknown>;
}

/** A descent kernel: its tfjs name and a function returning its output, or null to fall back. */
export interface DescentKernel {
  kernelName: string;
  run(args: KernelArgs): TensorInfo | TensorInfo[] | null;
}
