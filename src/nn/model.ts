/**
 * A built network: every parameter of every layer lives in one flat Float32Array (per-tensor
 * views), gradients in a second with the same layout, so an optimizer updates the whole model
 * in one fused kernel call and a checkpoint is two buffers. Each parameter is also a leaf
 * tensor over those views, so the tape accumulates straight into the arena. Initialisation is
 * seeded. A layer shared at several places of the tree is one set of parameters.
 */
import { runBackward } from '../autograd/engine.js';
import { isGradEnabled, withGradMode } from '../autograd/grad-mode.js';
import type { Node } from '../autograd/node.js';
import { asTensor } from '../autograd/ops/util.js';
import type { DType } from '../autograd/storage.js';
import { bindArenaGrad, type Tensor, type TensorLike, viewOf, wrap } from '../autograd/tensor.js';
import { bool, count, describe, optionsOf } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import { Rng } from '../random.js';
import { initialize } from './init.js';
import {
  type BackwardOptions,
  type ForwardOptions,
  forwardOptions,
  Layer,
  type LayerParam,
  type StateBuffer,
} from './layer.js';
import { numel, shapeStr } from './tensor.js';

/** Options of {@link Model}. */
export interface ModelOptions {
  /** Seed of the parameter initialisation and of every layer's random stream (dropout), an integer ≥ 0 (default 0). */
  seed?: number;
}

/** Depth-first list of distinct layers with unique dotted names (`0`, `1.0`, …). */
function walk(
  layer: Layer,
  path: string,
  out: Array<{ layer: Layer; path: string }>,
  seen: Set<Layer>,
): void {
  if (seen.has(layer)) return;
  seen.add(layer);
  out.push({ layer, path });
  layer.children().forEach((c, i) => walk(c, path ? `${path}.${i}` : String(i), out, seen));
}

/**
 * A built network: the root layer plus storage. Every parameter lives in one flat
 * Float32Array (`params`) and every gradient in a second (`grads`), so an optimizer updates the
 * whole model in one fused call and a checkpoint is two buffers; initialisation is seeded.
 * Wrap a layer tree in a Model before calling it (PyTorch modules own their parameters; here
 * the Model allocates them).
 *
 * @example
 * ```ts
 * import { nn, optim, tensor } from 'descent-ml';
 *
 * const model = new nn.Model(
 *   new nn.Sequential([new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 3)]),
 *   [2],
 *   { seed: 42 },
 * );
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * const ce = new nn.losses.CrossEntropyLoss();
 * const x = tensor(new Float32Array([0, 1, 1, 0, 1, 1, 0, 0]), [4, 2]);
 * const labels = new Int32Array([1, 1, 0, 2]);
 *
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   model.zeroGrad();
 *   ce.apply(model.forward(x, { training: true }), labels).backward();
 *   opt.step();
 * }
 * console.log(model.summary());
 * ```
 */
export class Model {
  private readonly shapes: { input: readonly number[]; output: readonly number[] } | null;
  /** All parameters, back to back. */
  readonly params: Float32Array;
  /** All gradients, same layout. */
  readonly grads: Float32Array;
  private readonly all: LayerParam[];
  private readonly layers: Array<{ layer: Layer; path: string }>;
  /** The last forward's input (tracked) and output, for the `backward(dy)` convenience. */
  private last: { x: Tensor<DType>; y: Tensor } | null = null;
  /** The forward before it, while its graph may still be alive (to refuse an ambiguous backward). */
  private previous: Node | null = null;

  constructor(
    /** The root layer (often a {@link Sequential}). */
    readonly net: Layer,
    inputShape?: readonly number[] | null,
    options: ModelOptions = {},
  ) {
    const fn = 'Model';
    if (!(net instanceof Layer))
      throw new TypeError(`${fn}: net must be a Layer, got ${describe(net)}`);
    if (
      inputShape != null &&
      (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isSafeInteger(d) || d <= 0))
    ) {
      throw new TypeError(
        `${fn}: inputShape must be an array of positive integers (without the batch axis), got ${describe(inputShape)}`,
      );
    }
    optionsOf(fn, options, ['seed']);
    const seed = options.seed ?? 0;
    count(fn, 'seed', seed);
    this.layers = [];
    walk(net, '', this.layers, new Set());
    for (const { layer } of this.layers) {
      if (layer._owner !== null)
        throw new Error(
          `${fn}: layer ${layer.name} already belongs to another Model (its parameters live in that model's arena); call that model inside your code instead of wrapping its layers again`,
        );
    }
    const specs = this.layers.flatMap(({ layer, path }) =>
      layer.paramSpecs().map((s) => ({ layer, path, spec: s })),
    );
    const sizes = specs.map((s) => numel(s.spec.shape));
    const total = sizes.reduce((a, n) => a + n, 0);
    [this.params, this.grads] = allocArena([total, total], `Model (${total} parameters)`);
    const rng = new Rng(seed);
    let o = 0;
    const byLayer = new Map<Layer, LayerParam[]>();
    this.all = specs.map(({ layer, path, spec }, i) => {
      const data = this.params.subarray(o, o + sizes[i]);
      const grad = this.grads.subarray(o, o + sizes[i]);
      o += sizes[i];
      initialize(data, spec.shape, spec.init, rng);
      const name = path ? `${path}.${spec.name}` : spec.name;
      const tensor = wrap(data, [...spec.shape], 'float32');
      tensor.requiresGrad = true;
      tensor.name = name;
      bindArenaGrad(tensor, grad);
      const p: LayerParam = {
        name,
        shape: spec.shape,
        data,
        grad,
        regularize: spec.regularize,
        tensor,
      };
      const list = byLayer.get(layer) ?? [];
      list.push(p);
      byLayer.set(layer, list);
      return p;
    });
    this.layers.forEach(({ layer, path }, i) => {
      if (path) layer.name = `${path}:${layer.constructor.name}`;
      layer._owner = this;
      layer.bind(byLayer.get(layer) ?? []);
      // Each layer's stream depends only on the seed and its position, so adding a layer
      // elsewhere does not change another layer's dropout masks.
      layer.setRng(new Rng(Number((BigInt(seed) * 1000003n + BigInt(i + 1)) % 2n ** 53n)));
    });
    this.shapes =
      inputShape == null ? null : { input: [...inputShape], output: net.build(inputShape) };
  }

  /** Whether the model was built for a fixed per-sample input shape. */
  get hasShape(): boolean {
    return this.shapes !== null;
  }

  /** Per-sample input shape given at construction (fit, predict, checkpoints and export need one). */
  get inputShape(): readonly number[] {
    return this.requireShapes('inputShape').input;
  }

  /** Per-sample output shape for `inputShape`. */
  get outputShape(): readonly number[] {
    return this.requireShapes('outputShape').output;
  }

  private requireShapes(what: string) {
    if (!this.shapes)
      throw new Error(
        `Model.${what}: this model was built without an inputShape; build it as new Model(net, inputShape) to use fit, predict, checkpoints or the tf.js export`,
      );
    return this.shapes;
  }

  /** Every parameter, in arena order (pass this to an optimizer). */
  parameters(): LayerParam[] {
    return this.all;
  }

  /** Total number of parameter elements (the length of `params`). */
  get paramCount(): number {
    return this.params.length;
  }

  /** Non-trainable buffers (running statistics), by layer path. */
  stateBuffers(): StateBuffer[] {
    return this.layers.flatMap(({ layer, path }) =>
      layer
        .stateBuffers()
        .map((b) => ({ name: path ? `${path}.${b.name}` : b.name, data: b.data })),
    );
  }

  /**
   * Runs the network (recording the tape unless inside `noGrad`). `x` is a Tensor or a plain
   * `{ data, shape }` (Int32Array data for embeddings); the result is a Tensor whose
   * `backward()` reaches the parameters.
   */
  forward(x: Tensor<DType> | TensorLike, opts: ForwardOptions = {}): Tensor {
    forwardOptions('Model.forward', opts);
    let t = asTensor('Model.forward', 'x', x, 'any');
    if (isGradEnabled() && t.dtype === 'float32' && !t._requiresGrad && !t._node && !t._track) {
      // Tracked (not requiring grad) so that backward(dy) can also return d/dx on request.
      t = viewOf(t, t.shape);
      t._track = true;
    }
    const y = this.net.forward(t, opts) as Tensor;
    // Only the node (not a WeakRef: a WeakRef keeps its target alive until the end of the
    // synchronous job, which for a training loop is the whole run).
    this.previous = this.last?.y._node ?? null;
    this.last = { x: t, y };
    return y;
  }

  /**
   * Backpropagates `dy` (the gradient of the last forward's output) into the parameters'
   * gradients and returns the gradient with respect to that forward's input (zeros with
   * `inputGrad: false`). When the model ran forward twice and both graphs are alive, which
   * output `dy` belongs to is ambiguous: that is refused; call `y.backward(dy)` on the output.
   */
  backward(dy: TensorLike, opts: BackwardOptions = {}): Tensor {
    const fn = 'Model.backward';
    optionsOf(fn, opts, ['inputGrad', 'retainGraph']);
    for (const k of ['inputGrad', 'retainGraph'] as const)
      if (opts[k] !== undefined) bool(fn, k, opts[k]);
    const g = asTensor(fn, 'dy', dy, 'float32');
    const last = this.last;
    if (!last) throw new Error(`${fn}: called before forward`);
    const { x, y } = last;
    if (g.shape.length !== y.shape.length || g.shape.some((d, i) => d !== y.shape[i]))
      throw new RangeError(
        `${fn}: expected a gradient of shape ${shapeStr(y.shape)} (the output's), got ${shapeStr(g.shape)}`,
      );
    const prev = this.previous;
    if (prev && !prev.freed && prev !== y._node)
      throw new Error(
        `${fn}: the model ran forward more than once since its last backward and both graphs are alive, so which output dy belongs to is ambiguous; call backward on the output tensor itself (y.backward(dy))`,
      );
    if (y === x) {
      // An identity network (e.g. only dropout, in eval): dx = dy, no parameter involved.
      this.previous = null;
      return withGradMode(false, () =>
        wrap(
          opts.inputGrad === false ? new Float32Array(x.size) : Float32Array.from(g._d),
          x.shape,
          'float32',
        ),
      );
    }
    if (!y._node)
      throw new Error(
        `${fn}: the last forward recorded no graph (it ran inside noGrad, or nothing in it needs a gradient)`,
      );
    const wantX =
      opts.inputGrad !== false &&
      x.dtype === 'float32' &&
      (x._track || x._requiresGrad || x._node !== null) &&
      !x._released;
    // This model's part of the graph only, down to its input (which may itself come from
    // another model, whose own backward(dx) continues from there), as the explicit API did.
    const own = new Set(this.all.map((p) => p.tensor as Tensor));
    const [dx] = runBackward([y], [g], {
      fn,
      retainGraph: opts.retainGraph ?? false,
      createGraph: false,
      accumulate: true,
      accumulateOnly: own,
      inputs: wantX ? [x as Tensor] : [],
    });
    this.previous = null;
    if (dx) return dx;
    return withGradMode(false, () => {
      const z = wrap(new Float32Array(x.size), x.shape, 'float32');
      return z;
    });
  }

  /**
   * Runs `fn` with the model's parameters replaced by `params` (float32 tensors of the same
   * shapes, in `parameters()` order), restoring them afterwards: the functional call that
   * meta-learning needs, where adapted weights θ' = θ − α∇L keep their graph back to θ
   * (torch.func.functional_call).
   */
  withParameters<T>(params: readonly Tensor[], fn: () => T): T {
    const f = 'Model.withParameters';
    if (!Array.isArray(params) || params.length !== this.all.length)
      throw new RangeError(
        `${f}: params must be an array of ${this.all.length} tensors (one per parameter, in parameters() order), got ${Array.isArray(params) ? params.length : describe(params)}`,
      );
    if (typeof fn !== 'function')
      throw new TypeError(`${f}: fn must be a function, got ${describe(fn)}`);
    const given = params.map((t, i) => {
      const v = asTensor(f, `params[${i}]`, t, 'float32');
      const want = this.all[i].shape;
      if (v.shape.length !== want.length || v.shape.some((d, j) => d !== want[j]))
        throw new RangeError(
          `${f}: params[${i}] (${this.all[i].name}) must have shape ${shapeStr(want)}, got ${shapeStr(v.shape)}`,
        );
      return v;
    });
    const saved = this.all.map((p) => p.tensor);
    this.all.forEach((p, i) => {
      p.tensor = given[i];
    });
    try {
      return fn();
    } finally {
      this.all.forEach((p, i) => {
        p.tensor = saved[i];
      });
    }
  }

  /** Sets training mode on every layer (the default for forwards without `training`). */
  train(mode = true): this {
    this.net.train(mode);
    return this;
  }

  /** Evaluation mode on every layer. */
  eval(): this {
    return this.train(false);
  }

  /** Zeroes every gradient (one fill over the gradient arena). */
  zeroGrad(): void {
    this.grads.fill(0);
    for (const p of this.all) if (p.tensor) p.tensor._gradGraph = null;
  }

  /** Layer-by-layer description with shapes and parameter counts. */
  summary(): string {
    const lines = this.layers
      .filter(({ layer }) => layer.children().length === 0)
      .map(({ layer }) => {
        const n = layer.parameters().reduce((a, p) => a + p.data.length, 0);
        return `${layer.name.padEnd(24)} ${shapeStr(layer.inputShape).padEnd(18)} → ${shapeStr(layer.outputShape).padEnd(18)} ${n}`;
      });
    return [...lines, `total parameters: ${this.paramCount}`].join('\n');
  }
}
