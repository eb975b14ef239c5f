/**
 * Argument checks shared by every public entry point. Each throws a TypeError or RangeError
 * whose message names the function, the argument, what was expected and what was given.
 * They run before anything is written, so a refused call changes nothing.
 */
import { isForeignShared } from './wasm/shared.js';

/** A short description of a value for error messages: `Float64Array(3)`, `null`, `number 5`. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (ArrayBuffer.isView(v)) {
    const name = (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] ?? 'DataView';
    const len = (v as { length?: number }).length;
    return len === undefined ? name : `${name}(${len})`;
  }
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string')
    return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return (v as object).constructor?.name ?? 'object';
  return typeof v;
}

export function isDetached(buf: ArrayBufferLike): boolean {
  if (buf.byteLength > 0) return false;
  try {
    new Uint8Array(buf as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

type TypedName = 'Float32Array' | 'Int32Array' | 'Uint32Array';

function typed(fn: string, name: string, v: unknown, want: TypedName): void {
  if (
    !ArrayBuffer.isView(v) ||
    (v as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] !== want
  ) {
    throw new TypeError(`${fn}: argument ${name} must be a ${want}, got ${describe(v)}`);
  }
  const buf = (v as Float32Array).buffer;
  if (isForeignShared(buf)) {
    throw new TypeError(
      `${fn}: argument ${name} is backed by a SharedArrayBuffer; kernels need memory no other thread writes during the call, so copy it into an ArrayBuffer-backed ${want}`,
    );
  }
  if ((v as Float32Array).length === 0 && isDetached(buf)) {
    throw new TypeError(
      `${fn}: argument ${name} is a ${want} whose ArrayBuffer has been detached (transferred)`,
    );
  }
}

export function f32(fn: string, name: string, v: unknown): asserts v is Float32Array {
  typed(fn, name, v, 'Float32Array');
}

export function i32(fn: string, name: string, v: unknown): asserts v is Int32Array {
  typed(fn, name, v, 'Int32Array');
}

export function u32(fn: string, name: string, v: unknown): asserts v is Uint32Array {
  typed(fn, name, v, 'Uint32Array');
}

export function lengthIs(
  fn: string,
  name: string,
  v: ArrayLike<number>,
  want: number,
  why = '',
): void {
  if (v.length !== want) {
    throw new RangeError(
      `${fn}: argument ${name} must have length ${want}${why ? ` (${why})` : ''}, got length ${v.length}`,
    );
  }
}

type View = Float32Array | Int32Array | Uint32Array;

function range(v: View): [number, number] {
  return [v.byteOffset, v.byteOffset + v.byteLength];
}

/** True when both views cover exactly the same bytes (the declared in-place form). */
export function sameView(a: View, b: View): boolean {
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.byteLength === b.byteLength;
}

/**
 * Refuses a written view `out` that overlaps `x`, except the exact same view when `allowSame`
 * (then the call runs in place).
 */
export function noOverlap(
  fn: string,
  outName: string,
  out: View,
  xName: string,
  x: View,
  allowSame: boolean,
): void {
  if (out.buffer !== x.buffer || out.byteLength === 0 || x.byteLength === 0) return;
  const [a0, a1] = range(out);
  const [b0, b1] = range(x);
  if (a0 >= b1 || b0 >= a1) return;
  if (allowSame && a0 === b0 && a1 === b1) return;
  throw new RangeError(
    `${fn}: argument ${outName} overlaps ${xName} in memory${
      allowSame ? ' (only the very same view is allowed, for in-place use)' : ''
    }; pass separate arrays`,
  );
}

/** A number (TypeError otherwise) that is finite (RangeError for NaN and ±Infinity). */
export function finite(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: ${name} must be a finite number, got ${describe(v)}`);
  if (!Number.isFinite(v)) throw new RangeError(`${fn}: ${name} must be a finite number, got ${v}`);
}

/** A finite number in [lo, hi] (bounds inclusive unless told otherwise). */
export function inRange(
  fn: string,
  name: string,
  v: unknown,
  lo: number,
  hi: number,
  opts: { loOpen?: boolean; hiOpen?: boolean } = {},
): asserts v is number {
  finite(fn, name, v);
  const okLo = opts.loOpen ? v > lo : v >= lo;
  const okHi = opts.hiOpen ? v < hi : v <= hi;
  if (!okLo || !okHi) {
    const l = opts.loOpen ? '(' : '[';
    const h = opts.hiOpen ? ')' : ']';
    throw new RangeError(`${fn}: ${name} must be in ${l}${lo}, ${hi}${h}, got ${v}`);
  }
}

/** A non-negative safe integer: TypeError for non-integers, RangeError outside [0, 2^53). */
export function count(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new TypeError(`${fn}: ${name} must be an integer, got ${describe(v)}`);
  }
  if (v < 0 || !Number.isSafeInteger(v))
    throw new RangeError(`${fn}: ${name} must be in [0, 2^53), got ${v}`);
}

/** An options object (a plain object, not null, not a primitive). */
export function options(fn: string, name: string, v: unknown): asserts v is object {
  if (v === null || typeof v !== 'object' || Array.isArray(v) || ArrayBuffer.isView(v)) {
    throw new TypeError(`${fn}: ${name} must be an object, got ${describe(v)}`);
  }
}

export function bool(fn: string, name: string, v: unknown): asserts v is boolean {
  if (typeof v !== 'boolean')
    throw new TypeError(`${fn}: ${name} must be a boolean, got ${describe(v)}`);
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return d[b.length];
}

/** The closest of `choices` to `given` (snake_case folded to camelCase first), if near. */
export function suggest(given: string, choices: readonly string[]): string | undefined {
  const camel = given.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of choices) {
    const dd = Math.min(distance(given.toLowerCase(), c.toLowerCase()), distance(camel, c));
    if (dd < bestD) {
      bestD = dd;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(given.length / 3))
    ? best
    : undefined;
}

/** Refuses option keys not in `allowed`, suggesting the nearest one. */
export function knownKeys(fn: string, what: string, obj: object, allowed: readonly string[]): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const s = suggest(k, allowed);
      throw new TypeError(
        `${fn}: unknown ${what} ${JSON.stringify(k)}${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}; valid: ${allowed.join(', ')}`,
      );
    }
  }
}

/** One of the listed strings. */
export function oneOf<T extends string>(
  fn: string,
  name: string,
  v: unknown,
  choices: readonly T[],
): asserts v is T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    const s = typeof v === 'string' ? suggest(v, choices) : undefined;
    throw new TypeError(
      `${fn}: ${name} must be one of ${choices.join(', ')}, got ${describe(v)}${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}`,
    );
  }
}

/** A positive safe integer: TypeError for non-integers, RangeError below 1 or past 2^53. */
export function positiveInt(fn: string, name: string, v: unknown): asserts v is number {
  if (typeof v !== 'number' || !Number.isInteger(v))
    throw new TypeError(`${fn}: ${name} must be a positive integer, got ${describe(v)}`);
  if (v < 1 || !Number.isSafeInteger(v))
    throw new RangeError(`${fn}: ${name} must be a positive integer, got ${describe(v)}`);
}

/**
 * An options object (`{}` when undefined) whose keys are all in `allowed`: the usual first
 * line of a constructor, so a misspelt option is refused with a suggestion, never ignored.
 */
export function optionsOf<T extends object>(
  fn: string,
  o: T | undefined,
  allowed: readonly string[],
): T {
  if (o === undefined) return {} as T;
  options(fn, 'options', o);
  knownKeys(fn, 'option', o, allowed);
  return o;
}

/**
 * Refuses option `key` when given (not undefined or null) where it has no effect: a value the code
 * would ignore is a mistake to report, not to drop. `why` says when the option applies.
 */
export function unused(fn: string, o: object, key: string, why: string): void {
  if ((o as Record<string, unknown>)[key] != null)
    throw new TypeError(`${fn}: option ${key} has no effect here: ${why}`);
}

/** Refuses arguments a constructor does not take (`new nn.ReLU({ inplace: true })`). */
export function noMoreArgs(fn: string, extra: readonly unknown[], takes: string): void {
  if (extra.length > 0)
    throw new TypeError(
      `${fn}: takes ${takes}, got ${extra.length} more argument${extra.length > 1 ? 's' : ''} (${extra.map(describe).join(', ')})`,
    );
}
