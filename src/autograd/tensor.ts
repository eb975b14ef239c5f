/**
 * A tensor: a shape, a dtype (float32 or int32) and a dense row-major typed array, plus what
 * the tape needs (the node that produced it, whether it requires a gradient, its `.grad`).
 * Operations on tensors record nodes (see node.ts); `backward()` walks them (engine.ts), as
 * PyTorch's autograd does. Methods such as `t.add(u)` are attached in methods.ts.
 */
import type { BackendName } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import type { Node } from './node.js';
import { noteNew } from './scope.js';
import {
  type ArrayOf,
  type DType,
  externalStorage,
  pooledStorage,
  type Storage,
} from './storage.js';

export type { ArrayOf, DType } from './storage.js';

/** Anything with a typed array and a shape: a Tensor, or a plain `{ data, shape }`. */
export interface TensorLike {
  /** The values, row-major. */
  readonly data: Float32Array | Int32Array;
  /** The dimensions; `data.length` is their product. */
  readonly shape: readonly number[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function shapeStr(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * A tensor that records the operations applied to it so that gradients flow back through them
 * (`torch.Tensor` with autograd): a shape, a dtype (float32 or int32) and a dense row-major
 * typed array. Make one with {@link tensor}, {@link zeros}, {@link randn}…; operations are
 * functions (`autograd.matmul(a, b)`) and methods (`a.matmul(b)`).
 *
 * @example
 * ```ts
 * import { tensor } from 'descent-ml';
 *
 * const w = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const x = tensor([[1], [1]]);
 * const loss = w.matmul(x).square().sum();
 * loss.backward();
 * console.log(loss.item(), w.grad?.toArray()); // 58, [[6, 6], [14, 14]]
 * ```
 */
export class Tensor<D extends DType = 'float32'> {
  /** The dimensions, outermost first (`[]` for a scalar). */
  readonly shape: readonly number[];
  /** Element type: `'float32'` (differentiable) or `'int32'` (indices, labels). */
  readonly dtype: D;
  /** Number of elements. */
  readonly size: number;
  /** @internal */ _storage: Storage<D>;
  /** @internal The node that produced this tensor (null for leaves). */ _node: Node | null = null;
  /** @internal Which output of `_node` this is. */ _outIndex = 0;
  /** @internal */ _requiresGrad = false;
  /** @internal Records nodes without wanting `.grad` (a model's input, for Model.backward). */
  _track = false;
  /** @internal A leaf's accumulated gradient (a model arena view for parameters). */
  _gradBuf: Float32Array | null = null;
  /** @internal A leaf's gradient as a tensor with its own graph (backward with createGraph). */
  _gradGraph: Tensor | null = null;
  /** @internal A non-leaf's gradient kept by retainGrad(). */ _retained: Tensor | null = null;
  /** @internal */ _retainGrad = false;
  /** @internal Only library code can reach it: its buffer is recycled when its graph is freed. */
  _internal = false;
  /** @internal Made by the engine during backward (recycled once consumed). */ _temp = false;
  /** @internal Gradient entries holding this tensor during a backward pass. */ _held = 0;
  /** @internal */ _released = false;
  /** @internal Backend that computed it (null: plain data, usable by either). */
  _backend: BackendName | null = null;
  /** Optional label used in error messages (parameters carry their path, e.g. `0.weight`). */
  name: string | undefined;

  /** @internal Use `tensor()`, `zeros()`… to make tensors. */
  constructor(storage: Storage<D>, shape: readonly number[], dtype: D) {
    this._storage = storage;
    storage.refs++;
    this.shape = shape;
    this.dtype = dtype;
    this.size = numel(shape);
    noteNew(this as Tensor<DType> as Tensor);
  }

  /** The values, row-major. Taking the array out means the tape will never recycle it. */
  get data(): ArrayOf<D> {
    this.checkLive('data');
    this._storage.escaped = true;
    return this._storage.buf;
  }

  /** @internal The values for library code (does not pin the buffer). */
  get _d(): ArrayOf<D> {
    this.checkLive('data');
    return this._storage.buf;
  }

  /** Number of dimensions (`shape.length`). */
  get ndim(): number {
    return this.shape.length;
  }

  /** Whether a gradient flows to or through this tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  /** Makes a leaf tensor require a gradient (as `requires_grad_`); refused on non-leaves. */
  set requiresGrad(v: boolean) {
    if (typeof v !== 'boolean')
      throw new TypeError(`Tensor.requiresGrad must be a boolean, got ${describe(v)}`);
    if (this._node)
      throw new Error(
        `Tensor.requiresGrad: ${this.label()} is the result of ${this._node.name}, not a leaf; only leaves can be set (use .detach() for a leaf copy)`,
      );
    if (v && this.dtype !== 'float32')
      throw new TypeError(
        `Tensor.requiresGrad: ${this.label()} is int32; only float32 tensors have gradients`,
      );
    this._requiresGrad = v;
  }

  /** Whether no operation produced it (parameters, data). */
  get isLeaf(): boolean {
    return this._node === null;
  }

  /**
   * The accumulated gradient: for a leaf that requires grad, after `backward()`; for other
   * tensors only after `retainGrad()`. Null until then.
   */
  get grad(): Tensor | null {
    if (this._gradGraph && !this._gradGraph._released) return this._gradGraph;
    if (this._gradBuf) return gradView(this);
    return this._retained;
  }

  /** `t.grad = null` forgets a leaf's gradient (parameters of a model keep their arena: use zeroGrad). */
  set grad(v: null) {
    if (v !== null)
      throw new TypeError(
        `Tensor.grad can only be set to null (to forget it), got ${describe(v)}; gradients come from backward()`,
      );
    if (isArenaGrad(this))
      throw new Error(
        `Tensor.grad: ${this.label()} keeps its gradient in its model's arena; call model.zeroGrad() or optimizer.zeroGrad()`,
      );
    this._gradBuf = null;
    this._gradGraph = null;
    this._retained = null;
  }

  /** Keeps this non-leaf tensor's gradient in `.grad` after backward (as PyTorch's retain_grad). */
  retainGrad(): this {
    if (this.isLeaf) return this;
    this._retainGrad = true;
    return this;
  }

  /** @internal `what` on a released tensor is a clear error, never stale numbers. */
  checkLive(what: string): void {
    if (this._released)
      throw new Error(
        `Tensor.${what}: ${this.label()} was an intermediate whose buffer was recycled when its graph was freed by backward(); keep what you need before backward (read .data, or .clone())`,
      );
  }

  /** @internal */
  label(): string {
    return `${this.name ? `'${this.name}' ` : ''}tensor ${shapeStr(this.shape)}`;
  }

  /** @internal Gives this tensor's hold on its storage back (recycles it if it was the last). */
  _release(): void {
    if (this._released) return;
    this._released = true;
    this._storage.drop();
  }

  /** `Tensor([2, 3], float32, requiresGrad)`: shape, dtype and whether it requires grad (not the values). */
  toString(): string {
    return `Tensor(${shapeStr(this.shape)}, ${this.dtype}${this._requiresGrad ? ', requiresGrad' : ''})`;
  }
}

const gradViews = new WeakMap<Tensor<DType>, Tensor>();
const arenaGrads = new WeakSet<Tensor<DType>>();

/** @internal Marks `t` (a model parameter) as keeping its gradient in `grad`, a model arena view. */
export function bindArenaGrad(t: Tensor, grad: Float32Array): void {
  t._gradBuf = grad;
  arenaGrads.add(t);
}

function isArenaGrad(t: Tensor<DType>): boolean {
  return arenaGrads.has(t);
}

function gradView(t: Tensor<DType>): Tensor {
  const buf = t._gradBuf as Float32Array;
  let g = gradViews.get(t);
  if (!g || g._storage.buf !== buf) {
    g = new Tensor(externalStorage<'float32'>(buf), t.shape, 'float32');
    g._backend = t._backend;
    gradViews.set(t, g);
  }
  return g;
}

/** @internal A tensor over a fresh pooled buffer (contents unspecified). */
export function emptyTensor<D extends DType = 'float32'>(
  shape: readonly number[],
  dtype: D = 'float32' as D,
): Tensor<D> {
  return new Tensor(pooledStorage(dtype, numel(shape)), shape, dtype);
}

/** @internal A tensor on the same storage with another shape (same element count). */
export function viewOf<D extends DType>(t: Tensor<D>, shape: readonly number[]): Tensor<D> {
  const v = new Tensor(t._storage, shape, t.dtype);
  v._backend = t._backend;
  return v;
}

/** @internal A tensor over a caller-owned array (not copied, never recycled). */
export function wrap<D extends DType>(
  data: ArrayOf<D>,
  shape: readonly number[],
  dtype: D,
): Tensor<D> {
  return new Tensor(externalStorage<D>(data), shape, dtype);
}
