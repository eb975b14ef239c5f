/**
 * L-BFGS with optional strong-Wolfe line search, following `torch.optim.LBFGS` (itself after
 * Schmidt's minFunc): two-loop recursion over the last `historySize` (s, y) pairs, H₀ = sᵀy/yᵀy.
 * Vector work runs in the backend's kernels (dot, axpy, scale, copy) on flat buffers; the
 * scalars torch keeps in float32 tensors are rounded to float32 here too.
 */
import type { Kernels } from '../backend/kernels.js';
import type { Backend } from '../backend/select.js';
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import {
  type Closure,
  type GroupState,
  Optimizer,
  type ParamGroup,
  type ParamsInput,
} from './optimizer.js';
import { bool, choice, count, nonNegative, type OptionSpec } from './options.js';
import { checkEncoded, decodeInto, type EncodedBuffer, encode } from './state-dict.js';

/** Options of {@link LBFGS}. */
export interface LBFGSOptions {
  /** Step length along the search direction (the line search's initial step), ≥ 0. Default 1. PyTorch: `lr`. */
  lr: number;
  /** Maximum iterations per `step()`, an integer ≥ 0. Default 20. PyTorch: `max_iter`. */
  maxIter: number;
  /** Maximum function evaluations per step; null means maxIter · 5/4 (rounded down). Default null. PyTorch: `max_eval`. */
  maxEval: number | null;
  /** Stop when the largest absolute gradient element is ≤ this, ≥ 0. Default 1e-7. PyTorch: `tolerance_grad`. */
  toleranceGrad: number;
  /** Stop when the loss or the parameters change by less than this, ≥ 0. Default 1e-9. PyTorch: `tolerance_change`. */
  toleranceChange: number;
  /** Number of (s, y) pairs kept for the inverse-Hessian estimate, an integer ≥ 0. Default 100. PyTorch: `history_size`. */
  historySize: number;
  /** `'strong_wolfe'` for a strong-Wolfe line search, null for a fixed step `lr`. Default null. PyTorch: `line_search_fn`. */
  lineSearchFn: 'strong_wolfe' | null;
  /** Maximize the closure's value instead of minimizing it. Default false. */
  maximize: boolean;
}

export const LBFGS_SPEC: OptionSpec<LBFGSOptions> = {
  defaults: {
    lr: 1,
    maxIter: 20,
    maxEval: null,
    toleranceGrad: 1e-7,
    toleranceChange: 1e-9,
    historySize: 100,
    lineSearchFn: null,
    maximize: false,
  },
  checks: {
    lr: nonNegative,
    maxIter: count,
    maxEval: (fn, name, v) => {
      if (v !== null) count(fn, name, v);
    },
    toleranceGrad: nonNegative,
    toleranceChange: nonNegative,
    historySize: count,
    lineSearchFn: choice(['strong_wolfe'], true),
    maximize: bool,
  },
};

const f32 = Math.fround;

interface History {
  dirs: Float32Array[];
  stps: Float32Array[];
  ro: number[];
}

/**
 * L-BFGS (Liu & Nocedal 1989; Nocedal 1980), as `torch.optim.LBFGS`: a quasi-Newton method
 * from the last `historySize` steps, with an optional strong-Wolfe line search. Every `step`
 * needs a closure and runs up to `maxIter` iterations. One parameter group only; it keeps up
 * to 2·`historySize` vectors as long as all parameters together, so it suits small models and
 * full-batch problems.
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private readonly n: number;
  private readonly flatGrad: Float32Array;
  private d: Float32Array;
  private prevFlatGrad: Float32Array | null = null;
  private xInit: Float32Array;
  private readonly q: Float32Array;
  private t = 0;
  private hDiag = 1;
  private prevLoss = Number.NaN;
  private hist: History = { dirs: [], stps: [], ro: [] };
  private pool: Float32Array[] = [];
  private funcEvals = 0;
  private nIter = 0;
  /** Line-search scratch vectors, allocated on first use. */
  private ls: Float32Array[] | null = null;
  private al = new Float64Array(0);

  constructor(params: ParamsInput<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    super('LBFGS', params, options, LBFGS_SPEC);
    if (this.paramGroups.length !== 1) {
      throw new RangeError(
        "LBFGS: doesn't support per-parameter options (parameter groups): pass one list of parameters",
      );
    }
    this.n = this.paramGroups[0].params.reduce((s, p) => s + p.data.length, 0);
    [this.flatGrad, this.d, this.xInit, this.q] = allocArena([this.n, this.n, this.n, this.n]);
  }

  protected override stateNames(): readonly string[] {
    return [];
  }

  protected override updateGroup(_g: ParamGroup<LBFGSOptions>, _st: GroupState, _b: Backend): void {
    throw new Error('LBFGS.step takes a closure');
  }

  private get group(): ParamGroup<LBFGSOptions> {
    return this.paramGroups[0];
  }

  /** Copies the parameters' gradients into the flat gradient (negated with maximize). */
  private gatherFlatGrad(k: Kernels): void {
    let o = 0;
    for (const p of this.group.params) {
      const view = this.flatGrad.subarray(o, o + p.data.length);
      if (p.grad) k.copy(view, p.grad);
      else view.fill(0);
      o += p.data.length;
    }
    if (this.group.maximize) k.binaryScalar('mul', this.flatGrad, this.flatGrad, -1);
  }

  /** p += step · update, per parameter. */
  private addGrad(k: Kernels, step: number, update: Float32Array): void {
    let o = 0;
    for (const p of this.group.params) {
      k.axpy(step, update.subarray(o, o + p.data.length), p.data);
      o += p.data.length;
    }
  }

  private cloneParams(k: Kernels, into: Float32Array): void {
    let o = 0;
    for (const p of this.group.params) {
      k.copy(into.subarray(o, o + p.data.length), p.data);
      o += p.data.length;
    }
  }

  private setParams(k: Kernels, from: Float32Array): void {
    let o = 0;
    for (const p of this.group.params) {
      k.copy(p.data, from.subarray(o, o + p.data.length));
      o += p.data.length;
    }
  }

  private evaluate(closure: Closure, fn: string): number {
    const loss = closure();
    if (typeof loss !== 'number')
      throw new TypeError(
        `${fn}: the closure must return the loss as a number, got ${describe(loss)}`,
      );
    this.validateForStep(fn);
    return this.group.maximize ? -loss : loss;
  }

  /** A spare vector for history (recycled when the oldest pair is dropped). */
  private vector(): Float32Array {
    return this.pool.pop() ?? allocArena([this.n])[0];
  }

  /**
   * Runs up to `maxIter` L-BFGS iterations, calling `closure` (required) to re-evaluate the loss
   * and gradients; returns the loss from the first evaluation, as PyTorch.
   */
  override step(closure?: Closure): number {
    const fn = 'LBFGS.step';
    if (typeof closure !== 'function') {
      throw new TypeError(
        `${fn}: a closure that re-evaluates the model and returns the loss is required, got ${describe(closure)}`,
      );
    }
    this.validateForStep(fn);
    const g = this.group;
    const k = getBackend().kernelsFor(this.n);
    const maxEval = g.maxEval ?? Math.floor((g.maxIter * 5) / 4);
    const origLoss = closure();
    if (typeof origLoss !== 'number') {
      throw new TypeError(
        `${fn}: the closure must return the loss as a number, got ${describe(origLoss)}`,
      );
    }
    this.validateForStep(fn);
    let loss = g.maximize ? -origLoss : origLoss;
    let currentEvals = 1;
    this.funcEvals++;
    this.gatherFlatGrad(k);
    let optCond = k.maxAbs(this.flatGrad) <= g.toleranceGrad;
    if (optCond) return origLoss;

    let nIter = 0;
    while (nIter < g.maxIter) {
      nIter++;
      this.nIter++;
      if (this.nIter === 1) {
        k.binaryScalar('mul', this.d, this.flatGrad, -1);
        this.resetHistory();
        this.hDiag = 1;
      } else {
        this.updateHistory(k, g.historySize);
        this.direction(k);
      }
      if (this.prevFlatGrad === null) this.prevFlatGrad = allocArena([this.n])[0];
      k.copy(this.prevFlatGrad, this.flatGrad);
      this.prevLoss = loss;
      if (this.nIter === 1) {
        const r = f32(1 / f32(k.sumAbs(this.flatGrad)));
        this.t = r < 1 ? f32(r * g.lr) : g.lr;
      } else {
        this.t = g.lr;
      }
      const gtd = f32(k.dot(this.flatGrad, this.d));
      if (gtd > -g.toleranceChange) break;

      let lsEvals = 0;
      if (g.lineSearchFn === 'strong_wolfe') {
        this.cloneParams(k, this.xInit);
        const r = this.strongWolfe(
          k,
          closure,
          fn,
          loss,
          gtd,
          maxEval - currentEvals,
          g.toleranceChange,
        );
        loss = r.loss;
        lsEvals = r.evals;
        this.addGrad(k, this.t, this.d);
        optCond = k.maxAbs(this.flatGrad) <= g.toleranceGrad;
      } else {
        this.addGrad(k, this.t, this.d);
        if (nIter !== g.maxIter) {
          loss = this.evaluate(closure, fn);
          this.gatherFlatGrad(k);
          optCond = k.maxAbs(this.flatGrad) <= g.toleranceGrad;
          lsEvals = 1;
        }
      }
      currentEvals += lsEvals;
      this.funcEvals += lsEvals;
      if (nIter === g.maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (f32(k.maxAbs(this.d) * Math.abs(this.t)) <= g.toleranceChange) break;
      if (Math.abs(loss - this.prevLoss) < g.toleranceChange) break;
    }
    return origLoss;
  }

  private resetHistory(): void {
    this.pool.push(...this.hist.dirs, ...this.hist.stps);
    this.hist = { dirs: [], stps: [], ro: [] };
  }

  /** Adds the pair (y = g − g_prev, s = t·d) when the curvature condition holds. */
  private updateHistory(k: Kernels, historySize: number): void {
    const y = this.vector();
    const s = this.vector();
    k.copy(y, this.flatGrad);
    k.axpy(-1, this.prevFlatGrad as Float32Array, y);
    k.binaryScalar('mul', s, this.d, this.t);
    const ys = f32(k.dot(y, s));
    if (ys > 1e-10) {
      if (this.hist.dirs.length === historySize) {
        this.pool.push(
          this.hist.dirs.shift() as Float32Array,
          this.hist.stps.shift() as Float32Array,
        );
        this.hist.ro.shift();
      }
      this.hist.dirs.push(y);
      this.hist.stps.push(s);
      this.hist.ro.push(f32(1 / ys));
      this.hDiag = f32(ys / f32(k.dot(y, y)));
    } else {
      this.pool.push(y, s);
    }
  }

  /** Two-loop recursion: d = −H·g. */
  private direction(k: Kernels): void {
    const { dirs, stps, ro } = this.hist;
    const m = dirs.length;
    if (this.al.length < m) this.al = new Float64Array(m);
    const al = this.al;
    k.binaryScalar('mul', this.q, this.flatGrad, -1);
    for (let i = m - 1; i >= 0; i--) {
      al[i] = f32(f32(k.dot(stps[i], this.q)) * ro[i]);
      k.axpy(-al[i], dirs[i], this.q);
    }
    k.binaryScalar('mul', this.d, this.q, this.hDiag);
    for (let i = 0; i < m; i++) {
      const be = f32(f32(k.dot(dirs[i], this.d)) * ro[i]);
      k.axpy(f32(al[i] - be), stps[i], this.d);
    }
  }

  /** Moves to x + t·d, evaluates, returns the loss; the gradient lands in `into`; restores x. */
  private directional(
    k: Kernels,
    closure: Closure,
    fn: string,
    t: number,
    into: Float32Array,
  ): number {
    this.addGrad(k, t, this.d);
    const loss = this.evaluate(closure, fn);
    this.gatherFlatGrad(k);
    k.copy(into, this.flatGrad);
    this.setParams(k, this.xInit);
    return loss;
  }

  /**
   * Strong-Wolfe line search (torch's `_strong_wolfe`: bracketing, then zoom with cubic
   * interpolation), c1 = 1e-4, c2 = 0.9. Leaves the accepted step in `this.t` and its gradient
   * in `this.flatGrad`.
   */
  private strongWolfe(
    k: Kernels,
    closure: Closure,
    fn: string,
    f: number,
    gtd: number,
    maxLs: number,
    tolChange: number,
  ): { loss: number; evals: number } {
    const c1 = 1e-4;
    const c2 = 0.9;
    const n = this.n;
    const dNorm = k.maxAbs(this.d);
    this.ls ??= allocArena([n, n, n, n, n]);
    const [g0, gNew, gPrev, gA, gB] = this.ls;
    k.copy(g0, this.flatGrad);
    let t = this.t;
    let fNew = this.directional(k, closure, fn, t, gNew);
    let evals = 1;
    let gtdNew = f32(k.dot(gNew, this.d));
    let tPrev = 0;
    let fPrev = f;
    k.copy(gPrev, g0);
    let gtdPrev = gtd;
    let done = false;
    let lsIter = 0;
    // bracket: positions, values, gradients (by buffer), directional derivatives
    let br: number[] = [];
    let brF: number[] = [];
    let brG: Float32Array[] = [];
    let brGtd: number[] = [];
    while (lsIter < maxLs) {
      if (fNew > f + c1 * t * gtd || (lsIter > 1 && fNew >= fPrev)) {
        k.copy(gA, gPrev);
        k.copy(gB, gNew);
        [br, brF, brG, brGtd] = [
          [tPrev, t],
          [fPrev, fNew],
          [gA, gB],
          [gtdPrev, gtdNew],
        ];
        break;
      }
      if (Math.abs(gtdNew) <= -c2 * gtd) {
        k.copy(gA, gNew);
        [br, brF, brG, brGtd] = [[t], [fNew], [gA], [gtdNew]];
        done = true;
        break;
      }
      if (gtdNew >= 0) {
        k.copy(gA, gPrev);
        k.copy(gB, gNew);
        [br, brF, brG, brGtd] = [
          [tPrev, t],
          [fPrev, fNew],
          [gA, gB],
          [gtdPrev, gtdNew],
        ];
        break;
      }
      const minStep = t + 0.01 * (t - tPrev);
      const maxStep = t * 10;
      const tmp = t;
      t = cubicInterpolate(tPrev, fPrev, gtdPrev, t, fNew, gtdNew, [minStep, maxStep]);
      tPrev = tmp;
      fPrev = fNew;
      k.copy(gPrev, gNew);
      gtdPrev = gtdNew;
      fNew = this.directional(k, closure, fn, t, gNew);
      evals++;
      gtdNew = f32(k.dot(gNew, this.d));
      lsIter++;
    }
    if (lsIter === maxLs) {
      k.copy(gA, g0);
      k.copy(gB, gNew);
      [br, brF, brG, brGtd] = [
        [0, t],
        [f, fNew],
        [gA, gB],
        [gtd, gtdNew],
      ];
    }
    let insufProgress = false;
    let [low, high] = brF[0] <= brF[brF.length - 1] ? [0, 1] : [1, 0];
    while (!done && lsIter < maxLs) {
      if (Math.abs(br[1] - br[0]) * dNorm < tolChange) break;
      t = cubicInterpolate(br[0], brF[0], brGtd[0], br[1], brF[1], brGtd[1]);
      const hi = Math.max(br[0], br[1]);
      const lo = Math.min(br[0], br[1]);
      const eps = 0.1 * (hi - lo);
      if (Math.min(hi - t, t - lo) < eps) {
        if (insufProgress || t >= hi || t <= lo) {
          t = Math.abs(t - hi) < Math.abs(t - lo) ? hi - eps : lo + eps;
          insufProgress = false;
        } else {
          insufProgress = true;
        }
      } else {
        insufProgress = false;
      }
      fNew = this.directional(k, closure, fn, t, gNew);
      evals++;
      gtdNew = f32(k.dot(gNew, this.d));
      lsIter++;
      if (fNew > f + c1 * t * gtd || fNew >= brF[low]) {
        br[high] = t;
        brF[high] = fNew;
        k.copy(brG[high], gNew);
        brGtd[high] = gtdNew;
        [low, high] = brF[0] <= brF[1] ? [0, 1] : [1, 0];
      } else {
        if (Math.abs(gtdNew) <= -c2 * gtd) {
          done = true;
        } else if (gtdNew * (br[high] - br[low]) >= 0) {
          br[high] = br[low];
          brF[high] = brF[low];
          k.copy(brG[high], brG[low]);
          brGtd[high] = brGtd[low];
        }
        br[low] = t;
        brF[low] = fNew;
        k.copy(brG[low], gNew);
        brGtd[low] = gtdNew;
      }
    }
    this.t = br[low];
    k.copy(this.flatGrad, brG[low]);
    return { loss: brF[low], evals };
  }

  protected override extraState(): unknown {
    if (this.nIter === 0) return undefined;
    return {
      funcEvals: this.funcEvals,
      nIter: this.nIter,
      t: this.t,
      hDiag: this.hDiag,
      prevLoss: this.prevLoss,
      d: encode(this.d),
      prevFlatGrad: this.prevFlatGrad ? encode(this.prevFlatGrad) : null,
      oldDirs: this.hist.dirs.map(encode),
      oldStps: this.hist.stps.map(encode),
      ro: [...this.hist.ro],
    };
  }

  protected override checkExtraState(fn: string, extra: unknown): void {
    if (extra === undefined) return;
    const e = extra as Record<string, unknown>;
    if (e === null || typeof e !== 'object') throw new TypeError(`${fn}: extra must be an object`);
    for (const key of ['funcEvals', 'nIter', 't', 'hDiag', 'prevLoss']) {
      if (typeof e[key] !== 'number') throw new TypeError(`${fn}: extra.${key} must be a number`);
    }
    checkEncoded(fn, 'extra.d', e.d, 'float32', this.n);
    if (e.prevFlatGrad !== null)
      checkEncoded(fn, 'extra.prevFlatGrad', e.prevFlatGrad, 'float32', this.n);
    const dirs = e.oldDirs as unknown[];
    const stps = e.oldStps as unknown[];
    const ro = e.ro as unknown[];
    if (
      !Array.isArray(dirs) ||
      !Array.isArray(stps) ||
      !Array.isArray(ro) ||
      dirs.length !== stps.length ||
      ro.length !== dirs.length
    ) {
      throw new TypeError(`${fn}: extra.oldDirs, oldStps and ro must be arrays of equal length`);
    }
    if (dirs.length > this.group.historySize)
      throw new RangeError(`${fn}: history longer than historySize`);
    dirs.forEach((v, i) => checkEncoded(fn, `extra.oldDirs[${i}]`, v, 'float32', this.n));
    stps.forEach((v, i) => checkEncoded(fn, `extra.oldStps[${i}]`, v, 'float32', this.n));
    for (const r of ro)
      if (typeof r !== 'number') throw new TypeError(`${fn}: extra.ro must hold numbers`);
  }

  /** Restores the history, direction and counters saved by `extraState`. */
  protected override loadExtraState(extra: unknown): void {
    this.resetHistory();
    if (extra === undefined) {
      this.nIter = 0;
      this.funcEvals = 0;
      this.prevFlatGrad = null;
      return;
    }
    const e = extra as Record<string, unknown>;
    const fn = 'LBFGS.loadStateDict';
    this.funcEvals = e.funcEvals as number;
    this.nIter = e.nIter as number;
    this.t = e.t as number;
    this.hDiag = e.hDiag as number;
    this.prevLoss = e.prevLoss as number;
    decodeInto(fn, 'extra.d', e.d, this.d);
    if (e.prevFlatGrad === null) this.prevFlatGrad = null;
    else {
      this.prevFlatGrad ??= allocArena([this.n])[0];
      decodeInto(fn, 'extra.prevFlatGrad', e.prevFlatGrad, this.prevFlatGrad);
    }
    const load = (vs: unknown[], name: string) =>
      vs.map((v, i) => {
        const a = this.vector();
        decodeInto(fn, `extra.${name}[${i}]`, v as EncodedBuffer, a);
        return a;
      });
    this.hist = {
      dirs: load(e.oldDirs as unknown[], 'oldDirs'),
      stps: load(e.oldStps as unknown[], 'oldStps'),
      ro: [...(e.ro as number[])],
    };
  }
}

/** Minimiser of the cubic through (x1, f1, g1) and (x2, f2, g2), clamped to the bounds (torch's `_cubic_interpolate`). */
function cubicInterpolate(
  x1: number,
  f1: number,
  g1: number,
  x2: number,
  f2: number,
  g2: number,
  bounds?: [number, number],
): number {
  const [xminBound, xmaxBound] = bounds ?? (x1 <= x2 ? [x1, x2] : [x2, x1]);
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const d2Square = d1 * d1 - g1 * g2;
  if (d2Square >= 0) {
    const d2 = Math.sqrt(d2Square);
    const minPos =
      x1 <= x2
        ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    return Math.min(Math.max(minPos, xminBound), xmaxBound);
  }
  return (xminBound + xmaxBound) / 2;
}
