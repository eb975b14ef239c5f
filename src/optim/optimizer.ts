/**
 * The optimizer base: parameter groups with mutable options (schedulers change `lr`),
 * per-parameter state in flat arenas (one Float32Array per state buffer per group, each
 * parameter's state a view), validation before anything is written, and state dicts.
 */

import { noteWrite } from '../autograd/storage.js';
import type { Tensor } from '../autograd/tensor.js';
import type { Backend } from '../backend/select.js';
import { getBackend } from '../backend/select.js';
import { describe, isDetached, noMoreArgs } from '../backend/validate.js';
import { isForeignShared } from '../backend/wasm/shared.js';
import { allocArena } from '../memory.js';
import { checkOptions, type OptionSpec, resolveOptions } from './options.js';
import { checkEncoded, decodeInto, encode, type OptimizerStateDict } from './state-dict.js';
import { asParam } from './tensor-param.js';

/** A parameter: its values and its gradient (null: no gradient this step, skipped). */
export interface Param {
  /** The parameter's values, updated in place by `step()` (row-major, `shape` if given). */
  data: Float32Array;
  /**
   * Its gradient, as long as `data`; `null` skips the parameter this step (PyTorch's
   * `p.grad is None`). `zeroGrad()` zeroes it or sets it to `null`.
   */
  grad: Float32Array | null;
  /** Tensor shape, used by optimizers that treat matrices specially (Muon). */
  shape?: readonly number[];
}

/** A parameter group: its parameters and its (mutable) options. */
export type ParamGroup<O> = O & {
  /** The group's parameters (each in one group only). */
  params: Param[];
};

/** A parameter: `{ data, grad }`, or a leaf tensor that requires grad. */
export type ParamLike = Param | Tensor;

/** Constructor input: parameters, or groups of parameters with per-group option overrides. */
export type ParamsInput<O> =
  | ParamLike[]
  | Array<
      Partial<O> & {
        /** The group's parameters; its other keys override the constructor's options. */
        params: ParamLike[];
      }
    >;

/** Optimizer-wide switches that are not per-group hyperparameters. */
export interface OptimizerFlags {
  /** Skip the whole step when any gradient is NaN or ±Infinity, counting it in `skippedSteps`. */
  skipNonFinite?: boolean;
}

/**
 * Re-evaluates the model and returns the loss: zero the gradients, run forward and backward,
 * return the loss as a number (PyTorch's `closure` argument to `step`).
 */
export type Closure = () => number;

/** What wrappers (Lookahead, SAM) and schedulers need of an optimizer. */
export interface OptimizerLike {
  /** The parameter groups; schedulers write each group's `lr`. */
  readonly paramGroups: ReadonlyArray<{
    /** The group's parameters. */
    params: Param[];
    /** The group's learning rate (mutable: schedulers set it between steps). */
    lr: number;
  }>;
  /** One optimization step; returns the closure's loss, if a closure was given. */
  step(closure?: Closure): number | undefined;
  /** Zeroes every gradient, or sets them to `null` with `setToNull`. */
  zeroGrad(setToNull?: boolean): void;
  /** The optimizer's full state as JSON-serialisable data. */
  stateDict(): OptimizerStateDict;
  /** Restores a state from `stateDict()`. */
  loadStateDict(sd: OptimizerStateDict): void;
  /** Group `gi`'s arena for state `name`, when the optimizer keeps flat state. */
  stateBuffer?(gi: number, name: string): Float32Array | undefined;
}

/** Per-group bookkeeping: where each parameter's state lives and how many steps it took. */
export class GroupState {
  /** Element offset of each parameter in the group's arenas. */
  readonly offsets: number[] = [];
  /** Total number of elements over the group's parameters (the length of each arena). */
  readonly total: number;
  /** State buffers by name, each as long as the group, allocated on first use. */
  readonly arenas = new Map<string, Float32Array>();
  /** Names whose arena was created after the parameters had already stepped. */
  readonly fresh = new Set<string>();
  /** Steps taken per parameter (PyTorch's `state['step']`). */
  readonly steps: Float64Array;
  /** Optimizer-specific per-parameter scalars (NAdam's mu_product, ASGD's eta, …). */
  readonly scalars = new Map<string, Float64Array>();

  constructor(params: readonly Param[], ...extra: never[]) {
    noMoreArgs('GroupState', extra, 'one argument (params)');
    if (!Array.isArray(params) || params.some((p) => !(p?.data instanceof Float32Array)))
      throw new TypeError(
        `GroupState: params must be an array of {data: Float32Array, grad}, got ${describe(params)}`,
      );
    let o = 0;
    for (const p of params) {
      this.offsets.push(o);
      o += p.data.length;
    }
    this.total = o;
    this.steps = new Float64Array(params.length);
  }

  /** The arena `name`, created (filled with `init`) if missing. */
  arena(name: string, init = 0): Float32Array {
    let a = this.arenas.get(name);
    if (!a) {
      [a] = allocArena([this.total], `${this.constructor.name} state`);
      if (init !== 0) a.fill(init);
      this.arenas.set(name, a);
      if (this.steps.some((s) => s > 0)) this.fresh.add(name);
    }
    return a;
  }

  /** Parameter `i`'s view of arena `name`. */
  view(name: string, i: number, len: number): Float32Array {
    const a = this.arenas.get(name);
    if (!a) throw new Error(`state ${name} not allocated`);
    return a.subarray(this.offsets[i], this.offsets[i] + len);
  }

  /** The per-parameter scalar series `name` (one entry per parameter), created (filled with `init`) if missing. */
  scalar(name: string, init = 0): Float64Array {
    let s = this.scalars.get(name);
    if (!s) {
      s = new Float64Array(this.steps.length).fill(init);
      this.scalars.set(name, s);
    }
    return s;
  }
}

function checkParam(fn: string, where: string, p: unknown): asserts p is Param {
  if (p === null || typeof p !== 'object')
    throw new TypeError(`${fn}: ${where} must be {data, grad}, got ${describe(p)}`);
  const { data, grad } = p as Param;
  if (!(data instanceof Float32Array)) {
    throw new TypeError(`${fn}: ${where}.data must be a Float32Array, got ${describe(data)}`);
  }
  if (grad !== null && grad !== undefined && !(grad instanceof Float32Array)) {
    throw new TypeError(
      `${fn}: ${where}.grad must be a Float32Array or null, got ${describe(grad)}`,
    );
  }
  checkNotShared(fn, `${where}.data`, data);
  if (grad) checkNotShared(fn, `${where}.grad`, grad);
}

/**
 * Kernels need memory no other thread writes during a step: shared memory is refused, but
 * for descent's own (the shared wasm module's arenas).
 */
function checkNotShared(fn: string, what: string, a: Float32Array): void {
  if (isForeignShared(a.buffer))
    throw new TypeError(
      `${fn}: ${what} is backed by a SharedArrayBuffer; an optimizer step needs memory no other thread writes during it, so copy it into an ArrayBuffer-backed Float32Array`,
    );
}

function overlaps(a: Float32Array, b: Float32Array): boolean {
  return (
    a.buffer === b.buffer &&
    a.byteLength > 0 &&
    b.byteLength > 0 &&
    a.byteOffset < b.byteOffset + b.byteLength &&
    b.byteOffset < a.byteOffset + a.byteLength
  );
}

/**
 * The base of every optimizer, as `torch.optim.Optimizer`: parameter groups whose options
 * can be changed between steps (schedulers write `lr`), per-parameter state, `zeroGrad`,
 * `step(closure?)`, and lossless JSON state dicts. Options and gradients are validated before
 * anything is written, so a step refused by validation leaves parameters and state untouched.
 *
 * Subclasses implement `updateGroup` (and `stateNames`); most element-wise optimizers extend
 * {@link ElementwiseOptimizer} instead.
 *
 * @typeParam O the optimizer's options (e.g. {@link AdamOptions})
 */
export abstract class Optimizer<O extends object> {
  /**
   * The parameter groups, each its parameters plus its resolved options (PyTorch's
   * `param_groups`). Options may be changed in place between steps; they are re-checked at
   * every step.
   */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** The constructor's options with defaults filled in; groups added later start from these. */
  readonly defaults: Readonly<O>;
  /** Steps skipped because a gradient was not finite (with `skipNonFinite`). */
  skippedSteps = 0;
  /** Per-group state (arenas, step counts), parallel to `paramGroups`. */
  protected readonly groupStates: GroupState[] = [];
  /** The resolved optimizer-wide switches ({@link OptimizerFlags}). */
  protected readonly flags: Required<OptimizerFlags>;

  /**
   * @param name the class name, for error messages
   * @param spec option names, defaults and checks
   */
  constructor(
    readonly name: string,
    params: ParamsInput<O>,
    options: Partial<O> & OptimizerFlags,
    protected readonly spec: OptionSpec<O>,
  ) {
    const flags = { skipNonFinite: false, ...(options as OptimizerFlags) };
    const given = { ...(options ?? {}) } as Record<string, unknown>;
    if (typeof given.skipNonFinite !== 'undefined' && typeof given.skipNonFinite !== 'boolean') {
      throw new TypeError(
        `${name}: option skipNonFinite must be a boolean, got ${describe(given.skipNonFinite)}`,
      );
    }
    this.defaults = resolveOptions(name, spec, options, spec.defaults, ['skipNonFinite']);
    this.flags = { skipNonFinite: flags.skipNonFinite === true };
    if (!Array.isArray(params) || params.length === 0) {
      throw new TypeError(
        `${name}: params must be a non-empty array of parameters or parameter groups, got ${describe(params)}`,
      );
    }
    const isGroups = params.every((p) => p !== null && typeof p === 'object' && 'params' in p);
    const groups = (isGroups ? params : [{ params }]) as Array<
      Partial<O> & { params: ParamLike[] }
    >;
    // Validate every group before adding any.
    const resolved: ParamGroup<O>[] = [];
    groups.forEach((g, i) => {
      resolved.push(this.resolveGroup(g, `params[${i}]`, resolved));
    });
    for (const g of resolved) this.pushGroup(g);
  }

  /** Adds a group (options default to the constructor's), as `torch.optim.Optimizer.add_param_group`. */
  addParamGroup(group: Partial<O> & { params: ParamLike[] }): void {
    this.pushGroup(this.resolveGroup(group, 'group', this.paramGroups));
  }

  private resolveGroup(
    group: Partial<O> & { params: ParamLike[] },
    where: string,
    others: ReadonlyArray<{ params: Param[] }>,
  ): ParamGroup<O> {
    const fn = `${this.name}`;
    if (group === null || typeof group !== 'object' || !Array.isArray(group.params)) {
      throw new TypeError(
        `${fn}: ${where} must be {params: [...], ...options}, got ${describe(group)}`,
      );
    }
    const { params: given, ...opts } = group;
    const params = given.map((p, i) => asParam(fn, `${where}.params[${i}]`, p)) as Param[];
    if (params.length === 0) throw new RangeError(`${fn}: ${where}.params is empty`);
    for (const [i, p] of params.entries()) checkParam(fn, `${where}.params[${i}]`, p);
    const seen = new Set<Param>();
    const all = [...others.flatMap((g) => g.params)];
    for (const [i, p] of params.entries()) {
      if (seen.has(p) || all.includes(p)) {
        throw new RangeError(
          `${fn}: ${where}.params[${i}] appears more than once (a parameter may be in one group only)`,
        );
      }
      seen.add(p);
      for (const q of [...all, ...params.slice(0, i)]) {
        if (overlaps(p.data, q.data)) {
          throw new RangeError(
            `${fn}: ${where}.params[${i}].data overlaps another parameter's data in memory`,
          );
        }
      }
    }
    const o = resolveOptions(fn, this.spec, opts, this.defaults as O);
    return Object.assign(o, { params: [...params] }) as ParamGroup<O>;
  }

  private pushGroup(g: ParamGroup<O>): void {
    this.paramGroups.push(g);
    this.groupStates.push(new GroupState(g.params));
  }

  /** Group `gi`'s arena for state `name` (e.g. 'momentumBuffer'), if allocated. */
  stateBuffer(gi: number, name: string): Float32Array | undefined {
    return this.groupStates[gi]?.arenas.get(name);
  }

  /** Zeroes every gradient (or sets them to null with `setToNull`). */
  zeroGrad(setToNull = false): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNull) p.grad = null;
        else p.grad?.fill(0);
      }
    }
  }

  /**
   * Checks every group's options and every gradient before anything is written: a missing
   * (`undefined`) gradient, a wrong type or length is an error naming the parameter.
   */
  protected validateForStep(fn: string): void {
    // Plain loops and messages built only on failure: this runs every step, and at 64K
    // parameters its allocations were a tenth of a light optimizer's step.
    const groups = this.paramGroups;
    for (let gi = 0; gi < groups.length; gi++) {
      const g = groups[gi];
      checkOptions(fn, this.spec, g, gi);
      const params = g.params;
      for (let i = 0; i < params.length; i++) {
        const p = params[i];
        const grad = p.grad;
        if (grad === null) continue;
        if (grad === undefined || !(grad instanceof Float32Array)) this.badGrad(fn, gi, i, p);
        else if (
          (grad.length === 0 || p.data.length === 0) &&
          ((p.data.length === 0 && p.data.buffer.byteLength === 0 && isDetached(p.data.buffer)) ||
            (grad.length === 0 && grad.buffer.byteLength === 0 && isDetached(grad.buffer)))
        )
          this.badGrad(fn, gi, i, p);
        else if (grad.length !== p.data.length) this.badGrad(fn, gi, i, p);
        else if (isForeignShared(p.data.buffer) || isForeignShared(grad.buffer))
          this.badGrad(fn, gi, i, p);
        else if (overlaps(grad, p.data)) this.badGrad(fn, gi, i, p);
      }
    }
  }

  /** Throws the error `validateForStep` found for params[i] of group gi. */
  private badGrad(fn: string, gi: number, i: number, p: Param): never {
    const where = `paramGroups[${gi}].params[${i}]`;
    if (p.grad === undefined) {
      throw new TypeError(
        `${fn}: ${where}.grad is undefined; give it a Float32Array, or null to skip the parameter`,
      );
    }
    if (!(p.grad instanceof Float32Array)) {
      throw new TypeError(
        `${fn}: ${where}.grad must be a Float32Array or null, got ${describe(p.grad)}`,
      );
    }
    for (const [what, a] of [
      ['data', p.data],
      ['grad', p.grad],
    ] as const)
      if (a.length === 0 && a.buffer.byteLength === 0 && isDetached(a.buffer))
        throw new TypeError(`${fn}: ${where}.${what}'s ArrayBuffer has been detached`);
    if (p.grad.length !== p.data.length) {
      throw new RangeError(
        `${fn}: ${where}.grad has length ${p.grad.length}, expected ${p.data.length} (its data's)`,
      );
    }
    checkNotShared(fn, `${where}.data`, p.data);
    checkNotShared(fn, `${where}.grad`, p.grad);
    throw new RangeError(`${fn}: ${where}.grad overlaps its data in memory`);
  }

  /** True when some gradient holds NaN or ±Infinity. */
  protected gradsNonFinite(b: Backend): boolean {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (
          p.grad &&
          p.grad.length > 0 &&
          !Number.isFinite(b.kernelsFor(p.grad.length).sumSquares(p.grad))
        ) {
          // sumSquares overflows to Infinity for huge finite values: confirm elementwise.
          for (const v of p.grad) if (!Number.isFinite(v)) return true;
        }
      }
    }
    return false;
  }

  /**
   * One optimization step. `closure` re-evaluates the model and returns the loss (it is called
   * once before the update, as in PyTorch; LBFGS calls it repeatedly). Returns the loss.
   */
  step(closure?: Closure): number | undefined {
    this.stepName ??= `${this.name}.step`;
    const fn = this.stepName;
    if (closure !== undefined && typeof closure !== 'function') {
      throw new TypeError(
        `${fn}: closure must be a function returning the loss, got ${describe(closure)}`,
      );
    }
    const loss = closure ? closure() : undefined;
    this.validateForStep(fn);
    const b = getBackend();
    if (this.flags.skipNonFinite && this.gradsNonFinite(b)) {
      this.skippedSteps++;
      return loss;
    }
    for (let i = 0; i < this.paramGroups.length; i++)
      this.updateGroup(this.paramGroups[i], this.groupStates[i], b);
    this.noteWrites();
    return loss;
  }

  /** Tells the tape the parameters changed, so a graph recorded before the step refuses backward. */
  protected noteWrites(): void {
    for (const g of this.paramGroups) for (const p of g.params) noteWrite(p.data);
  }

  /** `${name}.step`, for messages (built once: step() is hot). */
  private stepName: string | undefined;

  /** Applies one step to a group whose gradients have been validated. */
  protected abstract updateGroup(group: ParamGroup<O>, st: GroupState, b: Backend): void;

  /** State buffer names this optimizer may hold (for state dicts). */
  protected abstract stateNames(): readonly string[];

  /** Initial value of state buffer `name` (0 unless the optimizer says otherwise). */
  protected initValue(_name: string, _group: ParamGroup<O>): number {
    return 0;
  }

  /** Per-parameter scalar names this optimizer may hold (for state dicts). */
  protected scalarNames(): readonly string[] {
    return [];
  }

  /** Optimizer-specific state beyond per-parameter buffers. */
  protected extraState(): unknown {
    return undefined;
  }

  /** Validates extra state (throwing) without applying it. */
  protected checkExtraState(_fn: string, _extra: unknown): void {}

  /** Applies extra state that `checkExtraState` accepted (the counterpart of `extraState`). */
  protected loadExtraState(_extra: unknown): void {}

  /** The full state as plain JSON-serialisable data, lossless. */
  stateDict(): OptimizerStateDict {
    const state: OptimizerStateDict['state'] = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    this.paramGroups.forEach((g, gi) => {
      const st = this.groupStates[gi];
      const { params, ...opts } = g;
      const ids: number[] = [];
      params.forEach((p, i) => {
        ids.push(index);
        const s: Record<string, number | ReturnType<typeof encode>> = { step: st.steps[i] };
        for (const name of st.arenas.keys()) s[name] = encode(st.view(name, i, p.data.length));
        for (const [name, arr] of st.scalars) s[name] = arr[i];
        if (st.steps[i] > 0 || st.arenas.size > 0) state[String(index)] = s;
        index++;
      });
      paramGroups.push({ ...structuredClone(opts), params: ids });
    });
    const extra = this.extraState();
    return extra === undefined ? { state, paramGroups } : { state, paramGroups, extra };
  }

  /** Restores a state dict from `stateDict()` (after validating all of it). */
  loadStateDict(sd: OptimizerStateDict): void {
    const fn = `${this.name}.loadStateDict`;
    if (
      sd === null ||
      typeof sd !== 'object' ||
      !Array.isArray(sd.paramGroups) ||
      typeof sd.state !== 'object'
    ) {
      throw new TypeError(`${fn}: expected {state, paramGroups}, got ${describe(sd)}`);
    }
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new RangeError(
        `${fn}: the state dict has ${sd.paramGroups.length} groups, this optimizer ${this.paramGroups.length}`,
      );
    }
    const names = this.stateNames();
    const scalarNames = this.scalarNames();
    const groupOpts: O[] = [];
    let index = 0;
    sd.paramGroups.forEach((sg, gi) => {
      const g = this.paramGroups[gi];
      if (!Array.isArray(sg.params) || sg.params.length !== g.params.length) {
        throw new RangeError(
          `${fn}: paramGroups[${gi}] has ${sg.params?.length} parameters, expected ${g.params.length}`,
        );
      }
      const { params: _ids, ...opts } = sg;
      groupOpts.push(
        resolveOptions(`${fn} (paramGroups[${gi}])`, this.spec, opts, this.defaults as O),
      );
      g.params.forEach((p, i) => {
        const s = sd.state[String(index + i)];
        if (s === undefined) return;
        if (s === null || typeof s !== 'object')
          throw new TypeError(`${fn}: state[${index + i}] must be an object`);
        for (const [k, v] of Object.entries(s)) {
          const where = `state[${index + i}].${k}`;
          if (k === 'step' || scalarNames.includes(k)) {
            if (typeof v !== 'number' || Number.isNaN(v))
              throw new TypeError(`${fn}: ${where} must be a number`);
          } else if (names.includes(k)) {
            checkEncoded(fn, where, v, 'float32', p.data.length);
          } else {
            throw new TypeError(
              `${fn}: ${where}: unknown state for ${this.name} (expected ${[...names, ...scalarNames, 'step'].join(', ')})`,
            );
          }
        }
      });
      index += g.params.length;
    });
    this.checkExtraState(fn, sd.extra);
    // Everything checked: apply.
    index = 0;
    this.paramGroups.forEach((g, gi) => {
      const { params } = g;
      Object.assign(g, groupOpts[gi], { params });
      const st = new GroupState(params);
      this.groupStates[gi] = st;
      params.forEach((p, i) => {
        const s = sd.state[String(index + i)];
        if (!s) return;
        for (const [k, v] of Object.entries(s)) {
          if (k === 'step') st.steps[i] = v as number;
          else if (scalarNames.includes(k)) st.scalar(k)[i] = v as number;
          else {
            st.arena(k, this.initValue(k, g));
            decodeInto(fn, `state[${index + i}].${k}`, v, st.view(k, i, p.data.length));
          }
        }
      });
      st.fresh.clear();
      index += params.length;
    });
    this.loadExtraState(sd.extra);
  }
}
