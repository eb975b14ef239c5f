/**
 * Tensor methods (`x.add(y).relu().sum()`), each the function of the same name in ops/, plus
 * the tensor-only ones: backward, detach, clone, item, toArray, float, to.
 */
import { BACKEND_NAMES, type BackendName } from '../backend/select.js';
import { oneOf } from '../backend/validate.js';
import { type BackwardOptions, backward } from './functional.js';
import { noGrad } from './grad-mode.js';
import type { Operand } from './ops/elementwise.js';
import * as ew from './ops/elementwise.js';
import * as ix from './ops/gather.js';
import { type MatmulOptions, matmul } from './ops/matmul.js';
import { type PadOptions, pad, repeat, tile } from './ops/pad.js';
import { mean, type ReduceOptions, sum } from './ops/reduce.js';
import * as rm from './ops/reduce-max.js';
import { std, type VarOptions, variance } from './ops/reduce-var.js';
import * as sh from './ops/shape.js';
import * as sl from './ops/slice.js';
import { logSoftmax, softmax } from './ops/softmax.js';
import * as un from './ops/unary.js';
import { where } from './ops/where.js';
import type { DType } from './storage.js';
import { emptyTensor, Tensor, type TensorLike, viewOf } from './tensor.js';

declare module './tensor.js' {
  interface Tensor<D extends DType = 'float32'> {
    /** Backpropagates from this tensor (a scalar, or pass its `gradient`) into every leaf's `.grad`. */
    backward(gradient?: TensorLike | null, options?: BackwardOptions): void;
    /** The same values cut from the graph (a leaf that does not require grad; shares the buffer). */
    detach(): Tensor<D>;
    /** A copy (recorded: gradients flow back to this tensor). */
    clone(): Tensor<D>;
    /** The value of a one-element tensor. */
    item(): number;
    /** The values as (nested) JS arrays. */
    toArray(): unknown[] | number;
    /** A float32 copy (int32 → float32; float32 → itself). */
    float(): Tensor;
    /** The same tensor for `backend` (the buffer is shared: both backends read the same memory). */
    to(backend: BackendName): Tensor<D>;
    add(b: Operand): Tensor;
    sub(b: Operand): Tensor;
    mul(b: Operand): Tensor;
    div(b: Operand): Tensor;
    pow(b: Operand): Tensor;
    neg(): Tensor;
    maximum(b: Operand): Tensor;
    minimum(b: Operand): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    clamp(lo?: number, hi?: number): Tensor;
    matmul(b: TensorLike, opts?: MatmulOptions): Tensor;
    sum(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    mean(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor<D>;
    flatten(start?: number, end?: number): Tensor<D>;
    unsqueeze(axis: number): Tensor<D>;
    squeeze(axis?: number): Tensor<D>;
    permute(dims: readonly number[]): Tensor<D>;
    transpose(a?: number, b?: number): Tensor<D>;
    expand(shape: readonly number[]): Tensor;
    /** Largest element over `axes` (torch.amax: ties share the gradient). */
    max(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** Smallest element over `axes` (torch.amin). */
    min(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    argmax(axis?: number, opts?: ReduceOptions): Tensor<'int32'>;
    logsumexp(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    var(axes?: number | readonly number[], opts?: VarOptions): Tensor;
    std(axes?: number | readonly number[], opts?: VarOptions): Tensor;
    /** this where cond is true, `other` elsewhere (torch's `x.where(cond, y)`). */
    where(cond: TensorLike, other: Operand): Tensor;
    slice(axis: number, start?: number, end?: number, step?: number): Tensor<D>;
    split(sizes: number | readonly number[], axis?: number): Tensor<D>[];
    chunk(chunks: number, axis?: number): Tensor<D>[];
    gather(axis: number, index: TensorLike): Tensor;
    indexSelect(axis: number, index: TensorLike): Tensor;
    pad(pads: readonly number[], opts?: PadOptions): Tensor;
    repeat(reps: readonly number[]): Tensor;
    tile(reps: readonly number[]): Tensor;
  }
}

type T = Tensor;
const P = Tensor.prototype as unknown as Record<string, unknown>;
const f32 = (t: unknown) => t as T;

Object.assign(P, {
  backward(this: T, gradient?: TensorLike | null, options?: BackwardOptions) {
    backward(this, gradient, options);
  },
  detach(this: Tensor<DType>) {
    const v = viewOf(this, this.shape);
    v.name = this.name;
    return v;
  },
  clone(this: Tensor<DType>) {
    if (this.dtype === 'int32') {
      const c = emptyTensor(this.shape, 'int32');
      c._d.set(this._d as Int32Array);
      c._backend = this._backend;
      return c;
    }
    return ew.mul(f32(this), 1);
  },
  item(this: Tensor<DType>) {
    if (this.size !== 1)
      throw new RangeError(`Tensor.item: ${this.label()} has ${this.size} elements, not 1`);
    return this._d[0];
  },
  toArray(this: Tensor<DType>) {
    const d = this._d;
    const build = (dim: number, off: number): unknown[] | number => {
      if (dim === this.shape.length) return d[off];
      const n = this.shape[dim];
      let stride = 1;
      for (let i = dim + 1; i < this.shape.length; i++) stride *= this.shape[i];
      return Array.from({ length: n }, (_, i) => build(dim + 1, off + i * stride));
    };
    return build(0, 0);
  },
  float(this: Tensor<DType>) {
    if (this.dtype === 'float32') return this;
    return noGrad(() => {
      const c = emptyTensor(this.shape);
      c._d.set(this._d);
      c._backend = this._backend;
      return c;
    });
  },
  to(this: Tensor<DType>, name: BackendName) {
    oneOf('Tensor.to', 'backend', name, BACKEND_NAMES);
    if (this._backend === name) return this;
    const v = this.dtype === 'float32' ? (ew.mul(f32(this), 1) as Tensor<DType>) : this.clone();
    v._backend = name;
    return v;
  },
  add(this: T, b: Operand) {
    return ew.add(this, b);
  },
  sub(this: T, b: Operand) {
    return ew.sub(this, b);
  },
  mul(this: T, b: Operand) {
    return ew.mul(this, b);
  },
  div(this: T, b: Operand) {
    return ew.div(this, b);
  },
  pow(this: T, b: Operand) {
    return ew.pow(this, b);
  },
  neg(this: T) {
    return ew.neg(this);
  },
  maximum(this: T, b: Operand) {
    return ew.maximum(this, b);
  },
  minimum(this: T, b: Operand) {
    return ew.minimum(this, b);
  },
  exp(this: T) {
    return un.exp(this);
  },
  log(this: T) {
    return un.log(this);
  },
  sqrt(this: T) {
    return un.sqrt(this);
  },
  abs(this: T) {
    return un.abs(this);
  },
  square(this: T) {
    return un.square(this);
  },
  sigmoid(this: T) {
    return un.sigmoid(this);
  },
  tanh(this: T) {
    return un.tanh(this);
  },
  relu(this: T) {
    return un.relu(this);
  },
  clamp(this: T, lo?: number, hi?: number) {
    return un.clamp(this, lo, hi);
  },
  matmul(this: T, b: TensorLike, opts?: MatmulOptions) {
    return matmul(this, b, opts);
  },
  sum(this: T, axes?: number | readonly number[], opts?: ReduceOptions) {
    return sum(this, axes, opts);
  },
  mean(this: T, axes?: number | readonly number[], opts?: ReduceOptions) {
    return mean(this, axes, opts);
  },
  softmax(this: T, axis?: number) {
    return softmax(this, axis);
  },
  logSoftmax(this: T, axis?: number) {
    return logSoftmax(this, axis);
  },
  reshape(this: T, shape: readonly number[]) {
    return sh.reshape(this, shape);
  },
  flatten(this: T, start?: number, end?: number) {
    return sh.flatten(this, start, end);
  },
  unsqueeze(this: T, axis: number) {
    return sh.unsqueeze(this, axis);
  },
  squeeze(this: T, axis?: number) {
    return sh.squeeze(this, axis);
  },
  permute(this: T, dims: readonly number[]) {
    return sh.permute(this, dims);
  },
  transpose(this: T, a?: number, b?: number) {
    return sh.transpose(this, a, b);
  },
  expand(this: T, shape: readonly number[]) {
    return ew.expand(this, shape);
  },
  max(this: T, axes?: number | readonly number[], opts?: ReduceOptions) {
    return rm.max(this, axes, opts);
  },
  min(this: T, axes?: number | readonly number[], opts?: ReduceOptions) {
    return rm.min(this, axes, opts);
  },
  argmax(this: T, axis?: number, opts?: ReduceOptions) {
    return rm.argmax(this, axis, opts);
  },
  logsumexp(this: T, axes?: number | readonly number[], opts?: ReduceOptions) {
    return rm.logsumexp(this, axes, opts);
  },
  var(this: T, axes?: number | readonly number[], opts?: VarOptions) {
    return variance(this, axes, opts);
  },
  std(this: T, axes?: number | readonly number[], opts?: VarOptions) {
    return std(this, axes, opts);
  },
  where(this: T, cond: TensorLike, other: Operand) {
    return where(cond, this, other);
  },
  slice(this: T, axis: number, start?: number, end?: number, step?: number) {
    return sl.slice(this, axis, start, end, step);
  },
  split(this: T, sizes: number | readonly number[], axis?: number) {
    return sl.split(this, sizes, axis);
  },
  chunk(this: T, chunks: number, axis?: number) {
    return sl.chunk(this, chunks, axis);
  },
  gather(this: T, axis: number, index: TensorLike) {
    return ix.gather(this, axis, index);
  },
  indexSelect(this: T, axis: number, index: TensorLike) {
    return ix.indexSelect(this, axis, index);
  },
  pad(this: T, pads: readonly number[], opts?: PadOptions) {
    return pad(this, pads, opts);
  },
  repeat(this: T, reps: readonly number[]) {
    return repeat(this, reps);
  },
  tile(this: T, reps: readonly number[]) {
    return tile(this, reps);
  },
});
