/**
 * Recurrent layers (RNN, LSTM, GRU) on the tape: the fused cell kernels native vs js; layer
 * gradients against finite differences (layer and tensor level, first and second order) on
 * both backends; forward and backward against PyTorch (fixtures/recurrent.json from
 * scripts/fixtures/gen_recurrent.py: initial and final states, stacked, bidirectional,
 * time-major, truncated BPTT); stepping with a carried state; inter-layer dropout; steady-state
 * pooling; small sequence tasks that train; refused inputs and arguments.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { add, mul, noGrad, poolStats, sum, type Tensor, tensor } from '../src/autograd/index.js';
import { dropout } from '../src/autograd/ops/dropout.js';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels } from '../src/backend/kernels.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { optim } from '../src/index.js';
import {
  GRU,
  type Layer,
  Linear,
  LSTM,
  Model,
  type Recurrent,
  type RecurrentOutput,
  type RecurrentState,
  RNN,
  type RNNOptions,
  Sequential,
} from '../src/nn/index.js';
import { Rng } from '../src/random.js';
import { loadCheckpoint, saveCheckpoint } from '../src/train/checkpoint.js';
import { nativeUnderTest, wasmUnderTest } from './helpers/backends.js';
import { gradcheck } from './helpers/gradcheck.js';
import { gradgradcheck, gradcheck as tensorGradcheck } from './helpers/tensor-gradcheck.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

// ---------------------------------------------------------------------------------------
// Kernel parity
// ---------------------------------------------------------------------------------------

/** The kernels under test against js: native, then wasm (set by each parity block). */
let native: Kernels = nativeUnderTest();
const js: Kernels = jsKernels;
const OFFSET = 3;
const SENTINEL = 12345;

/** A seeded random view of length n in [lo, hi) at a non-zero offset into a larger buffer. */
function rand(n: number, seed: number, lo = -2, hi = 2): Float32Array {
  const b = new Float32Array(n + OFFSET + 4);
  js.rngUniform(seedState(seed), b, lo, hi);
  return b.subarray(OFFSET, OFFSET + n);
}

/** A copy of a view, itself a view at the same offset into a fresh buffer. */
function clone(v: Float32Array): Float32Array {
  const b = new Float32Array(v.length + OFFSET + 4);
  b.set(v, OFFSET);
  return b.subarray(OFFSET, OFFSET + v.length);
}

type Bufs = Record<string, Float32Array>;
const cloneAll = (b: Bufs): Bufs =>
  Object.fromEntries(Object.entries(b).map(([k, v]) => [k, clone(v)]));

/**
 * Worst violation of |native − js| ≤ 1e-5 · (1 + |js|), or null. Every input is O(1)
 * (|v| ≤ 2, activations in (−1, 1)), so each output's terms are O(1) in magnitude and this is
 * the tolerance relative to the sum of the terms' magnitudes (parity.test.ts).
 */
function worst(a: Float32Array, b: Float32Array) {
  let bad: { i: number; got: number; want: number } | null = null;
  let excess = 1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    const e = Math.abs(a[i] - b[i]) / (1e-5 * (1 + Math.abs(b[i])));
    if (!(e <= excess)) {
      excess = e;
      bad = { i, got: a[i], want: b[i] };
    }
  }
  return bad;
}

/** Runs `call` on both backends over copies of `inputs`; every buffer must agree. */
function parity(what: string, inputs: Bufs, call: (k: Kernels, b: Bufs) => void): Bufs {
  const a = cloneAll(inputs);
  const b = cloneAll(inputs);
  call(native, a);
  call(js, b);
  for (const key of Object.keys(inputs)) {
    expect(worst(a[key], b[key]), `${what}: ${key}`).toBeNull();
  }
  return b;
}

/** Steps in the strided test buffers, and the step the kernels are called for. */
const T = 3;
const STEP = 1;

/**
 * The first index outside step STEP's rows of a [rows, T, width] buffer (everywhere when
 * `!written`) whose value differs from `before` (or SENTINEL), or −1: a strided kernel must
 * write only its step's rows.
 */
function untouched(
  after: Float32Array,
  before: Float32Array | null,
  width: number,
  written: boolean,
): number {
  for (let i = 0; i < after.length; i++) {
    if (written && Math.floor(i / width) % T === STEP) continue;
    if (after[i] !== (before ? before[i] : SENTINEL)) return i;
  }
  return -1;
}

const SIZES: Array<[number, number]> = [
  [1, 1],
  [2, 3],
  [3, 7],
  [5, 16],
  [4, 17],
  [9, 33],
  [64, 100], // large enough to split rows over threads
];

describe.each([
  ['native', nativeUnderTest()],
  ['wasm', wasmUnderTest()],
] as [string, Kernels][])('parity: recurrent cell kernels, %s vs js', (name, kernels) => {
  beforeAll(() => {
    native = kernels;
  });
  for (const [rows, H] of SIZES) {
    for (const withY of [false, true]) {
      it(`vanilla RNN (tanh, relu), rows ${rows}, H ${H}, ${withY ? 'sequence' : 'last step'}`, () => {
        for (const relu of [false, true]) {
          const seed = rows * 1000 + H;
          const gates = rand(rows * T * H, seed);
          const fwdIn: Bufs = {
            gates,
            hp: rand(rows * H, seed + 1),
            h: rand(rows * H, seed + 2),
            y: new Float32Array(rows * T * H).fill(SENTINEL),
          };
          const call = (k: Kernels, b: Bufs) =>
            k.rnnCellForward(
              relu,
              rows,
              H,
              b.gates,
              STEP * H,
              T * H,
              b.hp,
              b.h,
              withY ? b.y : null,
              STEP * H,
              T * H,
            );
          const out = parity(`rnnCellForward relu=${relu}`, fwdIn, call);
          const nat = cloneAll(fwdIn);
          call(native, nat);
          expect(untouched(nat.gates, gates, H, true)).toBe(-1);
          expect(untouched(nat.y, null, H, withY)).toBe(-1);
          // Backward from the forward's activations, dy strided (sequence) or dense (last).
          const bwdIn: Bufs = {
            gates: out.gates,
            dh: rand(rows * H, seed + 3),
            dy: withY ? rand(rows * T * H, seed + 4) : rand(rows * H, seed + 4),
            dpre: rand(rows * H, seed + 5),
            dpreS: rand(rows * T * H, seed + 6),
          };
          parity(`rnnCellBackward relu=${relu}`, bwdIn, (k, b) =>
            k.rnnCellBackward(
              relu,
              rows,
              H,
              b.gates,
              STEP * H,
              T * H,
              b.dh,
              b.dy,
              withY ? STEP * H : 0,
              withY ? T * H : H,
              b.dpre,
              b.dpreS,
            ),
          );
        }
      });

      it(`LSTM cell, rows ${rows}, H ${H}, ${withY ? 'sequence' : 'last step'}`, () => {
        const seed = 7 * rows * 1000 + H;
        const G = 4 * H;
        const gates = rand(rows * T * G, seed);
        const fwdIn: Bufs = {
          gates,
          hp: rand(rows * G, seed + 1),
          cPrev: rand(rows * H, seed + 2),
          c: rand(rows * H, seed + 3),
          h: rand(rows * H, seed + 4),
          y: new Float32Array(rows * T * H).fill(SENTINEL),
        };
        const call = (k: Kernels, b: Bufs) =>
          k.lstmCellForward(
            rows,
            H,
            b.gates,
            STEP * G,
            T * G,
            b.hp,
            b.cPrev,
            b.c,
            b.h,
            withY ? b.y : null,
            STEP * H,
            T * H,
          );
        const out = parity('lstmCellForward', fwdIn, call);
        const nat = cloneAll(fwdIn);
        call(native, nat);
        expect(untouched(nat.gates, gates, G, true)).toBe(-1);
        expect(untouched(nat.y, null, H, withY)).toBe(-1);
        // h = o ⊙ tanh(c) from the stored activations (a check of the JS reference itself).
        for (let r = 0; r < rows; r++) {
          for (let j = 0; j < H; j++) {
            const g0 = r * T * G + STEP * G;
            const o = out.gates[g0 + 3 * H + j];
            expect(out.h[r * H + j]).toBeCloseTo(o * Math.tanh(out.c[r * H + j]), 6);
          }
        }
        const bwdIn: Bufs = {
          gates: out.gates,
          cPrev: out.cPrev,
          c: out.c,
          dh: rand(rows * H, seed + 5),
          dy: withY ? rand(rows * T * H, seed + 6) : rand(rows * H, seed + 6),
          dc: rand(rows * H, seed + 7),
          dpre: rand(rows * G, seed + 8),
          dpreS: rand(rows * T * G, seed + 9),
        };
        parity('lstmCellBackward', bwdIn, (k, b) =>
          k.lstmCellBackward(
            rows,
            H,
            b.gates,
            STEP * G,
            T * G,
            b.cPrev,
            b.c,
            b.dh,
            b.dy,
            withY ? STEP * H : 0,
            withY ? T * H : H,
            b.dc,
            b.dpre,
            b.dpreS,
          ),
        );
      });

      it(`GRU cell, rows ${rows}, H ${H}, ${withY ? 'sequence, with b_hh' : 'last step, no b_hh'}`, () => {
        const seed = 13 * rows * 1000 + H;
        const G = 3 * H;
        const gates = rand(rows * T * G, seed);
        const fwdIn: Bufs = {
          gates,
          hp: rand(rows * G, seed + 1),
          bhh: rand(G, seed + 2),
          hPrev: rand(rows * H, seed + 3, -1, 1),
          hn: rand(rows * H, seed + 4),
          h: rand(rows * H, seed + 5),
          y: new Float32Array(rows * T * H).fill(SENTINEL),
        };
        const call = (k: Kernels, b: Bufs) =>
          k.gruCellForward(
            rows,
            H,
            b.gates,
            STEP * G,
            T * G,
            b.hp,
            withY ? b.bhh : null,
            b.hPrev,
            b.hn,
            b.h,
            withY ? b.y : null,
            STEP * H,
            T * H,
          );
        const out = parity('gruCellForward', fwdIn, call);
        const nat = cloneAll(fwdIn);
        call(native, nat);
        expect(untouched(nat.gates, gates, G, true)).toBe(-1);
        expect(untouched(nat.y, null, H, withY)).toBe(-1);
        const bwdIn: Bufs = {
          gates: out.gates,
          hn: out.hn,
          hPrev: out.hPrev,
          dh: rand(rows * H, seed + 6),
          dy: withY ? rand(rows * T * H, seed + 7) : rand(rows * H, seed + 7),
          dpre: rand(rows * G, seed + 8),
          dpreS: rand(rows * T * G, seed + 9),
          dhPrev: rand(rows * H, seed + 10),
        };
        parity('gruCellBackward', bwdIn, (k, b) =>
          k.gruCellBackward(
            rows,
            H,
            b.gates,
            STEP * G,
            T * G,
            b.hn,
            b.hPrev,
            b.dh,
            withY ? b.dy : null,
            withY ? STEP * H : 0,
            withY ? T * H : H,
            b.dpre,
            b.dpreS,
            b.dhPrev,
          ),
        );
      });
    }
  }

  // The addon's own argument checks; the wasm kernels, like js, trust the checked ops.
  if (name === 'native')
    it('the addon refuses short strided views and overlapping outputs', () => {
      const [rows, H] = [2, 3];
      const G = 4 * H;
      const gates = new Float32Array(rows * T * G);
      const hp = new Float32Array(rows * G);
      const [cPrev, c, h] = [0, 1, 2].map(() => new Float32Array(rows * H));
      // One row short: the last row of step 2 ends past the buffer.
      expect(() =>
        native.lstmCellForward(rows, H, gates, 2 * G + 1, T * G, hp, cPrev, c, h, null, 0, 0),
      ).toThrow(/gates has length 72, .* need 73/);
      expect(() =>
        native.lstmCellForward(rows, H, gates, 0, G - 1, hp, cPrev, c, h, null, 0, 0),
      ).toThrow(/stride 11 is less than the row width 12/);
      expect(() =>
        native.lstmCellForward(rows, H, gates, 0, T * G, hp, cPrev, cPrev, h, null, 0, 0),
      ).toThrow(/c overlaps cPrev/);
      expect(() =>
        native.lstmCellForward(rows, H, gates, 0, T * G, hp, cPrev, c, h, gates, 0, H),
      ).toThrow(/overlaps/);
      expect(() =>
        native.gruCellForward(
          rows,
          H,
          new Float32Array(rows * 3 * H),
          0,
          3 * H,
          new Float32Array(rows * 3 * H),
          new Float32Array(3 * H - 1),
          cPrev,
          c,
          h,
          null,
          0,
          0,
        ),
      ).toThrow(/bhh has length 8, expected 9/);
    });
});

// ---------------------------------------------------------------------------------------
// Layers on the tape: finite differences, torch values, training, errors
// ---------------------------------------------------------------------------------------

type Make = (o: RNNOptions) => Layer;
/** A layer, the seed of the stacked checks, and the bidirectional checks' [batch, seed] triple. */
const LAYERS: Array<[string, Make, number, Array<[number, number]>]> = [
  [
    'RNN tanh',
    (o) => new RNN(3, 4, o),
    1,
    [
      [2, 1],
      [2, 2],
      [3, 3],
    ],
  ],
  // Finite differences straddle relu's kink when a pre-activation lies within the stencil
  // (±2·1e-2·(1 + |v|)); these seeds (and a batch of 1 for the stacked bidirectional check,
  // which has 64 pre-activations per sample) keep every pre-activation clear of it (the relu
  // gradients also match torch.autograd to 1e-7, and fixtures/recurrent.json's stacked
  // bidirectional relu case to 1e-5).
  [
    'RNN relu',
    (o) => new RNN(3, 4, { ...o, nonlinearity: 'relu' }),
    19,
    [
      [1, 1],
      [2, 1],
      [3, 28],
    ],
  ],
  [
    'LSTM',
    (o) => new LSTM(3, 4, o),
    1,
    [
      [2, 1],
      [2, 2],
      [3, 3],
    ],
  ],
  [
    'GRU',
    (o) => new GRU(3, 4, o),
    1,
    [
      [2, 1],
      [2, 2],
      [3, 3],
    ],
  ],
];

/** A leaf requiring grad over a copy of `v`. */
const leafOf = (v: ArrayLike<number>, shape: number[]) =>
  tensor(Float32Array.from(v), shape, { requiresGrad: true }) as Tensor;
/** A constant tensor over a copy of `v`. */
const constOf = (v: ArrayLike<number>, shape: number[]) =>
  tensor(Float32Array.from(v), shape) as Tensor;
/** Σ w ⊙ t with w seeded uniform in [−1, 1). */
const weighted = (t: Tensor, seed: number) =>
  sum(mul(t, constOf(new Rng(seed).uniform(t.size, -1, 1), [...t.shape])));
/** A copy of a leaf's gradient (an error if it has none). */
const gradOf = (t: Tensor) => Float32Array.from((t.grad as Tensor).data);
/** A copy of every gradient in a model's arena. */
const gradsOf = (m: Model) => Float32Array.from(m.grads);

function expectAllClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < a.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i]))))
      expect.fail(`${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  for (const [label, make, seed, [b0, b1, b2]] of LAYERS) {
    for (const numLayers of [1, 2]) {
      for (const returnSequences of [false, true]) {
        it(`${label} backward matches finite differences (${numLayers} layer${numLayers > 1 ? 's' : ''}, ${returnSequences ? 'sequence' : 'last step'})`, () => {
          setBackend(name);
          gradcheck(make({ numLayers, returnSequences }), [4, 3], 2, { seed });
        });
      }
    }
    it(`${label} bidirectional and time-major backward matches finite differences`, () => {
      setBackend(name);
      gradcheck(make({ bidirectional: true, numLayers: 2, returnSequences: true }), [4, 3], b0[0], {
        seed: b0[1],
      });
      // Both directions' final states as the output.
      gradcheck(make({ bidirectional: true }), [5, 3], b1[0], { seed: b1[1] });
      // Time-major [T, N, in]: the model's leading axis is time (here T = b2[0]), N = 2.
      gradcheck(
        make({ batchFirst: false, bidirectional: true, numLayers: 2, returnSequences: true }),
        [2, 3],
        b2[0],
        { seed: b2[1] },
      );
    });
  }

  it('without biases, T = 5 and T = 3, backward matches finite differences', () => {
    setBackend(name);
    gradcheck(new LSTM(2, 3, { bias: false, numLayers: 2 }), [5, 2], 3);
    gradcheck(new GRU(2, 3, { bias: false, returnSequences: true }), [3, 2], 2);
    gradcheck(new RNN(2, 3, { bias: false }), [5, 2], 2);
    gradcheck(new LSTM(2, 3, { bias: false, bidirectional: true }), [3, 2], 2);
  });

  it('with inter-layer dropout in eval mode, backward matches finite differences', () => {
    setBackend(name);
    gradcheck(new LSTM(3, 4, { numLayers: 2, dropout: 0.4, returnSequences: true }), [4, 3], 2, {
      training: false,
    });
  });

  it('a second backward needs retainGraph: the same gradients with it, a clear error without', () => {
    setBackend(name);
    const model = new Model(new GRU(3, 4, { numLayers: 2, returnSequences: true }), [3, 3]);
    const x = new Rng(2).uniform(2 * 3 * 3, -1, 1);
    const y = model.forward({ data: x, shape: [2, 3, 3] });
    const dy = { data: new Rng(3).uniform(y.size, -1, 1), shape: [...y.shape] };
    model.zeroGrad();
    const dx1 = Float32Array.from(model.backward(dy, { retainGraph: true }).data);
    const g1 = gradsOf(model);
    model.zeroGrad();
    expect(Array.from(model.backward(dy).data)).toEqual(Array.from(dx1));
    expect(Array.from(model.grads)).toEqual(Array.from(g1));
    // The graph is freed now: refused, nothing written.
    expect(() => model.backward(dy)).toThrow(
      /Model\.backward: the graph through gru was already freed by an earlier backward\(\); pass \{ retainGraph: true \}/,
    );
    expect(Array.from(model.grads)).toEqual(Array.from(g1));
  });

  it('two forwards then one backward: the gradients of both calls add up (the GAN pattern)', () => {
    setBackend(name);
    const layer = new LSTM(3, 5, { numLayers: 2, bidirectional: true, returnSequences: true });
    const model = new Model(layer, null, { seed: 4 });
    const xa = leafOf(new Rng(5).uniform(2 * 4 * 3, -1, 1), [2, 4, 3]);
    const xb = leafOf(new Rng(6).uniform(3 * 6 * 3, -1, 1), [3, 6, 3]);
    const ya = layer.forward(xa);
    const yb = layer.forward(xb);
    model.zeroGrad();
    add(weighted(ya, 7), weighted(yb, 8)).backward();
    const both = gradsOf(model);
    const [dxa, dxb] = [gradOf(xa), gradOf(xb)];
    model.zeroGrad();
    xa.grad = null;
    xb.grad = null;
    weighted(layer.forward(xa), 7).backward();
    const ga = gradsOf(model);
    model.zeroGrad();
    weighted(layer.forward(xb), 8).backward();
    const gb = gradsOf(model);
    expectAllClose(
      both,
      ga.map((v, i) => v + gb[i]),
      1e-6,
      'parameter gradients',
    );
    expect(Array.from(gradOf(xa))).toEqual(Array.from(dxa));
    expect(Array.from(gradOf(xb))).toEqual(Array.from(dxb));
  });

  for (const [label, make] of [
    ['LSTM', (o: RNNOptions) => new LSTM(3, 4, o)],
    ['GRU', (o: RNNOptions) => new GRU(3, 4, o)],
  ] as const) {
    it(`${label}: stepping one time step at a time with the state carried equals the whole sequence, values and gradients`, () => {
      setBackend(name);
      const [N, T, IN] = [2, 5, 3];
      const layer = make({ numLayers: 2, returnSequences: true }) as Recurrent;
      const model = new Model(layer, null, { seed: 8 });
      const xv = new Rng(9).uniform(N * T * IN, -1, 1);
      const wy = new Rng(10).uniform(N * T * 4, -1, 1);
      const h0v = new Rng(11).uniform(2 * N * 4, -0.5, 0.5);
      // Whole sequence.
      const x = leafOf(xv, [N, T, IN]);
      const h0 = leafOf(h0v, [2, N, 4]);
      const c0 =
        label === 'LSTM'
          ? leafOf(
              h0v.map((v) => -v),
              [2, N, 4],
            )
          : null;
      const r = layer.forwardWithState(x, { h: h0, ...(c0 ? { c: c0 } : {}) });
      model.zeroGrad();
      let loss = add(sum(mul(r.output, constOf(wy, [N, T, 4]))), weighted(r.h, 12));
      if (r.c) loss = add(loss, weighted(r.c, 13));
      loss.backward();
      const gFull = gradsOf(model);
      // Step by step: x_t [N, 1, IN], the state fed back as it is (not detached).
      model.zeroGrad();
      const h0s = leafOf(h0v, [2, N, 4]);
      const c0s = c0
        ? leafOf(
            h0v.map((v) => -v),
            [2, N, 4],
          )
        : null;
      let state: RecurrentState = { h: h0s, ...(c0s ? { c: c0s } : {}) };
      const xs: Tensor[] = [];
      let stepLoss: Tensor | null = null;
      let last: RecurrentOutput | null = null;
      for (let t = 0; t < T; t++) {
        const xt = new Float32Array(N * IN);
        const wt = new Float32Array(N * 4);
        for (let i = 0; i < N; i++) {
          xt.set(xv.subarray((i * T + t) * IN, (i * T + t + 1) * IN), i * IN);
          wt.set(wy.subarray((i * T + t) * 4, (i * T + t + 1) * 4), i * 4);
        }
        xs.push(leafOf(xt, [N, 1, IN]));
        last = layer.forwardWithState(xs[t], state);
        for (let i = 0; i < N; i++)
          for (let j = 0; j < 4; j++)
            expect(last.output.data[i * 4 + j]).toBeCloseTo(r.output.data[(i * T + t) * 4 + j], 6);
        const term = sum(mul(last.output, constOf(wt, [N, 1, 4])));
        stepLoss = stepLoss ? add(stepLoss, term) : term;
        state = { h: last.h, ...(last.c ? { c: last.c } : {}) };
      }
      const fin = last as RecurrentOutput;
      expectAllClose(fin.h.data, r.h.data, 1e-6, 'h_n');
      let total = add(stepLoss as Tensor, weighted(fin.h, 12));
      if (fin.c) total = add(total, weighted(fin.c, 13));
      total.backward();
      expectAllClose(gradsOf(model), gFull, 1e-5, 'parameter gradients');
      expectAllClose(gradOf(h0s), gradOf(h0), 1e-5, 'dh0');
      if (c0 && c0s) expectAllClose(gradOf(c0s), gradOf(c0), 1e-5, 'dc0');
      const dx = gradOf(x);
      for (let t = 0; t < T; t++)
        for (let i = 0; i < N; i++)
          expectAllClose(
            gradOf(xs[t]).subarray(i * IN, (i + 1) * IN),
            dx.subarray((i * T + t) * IN, (i * T + t + 1) * IN),
            1e-5,
            `dx step ${t}`,
          );
    });
  }

  it('inter-layer dropout: in training the layer output is an explicit dropout between two single layers; in eval none', () => {
    setBackend(name);
    const stacked = new LSTM(3, 4, { numLayers: 2, dropout: 0.5, returnSequences: true });
    const mA = new Model(stacked, null, { seed: 3 });
    const l0 = new LSTM(3, 4, { returnSequences: true });
    const l1 = new LSTM(4, 4, { returnSequences: true });
    const mB = new Model(new Sequential([l0, l1]));
    // Same arena layout: layer 0's parameters, then layer 1's.
    mB.params.set(mA.params);
    const xv = new Rng(4).uniform(2 * 5 * 3, -1, 1);
    stacked.setRng(new Rng(9));
    const rng = new Rng(9);
    const xa = leafOf(xv, [2, 5, 3]);
    const xb = leafOf(xv, [2, 5, 3]);
    const ya = stacked.forward(xa, { training: true });
    const yb = l1.forward(dropout(l0.forward(xb), 0.5, rng, true));
    expect(Array.from(ya.data)).toEqual(Array.from(yb.data));
    mA.zeroGrad();
    mB.zeroGrad();
    weighted(ya, 5).backward();
    weighted(yb, 5).backward();
    expect(Array.from(mA.grads)).toEqual(Array.from(mB.grads));
    expect(Array.from(gradOf(xa))).toEqual(Array.from(gradOf(xb)));
    // Eval (the layer's default mode): no dropout.
    const e = noGrad(() => stacked.forward(constOf(xv, [2, 5, 3])));
    const f = noGrad(() => l1.forward(l0.forward(constOf(xv, [2, 5, 3]))));
    expect(Array.from(e.data)).toEqual(Array.from(f.data));
    expect(Array.from(e.data)).not.toEqual(Array.from(ya.data));
  });

  it('a steady-state training step takes every intermediate from the pool (at most one new buffer: the output the caller holds)', () => {
    setBackend(name);
    const [N, T] = [4, 6];
    const model = new Model(
      new Sequential([
        new LSTM(3, 8, { numLayers: 2, bidirectional: true, returnSequences: true, dropout: 0.3 }),
        new GRU(16, 5),
        new Linear(5, 2),
      ]),
      [T, 3],
    );
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    const x = constOf(new Rng(1).uniform(N * T * 3, -1, 1), [N, T, 3]);
    const dy = constOf(new Rng(2).uniform(N * 2, -1, 1), [N, 2]);
    const step = () => {
      model.zeroGrad();
      model.forward(x, { training: true });
      model.backward(dy, { inputGrad: false });
      opt.step();
    };
    step();
    step();
    const before = poolStats().allocations;
    // The output is the caller's (never recycled), so at most it is new per step; a layer
    // that leaked its gates, states or gradient scratch would add several per step.
    for (let i = 0; i < 20; i++) step();
    expect(poolStats().allocations - before).toBeLessThanOrEqual(20);
  });

  // Forward values from torch 2.15 (float64) on these inputs: our seeded initial weights (Model
  // seed 7) copied into torch.nn.RNN/LSTM/GRU(batch_first=True) by parameter name, input
  // x = Rng(11).uniform(2·3·3, −1, 1) of shape [2, 3, 3], output [2, 3, 3] (rounded to 1e-7).
  // The same throwaway script compared gradients too (dx and every parameter gradient of
  // Σ w ⊙ y): max |error| ≤ 2.2e-6 on both backends.
  const TORCH: Array<[string, (returnSequences: boolean) => Layer, number[]]> = [
    [
      'RNN (tanh, 2 layers)',
      (returnSequences) => new RNN(3, 3, { numLayers: 2, returnSequences }),
      [
        -0.4156346, -0.3111451, -0.5740677, -0.393513, 0.0718219, -0.6237957, -0.3184526, 0.316455,
        -0.7196136, -0.435712, -0.3871162, -0.5266102, -0.3791612, -0.0266603, -0.604749,
        -0.3319448, 0.2734403, -0.7209741,
      ],
    ],
    [
      'RNN (relu)',
      (returnSequences) => new RNN(3, 3, { nonlinearity: 'relu', returnSequences }),
      [
        0.0177478, 0.0, 0.0, 0.1985263, 0.0, 0.3114303, 0.1274323, 0.0, 0.0, 0.0902027, 0.0,
        0.1541095, 0.2391705, 0.0, 0.2725547, 0.1359205, 0.0, 0.0,
      ],
    ],
    [
      'LSTM (2 layers)',
      (returnSequences) => new LSTM(3, 3, { numLayers: 2, returnSequences }),
      [
        0.0736298, 0.054112, -0.1816697, 0.1369239, 0.0692134, -0.3106898, 0.1770601, 0.0776681,
        -0.4019205, 0.0759115, 0.0517511, -0.1814667, 0.1422105, 0.0632947, -0.3145492, 0.1774613,
        0.0743678, -0.4078226,
      ],
    ],
    [
      'GRU (2 layers)',
      (returnSequences) => new GRU(3, 3, { numLayers: 2, returnSequences }),
      [
        0.24745, -0.1678298, 0.0785394, 0.3554576, -0.2053742, 0.0060795, 0.3582885, -0.1986863,
        -0.1547258, 0.2477465, -0.173277, 0.0640747, 0.3239808, -0.2157797, -0.1877305, 0.3387342,
        -0.2187633, -0.2698117,
      ],
    ],
  ];
  for (const [label, make, want] of TORCH) {
    it(`${label} forward matches torch`, () => {
      setBackend(name);
      const model = new Model(make(true), [3, 3], { seed: 7 });
      const x = new Rng(11).uniform(18, -1, 1);
      const y = model.forward({ data: x, shape: [2, 3, 3] });
      expect(y.shape).toEqual([2, 3, 3]);
      for (let i = 0; i < want.length; i++) expect(y.data[i]).toBeCloseTo(want[i], 6);
      // The last-step form returns the sequence's final step.
      const last = new Model(make(false), [3, 3], { seed: 7 });
      const yl = last.forward({ data: x, shape: [2, 3, 3] });
      expect(yl.shape).toEqual([2, 3]);
      for (let r = 0; r < 2; r++)
        for (let j = 0; j < 3; j++) expect(yl.data[r * 3 + j]).toBe(y.data[r * 9 + 6 + j]);
    });
  }

  it('parameters have torch names, shapes and order', () => {
    setBackend(name);
    const model = new Model(new LSTM(5, 7, { numLayers: 2 }), [4, 5]);
    expect(model.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['weight_ih_l0', [28, 5]],
      ['weight_hh_l0', [28, 7]],
      ['bias_ih_l0', [28]],
      ['bias_hh_l0', [28]],
      ['weight_ih_l1', [28, 7]],
      ['weight_hh_l1', [28, 7]],
      ['bias_ih_l1', [28]],
      ['bias_hh_l1', [28]],
    ]);
    const gru = new Model(
      new GRU(5, 7, { bias: false, bidirectional: true, numLayers: 2 }),
      [4, 5],
    );
    expect(gru.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['weight_ih_l0', [21, 5]],
      ['weight_hh_l0', [21, 7]],
      ['weight_ih_l0_reverse', [21, 5]],
      ['weight_hh_l0_reverse', [21, 7]],
      ['weight_ih_l1', [21, 14]],
      ['weight_hh_l1', [21, 7]],
      ['weight_ih_l1_reverse', [21, 14]],
      ['weight_hh_l1_reverse', [21, 7]],
    ]);
    // Every parameter ~ U(−1/√H, 1/√H).
    const big = new Model(new RNN(50, 64), [2, 50]);
    const k = 1 / 8;
    const all = big.params;
    expect(Math.max(...all)).toBeLessThanOrEqual(k);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-k);
    expect(Math.max(...all)).toBeGreaterThan(0.99 * k);
  });

  it('a stacked bidirectional model round-trips through a checkpoint (names with _reverse)', () => {
    setBackend(name);
    const make = (seed: number) =>
      new Model(
        new Sequential([
          new LSTM(2, 8, { bidirectional: true, numLayers: 2, returnSequences: true }),
          new GRU(16, 6),
          new Linear(6, 1),
        ]),
        [5, 2],
        { seed },
      );
    const a = make(1);
    const root = mkdtempSync(join(tmpdir(), 'descent-rnn-'));
    const dir = join(root, 'ckpt');
    saveCheckpoint(dir, { model: a, epoch: 0 });
    const b = make(2);
    expect(Array.from(b.params)).not.toEqual(Array.from(a.params));
    loadCheckpoint(dir, { model: b });
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    const x = constOf(new Rng(3).uniform(3 * 5 * 2, -1, 1), [3, 5, 2]);
    const ya = noGrad(() => a.forward(x));
    expect(Array.from(noGrad(() => b.forward(x)).data)).toEqual(Array.from(ya.data));
    rmSync(root, { recursive: true, force: true });
  });

  it('an LSTM learns the sum of a sequence (held-out MSE < 0.01 after 300 Adam steps)', () => {
    setBackend(name);
    const [N, T, H] = [64, 6, 16];
    const model = new Model(new Sequential([new LSTM(1, H), new Linear(H, 1)]), [T, 1], {
      seed: 1,
    });
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    const rng = new Rng(5);
    const batch = (n: number) => {
      const x = rng.uniform(n * T, -1, 1);
      const target = new Float32Array(n);
      for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) target[i] += x[i * T + t];
      return { x, target };
    };
    const mse = (x: Float32Array, target: Float32Array, dy?: Float32Array) => {
      const n = target.length;
      const run = () => model.forward({ data: x, shape: [n, T, 1] }, { training: !!dy });
      const y = dy ? run() : noGrad(run);
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const e = y.data[i] - target[i];
        loss += (e * e) / n;
        if (dy) dy[i] = (2 * e) / n;
      }
      return loss;
    };
    const test = batch(256);
    const before = mse(test.x, test.target);
    const dy = new Float32Array(N);
    for (let step = 0; step < 300; step++) {
      const { x, target } = batch(N);
      model.zeroGrad();
      mse(x, target, dy);
      model.backward({ data: dy, shape: [N, 1] });
      opt.step();
    }
    const after = mse(test.x, test.target);
    expect(before).toBeGreaterThan(1);
    expect(after).toBeLessThan(0.01);
  });

  it('a GRU learns 4-bit parity (MSE < 0.01 on all 16 patterns after 300 Adam steps)', () => {
    setBackend(name);
    const [N, T, H] = [16, 4, 16];
    const model = new Model(new Sequential([new GRU(1, H), new Linear(H, 1)]), [T, 1], {
      seed: 1,
    });
    const opt = new optim.Adam(model.parameters(), { lr: 0.02 });
    const x = new Float32Array(N * T);
    const target = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      let p = 0;
      for (let t = 0; t < T; t++) {
        const bit = (i >> t) & 1;
        x[i * T + t] = bit;
        p ^= bit;
      }
      target[i] = p ? 1 : -1;
    }
    const dy = new Float32Array(N);
    let loss = 0;
    for (let step = 0; step < 300; step++) {
      model.zeroGrad();
      const y = model.forward({ data: x, shape: [N, T, 1] }, { training: true });
      loss = 0;
      for (let i = 0; i < N; i++) {
        const e = y.data[i] - target[i];
        loss += (e * e) / N;
        dy[i] = (2 * e) / N;
      }
      model.backward({ data: dy, shape: [N, 1] });
      opt.step();
    }
    expect(loss).toBeLessThan(0.01);
  });

  it('refuses a wrong feature size, a 2-D input, T = 0 and a wrong gradient, naming the layer and shapes', () => {
    setBackend(name);
    // At build time: the per-sample shape must be [T, inputSize].
    expect(() => new Model(new LSTM(3, 4), [5, 2])).toThrow(
      'LSTM: expected input [T, 3] per sample (batch-first [N, T, 3]), got [5, 2]',
    );
    expect(() => new Model(new GRU(3, 4), [3])).toThrow(
      'GRU: expected input [T, 3] per sample (batch-first [N, T, 3]), got [3]',
    );
    expect(() => new Model(new GRU(3, 4, { batchFirst: false }), [2, 3])).toThrow(
      /^GRU: with batchFirst false and returnSequences false the output \[N, 4\] has no time axis/,
    );
    // At forward time: any T ≥ 1, but the features must match.
    const model = new Model(new Sequential([new RNN(3, 4), new Linear(4, 1)]), [5, 3]);
    expect(() => model.forward({ data: new Float32Array(2 * 5 * 2), shape: [2, 5, 2] })).toThrow(
      '0:RNN.forward: expected input [batch, T, 3] with T ≥ 1, got [2, 5, 2]',
    );
    expect(() => model.forward({ data: new Float32Array(2 * 3), shape: [2, 3] })).toThrow(
      '0:RNN.forward: expected input [batch, T, 3] with T ≥ 1, got [2, 3]',
    );
    expect(() => model.forward({ data: new Float32Array(0), shape: [2, 0, 3] })).toThrow(
      '0:RNN.forward: expected input [batch, T, 3] with T ≥ 1, got [2, 0, 3]',
    );
    expect(model.forward({ data: new Float32Array(2 * 7 * 3), shape: [2, 7, 3] }).shape).toEqual([
      2, 1,
    ]);
    const tm = new Model(new GRU(3, 4, { batchFirst: false }));
    expect(() => tm.forward({ data: new Float32Array(2 * 5 * 2), shape: [2, 5, 2] })).toThrow(
      'GRU.forward: expected input [T, batch, 3] with T ≥ 1, got [2, 5, 2]',
    );
    const lstm = new Model(new LSTM(3, 4, { returnSequences: true }), [5, 3]);
    expect(() => lstm.backward({ data: new Float32Array(2 * 4), shape: [2, 4] })).toThrow(
      'Model.backward: called before forward',
    );
    lstm.forward({ data: new Float32Array(2 * 5 * 3), shape: [2, 5, 3] });
    expect(() => lstm.backward({ data: new Float32Array(2 * 4), shape: [2, 4] })).toThrow(
      "Model.backward: expected a gradient of shape [2, 5, 4] (the output's), got [2, 4]",
    );
    expect(() => new LSTM(3, 4).forward({ data: new Float32Array(15), shape: [1, 5, 3] })).toThrow(
      /^LSTM: its parameters are not allocated yet/,
    );
  });

  it('forwardWithState refuses a bad state, naming the layer, the key and both shapes', () => {
    setBackend(name);
    const lstm = new LSTM(3, 4, { numLayers: 2, bidirectional: true });
    new Model(lstm);
    const gru = new GRU(3, 4);
    new Model(gru);
    const x = { data: new Float32Array(2 * 5 * 3), shape: [2, 5, 3] };
    const s = (shape: number[]) => ({
      data: new Float32Array(shape.reduce((a, d) => a * d, 1)),
      shape,
    });
    expect(() => lstm.forwardWithState(x, { h: s([4, 3, 4]) })).toThrow(
      'LSTM.forwardWithState: state.h must be [4, 2, 4] ([numLayers·directions, batch, hiddenSize]), got [4, 3, 4]',
    );
    expect(() => lstm.forwardWithState(x, { h: s([4, 2, 4]), c: s([2, 2, 4]) })).toThrow(
      'LSTM.forwardWithState: state.c must be [4, 2, 4] ([numLayers·directions, batch, hiddenSize]), got [2, 2, 4]',
    );
    expect(() => gru.forwardWithState(x, { h: s([1, 2, 4]), c: s([1, 2, 4]) })).toThrow(
      /^GRU\.forwardWithState: unknown state key "c" .*; valid: h$/,
    );
    expect(() => lstm.forwardWithState(x, { hx: s([4, 2, 4]) } as RecurrentState)).toThrow(
      /^LSTM\.forwardWithState: unknown state key "hx" \(did you mean "h"\?\)/,
    );
    expect(() =>
      gru.forwardWithState(x, { h: { data: new Int32Array(8), shape: [1, 2, 4] } }),
    ).toThrow(TypeError);
    expect(() => gru.forwardWithState(x, 5 as unknown as RecurrentState)).toThrow(
      /^GRU\.forwardWithState: state must be an object, got number 5$/,
    );
    // Without state the states start at zero: the same as passing zeros.
    const a = noGrad(() => gru.forwardWithState(x));
    const b = noGrad(() => gru.forwardWithState(x, { h: s([1, 2, 4]) }));
    expect(Array.from(a.h.data)).toEqual(Array.from(b.h.data));
    expect(a.c).toBeUndefined();
  });

  it('refuses bad constructor arguments, naming the layer and the argument', () => {
    expect(() => new LSTM(0, 4)).toThrow(
      /^LSTM: inputSize must be a positive integer, got number 0$/,
    );
    expect(() => new GRU(3, 2.5)).toThrow(/^GRU: hiddenSize must be a positive integer/);
    expect(() => new RNN(3, 4, { numLayers: 0 })).toThrow(
      /^RNN: numLayers must be a positive integer/,
    );
    expect(() => new RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(
      /^RNN: nonlinearity must be 'tanh' or 'relu', got string "sigmoid"$/,
    );
    expect(() => new LSTM(3, 4, { returnSequences: 1 as unknown as boolean })).toThrow(
      /^LSTM: returnSequences must be a boolean, got number 1$/,
    );
    expect(() => new LSTM(3, 4, { bidirectional: 'yes' as unknown as boolean })).toThrow(
      /^LSTM: bidirectional must be a boolean, got string "yes"$/,
    );
    expect(() => new GRU(3, 4, { batchFirst: 0 as unknown as boolean })).toThrow(
      /^GRU: batchFirst must be a boolean, got number 0$/,
    );
    expect(() => new GRU(3, 4, { batch_first: true } as object)).toThrow(
      /^GRU: unknown option "batch_first" \(did you mean "batchFirst"\?\)/,
    );
    expect(() => new LSTM(3, 4, { numLayers: 2, dropout: 1 })).toThrow(
      /^LSTM: dropout must be a probability in \[0, 1\), got number 1$/,
    );
    expect(() => new LSTM(3, 4, { dropout: 0.2 })).toThrow(
      /^LSTM: dropout \(0\.2\) applies between stacked layers, so it needs numLayers > 1/,
    );
    expect(() => new LSTM(3, 4, null as unknown as object)).toThrow(TypeError);
    expect(() => new LSTM(0, 4)).toThrow(RangeError);
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as 'tanh' })).toThrow(TypeError);
  });
});

// ---------------------------------------------------------------------------------------
// Against PyTorch: initial and final states, stacked, bidirectional, time-major, TBPTT
// ---------------------------------------------------------------------------------------

interface LossGrads {
  x: number[];
  h0?: number[];
  c0?: number[];
  params: Record<string, number[]>;
}
interface TorchCase {
  kind: 'lstm' | 'gru' | 'rnn_tanh' | 'rnn_relu';
  numLayers: number;
  bidirectional: boolean;
  batchFirst: boolean;
  bias: boolean;
  T: number;
  params: Record<string, number[]>;
  x: number[];
  h0: number[] | null;
  c0: number[] | null;
  wy: number[];
  wh: number[];
  wc: number[] | null;
  y: number[];
  h: number[];
  c: number[] | null;
  grads: { seq: LossGrads; state: LossGrads };
}
interface TbpttCase {
  kind: 'lstm' | 'gru';
  numLayers: number;
  T: number;
  chunks: number;
  params: Record<string, number[]>;
  x: number[];
  w: number[][];
  y: number[][];
  grads: Record<string, number[]>;
}
const FIX = JSON.parse(
  readFileSync(new URL('./fixtures/recurrent.json', import.meta.url), 'utf8'),
) as { N: number; inputSize: number; hiddenSize: number; cases: TorchCase[]; tbptt: TbpttCase[] };

function torchLayer(kind: TorchCase['kind'], o: RNNOptions): Recurrent {
  const [i, h] = [FIX.inputSize, FIX.hiddenSize];
  if (kind === 'lstm') return new LSTM(i, h, o);
  if (kind === 'gru') return new GRU(i, h, o);
  return new RNN(i, h, { ...o, nonlinearity: kind === 'rnn_relu' ? 'relu' : 'tanh' });
}

/** A model around `layer` with torch's parameter values, which must have our names and order. */
function withTorchParams(layer: Recurrent, params: Record<string, number[]>): Model {
  const model = new Model(layer);
  expect(model.parameters().map((p) => p.name)).toEqual(Object.keys(params));
  for (const p of model.parameters()) p.data.set(params[p.name]);
  return model;
}

/**
 * |ours − ref| ≤ max(1e-5·|ref|, 1e-6), as optim-golden.test.ts bounds parameters. Measured
 * when written, worst over both backends: 0.47 of the bound (a parameter gradient), 0.10 for
 * dx, dh0, dc0 and 0.08 for y, h_n, c_n.
 */
function expectTorch(ours: ArrayLike<number>, ref: readonly number[], what: string): void {
  expect(ours.length, `${what}: length`).toBe(ref.length);
  for (let i = 0; i < ref.length; i++) {
    const bound = Math.max(1e-5 * Math.abs(ref[i]), 1e-6);
    if (!(Math.abs(ours[i] - ref[i]) <= bound))
      expect.fail(
        `${what}[${i}]: ${ours[i]}, torch ${ref[i]} (|Δ| ${Math.abs(ours[i] - ref[i]).toExponential(2)} > ${bound.toExponential(2)})`,
      );
  }
}

describe.each(['js', 'native'] as BackendName[])('%s backend, against PyTorch', (name) => {
  for (const c of FIX.cases) {
    const D = c.bidirectional ? 2 : 1;
    const label = `${c.kind} ${c.numLayers} layer${c.numLayers > 1 ? 's' : ''}${c.bidirectional ? ', bidirectional' : ''}${c.batchFirst ? '' : ', time-major'}${c.bias ? '' : ', no bias'}${c.h0 ? ', initial state' : ''}, T = ${c.T}`;
    it(`${label}: y, h_n, c_n and the gradients of x, h0, c0 and every parameter`, () => {
      setBackend(name);
      const N = FIX.N;
      const H = FIX.hiddenSize;
      const layer = torchLayer(c.kind, {
        numLayers: c.numLayers,
        bidirectional: c.bidirectional,
        batchFirst: c.batchFirst,
        bias: c.bias,
        returnSequences: true,
      });
      const model = withTorchParams(layer, c.params);
      const xShape = c.batchFirst ? [N, c.T, FIX.inputSize] : [c.T, N, FIX.inputSize];
      const sShape = [c.numLayers * D, N, H];
      const yShape = c.batchFirst ? [N, c.T, D * H] : [c.T, N, D * H];
      for (const loss of ['seq', 'state', 'both'] as const) {
        model.zeroGrad();
        const x = leafOf(c.x, xShape);
        const h0 = c.h0 ? leafOf(c.h0, sShape) : null;
        const c0 = c.c0 ? leafOf(c.c0, sShape) : null;
        const r = layer.forwardWithState(x, { h: h0, ...(c0 ? { c: c0 } : {}) });
        expect(r.output.shape).toEqual(yShape);
        expect(r.h.shape).toEqual(sShape);
        expectTorch(r.output.data, c.y, `${loss}: y`);
        expectTorch(r.h.data, c.h, `${loss}: h_n`);
        if (c.c) expectTorch(r.c?.data ?? [], c.c, `${loss}: c_n`);
        else expect(r.c).toBeUndefined();
        // "seq": only y gets a gradient; "state": only h_n and c_n; "both": all three.
        const terms: Tensor[] = [];
        if (loss !== 'state') terms.push(sum(mul(r.output, constOf(c.wy, yShape))));
        if (loss !== 'seq') {
          terms.push(sum(mul(r.h, constOf(c.wh, sShape))));
          if (r.c && c.wc) terms.push(sum(mul(r.c, constOf(c.wc, sShape))));
        }
        terms.reduce((a, b) => add(a, b)).backward();
        const pick = (f: (g: LossGrads) => number[] | undefined): number[] => {
          const [a, b] = [f(c.grads.seq) as number[], f(c.grads.state) as number[]];
          return loss === 'seq' ? a : loss === 'state' ? b : a.map((v, i) => v + b[i]);
        };
        expectTorch(
          gradOf(x),
          pick((g) => g.x),
          `${loss}: dx`,
        );
        if (h0)
          expectTorch(
            gradOf(h0),
            pick((g) => g.h0),
            `${loss}: dh0`,
          );
        if (c0)
          expectTorch(
            gradOf(c0),
            pick((g) => g.c0),
            `${loss}: dc0`,
          );
        for (const p of model.parameters())
          expectTorch(
            p.grad,
            pick((g) => g.params[p.name]),
            `${loss}: d${p.name}`,
          );
      }
      // forward() without a state is the zero state, and returns the same output.
      if (!c.h0) {
        const y = noGrad(() => layer.forward(constOf(c.x, xShape)));
        expectTorch(y.data, c.y, 'forward(): y');
      }
    });
  }

  for (const c of FIX.tbptt) {
    it(`${c.kind} ${c.numLayers} layer${c.numLayers > 1 ? 's' : ''}: truncated BPTT over ${c.chunks} chunks (final state detached into the next chunk) matches torch`, () => {
      setBackend(name);
      const [N, IN, H] = [FIX.N, FIX.inputSize, FIX.hiddenSize];
      const layer = torchLayer(c.kind, { numLayers: c.numLayers, returnSequences: true });
      const model = withTorchParams(layer, c.params);
      const total = c.T * c.chunks;
      const chunk = (k: number) => {
        const v = new Float32Array(N * c.T * IN);
        for (let i = 0; i < N; i++)
          v.set(
            c.x.slice((i * total + k * c.T) * IN, (i * total + (k + 1) * c.T) * IN),
            i * c.T * IN,
          );
        return constOf(v, [N, c.T, IN]);
      };
      model.zeroGrad();
      let state: RecurrentState = {};
      let kept: RecurrentOutput | null = null;
      for (let k = 0; k < c.chunks; k++) {
        const r = layer.forwardWithState(chunk(k), state, { training: true });
        expectTorch(r.output.data, c.y[k], `chunk ${k}: y`);
        sum(mul(r.output, constOf(c.w[k], [N, c.T, H]))).backward();
        state = { h: r.h.detach(), ...(r.c ? { c: r.c.detach() } : {}) };
        kept = r;
      }
      for (const p of model.parameters()) expectTorch(p.grad, c.grads[p.name], `d${p.name}`);
      // Without detach the next chunk's backward would reach the graph the last backward freed:
      // refused before anything is written.
      const r = kept as RecurrentOutput;
      const before = gradsOf(model);
      const next = layer.forwardWithState(chunk(0), { h: r.h, ...(r.c ? { c: r.c } : {}) });
      expect(() => sum(next.output).backward()).toThrow(
        new RegExp(`the graph through ${c.kind} was already freed by an earlier backward`),
      );
      expect(Array.from(model.grads)).toEqual(Array.from(before));
    });
  }

  it('gradcheck: x, h0, c0 and every weight of stacked bidirectional LSTM, GRU and RNN layers', () => {
    setBackend(name);
    for (const [kind, seed] of [
      ['lstm', 1],
      ['gru', 2],
      ['rnn_tanh', 3],
    ] as const) {
      const layer =
        kind === 'lstm'
          ? new LSTM(3, 4, { numLayers: 2, bidirectional: true, returnSequences: true })
          : kind === 'gru'
            ? new GRU(3, 4, { numLayers: 2, bidirectional: true, returnSequences: true })
            : new RNN(3, 4, { numLayers: 2, bidirectional: true, returnSequences: true });
      const model = new Model(layer, null, { seed });
      const rng = new Rng(seed + 10);
      const x = leafOf(rng.uniform(2 * 3 * 3, -1, 1), [2, 3, 3]);
      const h0 = leafOf(rng.uniform(4 * 2 * 4, -0.5, 0.5), [4, 2, 4]);
      const c0 = leafOf(rng.uniform(4 * 2 * 4, -0.5, 0.5), [4, 2, 4]);
      const lstm = kind === 'lstm';
      const f = () => {
        const r = layer.forwardWithState(x, { h: h0, ...(lstm ? { c: c0 } : {}) });
        const s = add(weighted(r.output, 20), weighted(r.h, 21));
        return r.c ? add(s, weighted(r.c, 22)) : s;
      };
      const leaves = [
        x,
        h0,
        ...(lstm ? [c0] : []),
        ...model.parameters().map((p) => p.tensor as Tensor),
      ];
      tensorGradcheck(f, leaves, { probes: 12 });
    }
  });

  it('gradgradcheck: second-order gradients through a small LSTM and GRU (with initial states)', () => {
    setBackend(name);
    for (const kind of ['lstm', 'gru'] as const) {
      const layer =
        kind === 'lstm'
          ? new LSTM(2, 3, { returnSequences: true, bidirectional: true })
          : new GRU(2, 3, { returnSequences: true, numLayers: 2 });
      const model = new Model(layer, null, { seed: 5 });
      const D = kind === 'lstm' ? 2 : 1;
      const L = kind === 'lstm' ? 1 : 2;
      const rng = new Rng(6);
      const x = leafOf(rng.uniform(2 * 3 * 2, -1, 1), [2, 3, 2]);
      const h0 = leafOf(rng.uniform(L * D * 2 * 3, -0.5, 0.5), [L * D, 2, 3]);
      const c0 = leafOf(rng.uniform(L * D * 2 * 3, -0.5, 0.5), [L * D, 2, 3]);
      const lstm = kind === 'lstm';
      const f = () => {
        const r = layer.forwardWithState(x, { h: h0, ...(lstm ? { c: c0 } : {}) });
        const s = add(weighted(r.output, 30), weighted(r.h, 31));
        return r.c ? add(s, weighted(r.c, 32)) : s;
      };
      const [wih, whh] = model.parameters().map((p) => p.tensor as Tensor);
      gradgradcheck(f, [x, h0, ...(lstm ? [c0] : []), wih, whh], { probes: 8 });
    }
  });
});
