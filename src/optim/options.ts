/**
 * Option specs for optimizers: PyTorch's names in camelCase with PyTorch's defaults, and the
 * checks PyTorch applies (negative lr, betas outside [0, 1), …) as RangeErrors/TypeErrors
 * that name the optimizer and the option.
 */
import { describe, knownKeys } from '../backend/validate.js';

/**
 * Validates one option value, throwing a TypeError/RangeError that names `fn` (the optimizer)
 * and `name` (the option); returns nothing when `v` is acceptable.
 */
export type Check = (fn: string, name: string, v: unknown) => void;

/**
 * An optimizer's option table, passed to the {@link Optimizer} constructor by subclasses:
 * every option's default and its check. Unknown option names are refused.
 */
export interface OptionSpec<O> {
  /** Every option's default (PyTorch's defaults, camelCase names). */
  defaults: O;
  /** One {@link Check} per option, run at construction, on `addParamGroup` and at every step. */
  checks: { [K in keyof O]: Check };
  /** Checks across options (e.g. Nesterov needs momentum). */
  cross?: (fn: string, o: O) => void;
}

function num(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: option ${name} must be a number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: option ${name} must be finite, got ${v}`);
  return v;
}

/** A finite number ≥ 0. */
export const nonNegative: Check = (fn, name, v) => {
  if (num(fn, name, v) < 0) throw new RangeError(`${fn}: invalid ${name}: must be ≥ 0, got ${v}`);
};

/** A finite number > 0. */
export const positive: Check = (fn, name, v) => {
  if (num(fn, name, v) <= 0) throw new RangeError(`${fn}: invalid ${name}: must be > 0, got ${v}`);
};

/** Any finite number. */
export const anyFinite: Check = (fn, name, v) => {
  num(fn, name, v);
};

/** A finite number in [lo, hi) (or [lo, hi] with `closed`). */
export function interval(lo: number, hi: number, closed = false): Check {
  return (fn, name, v) => {
    const x = num(fn, name, v);
    if (x < lo || (closed ? x > hi : x >= hi)) {
      throw new RangeError(
        `${fn}: invalid ${name}: must be in [${lo}, ${hi}${closed ? ']' : ')'}, got ${v}`,
      );
    }
  };
}

/** A non-negative integer. */
export const count: Check = (fn, name, v) => {
  const x = num(fn, name, v);
  if (!Number.isInteger(x) || x < 0)
    throw new RangeError(`${fn}: invalid ${name}: must be an integer ≥ 0, got ${v}`);
};

export const bool: Check = (fn, name, v) => {
  if (typeof v !== 'boolean')
    throw new TypeError(`${fn}: option ${name} must be a boolean, got ${describe(v)}`);
};

/** A pair [a, b] of numbers each passing `each` (PyTorch's `betas`, `etas`, `stepSizes`). */
export function pair(each: Check): Check {
  return (fn, name, v) => {
    if (!Array.isArray(v) || v.length !== 2) {
      throw new TypeError(`${fn}: option ${name} must be a pair [a, b], got ${describe(v)}`);
    }
    each(fn, `${name}[0]`, v[0]);
    each(fn, `${name}[1]`, v[1]);
  };
}

/** One of the listed strings (or null when `nullable`). */
export function choice(values: readonly string[], nullable = false): Check {
  return (fn, name, v) => {
    if (nullable && v === null) return;
    if (typeof v !== 'string' || !values.includes(v)) {
      throw new TypeError(
        `${fn}: option ${name} must be ${nullable ? 'null or ' : ''}one of ${values.map((s) => JSON.stringify(s)).join(', ')}, got ${describe(v)}`,
      );
    }
  };
}

/**
 * Defaults overlaid with `given`, checked: unknown keys (with a suggestion, `weight_decay` →
 * `weightDecay`), wrong types and out-of-range values are refused before anything is built.
 */
export function resolveOptions<O extends object>(
  fn: string,
  spec: OptionSpec<O>,
  given: unknown,
  base: O = spec.defaults,
  extraKeys: readonly string[] = [],
): O {
  if (given === undefined) given = {};
  if (given === null || typeof given !== 'object' || Array.isArray(given)) {
    throw new TypeError(`${fn}: options must be an object, got ${describe(given)}`);
  }
  knownKeys(fn, 'option', given, [...Object.keys(spec.checks), ...extraKeys]);
  const o = { ...base } as Record<string, unknown>;
  for (const [k, v] of Object.entries(given)) {
    if (extraKeys.includes(k)) continue;
    o[k] = Array.isArray(v) ? [...v] : v;
  }
  checkOptions(fn, spec, o as O);
  return o as O;
}

const checkLists = new WeakMap<object, [string, Check][]>();

/**
 * Re-checks resolved options (schedulers and users may change them between steps). With
 * `group`, a failure names `fn (paramGroups[group])`; that string is built only on failure,
 * since this runs every step.
 */
export function checkOptions<O extends object>(
  fn: string,
  spec: OptionSpec<O>,
  o: O,
  group?: number,
): void {
  let list = checkLists.get(spec);
  if (!list) {
    list = Object.entries(spec.checks) as [string, Check][];
    checkLists.set(spec, list);
  }
  const opts = o as Record<string, unknown>;
  try {
    for (let i = 0; i < list.length; i++) list[i][1](fn, list[i][0], opts[list[i][0]]);
    spec.cross?.(fn, o);
  } catch (e) {
    if (group === undefined) throw e;
    // the checks are pure: re-run them to throw with the group in the message
    checkOptions(`${fn} (paramGroups[${group}])`, spec, o);
    throw e;
  }
}
