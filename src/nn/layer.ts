/**
 * The layer contract. A layer declares its parameters for an input shape (`build`), gets their
 * storage bound as views into the model's flat arenas (`bind`), and runs an explicit
 * `forward`/`backward` pair: backward adds this batch's parameter gradients into the bound
 * gradient views (PyTorch's accumulate semantics; the training loop zeroes them once per step)
 * and returns the gradient with respect to the layer's input. Shapes exclude the batch axis.
 */
import type { Param } from '../optim/optimizer.js';
import type { Rng } from '../random.js';
import type { Init } from './init.js';
import { checkTensorArg, shapeStr, type Tensor } from './tensor.js';

export interface ForwardOptions {
  /** Training mode: dropout drops, batch norm uses batch statistics (default false). */
  training?: boolean;
}

/** Options of `backward`. */
export interface BackwardOptions {
  /**
   * Whether the caller needs the gradient with respect to the input (default true). `false`
   * lets the first layer skip that work (the input is data): it then returns zeros. `fit`
   * passes false; a GAN's discriminator, whose input gradient trains the generator, must not.
   */
  inputGrad?: boolean;
}

/** A parameter a layer needs, before storage exists. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
  /** Whether L1/L2 penalties and max-norm constraints apply (weights yes, biases no). */
  regularize: boolean;
}

/** A bound parameter: the optimizer's {data, grad} plus its name and shape. */
export interface LayerParam extends Param {
  name: string;
  shape: readonly number[];
  grad: Float32Array;
  regularize: boolean;
}

/** Non-trainable state saved with the model (batch-norm running statistics). */
export interface StateBuffer {
  name: string;
  data: Float32Array;
}

export abstract class Layer {
  /** Set by the model to a unique path such as `2.conv1`; defaults to the class name. */
  name: string;
  inputShape: readonly number[] = [];
  outputShape: readonly number[] = [];
  protected bound: LayerParam[] = [];

  constructor(name?: string) {
    this.name = name ?? this.constructor.name;
  }

  /** Output shape for an input shape (both without the batch axis); may throw on a bad shape. */
  protected abstract computeShape(input: readonly number[]): readonly number[];

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

  /** Child layers (containers), depth-first order defines the arena layout. */
  children(): Layer[] {
    return [];
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

  abstract forward(x: Tensor, opts?: ForwardOptions): Tensor;

  /** Gradient w.r.t. the input of the last `forward`; adds parameter gradients. */
  abstract backward(dy: Tensor, opts?: BackwardOptions): Tensor;

  /** Whether the input may hold Int32Array indices (embeddings) instead of float32 values. */
  protected readonly takesIndices: boolean = false;

  /** Refuses an input whose per-sample shape differs from the built one, naming both. */
  protected checkInput(x: Tensor, where = 'forward'): void {
    checkTensorArg(`${this.name}.${where}`, 'input', x, { indices: this.takesIndices });
    const s = x.shape;
    const want = this.inputShape;
    let ok = s.length === want.length + 1 && x.data.length === s.reduce((a, d) => a * d, 1);
    for (let i = 0; ok && i < want.length; i++) ok = s[i + 1] === want[i];
    if (!ok) {
      throw new RangeError(
        `${this.name}.${where}: expected input of shape [batch, ${want.join(', ')}], got ${shapeStr(s)}`,
      );
    }
  }

  /** Refuses a gradient whose shape is not the last output's. */
  protected checkGrad(dy: Tensor, out: Tensor | null): void {
    if (!out) throw new Error(`${this.name}.backward: called before forward`);
    checkTensorArg(`${this.name}.backward`, 'gradient', dy);
    const a = dy.shape;
    const b = out.shape;
    if (
      a.length !== b.length ||
      a.some((d, i) => d !== b[i]) ||
      dy.data.length !== out.data.length
    ) {
      throw new RangeError(
        `${this.name}.backward: expected a gradient of shape ${shapeStr(b)} (the output's), got ${shapeStr(a)}`,
      );
    }
  }

  /** A one-line description for model summaries. */
  describe(): string {
    return `${this.constructor.name} ${shapeStr(this.inputShape)} → ${shapeStr(this.outputShape)}`;
  }
}
