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
    /** this + b, broadcasting (torch.add). */
    add(b: Operand): Tensor;
    /** this − b, broadcasting (torch.sub). */
    sub(b: Operand): Tensor;
    /** this · b elementwise, broadcasting (torch.mul). */
    mul(b: Operand): Tensor;
    /** this / b elementwise, broadcasting (torch.div). */
    div(b: Operand): Tensor;
    /** thisᵇ elementwise; a tensor exponent differentiates through log(this) (torch.pow). */
    pow(b: Operand): Tensor;
    /** −this. */
    neg(): Tensor;
    /** Elementwise maximum with `b` (NaN propagates; ties share the gradient, torch.maximum). */
    maximum(b: Operand): Tensor;
    /** Elementwise minimum with `b` (NaN propagates; ties share the gradient, torch.minimum). */
    minimum(b: Operand): Tensor;
    /** eˣ elementwise. */
    exp(): Tensor;
    /** Natural logarithm elementwise (NaN below 0, −∞ at 0). */
    log(): Tensor;
    /** √x elementwise (NaN below 0). */
    sqrt(): Tensor;
    /** |x| elementwise (gradient 0 at 0, as torch). */
    abs(): Tensor;
    /** x² elementwise. */
    square(): Tensor;
    /** 1 / (1 + e⁻ˣ) elementwise. */
    sigmoid(): Tensor;
    /** Hyperbolic tangent elementwise. */
    tanh(): Tensor;
    /** max(x, 0) elementwise (gradient 0 at 0, as torch). */
    relu(): Tensor;
    /** min(max(x, lo), hi) (defaults −∞, +∞); the gradient passes where lo ≤ x ≤ hi (torch.clamp). */
    clamp(lo?: number, hi?: number): Tensor;
    /** Matrix product with torch.matmul's rules (batched, broadcast; 1-D operands promoted then squeezed). */
    matmul(b: TensorLike, opts?: MatmulOptions): Tensor;
    /** Σ over `axes` (all by default); `keepdims` keeps them as size 1 (torch.sum). */
    sum(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** Mean over `axes` (all by default); `keepdims` keeps them as size 1 (torch.mean). */
    mean(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** exp(x) / Σ exp(x) along `axis` (default −1). */
    softmax(axis?: number): Tensor;
    /** x − log Σ exp(x) along `axis` (default −1), computed stably. */
    logSoftmax(axis?: number): Tensor;
    /** The same elements under `shape` (one entry may be −1); shares the buffer. */
    reshape(shape: readonly number[]): Tensor<D>;
    /** Axes `start`…`end` (inclusive; default 1…−1, keeping the batch axis) merged into one. */
    flatten(start?: number, end?: number): Tensor<D>;
    /** A size-1 axis inserted at `axis` (in [−ndim−1, ndim]). */
    unsqueeze(axis: number): Tensor<D>;
    /** Size-1 axes removed: all of them, or the one at `axis` (which must have size 1). */
    squeeze(axis?: number): Tensor<D>;
    /** Axes reordered: output axis i is input axis `dims[i]` (torch.permute). Copies. */
    permute(dims: readonly number[]): Tensor<D>;
    /** Axes `a` and `b` swapped (default the last two: a matrix transpose). */
    transpose(a?: number, b?: number): Tensor<D>;
    /** Broadcast to `shape` (a copy; the gradient is summed back). */
    expand(shape: readonly number[]): Tensor;
    /** Largest element over `axes` (torch.amax: ties share the gradient). */
    max(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** Smallest element over `axes` (torch.amin). */
    min(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** Index (int32) of the first largest element along `axis`, or over the flattened tensor without one (torch.argmax). Not differentiable. */
    argmax(axis?: number, opts?: ReduceOptions): Tensor<'int32'>;
    /** log Σ exp(x) over `axes` (all by default), computed stably (torch.logsumexp). */
    logsumexp(axes?: number | readonly number[], opts?: ReduceOptions): Tensor;
    /** Variance over `axes` (all by default), divisor N − correction (default correction 1, torch.var). */
    var(axes?: number | readonly number[], opts?: VarOptions): Tensor;
    /** Standard deviation over `axes` (all by default), torch.std; the gradient is 0 where it is 0. */
    std(axes?: number | readonly number[], opts?: VarOptions): Tensor;
    /** this where cond is true, `other` elsewhere (torch's `x.where(cond, y)`). */
    where(cond: TensorLike, other: Operand): Tensor;
    /** Elements start, start + step, … before `end` along `axis` (torch's `x[..., start:end:step]`; negative bounds count from the end). Copies. */
    slice(axis: number, start?: number, end?: number, step?: number): Tensor<D>;
    /** Pieces along `axis` (default 0) of `sizes` elements each (the last may be shorter), or of the given sizes (torch.split). */
    split(sizes: number | readonly number[], axis?: number): Tensor<D>[];
    /** `chunks` pieces along `axis` (default 0) of ⌈n/chunks⌉ elements, the last shorter (torch.chunk). */
    chunk(chunks: number, axis?: number): Tensor<D>[];
    /** Values picked along `axis` by an int32 `index` of the same rank; the result has index's shape (torch.gather). */
    gather(axis: number, index: TensorLike): Tensor;
    /** Slices `index[j]` along `axis`, for a 1-D int32 `index` (torch.index_select). */
    indexSelect(axis: number, index: TensorLike): Tensor;
    /** Padded: `pads` are (before, after) pairs starting from the last axis, as torch.nn.functional.pad. */
    pad(pads: readonly number[], opts?: PadOptions): Tensor;
    /** Repeated `reps[i]` times along each axis (torch's Tensor.repeat: reps has at least ndim entries). */
    repeat(reps: readonly number[]): Tensor;
    /** As `repeat`, with `reps` shorter than ndim padded with leading 1s (torch.tile). */
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
