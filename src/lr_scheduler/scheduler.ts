/**
 * Learning-rate schedulers with `torch.optim.lr_scheduler` semantics (PyTorch 2.x): the same
 * recursive ("chainable") formulas, the same `lastEpoch` counting (construction performs the
 * initial step, so `lastEpoch` is 0 afterwards and the optimizer's lr is the schedule's first
 * value), the same closed forms for `step(epoch)`, and torch's option names in camelCase.
 *
 * A scheduler needs only `optimizer.paramGroups: Array<{ lr: number, … }>` (and `defaults`,
 * when present, to tell momentum from Adam-style betas), so it drives every optimizer in this
 * library and any plain object of that shape.
 *
 * Bookkeeping on the groups. Like torch, schedulers keep some values on the optimizer's param
 * groups: `initialLr` (torch's `initial_lr`, set if absent when `lastEpoch` is -1), and for
 * CyclicLR/OneCycleLR `maxMomentum`, `baseMomentum`, `maxLr`, `minLr`. They are defined as
 * non-enumerable properties: readable as `group.initialLr`, but left out of the optimizer's
 * `stateDict()` (whose `loadStateDict` refuses keys that are not optimizer options). The
 * scheduler's own `stateDict()` carries them instead (field `groups`).
 *
 * Weight decay following the schedule: the `scaleWeightDecay` option (see `BaseScheduler`).
 *
 * Errors follow src/backend/validate.ts: a TypeError or RangeError naming the scheduler, the
 * option and what was given; options are all checked before any group is touched, unknown
 * option names are refused with a suggestion (`step_size` → `stepSize`).
 */
import { describe, knownKeys } from '../backend/validate.js';
import { bool, type Check, type OptionSpec, resolveOptions } from '../optim/options.js';

/** What a scheduler needs from an optimizer: its parameter groups, each with an `lr`. */
export interface SchedulableOptimizer {
  /** The parameter groups; the scheduler writes each group's `lr` (and keeps its bookkeeping keys there). */
  readonly paramGroups: ReadonlyArray<{
    /** The group's learning rate, set by the scheduler at every step. */
    lr: number;
  }>;
  /** The optimizer's default options (tells `momentum` from `betas` for momentum cycling). */
  readonly defaults?: object;
}

/** A param group as schedulers see it: its `lr` and any other keys (options, bookkeeping). */
export type Group = Record<string, unknown> & {
  /** The group's learning rate. */
  lr: number;
};

/** Options every scheduler takes. */
export interface SchedulerOptions {
  /** Index of the last epoch seen (-1, the default, starts the schedule). */
  lastEpoch?: number;
  /** Scale each group's `weightDecay` with its lr (relative to `initialLr`). Default false. */
  scaleWeightDecay?: boolean;
}

/** A scheduler's state: plain JSON-serialisable data. */
export type SchedulerStateDict = Record<string, unknown>;

/** Checks one state-dict field: (function name, key, value) → throws when invalid. */
export type StateCheck = (fn: string, key: string, v: unknown) => void;

// ---------------------------------------------------------------------------------------------
// Option checks

function number(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: option ${name} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: option ${name} must be finite, got ${v}`);
  return v;
}

export { bool };

/** Marks an option required (no default): `undefined` is refused by name. */
export function required(check: Check): Check {
  return (fn, name, v) => {
    if (v === undefined) throw new TypeError(`${fn}: option ${name} is required`);
    check(fn, name, v);
  };
}

/** Accepts null as well. */
export function nullable(check: Check): Check {
  return (fn, name, v) => {
    if (v !== null) check(fn, name, v);
  };
}

/** An integer ≥ `min`. */
export function integer(min: number): Check {
  return (fn, name, v) => {
    const x = number(fn, name, v);
    if (!Number.isSafeInteger(x) || x < min)
      throw new RangeError(`${fn}: invalid ${name}: must be an integer ≥ ${min}, got ${v}`);
  };
}

/** A finite number in the interval given by its bounds (each open or closed). */
export function within(lo: number, hi: number, loOpen = false, hiOpen = false): Check {
  return (fn, name, v) => {
    const x = number(fn, name, v);
    if ((loOpen ? x <= lo : x < lo) || (hiOpen ? x >= hi : x > hi)) {
      throw new RangeError(
        `${fn}: invalid ${name}: must be in ${loOpen ? '(' : '['}${lo}, ${hi}${hiOpen ? ')' : ']'}, got ${v}`,
      );
    }
  };
}

/** Any finite number. */
export const finiteNumber: Check = (fn, name, v) => {
  number(fn, name, v);
};

/** A function. */
export const func: Check = (fn, name, v) => {
  if (typeof v !== 'function')
    throw new TypeError(`${fn}: option ${name} must be a function, got ${describe(v)}`);
};

/** One of the listed strings, with a suggestion for a near miss. */
export function oneOf(values: readonly string[]): Check {
  return (fn, name, v) => {
    if (typeof v !== 'string' || !values.includes(v)) {
      const near =
        typeof v === 'string'
          ? values.find((c) => c.toLowerCase() === v.toLowerCase().replace(/-/g, '_'))
          : undefined;
      throw new TypeError(
        `${fn}: option ${name} must be one of ${values.map((s) => JSON.stringify(s)).join(', ')}, got ${describe(v)}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}`,
      );
    }
  };
}

/** One value for all groups, or an array with one value per group, each passing `each`. */
export function perGroup(groups: number, each: Check): Check {
  return (fn, name, v) => {
    if (Array.isArray(v)) {
      if (v.length !== groups) {
        throw new RangeError(
          `${fn}: option ${name} must have one value per param group (${groups}), got ${v.length} values`,
        );
      }
      v.forEach((x, i) => each(fn, `${name}[${i}]`, x));
    } else {
      each(fn, name, v);
    }
  };
}

/** `v` (a number or one per group, checked) as one value per group. */
export function formatParam<T>(v: T | readonly T[], groups: number): T[] {
  return Array.isArray(v) ? [...(v as T[])] : Array.from({ length: groups }, () => v as T);
}

/** Checks of the options every scheduler takes. */
export const COMMON_CHECKS = {
  lastEpoch: integer(-1),
  scaleWeightDecay: bool,
};

export const COMMON_DEFAULTS = { lastEpoch: -1, scaleWeightDecay: false };

/**
 * The scheduler's options: defaults overlaid with `given`, every name known (with a
 * suggestion otherwise), every value checked. Arrays are copied.
 */
export function resolveSchedulerOptions<O extends object>(
  fn: string,
  spec: OptionSpec<O>,
  given: unknown,
): O {
  return resolveOptions(fn, spec, given);
}

// ---------------------------------------------------------------------------------------------
// Optimizer and group checks

/** Refuses anything that is not `{ paramGroups: [{ lr: number, … }, …] }`. */
export function checkOptimizer(
  fn: string,
  optimizer: unknown,
): asserts optimizer is {
  paramGroups: Group[];
} {
  if (optimizer === null || typeof optimizer !== 'object') {
    throw new TypeError(
      `${fn}: optimizer must be an optimizer (an object with paramGroups), got ${describe(optimizer)}`,
    );
  }
  const groups = (optimizer as { paramGroups?: unknown }).paramGroups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new TypeError(
      `${fn}: optimizer.paramGroups must be a non-empty array of groups {lr, …}, got ${describe(groups)}`,
    );
  }
  groups.forEach((g, i) => {
    if (g === null || typeof g !== 'object')
      throw new TypeError(
        `${fn}: optimizer.paramGroups[${i}] must be an object, got ${describe(g)}`,
      );
    const lr = (g as { lr?: unknown }).lr;
    if (typeof lr !== 'number' || !Number.isFinite(lr)) {
      throw new TypeError(
        `${fn}: optimizer.paramGroups[${i}].lr must be a finite number, got ${describe(lr)}`,
      );
    }
  });
}

/** Defines `group[key] = value` as a non-enumerable (but writable) property. */
export function setGroupKey(group: object, key: string, value: unknown): void {
  Object.defineProperty(group, key, {
    value,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

/** torch's `group.setdefault(key, value)`, non-enumerable. */
export function setGroupDefault(group: object, key: string, value: unknown): void {
  if (!(key in group)) setGroupKey(group, key, value);
}

/**
 * The checks torch makes when resuming (`lastEpoch` ≥ 0: every group must hold `initialLr`,
 * plus `keys`), and those `scaleWeightDecay` needs: a numeric `weightDecay` on every group, an
 * `initialWeightDecay` when resuming, and a non-zero initial lr (`initialLrs[i]`: what
 * `initialLr` is or will be; by default the group's `initialLr`, else its `lr`).
 */
export function checkGroups(
  fn: string,
  groups: readonly Group[],
  lastEpoch: number,
  scaleWeightDecay: boolean,
  opts: { initialLrs?: ReadonlyArray<number>; keys?: readonly string[] } = {},
): void {
  const keys = opts.keys ?? [];
  groups.forEach((g, i) => {
    if (lastEpoch !== -1) {
      for (const k of ['initialLr', ...keys, ...(scaleWeightDecay ? ['initialWeightDecay'] : [])]) {
        if (typeof g[k] !== 'number') {
          throw new TypeError(
            `${fn}: paramGroups[${i}].${k} is ${describe(g[k])}: resuming with lastEpoch ${lastEpoch} (≥ 0) needs it on every group (a scheduler constructed with lastEpoch -1 sets it; or construct with lastEpoch -1 and call loadStateDict)`,
          );
        }
      }
    }
    if (scaleWeightDecay) {
      const wd = g.weightDecay;
      if (typeof wd !== 'number' || !Number.isFinite(wd)) {
        throw new TypeError(
          `${fn}: scaleWeightDecay needs paramGroups[${i}].weightDecay to be a finite number, got ${describe(wd)}`,
        );
      }
      const init = opts.initialLrs?.[i] ?? (typeof g.initialLr === 'number' ? g.initialLr : g.lr);
      if (init === 0) {
        throw new RangeError(
          `${fn}: scaleWeightDecay scales weightDecay by lr / initialLr, but paramGroups[${i}]'s initial lr is 0`,
        );
      }
    }
  });
}

/** SequentialLR and ChainedScheduler: the sub-schedulers must have set `initialLr`. */
export function checkInitialLrs(fn: string, groups: readonly Group[]): void {
  groups.forEach((g, i) => {
    if (typeof g.initialLr !== 'number') {
      throw new TypeError(
        `${fn}: paramGroups[${i}].initialLr is ${describe(g.initialLr)}; construct the schedulers it combines (which set it) on this optimizer first`,
      );
    }
  });
}

/**
 * The usual constructor prologue, before anything is touched: the optimizer checked, the
 * options resolved and checked, the groups checked for resuming and `scaleWeightDecay`.
 */
export function prepare<O extends Required<SchedulerOptions>>(
  fn: string,
  optimizer: unknown,
  optionSpec: OptionSpec<O>,
  options: unknown,
): O {
  checkOptimizer(fn, optimizer);
  const o = resolveSchedulerOptions(fn, optionSpec, options);
  checkGroups(fn, optimizer.paramGroups, o.lastEpoch, o.scaleWeightDecay);
  return o;
}

/** torch's `bisect_right`: the number of entries of the sorted `a` that are ≤ `x`. */
export function bisectRight(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < a[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * What torch saves of a user function (LambdaLR's `lr_lambdas`, CyclicLR's `scale_fn`): nothing
 * for a plain function (null), its own enumerable properties for a stateful one (torch saves
 * a callable object's `__dict__`).
 */
export function functionState(f: unknown): Record<string, unknown> | null {
  if (typeof f !== 'function') return null;
  const own = Object.keys(f);
  if (own.length === 0) return null;
  return structuredClone(
    Object.fromEntries(own.map((k) => [k, (f as unknown as Record<string, unknown>)[k]])),
  );
}

// ---------------------------------------------------------------------------------------------
// State checks

function stateMsg(fn: string, key: string, what: string, v: unknown): TypeError {
  return new TypeError(`${fn}: stateDict.${key} must be ${what}, got ${describe(v)}`);
}

export const stateNumber: StateCheck = (fn, key, v) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw stateMsg(fn, key, 'a finite number', v);
};

export function stateInteger(min: number): StateCheck {
  return (fn, key, v) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
      throw stateMsg(fn, key, `an integer ≥ ${min}`, v);
  };
}

export const stateString: StateCheck = (fn, key, v) => {
  if (typeof v !== 'string') throw stateMsg(fn, key, 'a string', v);
};

export const stateBool: StateCheck = (fn, key, v) => {
  if (typeof v !== 'boolean') throw stateMsg(fn, key, 'a boolean', v);
};

export function stateChoice(values: readonly string[]): StateCheck {
  return (fn, key, v) => {
    if (typeof v !== 'string' || !values.includes(v))
      throw stateMsg(fn, key, `one of ${values.join(', ')}`, v);
  };
}

/** An array of finite numbers (of length `len` when given). */
export function stateNumbers(len?: number): StateCheck {
  return (fn, key, v) => {
    if (
      !Array.isArray(v) ||
      (len !== undefined && v.length !== len) ||
      !v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ) {
      throw stateMsg(fn, key, `an array of ${len === undefined ? '' : `${len} `}finite numbers`, v);
    }
  };
}

/** An array of `len` entries, each null or a plain object (saved function state). */
export function stateFunctions(len: number): StateCheck {
  return (fn, key, v) => {
    if (
      !Array.isArray(v) ||
      v.length !== len ||
      !v.every((x) => x === null || (typeof x === 'object' && !Array.isArray(x)))
    ) {
      throw stateMsg(fn, key, `an array of ${len} entries, each null or an object`, v);
    }
  };
}

export function stateNullable(check: StateCheck): StateCheck {
  return (fn, key, v) => {
    if (v !== null) check(fn, key, v);
  };
}

// ---------------------------------------------------------------------------------------------
// Base classes

/**
 * What every scheduler shares: the optimizer, `getLastLr()`, weight-decay following and
 * state dicts. Subclasses list their state fields in `stateSpec()` (field names are the
 * instance's property names); `stateDict()` copies them out and `loadStateDict()` checks all
 * of them before assigning any.
 *
 * Weight decay following the schedule. Every scheduler takes `scaleWeightDecay` (default
 * false). When true, each time the scheduler sets a group's lr it also sets
 * `weightDecay = initialWeightDecay · lr / initialLr`: the decay coefficient is scaled by the
 * same factor as the lr, relative to the initial lr. `initialWeightDecay` is kept on the group
 * the way torch keeps `initial_lr` (set from `weightDecay` if absent when `lastEpoch` is -1,
 * required when resuming; non-enumerable, saved in the scheduler's state dict). Neither
 * PyTorch, TensorFlow.js nor optax has it as a scheduler option: TensorFlow.js optimizers
 * have no weight-decay schedule, and optax schedules `weight_decay` only through
 * `inject_hyperparams` with a second schedule written by hand.
 *
 * Mind how it composes: SGD, Adam and AdamW already multiply the decay by the current lr
 * (AdamW's θ ← θ(1 − ηλ); the L2 term of SGD/Adam is part of the gradient), so with them
 * `scaleWeightDecay` makes the decay applied per step η·λ₀·η/η₀, falling with the square of
 * the schedule factor. (Composer's "fully decoupled" decay, ∝ λ₀·η/η₀ alone, is a different
 * thing.)
 */
export abstract class BaseScheduler {
  /** The optimizer whose groups' `lr` this scheduler sets. */
  readonly optimizer: SchedulableOptimizer;
  /** Whether each group's `weightDecay` follows its lr (see the module comment). */
  scaleWeightDecay: boolean;
  /** The lrs last set, one per group (torch's `_last_lr`). */
  protected lastLr: number[] = [];

  /**
   * @param name the class name, for messages
   * @param optimizer already checked with `checkOptimizer`
   */
  constructor(
    readonly name: string,
    optimizer: SchedulableOptimizer,
    scaleWeightDecay: boolean,
  ) {
    this.optimizer = optimizer;
    this.scaleWeightDecay = scaleWeightDecay;
  }

  /** The optimizer's groups, as records. */
  protected get groups(): Group[] {
    return this.optimizer.paramGroups as unknown as Group[];
  }

  /** The groups' current lrs. */
  protected groupLrs(): number[] {
    return this.groups.map((g) => g.lr);
  }

  /** The most recent learning rates this scheduler computed, one per param group (a copy). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** Advances the schedule by one step (ReduceLROnPlateau takes the metric instead). */
  abstract step(arg?: number): void;

  /** torch's `_initial_step` (SequentialLR calls it on the scheduler that runs first). */
  initialStep(): void {
    this.step();
  }

  /** Sub-schedulers (SequentialLR, ChainedScheduler), or null. */
  children(): readonly BaseScheduler[] | null {
    return null;
  }

  /** Sets `initialWeightDecay` on every group if absent (construction with lastEpoch -1). */
  protected initWeightDecay(): void {
    if (!this.scaleWeightDecay) return;
    for (const g of this.groups) setGroupDefault(g, 'initialWeightDecay', g.weightDecay);
  }

  /** With `scaleWeightDecay`: weightDecay ← initialWeightDecay · lr / initialLr, every group. */
  protected followWeightDecay(): void {
    if (!this.scaleWeightDecay) return;
    for (const g of this.groups) {
      g.weightDecay = (g.initialWeightDecay as number) * (g.lr / (g.initialLr as number));
    }
  }

  /** Sets every group's lr (all values checked first), then follows with weight decay. */
  protected setLrs(fn: string, values: readonly number[]): void {
    values.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(
          `${fn}: the scheduled lr of paramGroups[${i}] is ${describe(v)}, not a finite number`,
        );
      }
    });
    this.groups.forEach((g, i) => {
      g.lr = values[i];
    });
    this.followWeightDecay();
  }

  /** State fields and their checks (names are this instance's property names). */
  protected stateSpec(): Record<string, StateCheck> {
    return { lastLr: stateNumbers(), scaleWeightDecay: stateBool };
  }

  /** Group keys this scheduler keeps on the param groups (saved in the state's `groups`). */
  protected groupKeys(): string[] {
    return this.scaleWeightDecay ? ['initialLr', 'initialWeightDecay'] : [];
  }

  /** A field's value as saved (deep copy; subclasses encode non-JSON values). */
  protected saveField(key: string): unknown {
    return structuredClone((this as unknown as Record<string, unknown>)[key]);
  }

  /** Assigns a (checked) saved field. */
  protected loadField(key: string, v: unknown): void {
    (this as unknown as Record<string, unknown>)[key] = structuredClone(v);
  }

  /** The scheduler's state as plain JSON-serialisable data. */
  stateDict(): SchedulerStateDict {
    const sd: SchedulerStateDict = {};
    for (const k of Object.keys(this.stateSpec())) sd[k] = this.saveField(k);
    const keys = this.groupKeys();
    if (keys.length > 0) {
      sd.groups = this.groups.map((g) =>
        Object.fromEntries(keys.filter((k) => typeof g[k] === 'number').map((k) => [k, g[k]])),
      );
    }
    return sd;
  }

  /** Throws unless `sd` is a valid state dict for this scheduler (nothing is changed). */
  checkStateDict(fn: string, sd: unknown): void {
    if (sd === null || typeof sd !== 'object' || Array.isArray(sd))
      throw new TypeError(`${fn}: the state dict must be an object, got ${describe(sd)}`);
    const spec = this.stateSpec();
    // The group keys a state holds depend on its options (scaleWeightDecay): accept `groups`
    // whenever this scheduler class may keep any.
    const allowed = [...Object.keys(spec), 'groups'];
    knownKeys(fn, 'state key', sd, allowed);
    for (const [k, check] of Object.entries(spec)) {
      const v = (sd as Record<string, unknown>)[k];
      if (v === undefined) throw new TypeError(`${fn}: the state dict has no ${k}`);
      check(fn, k, v);
    }
    const groups = (sd as Record<string, unknown>).groups;
    if (groups !== undefined) {
      const n = this.groups.length;
      if (!Array.isArray(groups) || groups.length !== n) {
        throw new TypeError(
          `${fn}: stateDict.groups must be an array of ${n} objects (one per param group), got ${describe(groups)}`,
        );
      }
      groups.forEach((g, i) => {
        if (g === null || typeof g !== 'object' || Array.isArray(g))
          throw new TypeError(
            `${fn}: stateDict.groups[${i}] must be an object, got ${describe(g)}`,
          );
        for (const [k, v] of Object.entries(g)) {
          if (!GROUP_KEYS.includes(k)) {
            throw new TypeError(
              `${fn}: stateDict.groups[${i}] has unknown key ${JSON.stringify(k)}; valid: ${GROUP_KEYS.join(', ')}`,
            );
          }
          stateNumber(fn, `groups[${i}].${k}`, v);
        }
      });
    }
  }

  /** Assigns a state dict already checked with `checkStateDict`. */
  applyCheckedStateDict(sd: SchedulerStateDict): void {
    for (const k of Object.keys(this.stateSpec())) this.loadField(k, sd[k]);
    const groups = sd.groups as Array<Record<string, number>> | undefined;
    groups?.forEach((saved, i) => {
      for (const [k, v] of Object.entries(saved)) setGroupKey(this.groups[i], k, v);
    });
  }

  /**
   * Restores a state from `stateDict()` (after checking all of it). As in torch, the
   * optimizer's own state (its groups' lr, momentum, …) is restored by the optimizer's
   * `loadStateDict`, not here.
   */
  loadStateDict(sd: SchedulerStateDict): void {
    this.checkStateDict(`${this.name}.loadStateDict`, sd);
    this.applyCheckedStateDict(sd as SchedulerStateDict);
  }
}

/** Every group key a scheduler may keep on the groups. */
const GROUP_KEYS = [
  'initialLr',
  'initialWeightDecay',
  'maxLr',
  'minLr',
  'maxMomentum',
  'baseMomentum',
];

/**
 * torch's `LRScheduler`: `lastEpoch`, `baseLrs` (the groups' `initialLr`), the initial step
 * at construction, `step()` (the recursive form, `getLr`) and `step(epoch)` (the closed form
 * where the scheduler has one, torch's deprecated form).
 *
 * Subclass constructors check all options, call `super`, set their fields, then call
 * `start()` (the rest of torch's `LRScheduler.__init__`: `initialLr`, `baseLrs`, initial step).
 */
export abstract class LRScheduler extends BaseScheduler {
  /** Index of the last epoch (step) seen. */
  lastEpoch: number;
  /** The groups' initial lrs (torch's `base_lrs`). */
  baseLrs: number[] = [];
  /** Steps counted by `step()` (torch's `_step_count`). */
  protected stepCount = 0;
  /** True during the initial step (torch's `_is_initial`). */
  protected isInitial = false;

  constructor(name: string, optimizer: SchedulableOptimizer, options: Required<SchedulerOptions>) {
    super(name, optimizer, options.scaleWeightDecay);
    this.lastEpoch = options.lastEpoch;
  }

  /** Sets `initialLr` (and `initialWeightDecay`), reads `baseLrs`, takes the initial step. */
  protected start(): void {
    if (this.lastEpoch === -1) {
      for (const g of this.groups) setGroupDefault(g, 'initialLr', g.lr);
      this.initWeightDecay();
    }
    this.baseLrs = this.groups.map((g) => g.initialLr as number);
    this.initialStep();
  }

  override initialStep(): void {
    this.stepCount = 0;
    this.isInitial = true;
    try {
      this.step();
    } finally {
      this.isInitial = false;
    }
  }

  /**
   * Advances the schedule one step and sets the groups' lrs. With `epoch` (torch's
   * deprecated form) it jumps to that epoch, using the closed form where there is one.
   */
  step(epoch?: number): void {
    if (epoch !== undefined && (!Number.isSafeInteger(epoch) || epoch < 0)) {
      throw new TypeError(
        `${this.name}.step: epoch must be an integer ≥ 0 (or omitted), got ${describe(epoch)}`,
      );
    }
    this.stepCount++;
    try {
      this.updateLr(epoch);
    } catch (e) {
      this.stepCount--;
      throw e;
    }
  }

  /**
   * torch's `_update_lr`: moves to `epoch` (or the next one) without counting a step, and sets
   * the lrs. SequentialLR calls it with 0 at its milestones. A refused update changes nothing.
   */
  updateLr(epoch?: number): void {
    const fn = `${this.name}.step`;
    const prev = this.lastEpoch;
    let values: number[];
    try {
      if (epoch === undefined) {
        this.lastEpoch++;
        values = this.getLr();
      } else {
        this.lastEpoch = epoch;
        values = this.closedFormLr() ?? this.getLr();
      }
      this.setLrs(fn, values);
    } catch (e) {
      this.lastEpoch = prev;
      throw e;
    }
    this.lastLr = this.groupLrs();
  }

  /** The next lrs, computed as torch's `get_lr` does (from the current lrs where chainable). */
  protected abstract getLr(): number[];

  /** torch's `_get_closed_form_lr`, for schedulers that have one (else null). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  protected override stateSpec(): Record<string, StateCheck> {
    const n = this.groups.length;
    return {
      ...super.stateSpec(),
      lastEpoch: stateInteger(-1),
      baseLrs: stateNumbers(n),
      stepCount: stateInteger(0),
    };
  }

  protected override groupKeys(): string[] {
    return this.scaleWeightDecay ? ['initialLr', 'initialWeightDecay'] : ['initialLr'];
  }
}

/**
 * Builds an option spec from checks and defaults, with the common options added (`lastEpoch`
 * only when `withLastEpoch`: ReduceLROnPlateau and ChainedScheduler have none in torch).
 */
export function spec<O extends object>(
  defaults: Partial<O>,
  checks: { [K in Exclude<keyof O, keyof SchedulerOptions>]: Check },
  cross?: (fn: string, o: O) => void,
  withLastEpoch = true,
): OptionSpec<O> {
  const common: Record<string, Check> = withLastEpoch
    ? COMMON_CHECKS
    : { scaleWeightDecay: COMMON_CHECKS.scaleWeightDecay };
  const commonDefaults: Record<string, unknown> = withLastEpoch
    ? COMMON_DEFAULTS
    : { scaleWeightDecay: false };
  return {
    defaults: { ...commonDefaults, ...defaults } as O,
    checks: { ...common, ...checks } as OptionSpec<O>['checks'],
    cross,
  };
}
