/**
 * Recurrent layers with `torch.nn.RNN` / `LSTM` / `GRU` semantics, batch-first
 * (`batch_first=True`): input [N, T, inputSize]; output [N, T, hiddenSize] with
 * `returnSequences`, else the last step's hidden state [N, hiddenSize] (torch's `h_n[-1]`).
 * Initial states are zero; stacked layers (`numLayers`) feed each layer's output sequence to
 * the next (no inter-layer dropout).
 *
 * Parameters keep torch's names, shapes and order, per layer l: `weight_ih_l{l}` [G·H, in],
 * `weight_hh_l{l}` [G·H, H], `bias_ih_l{l}` [G·H], `bias_hh_l{l}` [G·H] (G = 1 for RNN, 4 for
 * LSTM with gate rows i, f, g, o, 3 for GRU with r, z, n), so a torch state dict maps one to
 * one (`0.weight_ih_l0` in a model). Every parameter starts U(−1/√H, 1/√H) like torch.
 * GRU: n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 − z) ⊙ n + z ⊙ h.
 *
 * Forward: one GEMM projects all time steps at once ([N·T, in] × [in, G·H], plus the biases),
 * then per step one GEMM for the recurrent projection and one fused cell kernel
 * (`rnnCellForward`/`lstmCellForward`/`gruCellForward`), which keeps the gate activations for
 * backward. Backward is backpropagation through time over those activations: per step one
 * fused cell-backward kernel and one GEMM for the gradient reaching h_{t−1}; the weight
 * gradients are GEMMs over all steps at the end (W_ih over the batch-first pre-activation
 * gradients and the input, W_hh over the time-major ones and h_{t−1}), the bias gradients
 * column sums.
 *
 * Internal layout: gate buffers (and the input-side pre-activation gradients) are batch-first
 * [N, T, G·H], rows of step t strided by T·G·H, so the input GEMMs need no transpose; hidden
 * and cell states are time-major [T + 1, N, H] (slot 0 the zero initial state), so each step's
 * recurrent GEMM reads a contiguous block.
 */
import { getBackend } from '../backend/select.js';
import { describe, knownKeys, options as optionsCheck } from '../backend/validate.js';
import { type ForwardOptions, Layer, type LayerParam, type ParamSpec } from './layer.js';
import { Scratch, shapeStr, type Tensor } from './tensor.js';

type Cell = 'rnnTanh' | 'rnnRelu' | 'lstm' | 'gru';

export interface RecurrentOptions {
  /** Biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Stacked recurrent layers (default 1). */
  numLayers?: number;
  /** Output every step [N, T, H] (true) or only the last [N, H] (default false). */
  returnSequences?: boolean;
}

export interface RNNOptions extends RecurrentOptions {
  /** 'tanh' (default) or 'relu'. */
  nonlinearity?: 'tanh' | 'relu';
}

/** Named, reusable buffers that grow to the largest size asked for. */
class Pool {
  private readonly m = new Map<string, Scratch>();
  take(key: string, n: number): Float32Array {
    let s = this.m.get(key);
    if (!s) {
      s = new Scratch();
      this.m.set(key, s);
    }
    return s.get([n]).data;
  }
}

/** One layer's forward buffers for a batch size (per-step views built once per size). */
interface Fwd {
  n: number;
  /** [N, T, G·H]: input pre-activations, then the gate activations. */
  gates: Float32Array;
  /** [N, G·H]: recurrent pre-activations of the current step. */
  hp: Float32Array;
  /** Hidden states, time-major [T + 1, N, H]; `hAt[t]` is slot t (h_{t−1}, slot 0 = zeros). */
  hs: Float32Array;
  hAt: Float32Array[];
  /** LSTM cell states, same layout. */
  cAt: Float32Array[];
  /** GRU W_hn·h + b_hn per step [T][N, H]. */
  hnAt: Float32Array[];
  /** [N, T, H] output sequence (null for a top layer that returns only the last step). */
  y: Float32Array | null;
  /** Slots 1 .. T−1 of `hs` (the h_{t−1} that are not zero), for the W_hh gradient GEMM. */
  hMid: Float32Array;
}

interface Bwd {
  n: number;
  /** [N, T, G·H] input-side pre-activation gradients. */
  dp: Float32Array;
  /** [T, N, G·H] hidden-side pre-activation gradients; `dptAt[t]` is step t. */
  dpt: Float32Array;
  dptAt: Float32Array[];
  /** Steps 1 .. T−1 of `dpt`. */
  dptMid: Float32Array;
  dhA: Float32Array;
  dhB: Float32Array;
  dc: Float32Array;
  /** [N, T, in] gradient w.r.t. this layer's input. */
  dx: Float32Array;
}

interface Weights {
  wih: LayerParam;
  whh: LayerParam;
  bih: LayerParam | null;
  bhh: LayerParam | null;
}

const GATES: Record<Cell, number> = { rnnTanh: 1, rnnRelu: 1, lstm: 4, gru: 3 };

export abstract class Recurrent extends Layer {
  readonly bias: boolean;
  readonly numLayers: number;
  readonly returnSequences: boolean;
  /** Gates per hidden unit: 1 (RNN), 4 (LSTM), 3 (GRU). */
  readonly gateCount: number;
  private seqLen = 0;
  private weights: Weights[] = [];
  private readonly pools: Pool[] = [];
  private fwd: Fwd[] = [];
  private bwd: Bwd[] = [];
  private x: Tensor | null = null;
  private out: Tensor | null = null;
  private dxOut: Tensor | null = null;

  protected constructor(
    private readonly cell: Cell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    options: RecurrentOptions,
    extraKeys: readonly string[],
  ) {
    super();
    const fn = this.constructor.name;
    optionsCheck(fn, 'options', options);
    knownKeys(fn, 'option', options, ['bias', 'numLayers', 'returnSequences', ...extraKeys]);
    for (const [k, v] of [
      ['inputSize', inputSize],
      ['hiddenSize', hiddenSize],
    ] as const) {
      if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`${fn}: ${k} must be a positive integer, got ${describe(v)}`);
    }
    const numLayers = options.numLayers ?? 1;
    if (!Number.isSafeInteger(numLayers) || numLayers <= 0)
      throw new RangeError(
        `${fn}: numLayers must be a positive integer, got ${describe(numLayers)}`,
      );
    for (const k of ['bias', 'returnSequences'] as const) {
      const v = options[k];
      if (v !== undefined && typeof v !== 'boolean')
        throw new TypeError(`${fn}: ${k} must be a boolean, got ${describe(v)}`);
    }
    this.bias = options.bias ?? true;
    this.numLayers = numLayers;
    this.returnSequences = options.returnSequences ?? false;
    this.gateCount = GATES[cell];
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    if (input.length !== 2 || input[1] !== this.inputSize || !(input[0] > 0)) {
      throw new RangeError(
        `${this.name}: expected input [T, ${this.inputSize}] per sample (batch-first [N, T, ${this.inputSize}]), got ${shapeStr(input)}`,
      );
    }
    this.seqLen = input[0];
    this.fwd = [];
    this.bwd = [];
    return this.returnSequences ? [input[0], this.hiddenSize] : [this.hiddenSize];
  }

  override paramSpecs(): ParamSpec[] {
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const k = 1 / Math.sqrt(H);
    const init = { kind: 'uniform' as const, a: -k, b: k };
    const specs: ParamSpec[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      const inl = l === 0 ? this.inputSize : H;
      specs.push({ name: `weight_ih_l${l}`, shape: [GH, inl], init, regularize: true });
      specs.push({ name: `weight_hh_l${l}`, shape: [GH, H], init, regularize: true });
      if (this.bias) {
        specs.push({ name: `bias_ih_l${l}`, shape: [GH], init, regularize: false });
        specs.push({ name: `bias_hh_l${l}`, shape: [GH], init, regularize: false });
      }
    }
    return specs;
  }

  override bind(params: LayerParam[]): void {
    super.bind(params);
    const per = this.bias ? 4 : 2;
    this.weights = [];
    for (let l = 0; l < this.numLayers; l++) {
      const p = params.slice(l * per, (l + 1) * per);
      this.weights.push({
        wih: p[0],
        whh: p[1],
        bih: this.bias ? p[2] : null,
        bhh: this.bias ? p[3] : null,
      });
    }
  }

  private pool(l: number): Pool {
    while (this.pools.length <= l) this.pools.push(new Pool());
    return this.pools[l];
  }

  /** Whether layer l's output sequence is materialised ([N, T, H]). */
  private emitsSequence(l: number): boolean {
    return l < this.numLayers - 1 || this.returnSequences;
  }

  private forwardBuffers(l: number, n: number): Fwd {
    const cached = this.fwd[l];
    if (cached && cached.n === n) return cached;
    const T = this.seqLen;
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const nh = n * H;
    const p = this.pool(l);
    const hs = p.take('hs', (T + 1) * nh);
    const slots = (buf: Float32Array, count: number) =>
      Array.from({ length: count }, (_, t) => buf.subarray(t * nh, (t + 1) * nh));
    const f: Fwd = {
      n,
      gates: p.take('gates', n * T * GH),
      hp: p.take('hp', n * GH),
      hs,
      hAt: slots(hs, T + 1),
      cAt: this.cell === 'lstm' ? slots(p.take('cs', (T + 1) * nh), T + 1) : [],
      hnAt: this.cell === 'gru' ? slots(p.take('hn', T * nh), T) : [],
      y: this.emitsSequence(l) ? p.take('y', n * T * H) : null,
      hMid: hs.subarray(nh, T * nh),
    };
    // Zero initial states (a reused buffer may hold an earlier batch's values).
    f.hAt[0].fill(0);
    if (this.cell === 'lstm') f.cAt[0].fill(0);
    this.fwd[l] = f;
    return f;
  }

  private backwardBuffers(l: number, n: number): Bwd {
    const cached = this.bwd[l];
    if (cached && cached.n === n) return cached;
    const T = this.seqLen;
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const inl = l === 0 ? this.inputSize : H;
    const p = this.pool(l);
    const dpt = p.take('dpt', T * n * GH);
    const b: Bwd = {
      n,
      dp: p.take('dp', n * T * GH),
      dpt,
      dptAt: Array.from({ length: T }, (_, t) => dpt.subarray(t * n * GH, (t + 1) * n * GH)),
      dptMid: dpt.subarray(n * GH, T * n * GH),
      dhA: p.take('dhA', n * H),
      dhB: p.take('dhB', n * H),
      dc: p.take('dc', this.cell === 'lstm' ? n * H : 0),
      dx: p.take('dx', n * T * inl),
    };
    this.bwd[l] = b;
    return b;
  }

  forward(x: Tensor, _opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    const n = x.shape[0];
    const T = this.seqLen;
    const H = this.hiddenSize;
    let input = x.data;
    let last: Fwd | null = null;
    for (let l = 0; l < this.numLayers; l++) {
      last = this.forwardLayer(l, input, n);
      if (l < this.numLayers - 1) input = last.y as Float32Array;
    }
    const f = last as Fwd;
    const data = f.y ?? f.hAt[T];
    const shape = f.y ? [n, T, H] : [n, H];
    if (!this.out || this.out.data !== data) this.out = { data, shape };
    this.x = x;
    return this.out;
  }

  private forwardLayer(l: number, input: Float32Array, n: number): Fwd {
    const T = this.seqLen;
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const inl = l === 0 ? this.inputSize : H;
    const f = this.forwardBuffers(l, n);
    const { wih, whh, bih, bhh } = this.weights[l];
    const be = getBackend();
    const kIn = be.kernelsFor(n * T * inl * GH);
    // All steps' input projections at once: gates = x·W_ihᵀ + b_ih (+ b_hh except for GRU,
    // whose b_hn sits inside r ⊙ (·)).
    kIn.gemm(false, true, n * T, GH, inl, 1, input, wih.data, 0, f.gates);
    if (bih && bhh) {
      const kb = be.kernelsFor(n * T * GH);
      kb.biasAdd(f.gates, bih.data, n * T, GH, 1);
      if (this.cell !== 'gru') kb.biasAdd(f.gates, bhh.data, n * T, GH, 1);
    }
    const kRec = be.kernelsFor(n * H * GH);
    const kCell = be.kernelsFor(8 * n * GH);
    const gStride = T * GH;
    const y = f.y;
    for (let t = 0; t < T; t++) {
      // h_{−1} = 0: the first step's recurrent projection is zero.
      if (t === 0) kCell.fill(f.hp, 0);
      else kRec.gemm(false, true, n, GH, H, 1, f.hAt[t], whh.data, 0, f.hp);
      const gOff = t * GH;
      switch (this.cell) {
        case 'rnnTanh':
        case 'rnnRelu':
          kCell.rnnCellForward(
            this.cell === 'rnnRelu',
            n,
            H,
            f.gates,
            gOff,
            gStride,
            f.hp,
            f.hAt[t + 1],
            y,
            t * H,
            T * H,
          );
          break;
        case 'lstm':
          kCell.lstmCellForward(
            n,
            H,
            f.gates,
            gOff,
            gStride,
            f.hp,
            f.cAt[t],
            f.cAt[t + 1],
            f.hAt[t + 1],
            y,
            t * H,
            T * H,
          );
          break;
        case 'gru':
          kCell.gruCellForward(
            n,
            H,
            f.gates,
            gOff,
            gStride,
            f.hp,
            bhh ? bhh.data : null,
            f.hAt[t],
            f.hnAt[t],
            f.hAt[t + 1],
            y,
            t * H,
            T * H,
          );
          break;
      }
    }
    return f;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const x = this.x as Tensor;
    const n = x.shape[0];
    let grad = dy.data;
    let seq = this.returnSequences;
    let dx: Float32Array = grad;
    for (let l = this.numLayers - 1; l >= 0; l--) {
      const input = l === 0 ? x.data : (this.fwd[l - 1].y as Float32Array);
      dx = this.backwardLayer(l, input, grad, seq, n);
      grad = dx;
      seq = true;
    }
    if (!this.dxOut || this.dxOut.data !== dx) this.dxOut = { data: dx, shape: x.shape };
    return this.dxOut;
  }

  /**
   * BPTT through layer l. `dOut` is the gradient w.r.t. the layer's output: the sequence
   * [N, T, H] when `seq`, else the last step [N, H]. Returns the gradient w.r.t. `input`.
   */
  private backwardLayer(
    l: number,
    input: Float32Array,
    dOut: Float32Array,
    seq: boolean,
    n: number,
  ): Float32Array {
    const T = this.seqLen;
    const H = this.hiddenSize;
    const GH = this.gateCount * H;
    const inl = l === 0 ? this.inputSize : H;
    const f = this.fwd[l];
    const b = this.backwardBuffers(l, n);
    const { wih, whh, bih, bhh } = this.weights[l];
    const be = getBackend();
    const kRec = be.kernelsFor(n * H * GH);
    const kCell = be.kernelsFor(8 * n * GH);
    const gStride = T * GH;
    let dh = b.dhA;
    let dhNext = b.dhB;
    kCell.fill(dh, 0);
    if (this.cell === 'lstm') kCell.fill(b.dc, 0);
    for (let t = T - 1; t >= 0; t--) {
      const gOff = t * GH;
      // The output's gradient enters at every step (sequence) or at the last one only.
      const dy = seq || t === T - 1 ? dOut : null;
      const dyOff = seq ? t * H : 0;
      const dyStride = seq ? T * H : H;
      switch (this.cell) {
        case 'rnnTanh':
        case 'rnnRelu':
          kCell.rnnCellBackward(
            this.cell === 'rnnRelu',
            n,
            H,
            f.gates,
            gOff,
            gStride,
            dh,
            dy,
            dyOff,
            dyStride,
            b.dptAt[t],
            b.dp,
          );
          // dh_{t−1} = dpre_t · W_hh
          if (t > 0) kRec.gemm(false, false, n, H, GH, 1, b.dptAt[t], whh.data, 0, dh);
          break;
        case 'lstm':
          kCell.lstmCellBackward(
            n,
            H,
            f.gates,
            gOff,
            gStride,
            f.cAt[t],
            f.cAt[t + 1],
            dh,
            dy,
            dyOff,
            dyStride,
            b.dc,
            b.dptAt[t],
            b.dp,
          );
          if (t > 0) kRec.gemm(false, false, n, H, GH, 1, b.dptAt[t], whh.data, 0, dh);
          break;
        case 'gru': {
          kCell.gruCellBackward(
            n,
            H,
            f.gates,
            gOff,
            gStride,
            f.hnAt[t],
            f.hAt[t],
            dh,
            dy,
            dyOff,
            dyStride,
            b.dptAt[t],
            b.dp,
            dhNext,
          );
          // dh_{t−1} = dh ⊙ z + dpre_t · W_hh
          if (t > 0) kRec.gemm(false, false, n, H, GH, 1, b.dptAt[t], whh.data, 1, dhNext);
          const tmp = dh;
          dh = dhNext;
          dhNext = tmp;
          break;
        }
      }
    }
    // Weight gradients over all steps: dW_ih += dpᵀ·x, dW_hh += Σ_t dpre_tᵀ·h_{t−1} (t ≥ 1;
    // h_{−1} = 0), biases: column sums of the input-side and hidden-side gradients.
    const kW = be.kernelsFor(n * T * GH * Math.max(inl, H));
    kW.gemm(true, false, GH, inl, n * T, 1, b.dp, input, 1, wih.grad);
    if (T > 1) kW.gemm(true, false, GH, H, n * (T - 1), 1, b.dptMid, f.hMid, 1, whh.grad);
    if (bih && bhh) {
      const kb = be.kernelsFor(n * T * GH);
      kb.colSums(bih.grad, b.dp, n * T, GH, true);
      kb.colSums(bhh.grad, b.dpt, n * T, GH, true);
    }
    kW.gemm(false, false, n * T, inl, GH, 1, b.dp, wih.data, 0, b.dx);
    return b.dx;
  }

  override describe(): string {
    const opts = [
      this.numLayers > 1 ? `${this.numLayers} layers` : '',
      this.bias ? '' : 'no bias',
      this.returnSequences ? 'sequences' : 'last step',
      this.cell === 'rnnRelu' ? 'relu' : '',
    ].filter((s) => s);
    return `${this.constructor.name}(${this.inputSize} → ${this.hiddenSize}, ${opts.join(', ')})`;
  }
}

/** Elman RNN, `torch.nn.RNN`: h' = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu. */
export class RNN extends Recurrent {
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
