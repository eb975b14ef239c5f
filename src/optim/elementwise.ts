/**
 * Optimizers whose update is elementwise: each step of a group is one fused kernel call per
 * run of parameters that sit back to back in memory (one call for a model whose parameters
 * share one arena), with no allocation per step once the runs are known.
 */
import type { OptimKind } from '../backend/kernels.js';
import type { Backend } from '../backend/select.js';
import { type GroupState, Optimizer, type Param, type ParamGroup } from './optimizer.js';

/** Parameters [start, end) of a group, contiguous in data, grad and state. */
export interface Run {
  /** Index (in the group) of the run's first parameter. */
  start: number;
  /** Index one past the run's last parameter. */
  end: number;
  /** One view over the run's parameter values, back to back. */
  data: Float32Array;
  /** One view over the run's gradients, parallel to `data`. */
  grad: Float32Array;
  /** State views in kernel slot order (null for unused slots). */
  states: (Float32Array | null)[];
  /** Lengths of the tensors in the run (for per-tensor norms), or null. */
  segments: Uint32Array | null;
}

interface RunCache {
  key: (Float32Array | null)[];
  slots: (string | null)[];
  runs: Run[];
}

function sameSlots(a: (string | null)[], b: (string | null)[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function adjacent(a: Float32Array, b: Float32Array): boolean {
  return a.buffer === b.buffer && a.byteOffset + a.byteLength === b.byteOffset;
}

/**
 * Base of the optimizers whose update is elementwise (SGD, Adam, RMSprop, …): each step is one
 * fused `optimStep` kernel call per run of parameters contiguous in memory, without
 * allocation once the runs are known. Subclasses give the kernel `kind`, the state `slots`
 * and the `hyper`parameters.
 */
export abstract class ElementwiseOptimizer<O extends object> extends Optimizer<O> {
  private readonly cache = new WeakMap<GroupState, RunCache>();
  private readonly hyperBufs = new WeakMap<GroupState, Float64Array>();

  /** The `optimStep` kernel this optimizer runs. */
  protected abstract readonly kind: OptimKind;

  /** State buffer names in kernel slot order; null marks a slot unused with these options. */
  protected abstract slots(group: ParamGroup<O>): (string | null)[];

  /** Fills `h` with the kernel's hyperparameters for a run whose parameters reach step `step`. */
  protected abstract hyper(
    group: ParamGroup<O>,
    step: number,
    h: Float64Array,
    st: GroupState,
    run: Run,
  ): void;

  /** Number of hyperparameters of the kernel. */
  protected abstract readonly hyperLength: number;

  /** Whether the kernel needs per-tensor segment lengths. */
  protected readonly needsSegments: boolean = false;

  protected override stateNames(): readonly string[] {
    const names = new Set<string>();
    for (const g of this.paramGroups) for (const s of this.slots(g)) if (s) names.add(s);
    return [...names];
  }

  /** Runs of contiguous parameters with gradients and equal step counts (cached). */
  private runs(group: ParamGroup<O>, st: GroupState, slots: (string | null)[]): Run[] {
    const params = group.params;
    const c = this.cache.get(st);
    if (c && sameSlots(c.slots, slots) && c.key.length === 2 * params.length) {
      let same = true;
      for (let i = 0; i < params.length && same; i++) {
        same = c.key[2 * i] === params[i].data && c.key[2 * i + 1] === params[i].grad;
      }
      if (same && this.stepsUniform(c.runs, st)) return c.runs;
    }
    const runs: Run[] = [];
    let i = 0;
    while (i < params.length) {
      if (params[i].grad === null || params[i].data.length === 0) {
        i++;
        continue;
      }
      let j = i + 1;
      while (
        j < params.length &&
        params[j].grad !== null &&
        params[j].data.length > 0 &&
        adjacent(params[j - 1].data, params[j].data) &&
        adjacent(params[j - 1].grad as Float32Array, params[j].grad as Float32Array) &&
        st.steps[j] === st.steps[i]
      ) {
        j++;
      }
      runs.push(this.makeRun(params, st, slots, i, j));
      i = j;
    }
    this.cache.set(st, { key: params.flatMap((p) => [p.data, p.grad]), slots, runs });
    return runs;
  }

  private stepsUniform(runs: Run[], st: GroupState): boolean {
    for (const r of runs)
      for (let i = r.start + 1; i < r.end; i++) if (st.steps[i] !== st.steps[r.start]) return false;
    return true;
  }

  private makeRun(
    params: Param[],
    st: GroupState,
    slots: (string | null)[],
    start: number,
    end: number,
  ): Run {
    const first = params[start];
    const len = st.offsets[end - 1] + params[end - 1].data.length - st.offsets[start];
    const span = (a: Float32Array) => new Float32Array(a.buffer, a.byteOffset, len);
    const grad = first.grad as Float32Array;
    return {
      start,
      end,
      data: span(first.data),
      grad: span(grad),
      states: slots.map((s) =>
        s
          ? (st.arenas.get(s) as Float32Array).subarray(st.offsets[start], st.offsets[start] + len)
          : null,
      ),
      segments: this.needsSegments
        ? Uint32Array.from(params.slice(start, end), (p) => p.data.length)
        : null,
    };
  }

  protected override updateGroup(group: ParamGroup<O>, st: GroupState, b: Backend): void {
    const slots = this.slots(group);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i];
      if (s && !st.arenas.has(s)) st.arena(s, this.initValue(s, group));
    }
    let h = this.hyperBufs.get(st);
    if (!h) {
      h = new Float64Array(this.hyperLength);
      this.hyperBufs.set(st, h);
    }
    for (const run of this.runs(group, st, slots)) {
      const step = st.steps[run.start] + 1;
      for (let i = run.start; i < run.end; i++) st.steps[i] = step;
      this.hyper(group, step, h, st, run);
      b.kernelsFor(run.data.length).optimStep(
        this.kind,
        run.data,
        run.grad,
        run.states,
        h,
        run.segments,
      );
    }
    st.fresh.clear();
  }
}
