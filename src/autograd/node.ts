/**
 * A node of the tape: one recorded operation, its inputs, its outputs and its backward. The
 * node owns what it saved (inputs, masks, indices), so two calls never share a context.
 *
 * A backward is written once, in tensor operations, as PyTorch's derivatives.yaml writes its
 * formulas: without `createGraph` it runs with recording off (each operation is one kernel
 * call), with it the same code records a graph of the gradient, which is what makes
 * Hessian-vector products and second-order MAML work. Nodes whose fast backward is a fused
 * kernel branch on `ctx.createGraph` and keep the tensor-operation form for that case.
 */
import { isGradEnabled } from './grad-mode.js';
import type { Tensor } from './tensor.js';

/** What a node's backward sees. */
export interface BackwardCtx {
  /** True when the gradient must itself be differentiable (record with tensor operations). */
  readonly createGraph: boolean;
  /** Gradient w.r.t. output `k` (default 0); null when that output received none (zeros). */
  dy(k?: number): Tensor | null;
  /** Whether input `i`'s gradient is wanted. */
  needs(i: number): boolean;
  /** Adds `g` (input `i`'s shape) to input `i`'s gradient. */
  give(i: number, g: Tensor): void;
  /**
   * A buffer of input `i`'s shape to write its gradient into directly (fast path only): when
   * `accumulate`, add to what it holds (a parameter's arena gradient, or an earlier
   * contribution); otherwise overwrite every element.
   */
  target(i: number): { data: Float32Array; accumulate: boolean };
}

export interface NodeSpec {
  /** The operation's name, for error messages (e.g. 'matmul', 'Linear'). */
  name: string;
  /** Tensor inputs, in the order `needs`/`give` index them. */
  inputs: readonly Tensor[];
  backward(ctx: BackwardCtx): void;
  /** Gives back buffers the node saved for backward (called once, when the graph is freed). */
  free?(): void;
}

export class Node {
  readonly name: string;
  inputs: readonly Tensor[];
  outputs: readonly Tensor[];
  /** Storage versions of the inputs when recorded (an in-place write since is refused). */
  readonly versions: number[];
  spec: NodeSpec;
  freed = false;
  /** A createGraph backward ran through it: gradient graphs may hold its saved tensors. */
  createdGraph = false;

  constructor(spec: NodeSpec, outputs: readonly Tensor[]) {
    this.spec = spec;
    this.name = spec.name;
    this.inputs = spec.inputs;
    this.outputs = outputs;
    this.versions = spec.inputs.map((t) => t._storage.version);
  }

  /** Drops saved state and, for outputs only library code can reach, recycles their buffers. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    // After a createGraph backward, gradient graphs may still read what this node saved, so
    // it is left to the garbage collector instead of the pool.
    if (!this.createdGraph) {
      this.spec.free?.();
      for (const o of this.outputs) if (o._internal) o._release();
    }
    // The inputs stay (a later backward must still see where this node leads, to refuse going
    // through it); what it saved for its backward goes.
    this.spec = { name: this.name, inputs: this.inputs, backward: freedBackward };
  }
}

function freedBackward(): void {
  throw new Error('autograd: internal error: a freed node ran its backward');
}

/** Whether an operation on `inputs` records a node (grad mode on and some input is tracked). */
export function tracking(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  if (!isGradEnabled()) return false;
  for (const t of inputs) if (t && (t._requiresGrad || t._track)) return true;
  return false;
}

/**
 * Records `spec` as the producer of `outputs` when `tracking(...spec.inputs)`; otherwise frees
 * what the spec saved at once. Returns the first output for chaining.
 */
export function record<T extends Tensor>(spec: NodeSpec, outputs: readonly T[]): T {
  if (!tracking(...spec.inputs)) {
    spec.free?.();
    return outputs[0];
  }
  const node = new Node(spec, outputs);
  const rg = spec.inputs.some((t) => t._requiresGrad);
  outputs.forEach((o, k) => {
    o._node = node;
    o._outIndex = k;
    o._requiresGrad = rg;
    o._track = !rg;
  });
  return outputs[0];
}
