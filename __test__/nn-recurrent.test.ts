/**
 * Recurrent layers (RNN, LSTM, GRU): the fused cell kernels native vs js, backward against
 * finite differences on both backends, forward values against PyTorch, a small sequence task
 * that trains, and refused inputs/arguments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { jsKernels, seedState } from '../src/backend/js/index.js';
import type { Kernels } from '../src/backend/kernels.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { optim } from '../src/index.js';
import { GRU, type Layer, Linear, LSTM, Model, RNN, Sequential } from '../src/nn/index.js';
import { Rng } from '../src/random.js';
import { nativeUnderTest } from './helpers/backends.js';
import { gradcheck } from './helpers/gradcheck.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

// ---------------------------------------------------------------------------------------
// Kernel parity
// ---------------------------------------------------------------------------------------

const native: Kernels = nativeUnderTest();
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

describe('parity: recurrent cell kernels, native vs js', () => {
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
// Layers: finite differences, torch values, training, errors
// ---------------------------------------------------------------------------------------

type Make = (o: { numLayers: number; returnSequences: boolean }) => Layer;
const LAYERS: Array<[string, Make, number?]> = [
  ['RNN tanh', (o) => new RNN(3, 4, o)],
  // Finite differences straddle relu's kink when a pre-activation lies within the stencil
  // (±2·1e-2·(1 + |v|)); seed 19 keeps every pre-activation clear of it in all four
  // configurations (the relu gradients also match torch.autograd to 1e-7).
  ['RNN relu', (o) => new RNN(3, 4, { ...o, nonlinearity: 'relu' }), 19],
  ['LSTM', (o) => new LSTM(3, 4, o)],
  ['GRU', (o) => new GRU(3, 4, o)],
];

describe.each(['js', 'native'] as BackendName[])('%s backend', (name) => {
  for (const [label, make, seed] of LAYERS) {
    for (const numLayers of [1, 2]) {
      for (const returnSequences of [false, true]) {
        it(`${label} backward matches finite differences (${numLayers} layer${numLayers > 1 ? 's' : ''}, ${returnSequences ? 'sequence' : 'last step'})`, () => {
          setBackend(name);
          gradcheck(make({ numLayers, returnSequences }), [4, 3], 2, { seed: seed ?? 1 });
        });
      }
    }
  }

  it('without biases, T = 5 and T = 3, backward matches finite differences', () => {
    setBackend(name);
    gradcheck(new LSTM(2, 3, { bias: false, numLayers: 2 }), [5, 2], 3);
    gradcheck(new GRU(2, 3, { bias: false, returnSequences: true }), [3, 2], 2);
    gradcheck(new RNN(2, 3, { bias: false }), [5, 2], 2);
  });

  it('a second backward without a new forward gives the same gradients', () => {
    setBackend(name);
    const model = new Model(new GRU(3, 4, { numLayers: 2, returnSequences: true }), [3, 3]);
    const x = new Rng(2).uniform(2 * 3 * 3, -1, 1);
    const y = model.forward({ data: x, shape: [2, 3, 3] });
    const dy = { data: new Rng(3).uniform(y.data.length, -1, 1), shape: y.shape };
    model.zeroGrad();
    const dx1 = Float32Array.from(model.backward(dy).data);
    const g1 = Float32Array.from(model.grads);
    model.zeroGrad();
    expect(Array.from(model.backward(dy).data)).toEqual(Array.from(dx1));
    expect(Array.from(model.grads)).toEqual(Array.from(g1));
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
    const gru = new Model(new GRU(5, 7, { bias: false }), [4, 5]);
    expect(gru.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['weight_ih_l0', [21, 5]],
      ['weight_hh_l0', [21, 7]],
    ]);
    // Every parameter ~ U(−1/√H, 1/√H).
    const big = new Model(new RNN(50, 64), [2, 50]);
    const k = 1 / 8;
    const all = big.params;
    expect(Math.max(...all)).toBeLessThanOrEqual(k);
    expect(Math.min(...all)).toBeGreaterThanOrEqual(-k);
    expect(Math.max(...all)).toBeGreaterThan(0.99 * k);
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
      const y = model.forward({ data: x, shape: [n, T, 1] }, { training: !!dy });
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

  it('refuses a wrong feature size, a 2-D input and a wrong gradient, naming the layer and shapes', () => {
    setBackend(name);
    // At build time: the per-sample shape must be [T, inputSize].
    expect(() => new Model(new LSTM(3, 4), [5, 2])).toThrow(
      'LSTM: expected input [T, 3] per sample (batch-first [N, T, 3]), got [5, 2]',
    );
    expect(() => new Model(new GRU(3, 4), [3])).toThrow(
      'GRU: expected input [T, 3] per sample (batch-first [N, T, 3]), got [3]',
    );
    // At forward time: a built layer refuses other shapes.
    const model = new Model(new Sequential([new RNN(3, 4), new Linear(4, 1)]), [5, 3]);
    expect(() => model.forward({ data: new Float32Array(2 * 5 * 2), shape: [2, 5, 2] })).toThrow(
      '0:RNN.forward: expected input of shape [batch, 5, 3], got [2, 5, 2]',
    );
    expect(() => model.forward({ data: new Float32Array(2 * 3), shape: [2, 3] })).toThrow(
      '0:RNN.forward: expected input of shape [batch, 5, 3], got [2, 3]',
    );
    expect(() =>
      model.forward({ data: new Float32Array(2 * 5 * 3), shape: [2, 5, 3] }),
    ).not.toThrow();
    const lstm = new Model(new LSTM(3, 4, { returnSequences: true }), [5, 3]);
    lstm.forward({ data: new Float32Array(2 * 5 * 3), shape: [2, 5, 3] });
    expect(() => lstm.backward({ data: new Float32Array(2 * 4), shape: [2, 4] })).toThrow(
      "LSTM.backward: expected a gradient of shape [2, 5, 4] (the output's), got [2, 4]",
    );
    expect(() => new LSTM(3, 4).backward({ data: new Float32Array(4), shape: [1, 4] })).toThrow(
      'LSTM.backward: called before forward',
    );
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
    expect(() => new GRU(3, 4, { batchFirst: true } as object)).toThrow(
      /^GRU: unknown option "batchFirst"/,
    );
    expect(() => new LSTM(3, 4, null as unknown as object)).toThrow(TypeError);
    expect(() => new LSTM(0, 4)).toThrow(RangeError);
    expect(() => new RNN(3, 4, { nonlinearity: 'gelu' as 'tanh' })).toThrow(TypeError);
  });
});
