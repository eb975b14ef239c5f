/**
 * The layer contract. A layer declares its parameters (`paramSpecs`), receives them from its
 * Model as leaf tensors over views of the model's flat arenas (`bind`), and computes `forward`
 * with tensor operations, which record the tape: each call's context lives in its own nodes,
 * so a layer can be called any number of times before a backward (a GAN's discriminator on
 * real then fake data) and every call is differentiated correctly. There is no per-layer
 * backward to write; the fused kernels are the operations' backward passes.
 *
 * A custom layer is a forward of tensor operations: its child layers are found from its own
 * fields (a Layer, or an array of Layers), its own parameters come from `paramSpecs()` and are
 * read with `this.param(i)`. Shapes exclude the batch axis.
 */
import { zeros } from '../autograd/create.js';
import { noGrad } from '../autograd/grad-mode.js';
import { asTensor } from '../autograd/ops/util.js';
import type { DType } from '../autograd/storage.js';
import type { Tensor } from '../autograd/tensor.js';
import { bool, describe, knownKeys, options } from '../backend/validate.js';
import type { Param } from '../optim/optimizer.js';
import type { Rng } from '../random.js';
import type { Init } from './init.js';
import { shapeStr } from './tensor.js';

/** Options of a standard layer's `forward(x, options)`. */
export interface ForwardOptions {
  /** Training mode for this call: dropout drops, batch norm uses batch statistics (default: the layer's `training`, false unless `train()` was called). */
  training?: boolean;
}

/** Options of `Model.backward`. */
export interface BackwardOptions {
  /**
   * Whether to compute the gradient with respect to the model's input (default true). With
   * false the first layer skips that work and `Model.backward` returns zeros.
   */
  inputGrad?: boolean;
  /** Keep the graph so backward can run through it again (default false). */
  retainGraph?: boolean;
}

/** A parameter a layer needs, before storage exists. */
export interface ParamSpec {
  /** Parameter name within its layer (`weight`, `bias`), used in state dicts and errors. */
  name: string;
  /** Shape of the parameter (e.g. `[outFeatures, inFeatures]` for a linear weight). */
  shape: number[];
  /** How the model fills the parameter when it allocates it. */
  init: Init;
  /** Whether L1/L2 penalties and max-norm constraints apply (weights yes, biases no). */
  regularize: boolean;
}

/** A bound parameter: the optimizer's {data, grad}, its name and shape, and its leaf tensor. */
export interface LayerParam extends Param {
  /** Parameter name, prefixed by the model with the layer's dotted path (e.g. `1.0.weight`). */
  name: string;
  /** Shape of the parameter. */
  shape: readonly number[];
  /** Gradient accumulator: a view of the model's gradient arena, same length as `data`. */
  grad: Float32Array;
  /** Whether L1/L2 penalties and max-norm constraints apply (weights yes, biases no). */
  regularize: boolean;
  /** The parameter as a leaf tensor requiring grad over the arena views (set by Model). */
  tensor?: Tensor;
}

/** Non-trainable state saved with the model (batch-norm running statistics). */
export interface StateBuffer {
  /** Buffer name within its layer (e.g. `runningMean`); the model prefixes the layer path. */
  name: string;
  /** The buffer's values, updated in place by the layer. */
  data: Float32Array;
}

/**
 * Base class of every layer (PyTorch's `torch.nn.Module`). A layer declares its parameters
 * (`paramSpecs`), receives them from its {@link Model} (`bind`) and computes `forward` with
 * tensor operations, which autograd differentiates; there is no backward to write. Shapes
 * exclude the batch axis.
 */
export abstract class Layer {
  /** Set by the model to a unique path such as `2:Conv2d`; defaults to the class name. */
  name: string;
  /** Per-sample input shape (without the batch axis), fixed by `build`; `[]` before. */
  inputShape: readonly number[] = [];
  /** Per-sample output shape (without the batch axis), computed by `build`; `[]` before. */
  outputShape: readonly number[] = [];
  /** Mode used when a forward is not given `training` (see `train()`/`eval()`). */
  training = false;
  /** This layer's own parameters as bound by the model, in `paramSpecs()` order. */
  protected bound: LayerParam[] = [];
  /** @internal The model whose arena holds this layer's parameters. */
  _owner: object | null = null;

  constructor(name?: string) {
    if (name !== undefined && (typeof name !== 'string' || name === ''))
      throw new TypeError(
        `${new.target.name}: name must be a non-empty string, got ${describe(name)}`,
      );
    this.name = name ?? this.constructor.name;
  }

  /**
   * Output shape for an input shape (both without the batch axis); may throw on a bad shape.
   * Default: one forward of zeros with a batch of 1, without recording (layers whose output
   * shape is a formula override this).
   */
  protected computeShape(input: readonly number[]): readonly number[] {
    const y = noGrad(() => this.forward(zeros([1, ...input]), { training: false })) as Tensor;
    return y.shape.slice(1);
  }

  /** Fixes the input shape; returns the output shape. */
  build(inputShape: readonly number[]): readonly number[] {
    this.inputShape = [...inputShape];
    this.outputShape = [...this.computeShape(inputShape)];
    return this.outputShape;
  }

  /** Parameters this layer owns directly (not its children's), in binding order. */
  paramSpecs(): ParamSpec[] {
    return [];
  }

  /**
   * Child layers; depth-first order defines the arena layout. Default: the fields holding a
   * Layer or an array of Layers, in the order they were assigned.
   */
  children(): Layer[] {
    const out: Layer[] = [];
    for (const v of Object.values(this)) {
      if (v instanceof Layer) out.push(v);
      else if (Array.isArray(v)) for (const e of v) if (e instanceof Layer) out.push(e);
    }
    return out;
  }

  /** Receives storage for `paramSpecs()`, in the same order. */
  bind(params: LayerParam[]): void {
    this.bound = params;
  }

  /**
   * Receives this layer's own random generator (seeded by the model from its seed and the
   * layer's position), for layers that draw at forward time (dropout). Default: ignored.
   */
  setRng(_rng: Rng): void {}

  /** Non-trainable buffers this layer owns directly. */
  stateBuffers(): StateBuffer[] {
    return [];
  }

  /** All parameters of this layer and its children. */
  parameters(): LayerParam[] {
    return [...this.bound, ...this.children().flatMap((c) => c.parameters())];
  }

  /**
   * The computation, in tensor operations (recorded on the tape). Standard layers take one
   * tensor and `ForwardOptions`; a custom layer may take any arguments.
   */
  // biome-ignore lint/suspicious/noExplicitAny: custom layers choose their own signature (several inputs, extra state)
  abstract forward(...args: any[]): any;

  /** Sets training mode on this layer and its children (PyTorch's `train()`); returns this. */
  train(mode = true): this {
    if (typeof mode !== 'boolean')
      throw new TypeError(`${this.name}.train: mode must be a boolean, got ${typeof mode}`);
    this.training = mode;
    for (const c of this.children()) c.train(mode);
    return this;
  }

  /** Evaluation mode (`train(false)`); returns this. */
  eval(): this {
    return this.train(false);
  }

  /** Whether this call runs in training mode. */
  protected isTraining(opts?: ForwardOptions): boolean {
    if (opts === undefined) return this.training;
    forwardOptions(`${this.name}.forward`, opts);
    return opts.training ?? this.training;
  }

  /** Bound parameter `i` (in `paramSpecs()` order) as a leaf tensor. */
  protected param(i: number): Tensor {
    const p = this.bound[i]?.tensor;
    if (!p)
      throw new Error(
        `${this.name}: its parameters are not allocated yet; wrap the layer in a Model (new nn.Model(layer, inputShape)) before calling it`,
      );
    return p;
  }

  /** Whether the input may hold Int32Array indices (embeddings) instead of float32 values. */
  protected readonly takesIndices: boolean = false;

  /**
   * `x` as a tensor, refused (naming both shapes) when its per-sample shape differs from the
   * built one. Layers that accept more shapes override `acceptsShape`.
   */
  protected checkInput(x: unknown, where = 'forward'): Tensor<DType> {
    const fn = `${this.name}.${where}`;
    const t: Tensor<DType> = this.takesIndices
      ? asTensor(fn, 'input', x, 'any')
      : asTensor(fn, 'input', x, 'float32');
    if (!this.acceptsShape(t.shape)) {
      throw new RangeError(
        `${fn}: expected input of shape [batch, ${this.inputShape.join(', ')}], got ${shapeStr(t.shape)}`,
      );
    }
    return t;
  }

  /** Default: [batch, ...inputShape] once built; anything before. */
  protected acceptsShape(s: readonly number[]): boolean {
    const want = this.inputShape;
    if (want.length === 0 && this.outputShape.length === 0) return true;
    if (s.length !== want.length + 1) return false;
    for (let i = 0; i < want.length; i++) if (s[i + 1] !== want[i]) return false;
    return true;
  }

  /** A one-line description for model summaries. */
  describe(): string {
    return `${this.constructor.name} ${shapeStr(this.inputShape)} → ${shapeStr(this.outputShape)}`;
  }
}

/** Checks a forward's options (`{ training }`): an object with known keys, training a boolean. */
export function forwardOptions(fn: string, opts: unknown): asserts opts is ForwardOptions {
  options(fn, 'options', opts);
  knownKeys(fn, 'option', opts, ['training']);
  const t = (opts as ForwardOptions).training;
  if (t !== undefined) bool(fn, 'training', t);
}
