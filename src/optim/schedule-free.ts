/**
 * Schedule-free SGD and AdamW (Defazio et al. 2024, "The Road Less Scheduled"), semantics of
 * `schedulefree.SGDScheduleFree` / `AdamWScheduleFree` (the non-reference versions): the
 * parameters hold y, the state z; at step k with c = w_k/Σw (w_k = (k+1)^r·lr_max^p, lr warmed
 * up linearly over `warmupSteps`): g ← g/(√(v/(1−β₂ᵏ⁺¹)) + ε) (AdamW, v ← β₂v + (1−β₂)g²);
 * g ← g + λy; y ← lerp(y, z, c) + η(β(1−c) − 1)g; z ← z − ηg. `eval()` moves the parameters
 * to x = lerp(y, z, 1 − 1/β) and `train()` back to y = lerp(x, z, 1 − β); step only in train
 * mode (call `train()` first), and save checkpoints in eval mode, as the reference asks.
 */

import { type Backend, getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { ElementwiseOptimizer } from './elementwise.js';
import type { Closure, GroupState, OptimizerFlags, ParamGroup, ParamsInput } from './optimizer.js';
import {
  anyFinite,
  type Check,
  count,
  interval,
  nonNegative,
  type OptionSpec,
  pair,
} from './options.js';

/** Options of {@link SGDScheduleFree} (the reference `schedulefree` package's, camelCased). */
export interface SGDScheduleFreeOptions {
  /** Learning rate η, ≥ 0 (no decay schedule needed; warm-up via `warmupSteps`). Default 1. Reference: `lr`. */
  lr: number;
  /** Averaging momentum β in (0, 1) exclusive: where gradients are taken between z and x. Default 0.9. Reference: `momentum`. */
  momentum: number;
  /** Decoupled weight decay λ: λy is added to the (normalized) gradient, ≥ 0. Default 0. Reference: `weight_decay`. */
  weightDecay: number;
  /** Steps over which the learning rate rises linearly from lr/warmupSteps to lr, an integer ≥ 0. Default 0. Reference: `warmup_steps`. */
  warmupSteps: number;
  /** Polynomial weighting of the average: step k's weight grows as (k + 1)^r. Default 0. Reference: `r`. */
  r: number;
  /** Step k's averaging weight also scales as lr_max^weightLrPower (lr_max: the largest warmed-up lr so far). Default 2. Reference: `weight_lr_power`. */
  weightLrPower: number;
}

/** Options of {@link AdamWScheduleFree} (the reference `schedulefree` package's, camelCased). */
export interface AdamWScheduleFreeOptions {
  /** Learning rate η, ≥ 0 (no decay schedule needed; warm-up via `warmupSteps`). Default 0.0025. Reference: `lr`. */
  lr: number;
  /**
   * The pair [β₁, β₂]: β₁ in (0, 1) exclusive is the averaging momentum (as SGD's
   * `momentum`), β₂ in [0, 1) the decay of the second-moment average. Default [0.9, 0.999].
   * Reference: `betas`.
   */
  betas: [number, number];
  /** Added to the denominator for numerical stability, ≥ 0. Default 1e-8. Reference: `eps`. */
  eps: number;
  /** Decoupled weight decay λ: λy is added to the (normalized) gradient, ≥ 0. Default 0. Reference: `weight_decay`. */
  weightDecay: number;
  /** Steps over which the learning rate rises linearly from lr/warmupSteps to lr, an integer ≥ 0. Default 0. Reference: `warmup_steps`. */
  warmupSteps: number;
  /** Polynomial weighting of the average: step k's weight grows as (k + 1)^r. Default 0. Reference: `r`. */
  r: number;
  /** Step k's averaging weight also scales as lr_max^weightLrPower (lr_max: the largest warmed-up lr so far). Default 2. Reference: `weight_lr_power`. */
  weightLrPower: number;
}

/** A finite number in (0, 1): the averaging momentum (eval divides by it). */
const open01: Check = (fn, name, v) => {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: option ${name} must be a number, got ${describe(v)}`);
  if (!(v > 0 && v < 1))
    throw new RangeError(`${fn}: invalid ${name}: must be in (0, 1) exclusive, got ${v}`);
};

export const SGD_SCHEDULE_FREE_SPEC: OptionSpec<SGDScheduleFreeOptions> = {
  defaults: { lr: 1, momentum: 0.9, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2 },
  checks: {
    lr: nonNegative,
    momentum: open01,
    weightDecay: nonNegative,
    warmupSteps: count,
    r: anyFinite,
    weightLrPower: anyFinite,
  },
};

export const ADAMW_SCHEDULE_FREE_SPEC: OptionSpec<AdamWScheduleFreeOptions> = {
  defaults: {
    lr: 0.0025,
    betas: [0.9, 0.999],
    eps: 1e-8,
    weightDecay: 0,
    warmupSteps: 0,
    r: 0,
    weightLrPower: 2,
  },
  checks: {
    lr: nonNegative,
    betas: (fn, name, v) => {
      pair(interval(0, 1))(fn, name, v);
      open01(fn, `${name}[0]`, (v as number[])[0]);
    },
    eps: nonNegative,
    weightDecay: nonNegative,
    warmupSteps: count,
    r: anyFinite,
    weightLrPower: anyFinite,
  },
};

/** A group's averaging state (the reference keeps it in the param group). */
export interface ScheduleFreeGroupState {
  /** Steps the group took. */
  k: number;
  /** Σ of the averaging weights so far. */
  weightSum: number;
  /** Largest (warmed-up) learning rate so far; −1 before the first step. */
  lrMax: number;
  /** The warmed-up learning rate of the last step (for logging). */
  scheduledLr: number;
  /** Whether the parameters hold y (train) rather than x (eval). */
  trainMode: boolean;
}

type Common = SGDScheduleFreeOptions | AdamWScheduleFreeOptions;

abstract class ScheduleFree<O extends Common> extends ElementwiseOptimizer<O> {
  protected readonly kind = 'scheduleFree' as const;
  protected readonly hyperLength = 9;
  private readonly sched = new WeakMap<ParamGroup<O>, ScheduleFreeGroupState>();
  private readonly swapHyper = new Float64Array(1);
  /** This step's [lr, ckp1, bias correction 2] of the group being updated. */
  private readonly cur = new Float64Array(3);

  /** The averaging momentum β (SGD's momentum, AdamW's β₁). */
  protected abstract beta(g: ParamGroup<O>): number;
  /** Whether this is AdamW (normalizes by the second moment). */
  protected abstract readonly adam: boolean;

  protected slots(): (string | null)[] {
    return this.adam ? ['z', 'expAvgSq'] : ['z'];
  }

  /** The averaging state of group `i` (a copy). */
  groupSchedule(i = 0): ScheduleFreeGroupState {
    const g = this.paramGroups[i];
    if (!g) throw new RangeError(`${this.name}.groupSchedule: no group ${i}`);
    return { ...this.schedOf(g) };
  }

  private schedOf(g: ParamGroup<O>): ScheduleFreeGroupState {
    let s = this.sched.get(g);
    if (!s) {
      s = { k: 0, weightSum: 0, lrMax: -1, scheduledLr: 0, trainMode: false };
      this.sched.set(g, s);
    }
    return s;
  }

  /** One step; throws unless every group is in train mode (call `train()` first). */
  override step(closure?: Closure): number | undefined {
    this.paramGroups.forEach((g, i) => {
      if (!this.schedOf(g).trainMode) {
        throw new Error(
          `${this.name}.step: paramGroups[${i}] is in eval mode; call train() before training steps (and eval() before evaluating or saving)`,
        );
      }
    });
    return super.step(closure);
  }

  /** Parameters to y (the point gradients are taken at), for training. */
  train(): void {
    for (const [i, g] of this.paramGroups.entries()) {
      const s = this.schedOf(g);
      if (s.trainMode) continue;
      this.swap(g, this.groupStates[i], 1 - this.beta(g));
      s.trainMode = true;
    }
  }

  /** Parameters to x (the averaged point), for evaluation and checkpoints. */
  eval(): void {
    for (const [i, g] of this.paramGroups.entries()) {
      const s = this.schedOf(g);
      if (!s.trainMode) continue;
      this.swap(g, this.groupStates[i], 1 - 1 / this.beta(g));
      s.trainMode = false;
    }
  }

  /** p ← lerp(p, z, w) for every parameter that has a z (took a step), over contiguous runs. */
  private swap(g: ParamGroup<O>, st: GroupState, w: number): void {
    const z = st.arenas.get('z');
    if (!z) return;
    const b = getBackend();
    this.swapHyper[0] = w;
    const ps = g.params;
    let i = 0;
    while (i < ps.length) {
      if (st.steps[i] === 0 || ps[i].data.length === 0) {
        i++;
        continue;
      }
      let j = i + 1;
      let len = ps[i].data.length;
      while (j < ps.length && st.steps[j] > 0 && ps[j].data.length > 0) {
        const a = ps[j - 1].data;
        const c = ps[j].data;
        if (a.buffer !== c.buffer || a.byteOffset + a.byteLength !== c.byteOffset) break;
        len += c.length;
        j++;
      }
      const first = ps[i].data;
      const data = new Float32Array(first.buffer, first.byteOffset, len);
      const zv = z.subarray(st.offsets[i], st.offsets[i] + len);
      b.kernelsFor(len).optimStep('scheduleFreeSwap', data, zv, [], this.swapHyper, null);
      i = j;
    }
  }

  /** Advances the group's warm-up and averaging weights, then runs the fused step. */
  protected override updateGroup(group: ParamGroup<O>, st: GroupState, b: Backend): void {
    const s = this.schedOf(group);
    const k = s.k;
    const sched = k < group.warmupSteps ? (k + 1) / group.warmupSteps : 1;
    const lr = group.lr * sched;
    s.scheduledLr = lr;
    s.lrMax = Math.max(lr, s.lrMax);
    const weight = (k + 1) ** group.r * s.lrMax ** group.weightLrPower;
    s.weightSum += weight;
    this.cur[0] = lr;
    this.cur[1] = s.weightSum === 0 ? 0 : weight / s.weightSum;
    this.cur[2] = this.adam ? 1 - (group as AdamWScheduleFreeOptions).betas[1] ** (k + 1) : 1;
    super.updateGroup(group, st, b);
    s.k = k + 1;
  }

  protected hyper(g: ParamGroup<O>, step: number, h: Float64Array, st: GroupState): void {
    h[0] = this.cur[0];
    h[1] = this.cur[1];
    h[2] = this.beta(g);
    h[3] = g.weightDecay;
    h[4] = +this.adam;
    h[5] = this.adam ? (g as AdamWScheduleFreeOptions).betas[1] : 0;
    h[6] = this.adam ? (g as AdamWScheduleFreeOptions).eps : 0;
    h[7] = this.cur[2];
    // z starts as the parameter (the reference clones p on the first step it sees).
    h[8] = +(step === 1 || st.fresh.has('z'));
  }

  protected override extraState(): unknown {
    return { groups: this.paramGroups.map((g) => ({ ...this.schedOf(g) })) };
  }

  protected override checkExtraState(fn: string, extra: unknown): void {
    const groups = (extra as { groups?: unknown } | null)?.groups;
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new TypeError(
        `${fn}: extra must be {groups: [...]} with one averaging state per group (${this.paramGroups.length}), got ${describe(extra)}`,
      );
    }
    groups.forEach((s, i) => {
      const where = `${fn}: extra.groups[${i}]`;
      if (s === null || typeof s !== 'object') throw new TypeError(`${where} must be an object`);
      const o = s as Record<string, unknown>;
      for (const key of ['k', 'weightSum', 'lrMax', 'scheduledLr']) {
        if (typeof o[key] !== 'number' || !Number.isFinite(o[key]))
          throw new TypeError(`${where}.${key} must be a finite number, got ${describe(o[key])}`);
      }
      if (!Number.isInteger(o.k) || (o.k as number) < 0)
        throw new RangeError(`${where}.k must be an integer ≥ 0, got ${o.k}`);
      if (typeof o.trainMode !== 'boolean')
        throw new TypeError(`${where}.trainMode must be a boolean, got ${describe(o.trainMode)}`);
    });
  }

  /** Restores every group's averaging state ({@link ScheduleFreeGroupState}). */
  protected override loadExtraState(extra: unknown): void {
    const groups = (extra as { groups: ScheduleFreeGroupState[] }).groups;
    this.paramGroups.forEach((g, i) => {
      const { k, weightSum, lrMax, scheduledLr, trainMode } = groups[i];
      this.sched.set(g, { k, weightSum, lrMax, scheduledLr, trainMode });
    });
  }
}

/**
 * Schedule-free SGD (Defazio et al. 2024, "The Road Less Scheduled"), as
 * `schedulefree.SGDScheduleFree`: momentum via interpolation between an SGD sequence z and
 * its running average x, so no learning-rate decay schedule is needed. The optimizer starts in
 * eval mode: call `train()` before training steps and `eval()` before evaluating or saving.
 * State: `z`.
 */
export class SGDScheduleFree extends ScheduleFree<SGDScheduleFreeOptions> {
  protected readonly adam = false;

  constructor(
    params: ParamsInput<SGDScheduleFreeOptions>,
    options: Partial<SGDScheduleFreeOptions> & OptimizerFlags = {},
  ) {
    super('SGDScheduleFree', params, options, SGD_SCHEDULE_FREE_SPEC);
  }

  protected beta(g: ParamGroup<SGDScheduleFreeOptions>): number {
    return g.momentum;
  }
}

/**
 * Schedule-free AdamW (Defazio et al. 2024, "The Road Less Scheduled"), as
 * `schedulefree.AdamWScheduleFree`: the schedule-free averaging of {@link SGDScheduleFree}
 * on Adam-normalized gradients. The optimizer starts in eval mode: call `train()` before
 * training steps and `eval()` before evaluating or saving. State: `z`, `expAvgSq`.
 */
export class AdamWScheduleFree extends ScheduleFree<AdamWScheduleFreeOptions> {
  protected readonly adam = true;

  constructor(
    params: ParamsInput<AdamWScheduleFreeOptions>,
    options: Partial<AdamWScheduleFreeOptions> & OptimizerFlags = {},
  ) {
    super('AdamWScheduleFree', params, options, ADAMW_SCHEDULE_FREE_SPEC);
  }

  protected beta(g: ParamGroup<AdamWScheduleFreeOptions>): number {
    return g.betas[0];
  }
}
