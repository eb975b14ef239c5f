/** Checked unary elementwise ops: math functions and activations, forward and backward. */
import { UNARY_CODES, type UnaryOp } from '../backend/kernels.js';
import { f32, finite, knownKeys, lengthIs, noOverlap, oneOf } from '../backend/validate.js';
import type { Pick } from './pick.js';

/** Options of the parameterised activations, PyTorch names and defaults. */
export interface UnaryOptions {
  /** leakyRelu: slope for x < 0 (default 0.01). */
  negativeSlope?: number;
  /** elu: scale of the negative part (default 1). */
  alpha?: number;
  /** softplus: beta (default 1). */
  beta?: number;
  /** softplus: above beta·x > threshold the identity is used (default 20). */
  threshold?: number;
}

export const UNARY_OPS = Object.keys(UNARY_CODES) as UnaryOp[];

/** Ops cheap enough per element that only large calls are worth crossing N-API for. */
const CHEAP: ReadonlySet<UnaryOp> = new Set([
  'neg',
  'abs',
  'square',
  'relu',
  'leakyRelu',
  'hardSigmoid',
  'reciprocal',
  'sqrt',
]);

/** Elements weighted by cost, for routing tiny calls to JS (see DEFAULT_MIN_NATIVE_LENGTH). */
function work(op: UnaryOp, n: number): number {
  return CHEAP.has(op) ? n : 8 * n;
}

const OPTION_KEYS: Partial<Record<UnaryOp, readonly (keyof UnaryOptions)[]>> = {
  leakyRelu: ['negativeSlope'],
  elu: ['alpha'],
  softplus: ['beta', 'threshold'],
};

/** Maps named options to the kernels' (alpha, beta) pair, validating them. */
function params(fn: string, op: UnaryOp, o: UnaryOptions | undefined): [number, number] {
  const keys = OPTION_KEYS[op] ?? [];
  if (o !== undefined) {
    if (o === null || typeof o !== 'object')
      throw new TypeError(`${fn}: options must be an object`);
    knownKeys(fn, 'option', o, keys);
  }
  switch (op) {
    case 'leakyRelu': {
      const s = o?.negativeSlope ?? 0.01;
      finite(fn, 'negativeSlope', s);
      return [s, 0];
    }
    case 'elu': {
      const a = o?.alpha ?? 1;
      finite(fn, 'alpha', a);
      return [a, 0];
    }
    case 'softplus': {
      const b = o?.beta ?? 1;
      const t = o?.threshold ?? 20;
      finite(fn, 'beta', b);
      finite(fn, 'threshold', t);
      if (b === 0) throw new RangeError(`${fn}: beta must be non-zero, got 0`);
      return [b, t];
    }
    default:
      return [0, 0];
  }
}

export function unaryOps(pick: Pick) {
  return {
    /** out = op(x). Pass `out === x` to work in place; returns `out` (a new array if omitted). */
    unary(op: UnaryOp, x: Float32Array, out?: Float32Array, options?: UnaryOptions): Float32Array {
      const fn = `unary(${String(op)})`;
      oneOf(fn, 'op', op, UNARY_OPS);
      f32(fn, 'x', x);
      const o = out ?? new Float32Array(x.length);
      f32(fn, 'out', o);
      lengthIs(fn, 'out', o, x.length, 'the length of x');
      noOverlap(fn, 'out', o, 'x', x, true);
      const [a, b] = params(fn, op, options);
      pick(work(op, x.length)).unary(op, o, x, a, b);
      return o;
    },

    /** dx = dy · op'(x), from the op's input x. `dx === dy` works in place; returns dx. */
    unaryBackward(
      op: UnaryOp,
      x: Float32Array,
      dy: Float32Array,
      dx?: Float32Array,
      options?: UnaryOptions,
    ): Float32Array {
      const fn = `unaryBackward(${String(op)})`;
      oneOf(fn, 'op', op, UNARY_OPS);
      f32(fn, 'x', x);
      f32(fn, 'dy', dy);
      lengthIs(fn, 'dy', dy, x.length, 'the length of x');
      const d = dx ?? new Float32Array(x.length);
      f32(fn, 'dx', d);
      lengthIs(fn, 'dx', d, x.length, 'the length of x');
      noOverlap(fn, 'dx', d, 'x', x, false);
      noOverlap(fn, 'dx', d, 'dy', dy, true);
      const [a, b] = params(fn, op, options);
      pick(work(op, x.length)).unaryBackward(op, d, x, dy, a, b);
      return d;
    },
  };
}
