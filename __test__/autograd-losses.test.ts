/**
 * Every loss on the tape against torch: the cases of fixtures/autograd-losses.json (from
 * scripts/fixtures/gen_autograd_losses.py: every loss and option combination, 'none'
 * reductions, [N, C, d…] inputs, float64 references from float32 inputs) on both backends —
 * the value, dS/dinput by the fast path (fused kernels) and with createGraph (the formula),
 * dS/dtarget, and the second-order ⟨v, ∇⟩ gradient. S is the loss, or Σ outWeight·loss for
 * 'none'. A number must satisfy |ours − ref| ≤ 1e-5·|ref|; an element of a tensor
 * |ours − ref| ≤ 1e-5·max(|ref|, max over the tensor of |ref|) (as optim-golden's state
 * bound: a float32 gradient p − 1 of a well-predicted class carries the absolute error of p,
 * not a relative one; the second derivative of a logit saturated at −25 is 1e-13 beside
 * entries of 7e-3). Measured when written: at most 0.084 of that bound (native, cross-entropy
 * 'none' with smoothing and ignored rows, second order), 0.018 on js; every scalar value
 * within the pure 1e-5. AUTOGRAD_LOSSES_REPORT=1 prints the worst case per backend. Then
 * finite differences (gradcheck, gradgradcheck) on each functional form, `apply` against
 * `forward` bit for bit, and the refusals (named shapes and dtypes, nothing mutated).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { losses } from '../src/nn/index.js';
import { gradcheck, gradgradcheck, leaf } from './helpers/tensor-gradcheck.js';

interface Case {
  fn: keyof typeof FNS;
  options: Record<string, unknown>;
  input: { shape: number[]; data: number[] };
  target: { dtype: 'int32' | 'float32'; shape: number[]; data: number[] };
  outWeight: number[] | null;
  v: number[];
  value: number | number[];
  grad: number[];
  gradTarget: number[] | null;
  hvp: number[];
}

const FNS = {
  crossEntropy: ag.crossEntropy,
  nllLoss: ag.nllLoss,
  mseLoss: ag.mseLoss,
  l1Loss: ag.l1Loss,
  huberLoss: ag.huberLoss,
  smoothL1Loss: ag.smoothL1Loss,
  bceWithLogits: ag.bceWithLogits,
  binaryCrossEntropy: ag.binaryCrossEntropy,
  klDiv: ag.klDiv,
} as const;
type AnyLoss = (x: unknown, t: unknown, o?: unknown) => Tensor;

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/autograd-losses.json', import.meta.url), 'utf8'),
) as { cases: Case[] };
const REL = 1e-5;
/** AUTOGRAD_LOSSES_REPORT=1 prints the worst |Δ|/bound (and pure |Δ|/|ref|) per backend. */
const REPORT = process.env.AUTOGRAD_LOSSES_REPORT === '1';
const worst = { ratio: 0, what: '', pureRel: 0 };

function caseId(c: Case, i: number): string {
  const o = Object.entries(c.options)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.length}]` : v}`)
    .join(' ');
  const ignored =
    c.target.dtype === 'int32' && c.target.data.includes(-100) ? ' (labels −100)' : '';
  return `#${i} ${c.fn} [${c.input.shape}] ${c.target.dtype}${ignored} ${o}`;
}

function options(c: Case): Record<string, unknown> {
  const o: Record<string, unknown> = { ...c.options };
  for (const k of ['weight', 'posWeight'])
    if (Array.isArray(o[k])) o[k] = Float32Array.from(o[k] as number[]);
  return o;
}

let current = '';

function expectClose(what: string, ours: ArrayLike<number>, ref: readonly number[]): void {
  expect(ours.length, `${what}: length`).toBe(ref.length);
  let scale = 0;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  for (let i = 0; i < ref.length; i++) {
    const bound = REL * Math.max(Math.abs(ref[i]), scale);
    if (REPORT) {
      const d = Math.abs(ours[i] - ref[i]);
      if (d / bound > worst.ratio)
        Object.assign(worst, { ratio: d / bound, what: `${current} ${what}[${i}]` });
      if (Math.abs(ref[i]) > 0) worst.pureRel = Math.max(worst.pureRel, d / Math.abs(ref[i]));
    }
    if (!(Math.abs(ours[i] - ref[i]) <= bound))
      expect.fail(
        `${what}[${i}]: ${ours[i]}, torch ${ref[i]} (|Δ| ${Math.abs(ours[i] - ref[i]).toExponential(2)} > ${bound.toExponential(2)})`,
      );
  }
}

/** The loss tensor's expected shape: per sample [N, d…] for classification, else the input's. */
function noneShape(c: Case): number[] {
  const s = c.input.shape;
  return c.fn === 'crossEntropy' || c.fn === 'nllLoss' ? [s[0], ...s.slice(2)] : s;
}

const backends: BackendName[] = ['js', 'native'];

for (const be of backends) {
  describe(`losses on the tape against torch (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      prevMin = setMinNativeLength(0); // every call on the native kernels, however small
    });
    afterAll(() => {
      setBackend(prev);
      setMinNativeLength(prevMin);
      if (REPORT) {
        console.log(
          `${be}: worst |Δ|/bound ${worst.ratio.toFixed(3)} (${worst.what}); worst pure relative ${worst.pureRel.toExponential(2)}`,
        );
        Object.assign(worst, { ratio: 0, what: '', pureRel: 0 });
      }
    });

    fixture.cases.forEach((c, i) => {
      it(caseId(c, i), () => {
        current = caseId(c, i);
        const f = FNS[c.fn] as AnyLoss;
        const opts = options(c);
        const x = leaf(c.input.data, c.input.shape);
        const labels = c.target.dtype === 'int32';
        // Alternate the target forms: Int32Array / int32 tensor, plain {data, shape} / tensor.
        const target = (requiresGrad: boolean): unknown => {
          if (labels) {
            const d = Int32Array.from(c.target.data);
            return i % 2 === 0 ? d : ag.tensor(d, c.target.shape, { dtype: 'int32' });
          }
          const d = Float32Array.from(c.target.data);
          if (requiresGrad) return ag.tensor(d, c.target.shape, { requiresGrad: true });
          return i % 2 === 0 ? { data: d, shape: c.target.shape } : ag.tensor(d, c.target.shape);
        };
        const w = c.outWeight && ag.tensor(Float32Array.from(c.outWeight), noneShape(c));
        const S = (L: Tensor) => (w ? L.mul(w).sum() : L);

        // Fast path: the target does not require grad, no graph is created.
        const L = f(x, target(false), opts);
        if (w) {
          expect(L.shape).toEqual(noneShape(c));
          expectClose('value', L.data, c.value as number[]);
        } else {
          expect(L.shape).toEqual([]);
          const ref = c.value as number;
          const v = L.item();
          if (REPORT) {
            const r = Math.abs(v - ref) / (REL * Math.abs(ref));
            if (r > worst.ratio) Object.assign(worst, { ratio: r, what: `${current} value` });
          }
          if (!(Math.abs(v - ref) <= REL * Math.abs(ref))) expect.fail(`value ${v}, torch ${ref}`);
        }
        const [gFast] = ag.gradients(S(L), [x]);
        expectClose('grad (fast path)', (gFast as Tensor).data, c.grad);

        // createGraph, and the target differentiated where torch's gradient is finite.
        const tt = target(c.gradTarget !== null) as Tensor;
        const inputs = c.gradTarget ? [x, tt] : [x];
        const g = ag.gradients(S(f(x, tt, opts)), inputs, { createGraph: true });
        expectClose('grad (createGraph)', (g[0] as Tensor).data, c.grad);
        if (c.gradTarget) expectClose('gradTarget', (g[1] as Tensor).data, c.gradTarget);
        const inner = (g[0] as Tensor).mul(ag.tensor(Float32Array.from(c.v), c.input.shape)).sum();
        const hv = inner.requiresGrad ? ag.gradients(inner, [x], { allowUnused: true })[0] : null;
        const h = hv ? hv.data : new Float32Array(c.hvp.length);
        expectClose('hvp', h, c.hvp);
      });
    });
  });
}

const f32 = (v: number[]) => Float32Array.from(v);
const i32 = (v: number[]) => Int32Array.from(v);
/** Differences d = x − t that keep ≥ 0.2 away from every kink (0, Huber's δ = 1, β = 0.5). */
const X = [0.9, -1.3, 2.1, 0.35, -0.6, 1.7, -2.4, 0.1, 1.2, -0.8, 0.55, -1.9, 2.6, -0.15, 0.75];
const D = [
  0.4,
  -1.6,
  2.3,
  -0.25,
  0.75,
  -2.8,
  1.35,
  -0.3,
  0.05 + 0.25,
  -1.25,
  2.0,
  -0.7,
  0.6,
  1.8,
  -3.1,
];
const T = X.map((x, i) => x - D[i]);
const LOGITS = X.map((x, i) => x * 1.3 - ((i * 7) % 5) * 0.4);
const PROBS = (rows: number, cols: number) =>
  Array.from({ length: rows }, (_, r) => {
    const e = Array.from({ length: cols }, (_, c) => Math.exp(Math.sin(r * 3 + c * 1.7)));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  }).flat();

for (const be of backends) {
  describe(`finite differences of every functional form (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => setBackend(prev));

    const w5 = f32([0.5, 1.5, 0.8, 2.0, 1.1]);
    const x = () => leaf(LOGITS, [3, 5]);
    const t = () => leaf(T, [3, 5]);
    // Losses linear in the prediction (L1 piecewise, KL) have a zero second derivative there:
    // the fixtures check it is zero; finite differences of a constant check nothing.
    const linearInPred = new Set(['l1Loss', 'klDiv logTarget']);
    const cases: Array<[string, (...a: Tensor[]) => Tensor, () => Tensor[]]> = [
      [
        'crossEntropy: labels, weight, smoothing, an ignored row',
        (a) =>
          ag.crossEntropy(a, i32([4, 1, 2]), { weight: w5, labelSmoothing: 0.2, ignoreIndex: 1 }),
        () => [x()],
      ],
      [
        "crossEntropy: [N, C, d] 'none'",
        (a) =>
          ag.crossEntropy(a, ag.tensor(i32([0, 2, 1, 1, 0]), [1, 5], { dtype: 'int32' }), {
            reduction: 'none',
          }),
        () => [leaf(LOGITS, [1, 3, 5])],
      ],
      [
        "crossEntropy: [N, C, d] 'sum' (fused on moved rows)",
        (a) =>
          ag.crossEntropy(a, i32([0, 2, 1, 1, 0]), { reduction: 'sum', weight: f32([1, 2, 0.5]) }),
        () => [leaf(LOGITS, [1, 3, 5])],
      ],
      [
        'crossEntropy: probabilities (logits and target differentiated)',
        (a, b) => ag.crossEntropy(a, b, { weight: w5, labelSmoothing: 0.1 }),
        () => [x(), leaf(PROBS(3, 5), [3, 5])],
      ],
      [
        'nllLoss: weight, ignored row',
        (a) => ag.nllLoss(a.logSoftmax(1), i32([3, -100, 0]), { weight: w5 }),
        () => [x()],
      ],
      ['mseLoss', (a, b) => ag.mseLoss(a, b), () => [x(), t()]],
      ['l1Loss', (a, b) => ag.l1Loss(a, b, { reduction: 'sum' }), () => [x(), t()]],
      ['huberLoss', (a, b) => ag.huberLoss(a, b), () => [leaf(X, [3, 5]), t()]],
      [
        "smoothL1Loss β = 0.5 'none'",
        (a, b) => ag.smoothL1Loss(a, b, { beta: 0.5, reduction: 'none' }),
        () => [leaf(X, [3, 5]), t()],
      ],
      [
        'bceWithLogits: weight, posWeight over the last axis',
        (a, b) => ag.bceWithLogits(a, b, { weight: w5, posWeight: f32([1, 3, 0.5, 2, 1.5]) }),
        () => [x(), leaf(PROBS(3, 5), [3, 5])],
      ],
      [
        'binaryCrossEntropy: weight',
        (a, b) => ag.binaryCrossEntropy(a, b, { weight: w5, reduction: 'sum' }),
        () => [
          leaf(
            PROBS(3, 5).map((p) => 0.15 + p * 0.7),
            [3, 5],
          ),
          leaf(PROBS(3, 5), [3, 5]),
        ],
      ],
      [
        "klDiv 'batchmean'",
        (a, b) => ag.klDiv(a.logSoftmax(1), b, { reduction: 'batchmean' }),
        () => [x(), leaf(PROBS(3, 5), [3, 5])],
      ],
      [
        'klDiv logTarget',
        (a, b) => ag.klDiv(a, b, { logTarget: true, reduction: 'sum' }),
        () => [x().logSoftmax(1).detach(), leaf(PROBS(3, 5).map(Math.log), [3, 5])],
      ],
    ];
    for (const [name, f, leaves] of cases) {
      it(`${name}: first and second order`, () => {
        const xs = leaves();
        for (const l of xs) l.requiresGrad = true;
        gradcheck(f, xs);
        if (name === 'l1Loss') return;
        gradgradcheck(f, xs);
        if (linearInPred.has(name)) return;
        // Only the prediction differentiated: the fast path is the fused kernel for reduced
        // losses, which gradgradcheck compares with the createGraph (formula) gradient.
        gradgradcheck((a) => f(a, ...xs.slice(1).map((l) => l.detach())), [xs[0]]);
      });
    }
  });
}

/** What the tests use of a loss class. */
interface LossObject {
  forward(
    pred: { data: Float32Array; shape: number[] },
    target: unknown,
    grad?: Float32Array,
  ): number;
  apply(pred: unknown, target: unknown): Tensor;
}
type LossClass = new (o: object) => LossObject;

/** A class instance per loss, with options that reach every branch of its forward. */
function classCases(): Array<[string, LossObject, number[], unknown]> {
  const w5 = f32([0.5, 1.5, 0.8, 2.0, 1.1]);
  const probs = { data: f32(PROBS(3, 5)), shape: [3, 5] };
  const tgt = { data: f32(T), shape: [3, 5] };
  const L = losses;
  return [
    ['CrossEntropyLoss', new L.CrossEntropyLoss(), LOGITS, i32([4, 1, 2])],
    [
      'CrossEntropyLoss weighted',
      new L.CrossEntropyLoss({ weight: w5, labelSmoothing: 0.1, ignoreIndex: 1 }),
      LOGITS,
      i32([4, 1, 2]),
    ],
    [
      'CrossEntropyLoss probabilities',
      new L.CrossEntropyLoss({ reduction: 'sum', weight: w5 }),
      LOGITS,
      probs,
    ],
    ['NLLLoss', new L.NLLLoss({ weight: w5 }), LOGITS, i32([4, 1, 2])],
    ['MSELoss', new L.MSELoss(), X, tgt],
    ['L1Loss', new L.L1Loss({ reduction: 'sum' }), X, tgt],
    ['HuberLoss', new L.HuberLoss({ delta: 0.7 }), X, tgt],
    ['SmoothL1Loss', new L.SmoothL1Loss({ beta: 0.5 }), X, tgt],
    ['SmoothL1Loss β = 0', new L.SmoothL1Loss({ beta: 0 }), X, tgt],
    [
      'BCEWithLogitsLoss',
      new L.BCEWithLogitsLoss({ weight: w5, posWeight: f32(PROBS(3, 5)) }),
      LOGITS,
      probs,
    ],
    ['BCELoss', new L.BCELoss({ weight: w5 }), PROBS(3, 5).map((p) => 0.1 + 0.8 * p), probs],
    ['KLDivLoss', new L.KLDivLoss({ reduction: 'batchmean' }), LOGITS, probs],
    ['KLDivLoss logTarget', new L.KLDivLoss({ logTarget: true }), LOGITS, tgt],
  ];
}

for (const be of backends) {
  describe(`apply() and forward() (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => setBackend(prev));

    for (const [name, loss, data, target] of classCases()) {
      it(`${name}: apply gives forward's number and gradient bit for bit`, () => {
        const grad = new Float32Array(data.length);
        const value = loss.forward({ data: f32(data), shape: [3, 5] }, target, grad);
        const x = leaf(data, [3, 5]);
        const L = loss.apply(x, target) as Tensor;
        expect(L.shape).toEqual([]);
        expect(L.item()).toBe(Math.fround(value));
        L.backward();
        expect(x.grad?.data).toEqual(grad);
      });
    }

    it('a criterion on a model: const loss = criterion.apply(out, y); loss.backward()', () => {
      const w = leaf(X.slice(0, 10), [2, 5]);
      const input = ag.tensor(f32(T.slice(0, 6)), [3, 2]);
      const out = input.matmul(w);
      const criterion = new losses.CrossEntropyLoss({ labelSmoothing: 0.05 });
      const loss = criterion.apply(out, i32([1, 4, 0]));
      loss.backward();
      // dL/dw = inputᵀ · dL/dout, dL/dout from forward's fused kernel.
      const g = new Float32Array(15);
      criterion.forward({ data: out.data, shape: [3, 5] }, i32([1, 4, 0]), g);
      const expected = ag
        .tensor(f32(T.slice(0, 6)), [3, 2])
        .transpose()
        .matmul(ag.tensor(g, [3, 5]));
      const got = w.grad?.data ?? new Float32Array(0);
      expect(got.length).toBe(10);
      expected.data.forEach((e, i) =>
        expect(Math.abs(got[i] - e)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(e))),
      );
    });

    it('temporaries come from the pool and go back: fresh losses per call allocate nothing new', () => {
      // A fresh instance per call, as the functional forms make them.
      const run = () => {
        for (const [, loss, data, target] of classCases())
          loss.forward({ data: f32(data), shape: [3, 5] }, target, new Float32Array(15));
      };
      run();
      const before = ag.poolStats().allocations;
      for (let i = 0; i < 5; i++) run();
      expect(ag.poolStats().allocations).toBe(before);
    });
  });
}

describe('bad input', () => {
  const x = () => leaf(LOGITS, [3, 5]);
  const t = () => ag.tensor(f32(T), [3, 5]);

  it('a target of the wrong shape names both shapes', () => {
    expect(() => ag.mseLoss(x(), ag.tensor(f32(T), [5, 3]))).toThrow(
      /mseLoss: target shape \[5, 3\] does not match prediction shape \[3, 5\]/,
    );
    expect(() => ag.crossEntropy(x(), i32([1, 2]))).toThrow(
      /crossEntropy: target labels of shape \[2\] do not match prediction shape \[3, 5\] \(expected class indices of shape \[3\] or probabilities of the logits' shape \[3, 5\]\)/,
    );
    expect(() =>
      ag.crossEntropy(
        leaf(LOGITS, [1, 5, 3]),
        ag.tensor(i32([1, 2, 3]), [3, 1], { dtype: 'int32' }),
      ),
    ).toThrow(
      /crossEntropy: target shape \[3, 1\] does not match prediction shape \[1, 5, 3\] \(expected class indices of shape \[1, 3\]/,
    );
    expect(() => ag.crossEntropy(x(), ag.tensor(f32(PROBS(5, 3)), [5, 3]))).toThrow(
      /crossEntropy: target shape \[5, 3\] does not match prediction shape \[3, 5\]/,
    );
    expect(() => new losses.KLDivLoss().apply(x(), { data: f32(T), shape: [15] })).toThrow(
      /KLDivLoss: target shape \[15\] does not match prediction shape \[3, 5\]/,
    );
  });

  it("'none' is refused by the number API, pointing to apply", () => {
    for (const [name, loss] of classCases()) {
      const cls = (loss.constructor as LossClass).name;
      const none = new (loss.constructor as LossClass)({
        reduction: 'none',
      });
      expect(
        () => none.forward({ data: f32(X), shape: [3, 5] }, i32([0, 1, 2]), new Float32Array(15)),
        name,
      ).toThrow(
        new RegExp(
          `${cls}.forward: reduction 'none' gives a tensor of unreduced losses, not a number; use loss.apply`,
        ),
      );
    }
    // fit and Model training go through applyLoss, which is the number API on the tape.
    expect(() => ag.applyLoss(new losses.MSELoss({ reduction: 'none' }), x(), t())).toThrow(
      /MSELoss.forward: reduction 'none'/,
    );
  });

  it('int32 where a float is needed, and floats where labels are needed, are named', () => {
    const labels = ag.tensor(i32(Array(15).fill(1)), [3, 5], { dtype: 'int32' });
    expect(() => ag.mseLoss(x(), labels)).toThrow(
      /mseLoss: target must be a float32 tensor, got int32 \[3, 5\] \(int32 tensors hold indices and labels; convert with .float\(\)\)/,
    );
    expect(() => ag.klDiv(x(), i32([1, 2, 3]) as never)).toThrow(
      /klDiv: target must be a float32 tensor of the prediction's shape \[3, 5\], got Int32Array\(3\)/,
    );
    expect(() => ag.crossEntropy(labels, i32([1, 2, 3]))).toThrow(
      /crossEntropy: pred must be a float32 tensor, got int32 \[3, 5\]/,
    );
    expect(() => ag.nllLoss(x(), ag.tensor(f32([1, 2, 3]), [3]))).toThrow(
      /nllLoss: target must be class indices \(an Int32Array or an int32 tensor of shape \[3\]\), got a float32 tensor \[3\]/,
    );
  });

  it('options and values torch refuses are refused, naming the function', () => {
    expect(() => ag.crossEntropy(x(), i32([1, 2, 3]), { label_smoothing: 0.1 } as never)).toThrow(
      /crossEntropy: unknown option "label_smoothing" \(did you mean "labelSmoothing"\?\)/,
    );
    expect(() => ag.crossEntropy(x(), i32([1, 7, 3]))).toThrow(
      /crossEntropy: label out of range: target\[1\] = 7, expected a class index in \[0, 5\)/,
    );
    expect(() => ag.crossEntropy(x(), t(), { ignoreIndex: 2 })).toThrow(
      /crossEntropy: ignoreIndex 2 applies to class-index targets only/,
    );
    expect(() =>
      new losses.CrossEntropyLoss({ ignoreIndex: 0 }).forward(
        { data: f32(LOGITS), shape: [3, 5] },
        { data: f32(T), shape: [3, 5] },
      ),
    ).toThrow(/CrossEntropyLoss: ignoreIndex 0 applies to class-index targets only/);
    expect(() => ag.crossEntropy(leaf([1, 2, 3], [3]), i32([1]))).toThrow(
      /crossEntropy: expected a prediction of shape \[batch, classes, …\].*got \[3\]/,
    );
    expect(() => ag.nllLoss(x(), i32([1, 2, 3]), { weight: f32([1, 2]) })).toThrow(
      /nllLoss: argument weight must have length 5 \(one weight per class of the prediction\), got length 2/,
    );
    expect(() => ag.bceWithLogits(x(), t(), { posWeight: f32([1, 2]) })).toThrow(
      /bceWithLogits: posWeight has length 2, expected the prediction's 15 elements or its last dimension 5/,
    );
    expect(() => ag.binaryCrossEntropy(x(), t())).toThrow(
      /binaryCrossEntropy: input must hold probabilities in \[0, 1\]/,
    );
  });

  it('nothing is mutated on refusal', () => {
    const a = x();
    const before = Array.from(a.data);
    expect(() => ag.binaryCrossEntropy(a, t(), { reduction: 'none' })).toThrow(RangeError);
    expect(() => ag.crossEntropy(a, i32([1, 9, 0]))).toThrow(RangeError);
    expect(() => ag.huberLoss(a, ag.tensor(f32(T), [15]))).toThrow(RangeError);
    expect(a.grad).toBeNull();
    expect(Array.from(a.data)).toEqual(before);
    // The number API leaves the gradient buffer untouched.
    const grad = new Float32Array(15).fill(7);
    const bce = new losses.BCELoss();
    expect(() =>
      bce.forward(
        { data: f32(LOGITS), shape: [3, 5] },
        { data: f32(PROBS(3, 5)), shape: [3, 5] },
        grad,
      ),
    ).toThrow(RangeError);
    expect(() =>
      new losses.NLLLoss().forward({ data: f32(LOGITS), shape: [3, 5] }, i32([0, 5, 1]), grad),
    ).toThrow(RangeError);
    expect(Array.from(grad)).toEqual(Array(15).fill(7));
    // And the tape still works afterwards.
    const L = ag.crossEntropy(a, i32([1, 2, 0]));
    L.backward();
    expect(a.grad?.size).toBe(15);
  });

  it('a target that requires grad is refused by a loss without a formula', () => {
    const custom = { name: 'custom', forward: () => 0 };
    const tt = ag.tensor(f32(T), [3, 5], { requiresGrad: true });
    expect(() => ag.applyLoss(custom, x(), tt)).toThrow(
      /custom: the target requires grad, but this loss is differentiated only with respect to pred/,
    );
  });
});
