/**
 * Bad-input catalogue: every public function of the `Ops` object, the `Rng` class and the raw
 * native binding, called with wrong types, wrong lengths, detached and shared memory,
 * overlapping views and out-of-range numbers and options.
 *
 * Each table row is one (function, bad argument) case. Rows are generated from a spec per
 * function (its valid arguments, its typed-array slots, the slot pairs that must not overlap)
 * plus hand-written cases for scalars and options. Every row asserts: the error class, a
 * message that starts with the function's name and names the argument, that no typed array
 * passed in changed (byte for byte), and that a valid call made afterwards still works.
 *
 * A row whose `known` field is set documents a defect in src that this suite found; it runs
 * as `it.fails` (it asserts the correct behaviour, which does not hold yet). When the defect
 * is fixed the row starts failing: delete its `known` field then.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdamStepOptions, OPTIM_KINDS, type SgdStepOptions } from '../src/backend/kernels.js';
import { loadNative, type NativeBinding } from '../src/backend/native.js';
import { adamHyper, sgdHyper } from '../src/backend/optim-steps.js';
import {
  type BackendName,
  backend,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { UNARY_OPS } from '../src/ops/unary.js';
import { Rng } from '../src/random.js';

// ---------------------------------------------------------------------------------------------
// Defects found by this suite (rows marked with them run as `it.fails`).

// ---------------------------------------------------------------------------------------------
// Data and memory helpers

type TA = Float32Array | Int32Array | Uint32Array;
type TACtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TA;
type ErrorClass = TypeErrorConstructor | RangeErrorConstructor | ErrorConstructor;
type Fn = (...args: unknown[]) => unknown;
/** Where a typed array sits in an argument list: an index, or an index and an option key. */
type Path = readonly [number] | readonly [number, string];

const N = 5;

function f32(n = N, seed = 1): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (((i * 7 + seed * 3) % 11) - 5) / 4;
  return v;
}

const seed4 = () => new Uint32Array([0x9e3779b9, 0x243f6a88, 0xb7e15162, 1]);

function ctorOf(v: TA): TACtor {
  return v.constructor as unknown as TACtor;
}

function viewOf(ctor: TACtor, buf: ArrayBufferLike, byteOffset: number, length: number): TA {
  return new ctor(buf, byteOffset, length);
}

/** Detaches the view's buffer (as a transfer to a worker would) and returns the dead view. */
function detach<T extends TA>(v: T): T {
  structuredClone(v.buffer, { transfer: [v.buffer as ArrayBuffer] });
  return v;
}

/** A copy of `v` in SharedArrayBuffer-backed memory. */
function shared(v: TA): TA {
  const w = viewOf(ctorOf(v), new SharedArrayBuffer(v.byteLength), 0, v.length);
  w.set(v);
  return w;
}

/** A copy of `v` with length n (extra elements are zero). */
function resized(v: TA, n: number): TA {
  const w = viewOf(ctorOf(v), new ArrayBuffer(n * v.BYTES_PER_ELEMENT), 0, n);
  w.set(v.subarray(0, Math.min(n, v.length)));
  return w;
}

function isDetached(v: ArrayBufferView): boolean {
  if (v.buffer.byteLength > 0) return false;
  try {
    new Uint8Array(v.buffer as ArrayBuffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}

function at(args: unknown[], p: Path): unknown {
  const v = args[p[0]];
  return p.length === 1 ? v : (v as Record<string, unknown>)[p[1]];
}

function put(args: unknown[], p: Path, value: unknown): void {
  if (p.length === 1) args[p[0]] = value;
  else args[p[0]] = { ...(args[p[0]] as object), [p[1]]: value };
}

/**
 * Replaces the arrays at `wp` (written) and `rp` (read) with views of one buffer: `r` at byte
 * 0, `w` at byte `shift`. shift = 4 gives a partial overlap; shift = 0 with equal byte lengths
 * the same memory (the very same view object when the element types match). `w` is filled
 * first and `r` last, so the read argument keeps its valid contents (labels, RNG state).
 */
function overlap(args: unknown[], wp: Path, rp: Path, shift: number): void {
  const W = at(args, wp) as TA;
  const R = at(args, rp) as TA;
  const buf = new ArrayBuffer(Math.max(shift + W.byteLength, R.byteLength));
  if (shift === 0 && ctorOf(W) === ctorOf(R) && W.length === R.length) {
    const v = viewOf(ctorOf(R), buf, 0, R.length);
    v.set(R);
    put(args, wp, v);
    put(args, rp, v);
    return;
  }
  const w = viewOf(ctorOf(W), buf, shift, W.length);
  w.set(W);
  const r = viewOf(ctorOf(R), buf, 0, R.length);
  r.set(R);
  put(args, wp, w);
  put(args, rp, r);
}

/** Every typed array (or plain array) among the arguments, one level into option objects. */
function buffersIn(values: unknown[]): unknown[] {
  const found: unknown[] = [];
  for (const v of values) {
    if (ArrayBuffer.isView(v) || Array.isArray(v)) found.push(v);
    else if (v !== null && typeof v === 'object')
      for (const w of Object.values(v))
        if (ArrayBuffer.isView(w) || Array.isArray(w)) found.push(w);
  }
  return found;
}

/** Byte snapshots of everything that can be snapshotted (detached views are skipped). */
function snapshot(values: unknown[]): Array<[unknown, Buffer | number[]]> {
  const snaps: Array<[unknown, Buffer | number[]]> = [];
  for (const v of buffersIn(values)) {
    if (Array.isArray(v)) snaps.push([v, [...v]]);
    else if (!isDetached(v as ArrayBufferView)) snaps.push([v, bytesOf(v as ArrayBufferView)]);
  }
  return snaps;
}

function expectUnchanged(snaps: Array<[unknown, Buffer | number[]]>, what: string): void {
  for (const [v, before] of snaps) {
    if (Array.isArray(v)) expect(v, `${what}: plain array modified`).toEqual(before);
    else {
      const same = bytesOf(v as ArrayBufferView).equals(before as Buffer);
      expect(same, `${what}: a ${(v as TA).constructor.name} argument was modified`).toBe(true);
    }
  }
}

/** Matches `name` as a whole word (not inside another identifier). */
function word(name: string): RegExp {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_])${esc}([^A-Za-z0-9_]|$)`);
}

/** A value as it appears in a test title (strings quoted, so "2" is not 2). */
function fmt(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The table

interface Slot {
  name: string;
  path: Path;
  /** Omittable (null/undefined mean "allocate"), so those two are not wrong types here. */
  optional?: boolean;
  /** Which argument a wrong length of this one is reported on; null: no length constraint. */
  blame?: string | null;
}

interface Pair {
  /** The written argument and one it must not overlap. */
  w: string;
  r: string;
  /** The very same view is the documented in-place form. */
  same: boolean;
}

interface Case {
  what: string;
  edit: (args: unknown[]) => void;
  error: ErrorClass;
  /** Regexps or words the message must contain (besides the function's name). */
  mentions: Array<string | RegExp>;
  /** The name the message starts with, when it is not the spec's label (e.g. `unary(bogus)`). */
  label?: string;
  known?: string;
}

interface Spec {
  key: string;
  /** The function name messages start with. */
  label: string;
  valid: () => unknown[];
  slots: Slot[];
  pairs?: Pair[];
  cases?: Case[];
}

interface Row {
  key: string;
  what: string;
  label: string;
  args: () => unknown[];
  valid: () => unknown[];
  error: ErrorClass;
  mentions: Array<string | RegExp>;
  known?: string;
}

function bad(
  what: string,
  edit: (a: unknown[]) => void,
  error: ErrorClass,
  mentions: Array<string | RegExp>,
  extra: Partial<Pick<Case, 'label' | 'known'>> = {},
): Case {
  return { what, edit, error, mentions, ...extra };
}

/** Non-finite / wrong-type numbers: TypeError naming the parameter. */
function nonFinite(name: string, set: (a: unknown[], v: unknown) => void): Case[] {
  // A number that is not finite is the right type with a bad value: RangeError.
  return [Number.NaN, Number.POSITIVE_INFINITY, '1', undefined].map((v) =>
    bad(`${name} = ${fmt(v)}`, (a) => set(a, v), typeof v === 'number' ? RangeError : TypeError, [
      word(name),
    ]),
  );
}

/** rows/cols/m/n/k: negative → RangeError; fractional, NaN, Infinity, string → TypeError. */
function counts(name: string, set: (a: unknown[], v: unknown) => void): Case[] {
  return [
    bad(`${name} = -1`, (a) => set(a, -1), RangeError, [word(name)]),
    ...[1.5, Number.NaN, Number.POSITIVE_INFINITY, '2'].map((v) =>
      bad(`${name} = ${fmt(v)}`, (a) => set(a, v), TypeError, [word(name)]),
    ),
  ];
}

const argAt = (i: number) => (a: unknown[], v: unknown) => {
  a[i] = v;
};
const optAt = (i: number, key: string) => (a: unknown[], v: unknown) => put(a, [i, key], v);
/** Renames option `from` to `to` in the options object at index i. */
const renameOpt = (i: number, from: string, to: string) => (a: unknown[]) => {
  const o = { ...(a[i] as Record<string, unknown>) };
  o[to] = o[from];
  delete o[from];
  a[i] = o;
};

/** Options of the named unary ops (index i of the argument list). */
function unaryOptionCases(op: string, i: number): Case[] {
  const set = (v: unknown) => (a: unknown[]) => {
    a[i] = v;
  };
  const cases: Case[] = [
    bad('options = "fast"', set('fast'), TypeError, [word('options')]),
    bad('unknown option bogus', set({ bogus: 1 }), TypeError, [/unknown option "bogus"/]),
  ];
  if (op === 'leakyRelu') {
    cases.push(
      bad('option negative_slope', set({ negative_slope: 0.1 }), TypeError, [
        /did you mean "negativeSlope"/,
      ]),
      bad('negativeSlope = NaN', set({ negativeSlope: Number.NaN }), RangeError, [
        word('negativeSlope'),
      ]),
    );
  } else if (op === 'elu') {
    cases.push(
      bad('option Alpha', set({ Alpha: 1 }), TypeError, [/did you mean "alpha"/]),
      bad('alpha = Infinity', set({ alpha: Number.POSITIVE_INFINITY }), RangeError, [
        word('alpha'),
      ]),
    );
  } else if (op === 'softplus') {
    cases.push(
      bad('beta = 0', set({ beta: 0 }), RangeError, [word('beta')]),
      bad('beta = NaN', set({ beta: Number.NaN }), RangeError, [word('beta')]),
      bad('threshold = -Infinity', set({ threshold: -Infinity }), RangeError, [word('threshold')]),
      bad('option treshold', set({ treshold: 20 }), TypeError, [/did you mean "threshold"/]),
    );
  } else {
    // Ops without parameters refuse the parameterised ops' options.
    cases.push(bad('option alpha (takes none)', set({ alpha: 1 }), TypeError, [/"alpha"/]));
  }
  return cases;
}

function opNameCases(kind: 'unary' | 'unaryBackward' | 'binary' | 'binaryScalar'): Case[] {
  const valid = kind.startsWith('unary') ? 'gelu' : 'add';
  const choices = kind.startsWith('unary') ? /gelu, geluTanh/ : /add, sub, mul, div, max, min/;
  const rows: Array<[unknown, RegExp[]]> = [
    ['bogus', []],
    [valid === 'gelu' ? 'Gelu' : 'Add', [new RegExp(`did you mean "${valid}"`)]],
    [undefined, []],
    [3, []],
  ];
  return rows.map(([v, extra]) =>
    bad(
      `op = ${JSON.stringify(v) ?? String(v)}`,
      (a) => {
        a[0] = v;
      },
      TypeError,
      [word('op'), choices, ...extra],
      { label: `${kind}(${String(v)})` },
    ),
  );
}

function namedUnarySpecs(): Spec[] {
  const specs: Spec[] = [];
  for (const op of UNARY_OPS) {
    specs.push({
      key: op,
      label: `unary(${op})`,
      valid: () => [f32(N, 1), new Float32Array(N)],
      slots: [
        { name: 'x', path: [0], blame: 'out' },
        { name: 'out', path: [1], optional: true },
      ],
      pairs: [{ w: 'out', r: 'x', same: true }],
      cases: unaryOptionCases(op, 2),
    });
    specs.push({
      key: `${op}Backward`,
      label: `unaryBackward(${op})`,
      valid: () => [f32(N, 1), f32(N, 2), new Float32Array(N)],
      slots: [
        { name: 'x', path: [0], blame: 'dy' },
        { name: 'dy', path: [1] },
        { name: 'dx', path: [2], optional: true },
      ],
      pairs: [
        { w: 'dx', r: 'x', same: false },
        { w: 'dx', r: 'dy', same: true },
      ],
      cases: unaryOptionCases(op, 3),
    });
  }
  return specs;
}

function binarySpecs(): Spec[] {
  const named: Array<[string, string]> = [
    ['add', 'add'],
    ['sub', 'sub'],
    ['mul', 'mul'],
    ['div', 'div'],
    ['maximum', 'max'],
    ['minimum', 'min'],
  ];
  const slots = (o: number): Slot[] => [
    { name: 'a', path: [o], blame: 'b' },
    { name: 'b', path: [o + 1] },
    { name: 'out', path: [o + 2], optional: true },
  ];
  const pairs: Pair[] = [
    { w: 'out', r: 'a', same: true },
    { w: 'out', r: 'b', same: true },
  ];
  return [
    ...named.map(
      ([key]): Spec => ({
        key,
        label: key,
        valid: () => [f32(N, 1), f32(N, 2), new Float32Array(N)],
        slots: slots(0),
        pairs,
      }),
    ),
    {
      key: 'binary',
      label: 'binary(add)',
      valid: () => ['add', f32(N, 1), f32(N, 2), new Float32Array(N)],
      slots: slots(1),
      pairs,
      cases: opNameCases('binary'),
    },
    {
      key: 'binaryScalar',
      label: 'binaryScalar(add)',
      valid: () => ['add', f32(N, 1), 2, new Float32Array(N)],
      slots: [
        { name: 'x', path: [1], blame: 'out' },
        { name: 'out', path: [3], optional: true },
      ],
      pairs: [{ w: 'out', r: 'x', same: true }],
      cases: [
        ...opNameCases('binaryScalar'),
        bad('s = "1"', (a) => argAt(2)(a, '1'), TypeError, [word('s')]),
        bad('s = undefined', (a) => argAt(2)(a, undefined), TypeError, [word('s')]),
      ],
    },
  ];
}

const SGD = () => ({
  lr: 0.1,
  momentum: 0.9,
  dampening: 0,
  weightDecay: 0.01,
  nesterov: false,
  maximize: false,
  firstStep: false,
});

const ADAM = () => ({
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.01,
  decoupled: true,
  amsgrad: true,
  maximize: false,
  step: 3,
});

function allPairs(names: string[]): Pair[] {
  const pairs: Pair[] = [];
  for (let i = 0; i < names.length; i++)
    for (let j = 0; j < i; j++) pairs.push({ w: names[i], r: names[j], same: false });
  return pairs;
}

const SPECS: Spec[] = [
  // ---- unary, generic and named
  {
    key: 'unary',
    label: 'unary(gelu)',
    valid: () => ['gelu', f32(N, 1), new Float32Array(N)],
    slots: [
      { name: 'x', path: [1], blame: 'out' },
      { name: 'out', path: [2], optional: true },
    ],
    pairs: [{ w: 'out', r: 'x', same: true }],
    cases: [...opNameCases('unary'), ...unaryOptionCases('gelu', 3)],
  },
  {
    key: 'unaryBackward',
    label: 'unaryBackward(gelu)',
    valid: () => ['gelu', f32(N, 1), f32(N, 2), new Float32Array(N)],
    slots: [
      { name: 'x', path: [1], blame: 'dy' },
      { name: 'dy', path: [2] },
      { name: 'dx', path: [3], optional: true },
    ],
    pairs: [
      { w: 'dx', r: 'x', same: false },
      { w: 'dx', r: 'dy', same: true },
    ],
    cases: [...opNameCases('unaryBackward'), ...unaryOptionCases('gelu', 4)],
  },
  ...namedUnarySpecs(),

  // ---- binary, scalar, axpy, scale, fill, copy
  ...binarySpecs(),
  {
    key: 'axpy',
    label: 'axpy',
    valid: () => [0.5, f32(N, 1), f32(N, 2)],
    slots: [
      { name: 'x', path: [1], blame: 'y' },
      { name: 'y', path: [2] },
    ],
    pairs: [{ w: 'y', r: 'x', same: false }],
    cases: nonFinite('alpha', argAt(0)),
  },
  {
    key: 'scale',
    label: 'scale',
    valid: () => [f32(N, 1), 2, new Float32Array(N)],
    slots: [
      { name: 'x', path: [0], blame: 'out' },
      { name: 'out', path: [2], optional: true },
    ],
    pairs: [{ w: 'out', r: 'x', same: true }],
    cases: nonFinite('alpha', argAt(1)),
  },
  {
    key: 'fill',
    label: 'fill',
    valid: () => [f32(N, 1), 1],
    slots: [{ name: 'out', path: [0], blame: null }],
    cases: [
      bad('value = "1"', (a) => argAt(1)(a, '1'), TypeError, [word('value')]),
      bad('value = undefined', (a) => argAt(1)(a, undefined), TypeError, [word('value')]),
    ],
  },
  {
    key: 'copy',
    label: 'copy',
    valid: () => [f32(N, 1), new Float32Array(N)],
    slots: [
      { name: 'src', path: [0], blame: 'dst' },
      { name: 'dst', path: [1] },
    ],
    pairs: [{ w: 'dst', r: 'src', same: true }],
  },

  // ---- reductions
  ...['sum', 'mean', 'sumSquares', 'norm', 'max', 'sumAbs', 'maxAbs'].map(
    (key): Spec => ({
      key,
      label: key,
      valid: () => [f32(N, 1)],
      slots: [{ name: 'x', path: [0], blame: null }],
    }),
  ),
  {
    key: 'dot',
    label: 'dot',
    valid: () => [f32(N, 1), f32(N, 2)],
    slots: [
      { name: 'a', path: [0], blame: 'b' },
      { name: 'b', path: [1] },
    ],
  },
  {
    key: 'lerp',
    label: 'lerp',
    valid: () => [f32(N, 1), f32(N, 2), 0.25],
    slots: [
      { name: 'a', path: [0], blame: 'b' },
      { name: 'b', path: [1] },
    ],
    pairs: [{ w: 'a', r: 'b', same: false }],
    cases: nonFinite('w', argAt(2)),
  },
  {
    key: 'clamp',
    label: 'clamp',
    valid: () => [f32(N, 1), -0.5, 0.5, new Float32Array(N)],
    slots: [
      { name: 'x', path: [0] },
      { name: 'out', path: [3], optional: true },
    ],
    pairs: [{ w: 'out', r: 'x', same: true }],
    cases: [
      bad('lo > hi', (a) => argAt(1)(a, 1), RangeError, [word('lo')]),
      bad('lo = NaN', (a) => argAt(1)(a, Number.NaN), RangeError, [word('lo')]),
      bad('hi = "1"', (a) => argAt(2)(a, '1'), TypeError, [word('hi')]),
    ],
  },
  {
    key: 'argmaxRows',
    label: 'argmaxRows',
    valid: () => [f32(6, 1), 2, 3, new Int32Array(2)],
    slots: [
      { name: 'x', path: [0] },
      { name: 'out', path: [3], optional: true },
    ],
    pairs: [{ w: 'out', r: 'x', same: false }],
    cases: [
      ...counts('rows', argAt(1)),
      ...counts('cols', argAt(2)),
      bad('rows × cols ≠ length of x', (a) => argAt(1)(a, 3), RangeError, [
        word('x'),
        /rows × cols/,
      ]),
      bad(
        'cols = 0 with rows > 0',
        (a) => {
          a[0] = new Float32Array(0);
          a[2] = 0;
        },
        RangeError,
        [word('cols')],
      ),
    ],
  },
  {
    key: 'colSums',
    label: 'colSums',
    valid: () => [f32(6, 1), 2, 3, new Float32Array(3), true],
    slots: [
      { name: 'x', path: [0] },
      { name: 'out', path: [3], optional: true },
    ],
    pairs: [{ w: 'out', r: 'x', same: false }],
    cases: [
      ...counts('rows', argAt(1)),
      ...counts('cols', argAt(2)),
      bad('rows × cols ≠ length of x', (a) => argAt(2)(a, 2), RangeError, [
        word('x'),
        /rows × cols/,
      ]),
      bad('accumulate = 1', (a) => argAt(4)(a, 1), TypeError, [word('accumulate')]),
      bad('accumulate = "yes"', (a) => argAt(4)(a, 'yes'), TypeError, [word('accumulate')]),
    ],
  },

  // ---- softmax family, GEMM, cross-entropy
  ...['softmax', 'logSoftmax'].map(
    (key): Spec => ({
      key,
      label: key,
      valid: () => [f32(6, 1), 2, 3, new Float32Array(6)],
      slots: [
        { name: 'x', path: [0] },
        { name: 'out', path: [3], optional: true },
      ],
      pairs: [{ w: 'out', r: 'x', same: true }],
      cases: [
        ...counts('rows', argAt(1)),
        ...counts('cols', argAt(2)),
        bad('rows × cols ≠ length of x', (a) => argAt(1)(a, 3), RangeError, [
          word('x'),
          /rows × cols = 3 × 3/,
        ]),
      ],
    }),
  ),
  ...['softmaxBackward', 'logSoftmaxBackward'].map(
    (key): Spec => ({
      key,
      label: key,
      valid: () => [f32(6, 1), f32(6, 2), 2, 3, new Float32Array(6)],
      slots: [
        { name: 'y', path: [0], blame: 'y' },
        { name: 'dy', path: [1] },
        { name: 'dx', path: [4], optional: true },
      ],
      pairs: [
        { w: 'dx', r: 'y', same: false },
        { w: 'dx', r: 'dy', same: true },
      ],
      cases: [
        ...counts('rows', argAt(2)),
        ...counts('cols', argAt(3)),
        bad('rows × cols ≠ length of y', (a) => argAt(3)(a, 2), RangeError, [
          word('y'),
          /rows × cols/,
        ]),
      ],
    }),
  ),
  {
    key: 'gemm',
    label: 'gemm',
    // m = n = k so that c can be the very same view as a or b.
    valid: () => [f32(4, 1), f32(4, 2), f32(4, 3), { m: 2, n: 2, k: 2, alpha: 1, beta: 0.5 }],
    slots: [
      { name: 'a', path: [0] },
      { name: 'b', path: [1] },
      { name: 'c', path: [2] },
    ],
    pairs: [
      { w: 'c', r: 'a', same: false },
      { w: 'c', r: 'b', same: false },
    ],
    cases: [
      ...[null, undefined, 3].map((v) =>
        bad(`options = ${String(v)}`, (a) => argAt(3)(a, v), TypeError, [word('options')]),
      ),
      bad('option transa', (a) => put(a, [3, 'transa'], true), TypeError, [
        /unknown option "transa"/,
        /did you mean "transA"/,
      ]),
      bad('option trans_b', (a) => put(a, [3, 'trans_b'], true), TypeError, [
        /did you mean "transB"/,
      ]),
      bad('option M', renameOpt(3, 'm', 'M'), TypeError, [/did you mean "m"/]),
      ...counts('m', optAt(3, 'm')),
      ...counts('n', optAt(3, 'n')),
      ...counts('k', optAt(3, 'k')),
      bad('transA = 1', (a) => put(a, [3, 'transA'], 1), TypeError, [word('transA')]),
      bad('transB = "yes"', (a) => put(a, [3, 'transB'], 'yes'), TypeError, [word('transB')]),
      ...nonFinite('alpha', optAt(3, 'alpha')).filter((c) => c.what !== 'alpha = undefined'),
      ...nonFinite('beta', optAt(3, 'beta')).filter((c) => c.what !== 'beta = undefined'),
      ...(
        [
          ['a', 6, /m × k = 2 × 4/],
          ['b', 8, /k × n = 4 × 3/],
          ['c', 4, /m × n = 2 × 3/],
        ] as const
      ).map(([name, len, re]) =>
        bad(
          `2×4 · 4×3 with ${name} of length ${len}`,
          (a) => {
            a[0] = f32(8);
            a[1] = f32(12);
            a[2] = f32(6);
            a[3] = { m: 2, n: 3, k: 4 };
            a[{ a: 0, b: 1, c: 2 }[name]] = f32(len);
          },
          RangeError,
          [word(name), re],
        ),
      ),
      bad(
        'transA: A stored k×m, length m·k + 1',
        (a) => {
          a[0] = f32(9);
          a[1] = f32(12);
          a[2] = f32(6);
          a[3] = { m: 2, n: 3, k: 4, transA: true };
        },
        RangeError,
        [word('a'), /k × m = 4 × 2/],
      ),
      bad(
        'm·k overflows 2^53 (2^32 × 2^32), empty arrays',
        (a) => {
          a[0] = new Float32Array(0);
          a[1] = new Float32Array(0);
          a[2] = new Float32Array(0);
          a[3] = { m: 2 ** 32, n: 2 ** 32, k: 2 ** 32 };
        },
        RangeError,
        [word('a')],
      ),
    ],
  },
  {
    key: 'softmaxCrossEntropy',
    label: 'softmaxCrossEntropy',
    valid: () => [f32(6, 1), new Int32Array([0, 2]), 2, 3, { grad: new Float32Array(6) }],
    slots: [
      { name: 'logits', path: [0] },
      { name: 'labels', path: [1] },
      { name: 'grad', path: [4, 'grad'], optional: true },
    ],
    pairs: [
      { w: 'grad', r: 'logits', same: false },
      { w: 'grad', r: 'labels', same: false },
    ],
    cases: [
      ...counts('rows', argAt(2)),
      ...counts('cols', argAt(3)),
      bad('labels[1] = cols', (a) => ((a[1] as Int32Array)[1] = 3), RangeError, [
        /labels\[1\] = 3/,
        /\[0, 3\)/,
      ]),
      bad('labels[0] = -1', (a) => ((a[1] as Int32Array)[0] = -1), RangeError, [
        /labels\[0\] = -1/,
      ]),
      bad(
        'cols = 0',
        (a) => {
          a[0] = new Float32Array(0);
          a[3] = 0;
        },
        RangeError,
        [word('cols')],
      ),
      bad('rows × cols ≠ length of logits', (a) => argAt(3)(a, 2), RangeError, [
        word('logits'),
        /rows × cols/,
      ]),
      bad('reduction = "avg"', (a) => put(a, [4, 'reduction'], 'avg'), TypeError, [
        word('reduction'),
        /mean, sum/,
      ]),
      bad('option gard', renameOpt(4, 'grad', 'gard'), TypeError, [/did you mean "grad"/]),
      bad('option reductions', (a) => put(a, [4, 'reductions'], 'sum'), TypeError, [
        /did you mean "reduction"/,
      ]),
      bad('options = null', (a) => argAt(4)(a, null), TypeError, [word('options')], {}),
      bad('options = 3', (a) => argAt(4)(a, 3), TypeError, [word('options')], {}),
    ],
  },

  // ---- random fills
  ...(
    [
      ['rngUniform', [0, 1]],
      ['rngNormal', [0, 1]],
      ['rngDropoutMask', [0.5]],
    ] as const
  ).map(
    ([key, params]): Spec => ({
      key,
      label: key,
      // out has the state's byte length, so "same memory" rows are generated too.
      valid: () => [seed4(), new Float32Array(4), ...params],
      slots: [
        { name: 'state', path: [0] },
        { name: 'out', path: [1], blame: null },
      ],
      cases: [
        bad('all-zero state', (a) => argAt(0)(a, new Uint32Array(4)), RangeError, [
          word('state'),
          /all zeros/,
        ]),
        ...(key === 'rngUniform'
          ? [
              ...nonFinite('lo', argAt(2)).filter((c) => c.what !== 'lo = undefined'),
              ...nonFinite('hi', argAt(3)).filter((c) => c.what !== 'hi = undefined'),
              bad('hi < lo', (a) => argAt(3)(a, -1), RangeError, [word('hi'), word('lo')]),
            ]
          : key === 'rngNormal'
            ? [
                ...nonFinite('mean', argAt(2)).filter((c) => c.what !== 'mean = undefined'),
                ...nonFinite('std', argAt(3)).filter((c) => c.what !== 'std = undefined'),
                bad('std = -1', (a) => argAt(3)(a, -1), RangeError, [word('std')]),
              ]
            : [
                ...nonFinite('p', argAt(2)),
                bad('p = -0.1', (a) => argAt(2)(a, -0.1), RangeError, [word('p'), /\[0, 1\]/]),
                bad('p = 1.5', (a) => argAt(2)(a, 1.5), RangeError, [word('p'), /\[0, 1\]/]),
              ]),
        bad('out partially overlaps state', (a) => overlap(a, [1], [0], 4), RangeError, [
          word('out'),
          word('state'),
          /overlaps/,
        ]),
        bad('out is the same memory as state', (a) => overlap(a, [1], [0], 0), RangeError, [
          word('out'),
          word('state'),
          /overlaps/,
        ]),
      ],
    }),
  ),

  // ---- optimizers
  {
    key: 'sgdStep',
    label: 'sgdStep',
    valid: () => [f32(N, 1), f32(N, 2), f32(N, 3), SGD()],
    slots: [
      { name: 'params', path: [0], blame: 'grads' },
      { name: 'grads', path: [1] },
      { name: 'momentumBuf', path: [2] },
    ],
    pairs: allPairs(['params', 'grads', 'momentumBuf']),
    cases: [
      ...nonFinite('lr', optAt(3, 'lr')),
      bad('lr = -0.1', (a) => put(a, [3, 'lr'], -0.1), RangeError, [word('lr')]),
      bad('momentum = -0.5', (a) => put(a, [3, 'momentum'], -0.5), RangeError, [word('momentum')]),
      ...nonFinite('momentum', optAt(3, 'momentum')),
      ...nonFinite('dampening', optAt(3, 'dampening')),
      bad('weightDecay = -1', (a) => put(a, [3, 'weightDecay'], -1), RangeError, [
        word('weightDecay'),
      ]),
      ...nonFinite('weightDecay', optAt(3, 'weightDecay')),
      bad(
        'nesterov with dampening',
        (a) => {
          put(a, [3, 'nesterov'], true);
          put(a, [3, 'dampening'], 0.1);
        },
        RangeError,
        [word('nesterov'), word('dampening')],
      ),
      bad(
        'nesterov without momentum',
        (a) => {
          put(a, [3, 'nesterov'], true);
          put(a, [3, 'momentum'], 0);
        },
        RangeError,
        [word('nesterov'), word('momentum')],
      ),
      bad('nesterov = "yes"', (a) => put(a, [3, 'nesterov'], 'yes'), TypeError, [word('nesterov')]),
      bad('maximize = 0', (a) => put(a, [3, 'maximize'], 0), TypeError, [word('maximize')]),
      bad('firstStep missing', (a) => put(a, [3, 'firstStep'], undefined), TypeError, [
        word('firstStep'),
      ]),
      bad('option weight_decay', renameOpt(3, 'weightDecay', 'weight_decay'), TypeError, [
        /unknown option "weight_decay"/,
        /did you mean "weightDecay"/,
      ]),
      bad('option first_step', renameOpt(3, 'firstStep', 'first_step'), TypeError, [
        /did you mean "firstStep"/,
      ]),
      bad('option nesterof', renameOpt(3, 'nesterov', 'nesterof'), TypeError, [
        /did you mean "nesterov"/,
      ]),
      bad('options = null', (a) => argAt(3)(a, null), TypeError, [word('options')], {}),
      bad('options = undefined', (a) => argAt(3)(a, undefined), TypeError, [word('options')], {}),
    ],
  },
  {
    key: 'adamStep',
    label: 'adamStep',
    valid: () => [
      f32(N, 1),
      f32(N, 2),
      f32(N, 3),
      f32(N, 4).map(Math.abs),
      f32(N, 5).map(Math.abs),
      ADAM(),
    ],
    slots: [
      { name: 'params', path: [0], blame: 'grads' },
      { name: 'grads', path: [1] },
      { name: 'expAvg', path: [2] },
      { name: 'expAvgSq', path: [3] },
      { name: 'maxExpAvgSq', path: [4] },
    ],
    pairs: allPairs(['params', 'grads', 'expAvg', 'expAvgSq', 'maxExpAvgSq']),
    cases: [
      ...nonFinite('lr', optAt(5, 'lr')),
      bad('lr = -1e-3', (a) => put(a, [5, 'lr'], -1e-3), RangeError, [word('lr')]),
      ...[1, 1.5, -0.1].flatMap((v) =>
        ['beta1', 'beta2'].map((b) =>
          bad(`${b} = ${v}`, (a) => put(a, [5, b], v), RangeError, [word(b), /\[0, 1\)/]),
        ),
      ),
      ...nonFinite('beta1', optAt(5, 'beta1')),
      ...nonFinite('beta2', optAt(5, 'beta2')),
      bad('eps = 0', (a) => put(a, [5, 'eps'], 0), RangeError, [word('eps')]),
      bad('eps = -1e-8', (a) => put(a, [5, 'eps'], -1e-8), RangeError, [word('eps')]),
      ...nonFinite('eps', optAt(5, 'eps')),
      bad('weightDecay = -0.01', (a) => put(a, [5, 'weightDecay'], -0.01), RangeError, [
        word('weightDecay'),
      ]),
      bad('step = 0', (a) => put(a, [5, 'step'], 0), RangeError, [word('step')]),
      bad('step = -1', (a) => put(a, [5, 'step'], -1), RangeError, [word('step')]),
      bad('step = 1.5', (a) => put(a, [5, 'step'], 1.5), TypeError, [word('step')]),
      ...nonFinite('step', optAt(5, 'step')),
      bad('amsgrad = 1', (a) => put(a, [5, 'amsgrad'], 1), TypeError, [word('amsgrad')]),
      bad('decoupled = "no"', (a) => put(a, [5, 'decoupled'], 'no'), TypeError, [
        word('decoupled'),
      ]),
      bad('maximize missing', (a) => put(a, [5, 'maximize'], undefined), TypeError, [
        word('maximize'),
      ]),
      bad('option weight_decay', renameOpt(5, 'weightDecay', 'weight_decay'), TypeError, [
        /unknown option "weight_decay"/,
        /did you mean "weightDecay"/,
      ]),
      bad('option beta_1', renameOpt(5, 'beta1', 'beta_1'), TypeError, [/did you mean "beta1"/]),
      bad('option amsGrad', renameOpt(5, 'amsgrad', 'amsGrad'), TypeError, [
        /did you mean "amsgrad"/,
      ]),
      bad('option betas (PyTorch tuple)', (a) => put(a, [5, 'betas'], [0.9, 0.999]), TypeError, [
        /unknown option "betas"/,
      ]),
      bad('options = null', (a) => argAt(5)(a, null), TypeError, [word('options')], {}),
      bad('options = undefined', (a) => argAt(5)(a, undefined), TypeError, [word('options')], {}),
    ],
  },
];

/** Backend members that take no arguments (so have no bad-input rows). */
const NO_ARGUMENTS = ['info'];
/** Routing to the unchecked kernels for library internals: validation is their caller's job. */
const INTERNAL = ['kernelsFor'];

function rowsFor(spec: Spec): Row[] {
  const rows: Row[] = [];
  const slot = (name: string) => {
    const s = spec.slots.find((x) => x.name === name);
    if (!s) throw new Error(`${spec.key}: no slot ${name}`);
    return s;
  };
  const add = (c: Case) =>
    rows.push({
      key: spec.key,
      what: c.what,
      label: c.label ?? spec.label,
      args: () => {
        const a = spec.valid();
        c.edit(a);
        return a;
      },
      valid: spec.valid,
      error: c.error,
      mentions: c.mentions,
      known: c.known,
    });

  for (const s of spec.slots) {
    const base = at(spec.valid(), s.path) as TA;
    const len = base.length;
    const isF32 = base instanceof Float32Array;
    const set = (v: () => unknown) => (a: unknown[]) => put(a, s.path, v());
    const wrong: Array<[string, () => unknown]> = [
      [`Float64Array(${len})`, () => new Float64Array(len)],
      [`Array(${len})`, () => Array.from(base)],
      ['number 42', () => 42],
      isF32
        ? [`Int32Array(${len})`, () => new Int32Array(len)]
        : [`Float32Array(${len})`, () => new Float32Array(len)],
    ];
    if (!s.optional) wrong.push(['null', () => null], ['undefined', () => undefined]);
    for (const [what, v] of wrong)
      add(bad(`${s.name} = ${what}`, set(v), TypeError, [word(s.name)]));
    add(
      bad(`${s.name} detached`, (a) => detach(at(a, s.path) as TA), TypeError, [
        word(s.name),
        /detached/,
      ]),
    );
    add(
      bad(
        `${s.name} on a SharedArrayBuffer`,
        (a) => put(a, s.path, shared(at(a, s.path) as TA)),
        TypeError,
        [word(s.name), /SharedArrayBuffer/],
      ),
    );
    if (s.blame !== null) {
      add(
        bad(
          `${s.name} length ${len + 1}`,
          (a) => put(a, s.path, resized(at(a, s.path) as TA, len + 1)),
          RangeError,
          [word(s.blame ?? s.name), /length/],
        ),
      );
    }
  }

  for (const p of spec.pairs ?? []) {
    const w = slot(p.w);
    const r = slot(p.r);
    add(
      bad(`${p.w} partially overlaps ${p.r}`, (a) => overlap(a, w.path, r.path, 4), RangeError, [
        word(p.w),
        word(p.r),
        /overlaps/,
      ]),
    );
    const v = spec.valid();
    if (!p.same && (at(v, w.path) as TA).byteLength === (at(v, r.path) as TA).byteLength) {
      add(
        bad(
          `${p.w} is the very same view as ${p.r}`,
          (a) => overlap(a, w.path, r.path, 0),
          RangeError,
          [word(p.w), word(p.r), /overlaps/],
        ),
      );
    }
  }

  for (const c of spec.cases ?? []) add(c);
  return rows;
}

const ROWS: Row[] = SPECS.flatMap(rowsFor);

/** Calls the row's function with its bad arguments and checks everything the header lists. */
function checkRow(ops: object, row: Row): void {
  const f = (ops as Record<string, Fn>)[row.key];
  const args = row.args();
  const snaps = snapshot(args);
  const err = thrown(() => f(...args));
  expect(err, `${row.key}: ${row.what} did not throw`).toBeInstanceOf(row.error);
  expect((err as Error).constructor, 'exact error class').toBe(row.error);
  const msg = (err as Error).message;
  expect(
    msg.startsWith(`${row.label}: `),
    `message should start with "${row.label}: ": ${msg}`,
  ).toBe(true);
  for (const m of row.mentions) {
    if (typeof m === 'string') expect(msg).toContain(m);
    else expect(msg).toMatch(m);
  }
  expectUnchanged(snaps, `${row.key}: ${row.what}`);
  expect(process.pid).toBeGreaterThan(0); // still alive
  const valid = row.valid();
  expect(() => f(...valid), `a valid ${row.key} call after the refused one`).not.toThrow();
}

// ---------------------------------------------------------------------------------------------

let prevMinNative = 0;
beforeAll(() => {
  prevMinNative = setMinNativeLength(0); // small calls really reach the native kernels
});
afterAll(() => {
  setMinNativeLength(prevMinNative);
});

describe('the table', () => {
  it('covers every function of the Ops object', () => {
    for (const name of ['js', 'native', 'wasm'] as const) {
      const b = backend(name) as unknown as Record<string, unknown>;
      const fns = Object.keys(b).filter((k) => typeof b[k] === 'function');
      const covered = new Set(SPECS.map((s) => s.key));
      const missing = fns.filter(
        (k) => !covered.has(k) && !NO_ARGUMENTS.includes(k) && !INTERNAL.includes(k),
      );
      expect(missing, `functions without bad-input rows on ${name}`).toEqual([]);
      const stale = [...covered].filter((k) => !fns.includes(k));
      expect(stale, `table rows for functions ${name} does not have`).toEqual([]);
      for (const k of NO_ARGUMENTS) expect((b[k] as Fn).length).toBe(0);
    }
  });

  it('has wrong-type, detached and SharedArrayBuffer rows for every typed-array argument', () => {
    for (const spec of SPECS) {
      const whats = new Set(ROWS.filter((r) => r.key === spec.key).map((r) => r.what));
      for (const s of spec.slots) {
        for (const w of ['Float64Array', 'Array', 'number 42', 'detached', 'SharedArrayBuffer'])
          expect(
            [...whats].some((x) => x.startsWith(`${s.name} `) && x.includes(w)),
            `${spec.key}: ${s.name} ${w}`,
          ).toBe(true);
      }
      expect(spec.valid).toBeTypeOf('function');
    }
  });

  it('valid arguments of every spec are accepted on both backends', () => {
    for (const name of ['js', 'native', 'wasm'] as const) {
      const b = backend(name) as unknown as Record<string, Fn>;
      for (const spec of SPECS) expect(() => b[spec.key](...spec.valid()), spec.key).not.toThrow();
    }
  });
});

describe.each(['js', 'native', 'wasm'] as const)(
  '%s backend: checked ops refuse bad input',
  (name) => {
    const ops = backend(name);
    for (const row of ROWS) {
      const title = `${row.key}: ${row.what}`;
      if (row.known)
        it.fails(`${title} [known src defect: ${row.known}]`, () => checkRow(ops, row));
      else it(title, () => checkRow(ops, row));
    }
  },
);

// ---------------------------------------------------------------------------------------------
// Rng: constructor, fromState and the drawing methods (which run on the active backend).

interface RngRow {
  what: string;
  call: (rng: Rng) => unknown;
  /** Arrays passed in, for the unchanged check (the generator's own state is always checked). */
  error: ErrorClass;
  label: RegExp;
  mentions: RegExp[];
  known?: string;
}

function rngRow(
  what: string,
  call: (rng: Rng) => unknown,
  error: ErrorClass,
  label: RegExp,
  mentions: RegExp[],
  known?: string,
): RngRow {
  return { what, call, error, label, mentions, known };
}

const CTOR = /^Rng: /;
const FROM = /^Rng\.fromState: /;
const method = (m: string) => new RegExp(`^(Rng\\.${m}|rng${m[0].toUpperCase()}${m.slice(1)}): `);

const RNG_ROWS: RngRow[] = [
  rngRow('new Rng(-1)', () => new Rng(-1), RangeError, CTOR, [word('seed')]),
  ...[1.5, Number.NaN, Number.POSITIVE_INFINITY, '7', null].map((s) =>
    rngRow(
      `new Rng(${JSON.stringify(s) ?? String(s)})`,
      () => new Rng(s as number),
      TypeError,
      CTOR,
      [word('seed')],
    ),
  ),
  rngRow('new Rng(2 ** 53)', () => new Rng(2 ** 53), RangeError, CTOR, [word('seed')]),
  rngRow('new Rng(2 ** 64)', () => new Rng(2 ** 64), RangeError, CTOR, [word('seed')]),
  rngRow(
    'Rng.fromState(Float32Array(4))',
    () => Rng.fromState(new Float32Array(4) as never),
    TypeError,
    FROM,
    [word('state')],
  ),
  rngRow(
    'Rng.fromState([1, 2, 3, 4])',
    () => Rng.fromState([1, 2, 3, 4] as never),
    TypeError,
    FROM,
    [word('state')],
  ),
  rngRow('Rng.fromState(null)', () => Rng.fromState(null as never), TypeError, FROM, [
    word('state'),
  ]),
  rngRow(
    'Rng.fromState(Uint32Array(3))',
    () => Rng.fromState(new Uint32Array([1, 2, 3])),
    RangeError,
    FROM,
    [word('state'), /length/],
  ),
  rngRow(
    'Rng.fromState(Uint32Array(5))',
    () => Rng.fromState(new Uint32Array([1, 2, 3, 4, 5])),
    RangeError,
    FROM,
    [word('state'), /length/],
  ),
  rngRow('Rng.fromState(detached)', () => Rng.fromState(detach(seed4())), TypeError, FROM, [
    word('state'),
    /detached/,
  ]),
  rngRow(
    'Rng.fromState(SharedArrayBuffer)',
    () => Rng.fromState(shared(seed4()) as Uint32Array),
    TypeError,
    FROM,
    [word('state'), /SharedArrayBuffer/],
  ),
  rngRow('Rng.fromState(all zeros)', () => Rng.fromState(new Uint32Array(4)), RangeError, FROM, [
    word('state'),
    /zero/,
  ]),
  rngRow(
    'uniform(Float64Array(3))',
    (r) => r.uniform(new Float64Array(3) as never),
    TypeError,
    method('uniform'),
    [word('out')],
  ),
  rngRow('uniform([0, 0])', (r) => r.uniform([0, 0] as never), TypeError, method('uniform'), [
    word('out'),
  ]),
  rngRow('uniform(null)', (r) => r.uniform(null as never), TypeError, method('uniform'), [
    word('out'),
  ]),
  rngRow('uniform(-1)', (r) => r.uniform(-1), RangeError, method('uniform'), [word('length')]),
  rngRow('uniform(2.5)', (r) => r.uniform(2.5), TypeError, method('uniform'), [word('length')]),
  rngRow('uniform(NaN)', (r) => r.uniform(Number.NaN), TypeError, method('uniform'), [
    word('length'),
  ]),
  rngRow(
    'uniform(out, NaN)',
    (r) => r.uniform(new Float32Array(3), Number.NaN),
    RangeError,
    method('uniform'),
    [word('lo')],
  ),
  rngRow(
    'uniform(out, 1, 0)',
    (r) => r.uniform(new Float32Array(3), 1, 0),
    RangeError,
    method('uniform'),
    [word('hi')],
  ),
  rngRow(
    'uniform(detached)',
    (r) => r.uniform(detach(new Float32Array(3))),
    TypeError,
    method('uniform'),
    [word('out'), /detached/],
  ),
  rngRow(
    'uniform(SharedArrayBuffer)',
    (r) => r.uniform(shared(new Float32Array(3)) as Float32Array),
    TypeError,
    method('uniform'),
    [word('out'), /SharedArrayBuffer/],
  ),
  rngRow(
    'normal(Int32Array(3))',
    (r) => r.normal(new Int32Array(3) as never),
    TypeError,
    method('normal'),
    [word('out')],
  ),
  rngRow(
    'normal(out, Infinity)',
    (r) => r.normal(new Float32Array(3), Number.POSITIVE_INFINITY),
    RangeError,
    method('normal'),
    [word('mean')],
  ),
  rngRow(
    'normal(out, 0, -1)',
    (r) => r.normal(new Float32Array(3), 0, -1),
    RangeError,
    method('normal'),
    [word('std')],
  ),
  rngRow('normal(-3)', (r) => r.normal(-3), RangeError, method('normal'), [word('length')]),
  rngRow(
    'dropoutMask(out, 1.5)',
    (r) => r.dropoutMask(new Float32Array(3), 1.5),
    RangeError,
    method('dropoutMask'),
    [word('p')],
  ),
  rngRow(
    'dropoutMask(out, -0.5)',
    (r) => r.dropoutMask(new Float32Array(3), -0.5),
    RangeError,
    method('dropoutMask'),
    [word('p')],
  ),
  rngRow(
    'dropoutMask(4, NaN)',
    (r) => r.dropoutMask(4, Number.NaN),
    RangeError,
    method('dropoutMask'),
    [word('p')],
  ),
  rngRow(
    'dropoutMask(out) without p',
    (r) => (r.dropoutMask as Fn)(new Float32Array(3)),
    TypeError,
    method('dropoutMask'),
    [word('p')],
  ),
  rngRow(
    'dropoutMask(detached, 0.5)',
    (r) => r.dropoutMask(detach(new Float32Array(3)), 0.5),
    TypeError,
    method('dropoutMask'),
    [word('out'), /detached/],
  ),
];

describe.each(['js', 'native', 'wasm'] as const)('%s backend: Rng refuses bad input', (name) => {
  let prev: BackendName = 'native';
  beforeAll(() => {
    prev = getBackend().name;
    setBackend(name);
  });
  afterAll(() => {
    setBackend(prev);
  });

  const check = (row: RngRow) => {
    expect(getBackend().name).toBe(name);
    const rng = new Rng(42);
    rng.uniform(3); // not at the seed any more
    const twin = rng.clone();
    const before = bytesOf(rng.state);
    const err = thrown(() => row.call(rng));
    expect(err, `${row.what} did not throw`).toBeInstanceOf(row.error);
    const msg = (err as Error).message;
    expect(msg).toMatch(row.label);
    for (const m of row.mentions) expect(msg).toMatch(m);
    // The generator did not advance: its next draws are its twin's.
    expect(bytesOf(rng.state).equals(before), 'Rng state modified').toBe(true);
    expect(rng.uniform(4)).toEqual(twin.uniform(4));
    expect(Array.from(new Rng(7).normal(3))).toHaveLength(3);
  };
  for (const row of RNG_ROWS) {
    if (row.known) it.fails(`${row.what} [known src defect: ${row.known}]`, () => check(row));
    else it(row.what, () => check(row));
  }

  it('the very same seeds and states are accepted', () => {
    expect(() => new Rng(0)).not.toThrow();
    expect(() => new Rng(2 ** 53 - 1)).not.toThrow();
    expect(Rng.fromState(new Rng(3).state).uniform(2)).toEqual(new Rng(3).uniform(2));
  });
});

// ---------------------------------------------------------------------------------------------
// The raw native binding, bypassing the TypeScript checks: every bad call must be a JS Error
// that leaves the buffers alone (the Rust side re-checks types, lengths, ranges and aliasing).

function nativeBinding(): NativeBinding {
  const n = loadNative();
  if ('error' in n) throw new Error(`the native addon did not load: ${n.error}`);
  return n.binding;
}

interface RawRow {
  what: string;
  /** Builds the arguments; returns the call and the arrays it receives. */
  setup: (b: NativeBinding) => [() => unknown, ArrayBufferView[]];
  mentions?: RegExp;
}

const U = 22; // gelu
const sgdOpts = () => ({ ...SGD(), momentum: 0.9 });
const adamOpts = () => ADAM();
type RawBinding = NativeBinding;
type Buf = Float32Array | null;
/** The binding's generic optimizer entry, called as the old sgdStep/adamStep were. */
const rawSgd = (b: RawBinding, p: Float32Array, g: Float32Array, m: Buf, o: SgdStepOptions) =>
  b.optimStep(OPTIM_KINDS.sgd, p, g, m, null, null, null, sgdHyper(o), null);
const rawAdam = (
  b: RawBinding,
  p: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vm: Buf,
  o: AdamStepOptions,
) => b.optimStep(OPTIM_KINDS.adam, p, g, m, v, vm, null, adamHyper(o), null);
const raw = (what: string, setup: RawRow['setup'], mentions?: RegExp): RawRow => ({
  what,
  setup,
  mentions,
});
const any = <T>(v: unknown) => v as T;

function twoViews(w: TACtor, wLen: number, r: TACtor, rLen: number, shift: number): [TA, TA] {
  const buf = new ArrayBuffer(4 * (Math.max(wLen, rLen) + 2));
  const rv = viewOf(r, buf, 0, rLen);
  const wv = viewOf(w, buf, shift, wLen);
  return [wv, rv];
}

const F = Float32Array as unknown as TACtor;
const I = Int32Array as unknown as TACtor;
const UU = Uint32Array as unknown as TACtor;

const RAW_ROWS: RawRow[] = [
  // wrong typed-array types, at every position kind
  ...(
    [
      ['Float64Array', () => new Float64Array(N)],
      ['Array', () => [0, 0, 0, 0, 0]],
      ['null', () => null],
      ['undefined', () => undefined],
      ['number', () => 5],
      ['Int32Array', () => new Int32Array(N)],
    ] as Array<[string, () => unknown]>
  ).flatMap(([what, v]) => [
    raw(`unary: x = ${what}`, (b) => {
      const out = f32();
      return [() => b.unary(U, out, any(v()), 0, 0), [out]];
    }),
    raw(`unary: out = ${what}`, (b) => {
      const x = f32();
      return [() => b.unary(U, any(v()), x, 0, 0), [x]];
    }),
    raw(`sum: x = ${what}`, (b) => [() => b.sum(any(v())), []]),
    raw(`adamStep: grads = ${what}`, (b) => {
      const bufs = [f32(), f32(), f32(), f32()];
      return [() => rawAdam(b, bufs[0], any(v()), bufs[1], bufs[2], bufs[3], adamOpts()), bufs];
    }),
  ]),
  raw('argmaxRows: out = Float32Array', (b) => {
    const out = f32(2);
    const x = f32(6);
    return [() => b.argmaxRows(any(out), x, 2, 3), [out, x]];
  }),
  raw('softmaxCrossEntropy: labels = Float32Array', (b) => {
    const l = new Float32Array(2);
    const x = f32(6);
    return [() => b.softmaxCrossEntropy(x, any(l), null, 2, 3, 1), [x, l]];
  }),
  raw('rngUniform: state = Float32Array', (b) => {
    const s = new Float32Array([1, 2, 3, 4]);
    const out = f32(4);
    return [() => b.rngUniform(any(s), out, 0, 1), [s, out]];
  }),
  raw('gemm: transA = 1', (b) => {
    const [a, bb, c] = [f32(4), f32(4), f32(4)];
    return [() => b.gemm(any(1), false, 2, 2, 2, 1, a, bb, 0, c), [a, bb, c]];
  }),
  raw('optimStep: too few hyperparameters', (b) => {
    const [p, g, m] = [f32(), f32(), f32()];
    return [
      () => b.optimStep(OPTIM_KINDS.sgd, p, g, m, null, null, null, Float64Array.of(0.1), null),
      [p, g, m],
    ];
  }),
  raw('optimStep: unknown kind', (b) => {
    const [p, g] = [f32(), f32()];
    return [
      () => b.optimStep(999, p, g, null, null, null, null, new Float64Array(9), null),
      [p, g],
    ];
  }),
  raw('optimStep: hyper = Float32Array', (b) => {
    const [p, g, m] = [f32(), f32(), f32()];
    return [
      () => b.optimStep(OPTIM_KINDS.sgd, p, g, m, null, null, null, any(new Float32Array(7)), null),
      [p, g, m],
    ];
  }),
  raw('optimStep: NaN hyperparameter', (b) => {
    const [p, g, m] = [f32(), f32(), f32()];
    const h = sgdHyper(sgdOpts());
    h[0] = Number.NaN;
    return [() => b.optimStep(OPTIM_KINDS.sgd, p, g, m, null, null, null, h, null), [p, g, m]];
  }),

  // mismatched lengths
  raw(
    'unary: out shorter than x',
    (b) => {
      const [out, x] = [f32(4), f32(5)];
      return [() => b.unary(U, out, x, 0, 0), [out, x]];
    },
    /unary: out/,
  ),
  raw(
    'unary: out detached (length 0)',
    (b) => {
      const [out, x] = [detach(f32(5)), f32(5)];
      return [() => b.unary(U, out, x, 0, 0), [x]];
    },
    /unary: out/,
  ),
  raw(
    'unaryBackward: dy shorter',
    (b) => {
      const [dx, x, dy] = [f32(), f32(), f32(4)];
      return [() => b.unaryBackward(U, dx, x, dy, 0, 0), [dx, x, dy]];
    },
    /unaryBackward: dy/,
  ),
  raw(
    'binary: b longer',
    (b) => {
      const [out, x, y] = [f32(), f32(), f32(6)];
      return [() => b.binary(0, out, x, y), [out, x, y]];
    },
    /binary: b/,
  ),
  raw(
    'axpy: y shorter',
    (b) => {
      const [x, y] = [f32(), f32(4)];
      return [() => b.axpy(1, x, y), [x, y]];
    },
    /axpy: y/,
  ),
  raw(
    'copy: dst shorter',
    (b) => {
      const [d, s] = [f32(4), f32()];
      return [() => b.copy(d, s), [d, s]];
    },
    /copy: dst/,
  ),
  raw(
    'gemm: a of length m·k − 1',
    (b) => {
      const [a, bb, c] = [f32(3), f32(4), f32(4)];
      return [() => b.gemm(false, false, 2, 2, 2, 1, a, bb, 0, c), [a, bb, c]];
    },
    /gemm: a/,
  ),
  raw(
    'gemm: c of length m·n + 1',
    (b) => {
      const [a, bb, c] = [f32(4), f32(4), f32(5)];
      return [() => b.gemm(false, false, 2, 2, 2, 1, a, bb, 0.5, c), [a, bb, c]];
    },
    /gemm: c/,
  ),
  raw(
    'softmax: x ≠ rows × cols',
    (b) => {
      const [out, x] = [f32(6), f32(6)];
      return [() => b.softmax(out, x, 3, 3, false), [out, x]];
    },
    /softmax: x/,
  ),
  raw(
    'softmaxBackward: dy shorter',
    (b) => {
      const [dx, y, dy] = [f32(6), f32(6), f32(5)];
      return [() => b.softmaxBackward(dx, y, dy, 2, 3, true), [dx, y, dy]];
    },
    /softmaxBackward: dy/,
  ),
  raw(
    'argmaxRows: out ≠ rows',
    (b) => {
      const [out, x] = [new Int32Array(3), f32(6)];
      return [() => b.argmaxRows(out, x, 2, 3), [out, x]];
    },
    /argmaxRows: out/,
  ),
  raw(
    'colSums: out ≠ cols',
    (b) => {
      const [out, x] = [f32(2), f32(6)];
      return [() => b.colSums(out, x, 2, 3, true), [out, x]];
    },
    /colSums: out/,
  ),
  raw(
    'softmaxCrossEntropy: labels ≠ rows',
    (b) => {
      const [x, l] = [f32(6), new Int32Array(3)];
      return [() => b.softmaxCrossEntropy(x, l, null, 2, 3, 1), [x, l]];
    },
    /softmaxCrossEntropy: labels/,
  ),
  raw(
    'softmaxCrossEntropy: grad ≠ logits',
    (b) => {
      const [x, l, g] = [f32(6), new Int32Array(2), f32(5)];
      return [() => b.softmaxCrossEntropy(x, l, g, 2, 3, 1), [x, l, g]];
    },
    /softmaxCrossEntropy: grad/,
  ),
  raw(
    'rngNormal: state of length 3',
    (b) => {
      const [s, out] = [new Uint32Array([1, 2, 3]), f32(4)];
      return [() => b.rngNormal(s, out, 0, 1), [s, out]];
    },
    /rngNormal: state/,
  ),
  raw(
    'sgdStep: momentumBuf shorter',
    (b) => {
      const [p, g, m] = [f32(), f32(), f32(4)];
      return [() => rawSgd(b, p, g, m, sgdOpts()), [p, g, m]];
    },
    /optimStep: s0/,
  ),
  raw(
    'adamStep: expAvgSq longer',
    (b) => {
      const [p, g, m, v, vm] = [f32(), f32(), f32(), f32(6), f32()];
      return [() => rawAdam(b, p, g, m, v, vm, adamOpts()), [p, g, m, v, vm]];
    },
    /optimStep: s1/,
  ),

  // overlapping and identical buffers
  raw(
    'unary: out partially overlaps x',
    (b) => {
      const [out, x] = twoViews(F, N, F, N, 4);
      x.set(f32());
      return [() => b.unary(U, out as Float32Array, x as Float32Array, 0, 0), [out, x]];
    },
    /overlaps/,
  ),
  raw(
    'unaryBackward: dx === x',
    (b) => {
      const [x, dy] = [f32(), f32()];
      return [() => b.unaryBackward(U, x, x, dy, 0, 0), [x, dy]];
    },
    /overlaps/,
  ),
  raw(
    'unaryBackward: dx === dy, overlapping x',
    (b) => {
      const [d, x] = twoViews(F, N, F, N, 4);
      x.set(f32());
      return [
        () => b.unaryBackward(U, d as Float32Array, x as Float32Array, d as Float32Array, 0, 0),
        [d, x],
      ];
    },
    /overlaps/,
  ),
  raw(
    'binary: out partially overlaps b',
    (b) => {
      const [out, y] = twoViews(F, N, F, N, 4);
      const x = f32();
      return [() => b.binary(2, out as Float32Array, x, y as Float32Array), [out, x, y]];
    },
    /overlaps/,
  ),
  raw(
    'binary: out === a, partially overlapping b',
    (b) => {
      const [out, y] = twoViews(F, N, F, N, 4);
      return [
        () => b.binary(0, out as Float32Array, out as Float32Array, y as Float32Array),
        [out, y],
      ];
    },
    /overlaps/,
  ),
  raw(
    'binaryScalar: out partially overlaps x',
    (b) => {
      const [out, x] = twoViews(F, N, F, N, 8);
      return [() => b.binaryScalar(0, out as Float32Array, x as Float32Array, 1), [out, x]];
    },
    /overlaps/,
  ),
  raw(
    'axpy: y === x',
    (b) => {
      const x = f32();
      return [() => b.axpy(2, x, x), [x]];
    },
    /overlaps/,
  ),
  raw(
    'axpy: y partially overlaps x',
    (b) => {
      const [y, x] = twoViews(F, N, F, N, 4);
      return [() => b.axpy(2, x as Float32Array, y as Float32Array), [x, y]];
    },
    /overlaps/,
  ),
  raw(
    'copy: dst partially overlaps src',
    (b) => {
      const [d, s] = twoViews(F, N, F, N, 4);
      s.set(f32());
      return [() => b.copy(d as Float32Array, s as Float32Array), [d, s]];
    },
    /overlaps/,
  ),
  raw(
    'gemm: c === a',
    (b) => {
      const [a, bb] = [f32(4), f32(4)];
      return [() => b.gemm(false, false, 2, 2, 2, 1, a, bb, 0, a), [a, bb]];
    },
    /overlaps/,
  ),
  raw(
    'gemm: c partially overlaps b',
    (b) => {
      const [c, bb] = twoViews(F, 4, F, 4, 4);
      const a = f32(4);
      return [
        () => b.gemm(false, true, 2, 2, 2, 1, a, bb as Float32Array, 0, c as Float32Array),
        [a, bb, c],
      ];
    },
    /overlaps/,
  ),
  raw(
    'softmax: out partially overlaps x',
    (b) => {
      const [out, x] = twoViews(F, 6, F, 6, 4);
      return [() => b.softmax(out as Float32Array, x as Float32Array, 2, 3, false), [out, x]];
    },
    /overlaps/,
  ),
  raw(
    'softmaxBackward: dx === y',
    (b) => {
      const [y, dy] = [f32(6), f32(6)];
      return [() => b.softmaxBackward(y, y, dy, 2, 3, false), [y, dy]];
    },
    /overlaps/,
  ),
  raw(
    'argmaxRows: Int32 out overlaps x',
    (b) => {
      const [out, x] = twoViews(I, 2, F, 6, 4);
      return [() => b.argmaxRows(out as Int32Array, x as Float32Array, 2, 3), [out, x]];
    },
    /overlaps/,
  ),
  raw(
    'colSums: out overlaps x',
    (b) => {
      const [out, x] = twoViews(F, 3, F, 6, 8);
      return [() => b.colSums(out as Float32Array, x as Float32Array, 2, 3, false), [out, x]];
    },
    /overlaps/,
  ),
  raw(
    'softmaxCrossEntropy: grad === logits',
    (b) => {
      const [x, l] = [f32(6), new Int32Array(2)];
      return [() => b.softmaxCrossEntropy(x, l, x, 2, 3, 1), [x, l]];
    },
    /overlaps/,
  ),
  raw(
    'softmaxCrossEntropy: grad overlaps labels',
    (b) => {
      const [g, l] = twoViews(F, 6, I, 2, 4);
      const x = f32(6);
      return [
        () => b.softmaxCrossEntropy(x, l as Int32Array, g as Float32Array, 2, 3, 1),
        [x, g, l],
      ];
    },
    /overlaps/,
  ),
  ...(['rngUniform', 'rngNormal', 'rngDropoutMask'] as const).map((fn) =>
    raw(
      `${fn}: out overlaps state`,
      (b) => {
        const [out, s] = twoViews(F, 4, UU, 4, 8);
        s.set([1, 2, 3, 4]);
        const call =
          fn === 'rngDropoutMask'
            ? () => b.rngDropoutMask(s as Uint32Array, out as Float32Array, 0.5)
            : () => b[fn](s as Uint32Array, out as Float32Array, 0, 1);
        return [call, [out, s]];
      },
      /overlaps/,
    ),
  ),
  raw(
    'sgdStep: params === grads',
    (b) => {
      const [p, m] = [f32(), f32()];
      return [() => rawSgd(b, p, p, m, sgdOpts()), [p, m]];
    },
    /overlaps/,
  ),
  raw(
    'sgdStep: momentumBuf partially overlaps params',
    (b) => {
      const [m, p] = twoViews(F, N, F, N, 4);
      const g = f32();
      return [() => rawSgd(b, p as Float32Array, g, m as Float32Array, sgdOpts()), [p, g, m]];
    },
    /overlaps/,
  ),
  raw(
    'adamStep: expAvg === expAvgSq',
    (b) => {
      const [p, g, m, vm] = [f32(), f32(), f32(), f32()];
      return [() => rawAdam(b, p, g, m, m, vm, adamOpts()), [p, g, m, vm]];
    },
    /overlaps/,
  ),
  raw(
    'adamStep: maxExpAvgSq overlaps grads',
    (b) => {
      const [vm, g] = twoViews(F, N, F, N, 4);
      const [p, m, v] = [f32(), f32(), f32()];
      return [
        () => rawAdam(b, p, g as Float32Array, m, v, vm as Float32Array, adamOpts()),
        [p, g, m, v, vm],
      ];
    },
    /overlaps/,
  ),

  // labels, op codes, sizes, flags
  ...[3, -1, 2 ** 31 - 1].map((l) =>
    raw(
      `softmaxCrossEntropy: label ${l}`,
      (b) => {
        const [x, lab, g] = [f32(6), new Int32Array([0, l]), f32(6)];
        return [() => b.softmaxCrossEntropy(x, lab, g, 2, 3, 1), [x, lab, g]];
      },
      /labels\[1\]/,
    ),
  ),
  raw(
    'softmaxCrossEntropy: cols = 0',
    (b) => {
      const [x, l] = [f32(0), new Int32Array(2)];
      return [() => b.softmaxCrossEntropy(x, l, null, 2, 0, 1), [x, l]];
    },
    /cols/,
  ),
  ...[19 + 100, 7, 2 ** 32 - 1, -1].map((code) =>
    raw(
      `unary: op code ${code}`,
      (b) => {
        const [out, x] = [f32(), f32()];
        return [() => b.unary(code, out, x, 0, 0), [out, x]];
      },
      /unknown unary op|op code must be a non-negative integer/,
    ),
  ),
  raw('unary: op code "gelu"', (b) => {
    const [out, x] = [f32(), f32()];
    return [() => b.unary(any('gelu'), out, x, 0, 0), [out, x]];
  }),
  raw(
    'unaryBackward: op code 99',
    (b) => {
      const [dx, x, dy] = [f32(), f32(), f32()];
      return [() => b.unaryBackward(99, dx, x, dy, 0, 0), [dx, x, dy]];
    },
    /unknown unary op|op code must be a non-negative integer/,
  ),
  ...[6, 255, -1].map((code) =>
    raw(
      `binary: op code ${code}`,
      (b) => {
        const [out, x, y] = [f32(), f32(), f32()];
        return [() => b.binary(code, out, x, y), [out, x, y]];
      },
      /unknown binary op|op code must be a non-negative integer/,
    ),
  ),
  raw(
    'binaryScalar: op code 6',
    (b) => {
      const [out, x] = [f32(), f32()];
      return [() => b.binaryScalar(6, out, x, 1), [out, x]];
    },
    /unknown binary op|op code must be a non-negative integer/,
  ),
  ...(
    [
      ['m', -1],
      ['m', 1.5],
      ['n', Number.NaN],
      ['k', Number.POSITIVE_INFINITY],
      ['k', -0.5],
      ['n', 2 ** 60],
    ] as const
  ).map(([name, v]) =>
    raw(
      `gemm: ${name} = ${v}`,
      (b) => {
        const [a, bb, c] = [f32(4), f32(4), f32(4)];
        const mnk = { m: 2, n: 2, k: 2, [name]: v };
        return [() => b.gemm(false, false, mnk.m, mnk.n, mnk.k, 1, a, bb, 0, c), [a, bb, c]];
      },
      new RegExp(`gemm: ${name} must be a non-negative integer`),
    ),
  ),
  ...(
    [
      ['rows', -2],
      ['rows', 0.5],
      ['cols', -1],
      ['cols', Number.NaN],
    ] as const
  ).flatMap(([name, v]) => {
    const rc = (r: number, c: number) => (name === 'rows' ? [v, c] : [r, v]) as [number, number];
    return [
      raw(
        `softmax: ${name} = ${v}`,
        (b) => {
          const [out, x] = [f32(6), f32(6)];
          const [r, c] = rc(2, 3);
          return [() => b.softmax(out, x, r, c, false), [out, x]];
        },
        new RegExp(`${name} must be a non-negative integer`),
      ),
      raw(
        `softmaxBackward: ${name} = ${v}`,
        (b) => {
          const [dx, y, dy] = [f32(6), f32(6), f32(6)];
          const [r, c] = rc(2, 3);
          return [() => b.softmaxBackward(dx, y, dy, r, c, false), [dx, y, dy]];
        },
        new RegExp(`${name} must be a non-negative integer`),
      ),
      raw(
        `argmaxRows: ${name} = ${v}`,
        (b) => {
          const [out, x] = [new Int32Array(2), f32(6)];
          const [r, c] = rc(2, 3);
          return [() => b.argmaxRows(out, x, r, c), [out, x]];
        },
        new RegExp(`${name} must be a non-negative integer`),
      ),
      raw(
        `colSums: ${name} = ${v}`,
        (b) => {
          const [out, x] = [f32(3), f32(6)];
          const [r, c] = rc(2, 3);
          return [() => b.colSums(out, x, r, c, true), [out, x]];
        },
        new RegExp(`${name} must be a non-negative integer`),
      ),
      raw(
        `softmaxCrossEntropy: ${name} = ${v}`,
        (b) => {
          const [x, l] = [f32(6), new Int32Array(2)];
          const [r, c] = rc(2, 3);
          return [() => b.softmaxCrossEntropy(x, l, null, r, c, 1), [x, l]];
        },
        new RegExp(`${name} must be a non-negative integer`),
      ),
    ];
  }),
  raw(
    'argmaxRows: cols = 0 with rows > 0',
    (b) => {
      const [out, x] = [new Int32Array(2), f32(0)];
      return [() => b.argmaxRows(out, x, 2, 0), [out, x]];
    },
    /cols/,
  ),
  raw(
    'sgdStep: momentum without a buffer',
    (b) => {
      const [p, g] = [f32(), f32()];
      return [() => rawSgd(b, p, g, null, sgdOpts()), [p, g]];
    },
    /momentum/,
  ),
  raw(
    'adamStep: amsgrad without maxExpAvgSq',
    (b) => {
      const [p, g, m, v] = [f32(), f32(), f32(), f32()];
      return [() => rawAdam(b, p, g, m, v, null, adamOpts()), [p, g, m, v]];
    },
    /max_exp_avg_sq/,
  ),
  raw('setSimd: unknown level', (b) => [() => b.setSimd('sse9'), []], /setSimd/),
];

describe('raw native binding refuses bad input with a JS Error', () => {
  const b = nativeBinding();
  for (const row of RAW_ROWS) {
    it(row.what, () => {
      const [call, arrays] = row.setup(b);
      const snaps = snapshot(arrays);
      const err = thrown(call);
      expect(err, `${row.what} did not throw`).toBeInstanceOf(Error);
      if (row.mentions) expect((err as Error).message).toMatch(row.mentions);
      expectUnchanged(snaps, row.what);
      // still alive, and the binding still works
      const x = f32(4);
      b.unary(U, x, x, 0, 0);
      expect(b.sum(new Float32Array([1, 2, 3]))).toBe(6);
    });
  }
});

/**
 * Sizes whose products wrap around in usize (each factor ≤ 2^53 passes the binding's count
 * check). Run in child processes: the gemm case kills the process with SIGSEGV today.
 */
describe('raw native binding: size products that wrap in usize (child process)', () => {
  const bindingPath = new URL('../native/binding.cjs', import.meta.url).pathname;
  const cases: Array<[string, string]> = [
    [
      'gemm m = n = k = 2^32 with empty arrays (m·k, k·n, m·n all wrap to 0)',
      'b.gemm(false, false, 2 ** 32, 2 ** 32, 2 ** 32, 1, E(), E(), 0, E())',
    ],
    [
      'softmaxCrossEntropy rows = 2^11, cols = 2^53 with empty logits',
      'b.softmaxCrossEntropy(E(), new Int32Array(2048), null, 2 ** 11, 2 ** 53, 1)',
    ],
    [
      'softmax rows = cols = 2^32 with empty arrays',
      'b.softmax(E(), E(), 2 ** 32, 2 ** 32, false)',
    ],
    [
      'colSums rows = 2^53, cols = 2^11 with empty x (writes out)',
      'b.colSums(new Float32Array(2048).fill(7), E(), 2 ** 53, 2 ** 11, false)',
    ],
  ];
  for (const [what, expr] of cases) {
    it(`${what} is refused, in a child process so a crash cannot take the run down`, () => {
      const script = `
        const b = require(${JSON.stringify(bindingPath)});
        const E = () => new Float32Array(0);
        try { ${expr}; console.log('accepted'); }
        catch (e) { console.log(e instanceof Error ? 'threw' : 'threw a non-Error'); }`;
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
      expect(r.signal, `${what}: child killed`).toBeNull();
      expect(r.status).toBe(0);
      expect(r.stdout.trim()).toBe('threw');
    });
  }
});
