/**
 * Muon (K. Jordan et al., 2024; `torch.optim.Muon` semantics for matrices): momentum
 * b ← b + (1−μ)(g − b), u = Nesterov ? g + μ(b − g) : b, u orthogonalised by 5 quintic
 * Newton–Schulz iterations (X ← aX + (bA + cA²)X, A = XXᵀ, X₀ = u/‖u‖_F), then
 * θ ← θ(1 − ηλ) − η·√max(1, rows/cols)·u. Parameters that are not matrices (biases, norms) get
 * AdamW with the `adamw*` options, as in Jordan's reference. The iterations run in the
 * backend's GEMM on preallocated buffers; torch runs them in bfloat16, we in float32.
 */
import type { Kernels } from '../backend/kernels.js';
import type { Backend } from '../backend/select.js';
import { allocArena } from '../memory.js';
import {
  type GroupState,
  Optimizer,
  type Param,
  type ParamGroup,
  type ParamsInput,
} from './optimizer.js';
import { bool, choice, count, interval, nonNegative, type OptionSpec, pair } from './options.js';

/**
 * Options of {@link Muon}: `torch.optim.Muon`'s for matrices, and `adamw*` options for the
 * other parameters.
 */
export interface MuonOptions {
  /** Learning rate η of the matrix (Muon) update, ≥ 0; before `adjustLrFn`'s scaling. Default 0.001. PyTorch: `lr`. */
  lr: number;
  /** Decoupled weight decay λ of the matrices: θ ← θ(1 − ηλ), ≥ 0. Default 0.1. PyTorch: `weight_decay`. */
  weightDecay: number;
  /** Momentum μ: b ← b + (1 − μ)(g − b), ≥ 0. Default 0.95. PyTorch: `momentum`. */
  momentum: number;
  /** Nesterov momentum: orthogonalise g + μ(b − g) instead of b. Default true. PyTorch: `nesterov`. */
  nesterov: boolean;
  /**
   * Coefficients [a, b, c] of the quintic Newton–Schulz iteration X ← aX + (bA + cA²)X.
   * Default [3.4445, -4.775, 2.0315]. PyTorch: `ns_coefficients`.
   */
  nsCoefficients: [number, number, number];
  /** Lower bound on ‖u‖_F when normalizing before the iteration (u / max(‖u‖_F, ε)), ≥ 0. Default 1e-7. PyTorch: `eps`. */
  eps: number;
  /** Number of Newton–Schulz iterations, an integer in [0, 100). Default 5. PyTorch: `ns_steps`. */
  nsSteps: number;
  /**
   * How the step of a rows×cols matrix is scaled: `'original'` (or null) by
   * √max(1, rows/cols), `'match_rms_adamw'` by 0.2·√max(rows, cols) (so `lr` and `weightDecay`
   * can be AdamW's), `'spectral_unclamped'` by √(rows/cols) (not in PyTorch). Default null.
   * PyTorch: `adjust_lr_fn`.
   */
  adjustLrFn: 'original' | 'match_rms_adamw' | 'spectral_unclamped' | null;
  /**
   * Learning rate of the AdamW update of the parameters that are not matrices, ≥ 0. Default
   * 0.001. Schedulers change `lr` only, not this.
   */
  adamwLr: number;
  /** AdamW's [β₁, β₂] for the non-matrix parameters, each in [0, 1). Default [0.9, 0.999]. */
  adamwBetas: [number, number];
  /** AdamW's ε for the non-matrix parameters, ≥ 0. Default 1e-8. */
  adamwEps: number;
  /** AdamW's decoupled weight decay for the non-matrix parameters, ≥ 0. Default 0.01. */
  adamwWeightDecay: number;
}

const finiteNumber = (fn: string, name: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new TypeError(`${fn}: option ${name} must be a finite number`);
};

export const MUON_SPEC: OptionSpec<MuonOptions> = {
  defaults: {
    lr: 1e-3,
    weightDecay: 0.1,
    momentum: 0.95,
    nesterov: true,
    nsCoefficients: [3.4445, -4.775, 2.0315],
    eps: 1e-7,
    nsSteps: 5,
    adjustLrFn: null,
    adamwLr: 1e-3,
    adamwBetas: [0.9, 0.999],
    adamwEps: 1e-8,
    adamwWeightDecay: 1e-2,
  },
  checks: {
    lr: nonNegative,
    weightDecay: nonNegative,
    momentum: nonNegative,
    nesterov: bool,
    nsCoefficients: (fn, name, v) => {
      if (!Array.isArray(v) || v.length !== 3)
        throw new TypeError(`${fn}: option ${name} must be three numbers [a, b, c]`);
      v.forEach((x, i) => finiteNumber(fn, `${name}[${i}]`, x));
    },
    eps: nonNegative,
    nsSteps: (fn, name, v) => {
      count(fn, name, v);
      if ((v as number) >= 100)
        throw new RangeError(`${fn}: invalid ${name}: must be < 100, got ${v}`);
    },
    adjustLrFn: choice(['original', 'match_rms_adamw', 'spectral_unclamped'], true),
    adamwLr: nonNegative,
    adamwBetas: pair(interval(0, 1)),
    adamwEps: nonNegative,
    adamwWeightDecay: nonNegative,
  },
};

/** Whether a parameter gets the Muon update: any 2-D tensor, as torch.optim.Muon. */
function isMatrix(p: Param): boolean {
  return p.shape !== undefined && p.shape.length === 2;
}

function adjustLr(
  lr: number,
  fnName: MuonOptions['adjustLrFn'],
  rows: number,
  cols: number,
): number {
  switch (fnName) {
    case null:
    case 'original':
      return lr * Math.sqrt(Math.max(1, rows / cols));
    case 'match_rms_adamw':
      return lr * 0.2 * Math.sqrt(Math.max(rows, cols));
    case 'spectral_unclamped':
      return lr * Math.sqrt(rows / cols);
  }
}

interface Scratch {
  upd: Float32Array;
  x: Float32Array;
  x2: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

/**
 * Muon (Jordan et al. 2024, "Muon: An optimizer for hidden layers in neural networks"), as
 * `torch.optim.Muon` for 2-D parameters: SGD-momentum whose update is orthogonalised by a
 * Newton–Schulz iteration. Parameters that are not matrices (biases, norm scales, and any
 * `{ data, grad }` without a `shape`) get AdamW with the `adamw*` options, as in Jordan's
 * reference (torch.optim.Muon refuses them). State: `momentumBuffer` (matrices), `expAvg`,
 * `expAvgSq` (others).
 */
export class Muon extends Optimizer<MuonOptions> {
  private readonly scratch = new Map<string, Scratch>();
  private readonly hyper = new Float64Array(9);

  constructor(params: ParamsInput<MuonOptions>, options: Partial<MuonOptions> = {}) {
    super('Muon', params, options, MUON_SPEC);
    for (const [gi, g] of this.paramGroups.entries()) {
      for (const [i, p] of g.params.entries()) {
        if (p.shape !== undefined) {
          const n = p.shape.reduce((s, d) => s * d, 1);
          if (n !== p.data.length) {
            throw new RangeError(
              `Muon: params[${gi}][${i}].shape ${JSON.stringify(p.shape)} has ${n} elements, its data ${p.data.length}`,
            );
          }
        }
      }
    }
  }

  protected override stateNames(): readonly string[] {
    return ['momentumBuffer', 'expAvg', 'expAvgSq'];
  }

  /** Buffers for the Newton–Schulz iteration of a rows×cols matrix. */
  private buffers(rows: number, cols: number): Scratch {
    const key = `${rows}x${cols}`;
    let s = this.scratch.get(key);
    if (!s) {
      const r = Math.min(rows, cols);
      const [upd, x, x2, a, b] = allocArena([rows * cols, rows * cols, rows * cols, r * r, r * r]);
      s = { upd, x, x2, a, b };
      this.scratch.set(key, s);
    }
    return s;
  }

  /**
   * Orthogonalises s.upd (rows×cols, row-major) in place of s.x/s.x2 and returns the result.
   * torch transposes a tall matrix to make it wide; instead, for a tall X the Gram matrix is
   * XᵀX and the update X·B (B is symmetric), which is the same iteration without the copies.
   */
  private newtonSchulz(
    k: Kernels,
    g: ParamGroup<MuonOptions>,
    s: Scratch,
    rows: number,
    cols: number,
  ): Float32Array {
    const [ca, cb, cc] = g.nsCoefficients;
    const tall = rows > cols;
    const r = Math.min(rows, cols);
    let x = s.x;
    let x2 = s.x2;
    const norm = Math.sqrt(k.sumSquares(s.upd));
    k.binaryScalar('mul', x, s.upd, 1 / Math.max(norm, g.eps));
    for (let it = 0; it < g.nsSteps; it++) {
      // A = X Xᵀ (wide) or Xᵀ X (tall), r×r
      if (tall) k.gemm(true, false, r, r, rows, 1, x, x, 0, s.a);
      else k.gemm(false, true, r, r, cols, 1, x, x, 0, s.a);
      // B = b·A + c·A·A
      k.copy(s.b, s.a);
      k.gemm(false, false, r, r, r, cc, s.a, s.a, cb, s.b);
      // X' = a·X + B·X (wide) or a·X + X·B (tall)
      k.copy(x2, x);
      if (tall) k.gemm(false, false, rows, cols, cols, 1, x, s.b, ca, x2);
      else k.gemm(false, false, rows, cols, rows, 1, s.b, x, ca, x2);
      [x, x2] = [x2, x];
    }
    return x;
  }

  protected override updateGroup(g: ParamGroup<MuonOptions>, st: GroupState, b: Backend): void {
    g.params.forEach((p, i) => {
      if (p.grad === null || p.data.length === 0) return;
      const k = b.kernelsFor(p.data.length);
      const step = st.steps[i] + 1;
      st.steps[i] = step;
      const n = p.data.length;
      if (!isMatrix(p)) {
        st.arena('expAvg');
        st.arena('expAvgSq');
        const h = this.hyper;
        h.set([
          g.adamwLr,
          g.adamwBetas[0],
          g.adamwBetas[1],
          g.adamwEps,
          g.adamwWeightDecay,
          1,
          0,
          0,
          step,
        ]);
        k.optimStep(
          'adam',
          p.data,
          p.grad,
          [st.view('expAvg', i, n), st.view('expAvgSq', i, n), null],
          h,
          null,
        );
        return;
      }
      const [rows, cols] = p.shape as readonly number[];
      st.arena('momentumBuffer');
      const buf = st.view('momentumBuffer', i, n);
      const s = this.buffers(rows, cols);
      k.lerp(buf, p.grad, 1 - g.momentum);
      k.copy(s.upd, g.nesterov ? p.grad : buf);
      if (g.nesterov) k.lerp(s.upd, buf, g.momentum);
      const u = this.newtonSchulz(k, g, s, rows, cols);
      k.binaryScalar('mul', p.data, p.data, 1 - g.lr * g.weightDecay);
      k.axpy(-adjustLr(g.lr, g.adjustLrFn, rows, cols), u, p.data);
    });
  }
}
