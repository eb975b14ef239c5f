/**
 * A built network: every parameter of every layer lives in one flat Float32Array (per-tensor
 * views), gradients in a second with the same layout, so an optimizer updates the whole model
 * in one fused kernel call and a checkpoint is two buffers. Initialisation is seeded.
 */
import { describe } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import { Rng } from '../random.js';
import { initialize } from './init.js';
import {
  type BackwardOptions,
  type ForwardOptions,
  Layer,
  type LayerParam,
  type StateBuffer,
} from './layer.js';
import { checkTensorArg, numel, shapeStr, type Tensor } from './tensor.js';

export interface ModelOptions {
  /** Seed of the parameter initialisation (default 0). */
  seed?: number;
}

/** Depth-first list of layers with unique dotted names (`0`, `1.0`, …). */
function walk(layer: Layer, path: string, out: Array<{ layer: Layer; path: string }>): void {
  out.push({ layer, path });
  layer.children().forEach((c, i) => walk(c, path ? `${path}.${i}` : String(i), out));
}

export class Model {
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** All parameters, back to back. */
  readonly params: Float32Array;
  /** All gradients, same layout. */
  readonly grads: Float32Array;
  private readonly all: LayerParam[];
  private readonly layers: Array<{ layer: Layer; path: string }>;

  constructor(
    readonly net: Layer,
    inputShape: readonly number[],
    options: ModelOptions = {},
  ) {
    const fn = 'Model';
    if (!(net instanceof Layer))
      throw new TypeError(`${fn}: net must be a Layer, got ${describe(net)}`);
    if (!Array.isArray(inputShape) || inputShape.some((d) => !Number.isSafeInteger(d) || d <= 0)) {
      throw new TypeError(
        `${fn}: inputShape must be an array of positive integers (without the batch axis), got ${describe(inputShape)}`,
      );
    }
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`${fn}: seed must be an integer in [0, 2^53), got ${seed}`);
    this.inputShape = [...inputShape];
    this.outputShape = net.build(inputShape);
    this.layers = [];
    walk(net, '', this.layers);
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
      const p: LayerParam = {
        name: path ? `${path}.${spec.name}` : spec.name,
        shape: spec.shape,
        data,
        grad,
        regularize: spec.regularize,
      };
      const list = byLayer.get(layer) ?? [];
      list.push(p);
      byLayer.set(layer, list);
      return p;
    });
    this.layers.forEach(({ layer, path }, i) => {
      if (path) layer.name = `${path}:${layer.constructor.name}`;
      layer.bind(byLayer.get(layer) ?? []);
      // Each layer's stream depends only on the seed and its position, so adding a layer
      // elsewhere does not change another layer's dropout masks.
      layer.setRng(new Rng(Number((BigInt(seed) * 1000003n + BigInt(i + 1)) % 2n ** 53n)));
    });
  }

  /** Every parameter, in arena order (pass this to an optimizer). */
  parameters(): LayerParam[] {
    return this.all;
  }

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

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    checkTensorArg('Model.forward', 'x', x, { indices: true });
    return this.net.forward(x, opts);
  }

  /** Backpropagates `dy` through the network; see BackwardOptions for `inputGrad`. */
  backward(dy: Tensor, opts: BackwardOptions = {}): Tensor {
    checkTensorArg('Model.backward', 'dy', dy);
    return this.net.backward(dy, opts);
  }

  /** Zeroes every gradient (one fill over the gradient arena). */
  zeroGrad(): void {
    this.grads.fill(0);
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
