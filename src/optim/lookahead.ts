/**
 * Lookahead (Zhang, Lucas, Hinton & Ba, 2019) around any optimizer: every k inner steps the
 * slow weights move toward the fast ones, φ ← φ + α(θ − φ), and the fast weights restart
 * there, θ ← φ. Momentum handling after the sync follows the authors' reference
 * (michaelrzhang/lookahead): 'none', 'reset' (zero the inner momentum) or 'pullback'
 * (interpolate it like the weights). The sync runs as lerp and copy kernels.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { allocArena } from '../memory.js';
import type { Closure, OptimizerLike } from './optimizer.js';
import { choice, count, interval, type OptionSpec, resolveOptions } from './options.js';
import { checkEncoded, decodeInto, encode, type OptimizerStateDict } from './state-dict.js';

/** Options of {@link Lookahead} (the reference implementation's names, camelCased). */
export interface LookaheadOptions {
  /** Inner steps between syncs, an integer ≥ 1 (paper: 5 or 10). Default 5. */
  k: number;
  /** Slow-weights step size α in [0, 1] (paper: 0.5). Default 0.5. */
  alpha: number;
  /**
   * What happens to the inner optimizer's momentum at a sync: `'none'` keeps it, `'reset'`
   * zeroes it, `'pullback'` interpolates it like the weights. It acts on a `momentumBuffer`
   * (SGD, RMSprop or Muon with momentum > 0); with any other optimizer (Adam's moments are
   * not momentum buffers) a value other than `'none'` is refused. Default `'none'`.
   */
  pullbackMomentum: 'none' | 'reset' | 'pullback';
}

const SPEC: OptionSpec<LookaheadOptions> = {
  defaults: { k: 5, alpha: 0.5, pullbackMomentum: 'none' },
  checks: {
    k: (fn, name, v) => {
      count(fn, name, v);
      if (v === 0) throw new RangeError(`${fn}: invalid ${name}: must be ≥ 1, got 0`);
    },
    alpha: interval(0, 1, true),
    pullbackMomentum: choice(['none', 'reset', 'pullback']),
  },
};

/**
 * Lookahead (Zhang, Lucas, Hinton & Ba 2019, "Lookahead Optimizer: k steps forward, 1 step
 * back") around any optimizer, after the authors' reference (michaelrzhang/lookahead): every
 * `k` inner steps the slow weights move toward the fast ones, φ ← φ + α(θ − φ), and the fast
 * weights restart from them. It is an {@link OptimizerLike}, so `fit` and the schedulers take
 * it as they take the inner optimizer.
 */
export class Lookahead implements OptimizerLike {
  /** The resolved options. */
  readonly options: LookaheadOptions;
  private counter = 0;
  private readonly slow: Float32Array[][];
  private readonly cachedMom: Float32Array[][] | null;

  constructor(
    /** The inner ("fast") optimizer; the slow weights start as its parameters' current values. */
    readonly optimizer: OptimizerLike,
    options: Partial<LookaheadOptions> = {},
  ) {
    if (
      optimizer === null ||
      typeof optimizer !== 'object' ||
      typeof optimizer.step !== 'function'
    ) {
      throw new TypeError(`Lookahead: optimizer must be an optimizer, got ${describe(optimizer)}`);
    }
    this.options = resolveOptions('Lookahead', SPEC, options);
    if (this.options.pullbackMomentum !== 'none' && typeof optimizer.stateBuffer !== 'function') {
      throw new TypeError(
        'Lookahead: pullbackMomentum needs an optimizer from this library (to reach its momentum buffers)',
      );
    }
    // The reference reads state['momentum_buffer'] and fails without one; an option that
    // would do nothing (Adam, SGD without momentum) is refused here rather than ignored.
    if (this.options.pullbackMomentum !== 'none') {
      const momentum = (g: object) => (g as { momentum?: unknown }).momentum;
      const gi = optimizer.paramGroups.findIndex((g) => {
        const m = momentum(g);
        return !(typeof m === 'number' && m > 0);
      });
      if (gi >= 0)
        throw new TypeError(
          `Lookahead: pullbackMomentum '${this.options.pullbackMomentum}' needs an optimizer with a momentum buffer (SGD, RMSprop or Muon with momentum > 0); paramGroups[${gi}] of ${optimizer.constructor.name} has none`,
        );
    }
    this.slow = optimizer.paramGroups.map((g) => {
      const arenas = allocArena(g.params.map((p) => p.data.length));
      g.params.forEach((p, i) => arenas[i].set(p.data));
      return arenas;
    });
    this.cachedMom =
      this.options.pullbackMomentum === 'pullback'
        ? optimizer.paramGroups.map((g) => allocArena(g.params.map((p) => p.data.length)))
        : null;
  }

  /** The inner optimizer's parameter groups (a scheduler setting `lr` here sets the inner optimizer's). */
  get paramGroups() {
    return this.optimizer.paramGroups;
  }

  /** Zeroes the gradients through the inner optimizer. */
  zeroGrad(setToNull = false): void {
    this.optimizer.zeroGrad(setToNull);
  }

  /** One inner step (with `closure`, if given), then a sync every `k`-th call. Returns the inner step's loss. */
  step(closure?: Closure): number | undefined {
    const loss = this.optimizer.step(closure);
    this.counter++;
    if (this.counter % this.options.k === 0) this.sync();
    return loss;
  }

  /** φ ← φ + α(θ − φ); θ ← φ, for every parameter; then the momentum policy. */
  private sync(): void {
    const b = getBackend();
    const { alpha, pullbackMomentum } = this.options;
    this.optimizer.paramGroups.forEach((g, gi) => {
      const mom =
        pullbackMomentum === 'none'
          ? undefined
          : this.optimizer.stateBuffer?.(gi, 'momentumBuffer');
      let o = 0;
      g.params.forEach((p, i) => {
        const k = b.kernelsFor(p.data.length);
        const slow = this.slow[gi][i];
        k.lerp(slow, p.data, alpha);
        k.copy(p.data, slow);
        if (mom) {
          const m = mom.subarray(o, o + p.data.length);
          if (pullbackMomentum === 'reset') m.fill(0);
          else {
            const cached = (this.cachedMom as Float32Array[][])[gi][i];
            k.lerp(m, cached, 1 - alpha);
            k.copy(cached, m);
          }
        }
        o += p.data.length;
      });
    });
  }

  /** The inner optimizer's state dict, with the slow weights and the step counter in `extra.lookahead`. */
  stateDict(): OptimizerStateDict {
    return {
      ...this.optimizer.stateDict(),
      extra: {
        lookahead: {
          counter: this.counter,
          slow: this.slow.map((g) => g.map(encode)),
          cachedMom: this.cachedMom?.map((g) => g.map(encode)) ?? null,
        },
        inner: this.optimizer.stateDict().extra,
      },
    };
  }

  /** Restores a state dict from a Lookahead's `stateDict()` (inner state included). */
  loadStateDict(sd: OptimizerStateDict): void {
    const fn = 'Lookahead.loadStateDict';
    const e = (sd?.extra as { lookahead?: Record<string, unknown>; inner?: unknown } | undefined)
      ?.lookahead;
    if (!e || typeof e.counter !== 'number' || !Array.isArray(e.slow)) {
      throw new TypeError(`${fn}: not a Lookahead state dict (missing extra.lookahead)`);
    }
    const slow = e.slow as unknown[][];
    this.slow.forEach((g, gi) =>
      g.forEach((a, i) =>
        checkEncoded(fn, `extra.lookahead.slow[${gi}][${i}]`, slow[gi]?.[i], 'float32', a.length),
      ),
    );
    this.optimizer.loadStateDict({ ...sd, extra: (sd.extra as { inner?: unknown }).inner });
    this.counter = e.counter;
    this.slow.forEach((g, gi) => g.forEach((a, i) => decodeInto(fn, 'slow', slow[gi][i], a)));
    const cm = e.cachedMom as unknown[][] | null;
    if (this.cachedMom && cm)
      this.cachedMom.forEach((g, gi) =>
        g.forEach((a, i) => decodeInto(fn, 'cachedMom', cm[gi][i], a)),
      );
  }
}
