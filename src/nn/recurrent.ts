/**
 * Recurrent layers with `torch.nn.RNN` / `LSTM` / `GRU` semantics: an initial state (h0, and
 * c0 for LSTM) that receives gradients, the final state returned (h_n, c_n, also
 * differentiable), `numLayers` stacked with `dropout` between layers, `bidirectional`. Input
 * [N, T, inputSize] with `batchFirst` (the default here, unlike torch), else [T, N, inputSize];
 * any T ≥ 1 (a model built for one length runs others, e.g. one step at a time when sampling).
 *
 * `forward(x)` returns the output: the top layer's sequence [N, T, D·H] with
 * `returnSequences` (D = 2 when bidirectional: the directions side by side, forward first),
 * else the top layer's final hidden states [N, D·H] (torch's h_n[-1] for one direction; both
 * directions' final states for two, as Keras's Bidirectional). `forwardWithState(x, state)`
 * also takes and returns the states h, c of shape [numLayers·D, N, H] (torch's layout).
 *
 * Parameters keep torch's names, shapes and order, per layer l and direction (suffix
 * `_reverse` for the second): `weight_ih_l{l}` [G·H, in], `weight_hh_l{l}` [G·H, H],
 * `bias_ih_l{l}` [G·H], `bias_hh_l{l}` [G·H] (G = 1 for RNN, 4 for LSTM with gate rows i, f, g,
 * o, 3 for GRU with r, z, n; in = inputSize for l = 0, else D·H), so a torch state dict maps
 * one to one. Every parameter starts U(−1/√H, 1/√H) like torch.
 *
 * Each layer is one node of the tape (autograd/ops/recurrent.ts: the fused cell kernels
 * forward and backward); the states are sliced per layer and the final ones joined with small
 * copies. What flows between layers is internal and recycled with the graph.
 */
import { isGradEnabled } from '../autograd/grad-mode.js';
import { dropout } from '../autograd/ops/dropout.js';
import {
  type CellKind,
  type DirectionWeights,
  gateCount,
  recurrentLayer,
} from '../autograd/ops/recurrent.js';
import { catAxis, narrowAxis } from '../autograd/ops/recurrent-shape.js';
import { permute, reshape } from '../autograd/ops/shape.js';
import { asTensor } from '../autograd/ops/util.js';
import { collect } from '../autograd/scope.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, knownKeys, options as optionsCheck, positiveInt } from '../backend/validate.js';
import { Rng } from '../random.js';
import { type ForwardOptions, Layer, type ParamSpec } from './layer.js';
import { shapeStr } from './tensor.js';

/** Options of {@link RNN}, {@link LSTM} and {@link GRU}. */
export interface RecurrentOptions {
  /** Biases b_ih and b_hh (default true). PyTorch: `bias`. */
  bias?: boolean;
  /** Stacked recurrent layers (default 1). PyTorch: `num_layers`. */
  numLayers?: number;
  /** Output every step [N, T, D·H] (true) or only the final states [N, D·H] (default false; Keras's `return_sequences`, PyTorch always returns the sequence). */
  returnSequences?: boolean;
  /** Both directions, outputs side by side on the feature axis (default false). PyTorch: `bidirectional`. */
  bidirectional?: boolean;
  /** Dropout probability on each layer's output but the last's, in training (default 0; needs numLayers > 1). PyTorch: `dropout`. */
  dropout?: number;
  /** Input and output [N, T, ·] (default true, unlike PyTorch) or time-major [T, N, ·] (PyTorch's default). PyTorch: `batch_first`. */
  batchFirst?: boolean;
}

/** Options of {@link RNN}. */
export interface RNNOptions extends RecurrentOptions {
  /** The cell's activation: 'tanh' (default) or 'relu'. PyTorch: `nonlinearity`. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Initial states, [numLayers·D, N, H] each (omitted: zeros). `c` is the LSTM's cell state. */
export interface RecurrentState {
  /** Initial hidden states [numLayers·D, N, H] (PyTorch's h_0); omitted or null: zeros. */
  h?: Tensor | TensorLike | null;
  /** Initial cell states [numLayers·D, N, H] (PyTorch's c_0, LSTM only); omitted or null: zeros. */
  c?: Tensor | TensorLike | null;
}

/** What `forwardWithState` returns: the output as `forward`'s, and the final states. */
export interface RecurrentOutput {
  /** What `forward` returns: the sequence [N, T, D·H] with `returnSequences`, else the final states [N, D·H]. */
  output: Tensor;
  /** Final hidden states [numLayers·D, N, H]. */
  h: Tensor;
  /** Final cell states [numLayers·D, N, H] (LSTM only). */
  c?: Tensor;
}

const OPTION_KEYS = [
  'bias',
  'numLayers',
  'returnSequences',
  'bidirectional',
  'dropout',
  'batchFirst',
] as const;

/**
 * Base of the recurrent layers {@link RNN}, {@link LSTM} and {@link GRU}: stacked, optionally
 * bidirectional, with PyTorch's parameter names and layout (so a torch state dict maps one to
 * one). Input [N, T, inputSize] (batch-first, the default here) or [T, N, inputSize].
 */
export abstract class Recurrent extends Layer {
  /** Whether the layers have the biases b_ih and b_hh. */
  readonly bias: boolean;
  /** Number of stacked recurrent layers. */
  readonly numLayers: number;
  /** Whether `forward` returns every step's output or only the final states. */
  readonly returnSequences: boolean;
  /** Whether each layer runs in both directions. */
  readonly bidirectional: boolean;
  /** Dropout probability between stacked layers, in training. */
  readonly dropout: number;
  /** Whether input and output are [N, T, ·] (true) or [T, N, ·]. */
  readonly batchFirst: boolean;
  /** Gates per hidden unit: 1 (RNN), 4 (LSTM), 3 (GRU). */
  readonly gateCount: number;
  /** Directions: 1, or 2 when bidirectional. */
  readonly directions: number;
  /** This layer's random stream for the inter-layer dropout (set by the model through `setRng`). */
  protected rng: Rng | null = null;

  /** @internal Subclasses pass their cell kind; build an RNN, LSTM or GRU instead. */
  protected constructor(
    private readonly cell: CellKind,
    /** Features per time step of the input. */
    readonly inputSize: number,
    /** Features of the hidden state H. */
    readonly hiddenSize: number,
    options: RecurrentOptions,
    extraKeys: readonly string[],
  ) {
    super();
    const fn = this.constructor.name;
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, [...OPTION_KEYS, ...extraKeys]);
    positiveInt(fn, 'inputSize', inputSize);
    positiveInt(fn, 'hiddenSize', hiddenSize);
    const numLayers = options.numLayers ?? 1;
    positiveInt(fn, 'numLayers', numLayers);
    for (const k of ['bias', 'returnSequences', 'bidirectional', 'batchFirst'] as const) {
      const v = options[k];
      if (v !== undefined && typeof v !== 'boolean')
        throw new TypeError(`${fn}: ${k} must be a boolean, got ${describe(v)}`);
    }
    const p = options.dropout ?? 0;
    if (typeof p !== 'number')
      throw new TypeError(`${fn}: dropout must be a probability in [0, 1), got ${describe(p)}`);
    if (!(p >= 0 && p < 1))
      throw new RangeError(`${fn}: dropout must be a probability in [0, 1), got ${describe(p)}`);
    if (p > 0 && numLayers === 1)
      throw new RangeError(
        `${fn}: dropout (${p}) applies between stacked layers, so it needs numLayers > 1 (got 1)`,
      );
    this.bias = options.bias ?? true;
    this.numLayers = numLayers;
    this.returnSequences = options.returnSequences ?? false;
    this.bidirectional = options.bidirectional ?? false;
    this.dropout = p;
    this.batchFirst = options.batchFirst ?? true;
    this.gateCount = gateCount(cell);
    this.directions = this.bidirectional ? 2 : 1;
  }

  /** Per-sample shapes: [T, in] → [T, D·H] or [D·H] (batch-first); [N, in] → [N, D·H] (time-major). */
  protected override computeShape(input: readonly number[]): readonly number[] {
    const DH = this.directions * this.hiddenSize;
    const inl = this.inputSize;
    if (input.length !== 2 || input[1] !== inl || !(input[0] > 0)) {
      throw new RangeError(
        this.batchFirst
          ? `${this.name}: expected input [T, ${inl}] per sample (batch-first [N, T, ${inl}]), got ${shapeStr(input)}`
          : `${this.name}: expected input [N, ${inl}] per time step (time-major [T, N, ${inl}]), got ${shapeStr(input)}`,
      );
    }
    if (this.batchFirst) return this.returnSequences ? [input[0], DH] : [DH];
    if (!this.returnSequences)
      throw new RangeError(
        `${this.name}: with batchFirst false and returnSequences false the output [N, ${DH}] has no time axis to lead with; build the model without an inputShape, or set returnSequences`,
      );
    return [input[0], DH];
  }

  override paramSpecs(): ParamSpec[] {
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const k = 1 / Math.sqrt(H);
    const init = { kind: 'uniform' as const, a: -k, b: k };
    const specs: ParamSpec[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const inl = l === 0 ? this.inputSize : this.directions * H;
      for (let d = 0; d < this.directions; d++) {
        const sfx = `l${l}${d === 1 ? '_reverse' : ''}`;
        specs.push({ name: `weight_ih_${sfx}`, shape: [GH, inl], init, regularize: true });
        specs.push({ name: `weight_hh_${sfx}`, shape: [GH, H], init, regularize: true });
        if (this.bias) {
          specs.push({ name: `bias_ih_${sfx}`, shape: [GH], init, regularize: false });
          specs.push({ name: `bias_hh_${sfx}`, shape: [GH], init, regularize: false });
        }
      }
    }
    return specs;
  }

  override setRng(rng: Rng): void {
    this.rng = rng;
  }

  /** Layer l's direction weights as leaf tensors. */
  private weights(l: number): DirectionWeights[] {
    const per = this.bias ? 4 : 2;
    return Array.from({ length: this.directions }, (_, d) => {
      const i = (l * this.directions + d) * per;
      return {
        wih: this.param(i),
        whh: this.param(i + 1),
        bih: this.bias ? this.param(i + 2) : null,
        bhh: this.bias ? this.param(i + 3) : null,
      };
    });
  }

  /** `x` as a 3-D float32 tensor with `inputSize` features and T ≥ 1, or a clear error. */
  private input(x: unknown, fn: string): Tensor {
    const t = asTensor(fn, 'input', x, 'float32');
    const s = t.shape;
    if (s.length !== 3 || s[2] !== this.inputSize || s[this.batchFirst ? 1 : 0] < 1)
      throw new RangeError(
        `${fn}: expected input ${this.batchFirst ? '[batch, T' : '[T, batch'}, ${this.inputSize}] with T ≥ 1, got ${shapeStr(s)}`,
      );
    return t;
  }

  /** An initial state argument: null, or a float32 tensor [numLayers·D, N, H]. */
  private stateArg(fn: string, key: 'h' | 'c', v: unknown, n: number): Tensor | null {
    if (v == null) return null;
    const t = asTensor(fn, `state.${key}`, v, 'float32');
    const want = [this.numLayers * this.directions, n, this.hiddenSize];
    if (t.ndim !== 3 || t.shape.some((d, i) => d !== want[i]))
      throw new RangeError(
        `${fn}: state.${key} must be ${shapeStr(want)} ([numLayers·directions, batch, hiddenSize]), got ${shapeStr(t.shape)}`,
      );
    return t;
  }

  /** The output for input x (see the file comment); initial states are zeros. */
  forward(x: TensorLike, opts: ForwardOptions = {}): Tensor {
    const t = this.input(x, `${this.name}.forward`);
    return this.run(t, null, null, opts, false).output;
  }

  /**
   * The output and the final states for input x from the initial states `state` (omitted:
   * zeros). Feed `h` (and `c`) back, detached, as the next chunk's state for truncated
   * backpropagation through time, or as they are to differentiate through both chunks.
   */
  forwardWithState(
    x: TensorLike,
    state: RecurrentState = {},
    opts: ForwardOptions = {},
  ): RecurrentOutput {
    const fn = `${this.name}.forwardWithState`;
    const t = this.input(x, fn);
    optionsCheck(fn, 'state', state);
    knownKeys(fn, 'state key', state, this.cell === 'lstm' ? ['h', 'c'] : ['h']);
    const n = t.shape[this.batchFirst ? 0 : 1];
    const h0 = this.stateArg(fn, 'h', state.h, n);
    const c0 = this.cell === 'lstm' ? this.stateArg(fn, 'c', state.c, n) : null;
    return this.run(t, h0, c0, opts, true);
  }

  private run(
    x: Tensor,
    h0: Tensor | null,
    c0: Tensor | null,
    opts: ForwardOptions,
    withState: boolean,
  ): RecurrentOutput {
    const training = this.isTraining(opts);
    const D = this.directions;
    const L = this.numLayers;
    const { result, made } = collect(() => {
      const hs: Tensor[] = [];
      const cs: Tensor[] = [];
      let input = x;
      let top: Tensor | null = null;
      for (let l = 0; l < L; l++) {
        const last = l === L - 1;
        const r = recurrentLayer(
          this.cell,
          input,
          this.weights(l),
          h0 && narrowAxis(h0, 0, l * D, D),
          c0 && narrowAxis(c0, 0, l * D, D),
          { batchFirst: this.batchFirst, sequence: !last || this.returnSequences },
        );
        hs.push(r.h);
        if (r.c) cs.push(r.c);
        if (last) {
          top = r.y ?? finalOutput(r.h);
          break;
        }
        input = r.y as Tensor;
        if (training && this.dropout > 0) {
          this.rng ??= new Rng(0);
          input = dropout(input, this.dropout, this.rng, true);
        }
      }
      const out: RecurrentOutput = { output: top as Tensor, h: top as Tensor };
      if (withState) {
        out.h = catAxis(hs, 0);
        if (cs.length) out.c = catAxis(cs, 0);
      }
      return out;
    });
    // Everything made here but what the caller gets is internal: recycled with the graph, or
    // at once when nothing recorded it.
    const keep = new Set<Tensor>([result.output, result.h]);
    if (result.c) keep.add(result.c);
    // (Leaves made while recording belong to the nodes that saved them, a dropout mask.)
    for (const t of made) {
      if (keep.has(t)) continue;
      if (t._node) t._internal = true;
      else if (!isGradEnabled()) t._release();
    }
    return result;
  }

  override describe(): string {
    const opts = [
      this.numLayers > 1 ? `${this.numLayers} layers` : '',
      this.bidirectional ? 'bidirectional' : '',
      this.dropout > 0 ? `dropout ${this.dropout}` : '',
      this.bias ? '' : 'no bias',
      this.batchFirst ? '' : 'time-major',
      this.returnSequences ? 'sequences' : 'last step',
      this.cell === 'rnnRelu' ? 'relu' : '',
    ].filter((s) => s);
    return `${this.constructor.name}(${this.inputSize} → ${this.hiddenSize}, ${opts.join(', ')})`;
  }
}

/** The top layer's final states [D, N, H] as the output [N, D·H]. */
function finalOutput(h: Tensor): Tensor {
  const [D, n, H] = h.shape;
  return D === 1 ? reshape(h, [n, H]) : reshape(permute(h, [1, 0, 2]), [n, D * H]);
}

/** Elman RNN, `torch.nn.RNN`: h' = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu. */
export class RNN extends Recurrent {
  /** The cell's activation. */
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nl = (options as RNNOptions | null)?.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new TypeError(`RNN: nonlinearity must be 'tanh' or 'relu', got ${describe(nl)}`);
    super(nl === 'relu' ? 'rnnRelu' : 'rnnTanh', inputSize, hiddenSize, options, ['nonlinearity']);
    this.nonlinearity = nl;
  }
}

/** Long short-term memory, `torch.nn.LSTM` (gates i, f, g, o; no projection, no peepholes). */
export class LSTM extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('lstm', inputSize, hiddenSize, options, []);
  }
}

/** Gated recurrent unit, `torch.nn.GRU` (gates r, z, n; torch's placement of b_hn). */
export class GRU extends Recurrent {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super('gru', inputSize, hiddenSize, options, []);
  }
}
