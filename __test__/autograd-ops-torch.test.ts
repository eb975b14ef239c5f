/**
 * Every differentiable operation of src/autograd/ops against PyTorch, on both backends (native
 * with every kernel call routed to the addon): the cases of fixtures/autograd-ops.json, made by
 * scripts/fixtures/gen_autograd_ops.py (its docstring says what each case holds and how to
 * regenerate). For each case:
 *
 * - the forward output(s);
 * - the gradients of L = Σ⟨g, y⟩ for the fixture's upstream g, on the fast path and again with
 *   createGraph (the tensor-operation form of each backward);
 * - the second derivative: the gradient of ⟨v, ∇ₓ Σ⟨c, y + ½y²⟩⟩ (inner gradient with
 *   createGraph), which exercises each backward's derivative in x and in its incoming gradient;
 *
 * and a Hessian-vector product of a 5→7→3 tanh MLP's MSE loss through `hvp` against
 * torch.autograd.functional.hvp.
 *
 * The reference is float64 arithmetic on the exact float32 inputs. Tolerance, per element i of
 * a tensor ref (ours float32):
 *
 *     |ours_i − ref_i| ≤ 1e-5 · max(|ref_i|, max_j |ref_j|)
 *
 * that is 1e-5 relative to the element, or to the tensor's largest element where the element
 * is smaller: an entry that is a sum with cancellation (a matmul entry, a summed-back
 * broadcast gradient) carries float32 rounding of its terms, which are on the tensor's scale,
 * not its own. The Hessian-vector product uses the same rule with 1e-4. int32 outputs (argmax)
 * must be equal. Measured when written: at most 0.13 of the bound on either backend (a
 * logsumexp second derivative); AUTOGRAD_OPS_REPORT=1 prints the worst case of each run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '../src/autograd/index.js';
import * as ag from '../src/autograd/index.js';
import * as elementwise from '../src/autograd/ops/elementwise.js';
import * as gatherOps from '../src/autograd/ops/gather.js';
import * as matmulOps from '../src/autograd/ops/matmul.js';
import * as padOps from '../src/autograd/ops/pad.js';
import * as reduce from '../src/autograd/ops/reduce.js';
import * as reduceMax from '../src/autograd/ops/reduce-max.js';
import * as reduceVar from '../src/autograd/ops/reduce-var.js';
import * as shape from '../src/autograd/ops/shape.js';
import * as sliceOps from '../src/autograd/ops/slice.js';
import * as softmaxOps from '../src/autograd/ops/softmax.js';
import * as unary from '../src/autograd/ops/unary.js';
import * as whereOps from '../src/autograd/ops/where.js';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';

const REL = 1e-5;
const HVP_REL = 1e-4;

interface Arr {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: number[];
  grad?: boolean;
}
interface Case {
  id: string;
  op: string;
  // biome-ignore lint/suspicious/noExplicitAny: parameters vary by operation (see OPS)
  params: Record<string, any>;
  inputs: Arr[];
  outputs: Arr[];
  upstream?: number[][];
  grads?: (number[] | null)[];
  second?: { upstream: number[][]; v: (number[] | null)[]; hv: (number[] | null)[] };
}
const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/autograd-ops.json', import.meta.url), 'utf8'),
) as {
  cases: Case[];
  hvp: {
    params: number[];
    x: { shape: number[]; data: number[] };
    y: { shape: number[]; data: number[] };
    v: number[];
    loss: number;
    hvp: number[];
  };
};

type AnyT = Tensor | Tensor<'int32'>;
type Op = (xs: AnyT[], p: Case['params']) => Tensor | Tensor<'int32'> | Tensor[];
const f = (t: AnyT) => t as Tensor;
const i32 = (t: AnyT) => t as Tensor<'int32'>;

/** a op b with the fixture's number operand on either side. */
const binary =
  (fn: (a: elementwise.Operand, b: elementwise.Operand) => Tensor): Op =>
  (xs, p) =>
    p.a !== undefined
      ? fn(p.a, f(xs[0]))
      : p.b !== undefined
        ? fn(f(xs[0]), p.b)
        : fn(f(xs[0]), f(xs[1]));

/** How each fixture op is called (the fixture's params in our argument order). */
const OPS: Record<string, Op> = {
  add: binary(ag.add),
  sub: binary(ag.sub),
  mul: binary(ag.mul),
  div: binary(ag.div),
  pow: binary(ag.pow),
  maximum: binary(ag.maximum),
  minimum: binary(ag.minimum),
  neg: (xs) => ag.neg(f(xs[0])),
  reciprocal: (xs) => ag.reciprocal(f(xs[0])),
  expand: (xs, p) => ag.expand(f(xs[0]), p.shape),
  sumTo: (xs, p) => ag.sumTo(f(xs[0]), p.shape),
  exp: (xs) => ag.exp(f(xs[0])),
  log: (xs) => ag.log(f(xs[0])),
  sqrt: (xs) => ag.sqrt(f(xs[0])),
  abs: (xs) => ag.abs(f(xs[0])),
  square: (xs) => ag.square(f(xs[0])),
  sigmoid: (xs) => ag.sigmoid(f(xs[0])),
  tanh: (xs) => ag.tanh(f(xs[0])),
  relu: (xs) => ag.relu(f(xs[0])),
  leakyRelu: (xs, p) => ag.leakyRelu(f(xs[0]), p.negativeSlope),
  elu: (xs, p) => ag.elu(f(xs[0]), p.alpha),
  selu: (xs) => ag.selu(f(xs[0])),
  gelu: (xs, p) => ag.gelu(f(xs[0]), p.approximate),
  silu: (xs) => ag.silu(f(xs[0])),
  mish: (xs) => ag.mish(f(xs[0])),
  softplus: (xs, p) => ag.softplus(f(xs[0]), p.beta, p.threshold),
  hardSigmoid: (xs) => ag.hardSigmoid(f(xs[0])),
  normalCdf: (xs) => ag.normalCdf(f(xs[0])),
  clamp: (xs, p) => ag.clamp(f(xs[0]), p.lo, p.hi),
  sum: (xs, p) => ag.sum(f(xs[0]), p.axes, { keepdims: p.keepdims ?? false }),
  mean: (xs, p) => ag.mean(f(xs[0]), p.axes, { keepdims: p.keepdims ?? false }),
  matmul: (xs, p) =>
    ag.matmul(f(xs[0]), f(xs[1]), { transA: p.transA ?? false, transB: p.transB ?? false }),
  linear: (xs) => ag.linear(f(xs[0]), f(xs[1]), xs[2] ? f(xs[2]) : null),
  softmax: (xs, p) => ag.softmax(f(xs[0]), p.axis),
  logSoftmax: (xs, p) => ag.logSoftmax(f(xs[0]), p.axis),
  reshape: (xs, p) => ag.reshape(f(xs[0]), p.shape),
  permute: (xs, p) => ag.permute(f(xs[0]), p.dims),
  transpose: (xs, p) => ag.transpose(f(xs[0]), p.a, p.b),
  flatten: (xs) => ag.flatten(f(xs[0])),
  unsqueeze: (xs, p) => ag.unsqueeze(f(xs[0]), p.axis),
  squeeze: (xs) => ag.squeeze(f(xs[0])),
  where: (xs, p) => ag.where(xs[0], f(xs[1]), p.b ?? f(xs[2])),
  max: (xs, p) => ag.max(f(xs[0]), p.axes, { keepdims: p.keepdims ?? false }),
  min: (xs, p) => ag.min(f(xs[0]), p.axes, { keepdims: p.keepdims ?? false }),
  logsumexp: (xs, p) => ag.logsumexp(f(xs[0]), p.axes, { keepdims: p.keepdims ?? false }),
  argmax: (xs, p) => ag.argmax(f(xs[0]), p.axis, { keepdims: p.keepdims ?? false }),
  var: (xs, p) => ag.var(f(xs[0]), p.axes, varOpts(p)),
  std: (xs, p) => ag.std(f(xs[0]), p.axes, varOpts(p)),
  slice: (xs, p) => ag.slice(f(xs[0]), p.axis, p.start, p.end, p.step),
  split: (xs, p) => ag.split(f(xs[0]), p.sizes, p.axis),
  chunk: (xs, p) => ag.chunk(f(xs[0]), p.chunks, p.axis),
  cat: (xs, p) => ag.cat(xs.map(f), p.axis),
  stack: (xs, p) => ag.stack(xs.map(f), p.axis),
  gather: (xs, p) => ag.gather(f(xs[0]), p.axis, i32(xs[1])),
  indexSelect: (xs, p) => ag.indexSelect(f(xs[0]), p.axis, i32(xs[1])),
  pad: (xs, p) => ag.pad(f(xs[0]), p.pads, p.mode ? { mode: p.mode } : { value: p.value ?? 0 }),
  repeat: (xs, p) => ag.repeat(f(xs[0]), p.reps),
  tile: (xs, p) => ag.tile(f(xs[0]), p.reps),
};

function varOpts(p: Case['params']): ag.VarOptions {
  const o: ag.VarOptions = { keepdims: p.keepdims ?? false };
  if (p.correction !== undefined) o.correction = p.correction;
  if (p.unbiased !== undefined) o.unbiased = p.unbiased;
  return o;
}

/**
 * Exports of the op modules that are not fixture ops, and why. Any other exported function
 * must have fixture cases, so an operation added to these files without a PyTorch check fails.
 */
const NOT_OPS: Record<string, string> = {
  unary: 'the generic form of the named activations, each of which has cases',
  reluMask:
    "relu's derivative as a constant (no gradient of its own): relu's second-order cases and conv-pool-fusion.test.ts check it",
  sliceScatter: "slice's backward: checked by slice's second-order cases",
  indexAdd: "indexSelect's backward: checked by its second-order cases",
  scatterAdd: "gather's backward: checked by its second-order cases",
  reduceAxes: 'argument helper',
  reducedShapes: 'argument helper',
  keepdimsOf: 'argument helper',
  checkUnary: 'argument helper',
  reduceLayout: 'layout helper',
  concat: 'another name for cat',
  variance: 'the function behind var',
};

const modules = {
  elementwise,
  gatherOps,
  matmulOps,
  padOps,
  reduce,
  reduceMax,
  reduceVar,
  shape,
  sliceOps,
  softmaxOps,
  unary,
  whereOps,
};

/** The largest |Δ|/bound seen, with where (AUTOGRAD_OPS_REPORT=1 prints it per backend). */
let worst = { ratio: 0, where: '' };

function check(what: string, ours: ArrayLike<number>, ref: readonly number[], rel: number) {
  expect(ours.length, `${what}: length`).toBe(ref.length);
  let scale = 0;
  for (const r of ref) scale = Math.max(scale, Math.abs(r));
  for (let i = 0; i < ref.length; i++) {
    const bound = rel * Math.max(Math.abs(ref[i]), scale);
    const err = Math.abs(ours[i] - ref[i]);
    if (bound > 0 && err / bound > worst.ratio)
      worst = { ratio: err / bound, where: `${expect.getState().currentTestName} ${what}[${i}]` };
    if (!(err <= bound))
      expect.fail(
        `${what}[${i}]: ours ${ours[i]}, torch ${ref[i]} (|Δ| ${err.toExponential(2)} > ${bound.toExponential(2)})`,
      );
  }
}

function makeInputs(c: Case): AnyT[] {
  return c.inputs.map((a) =>
    a.dtype === 'int32'
      ? (ag.tensor(Int32Array.from(a.data), a.shape) as Tensor<'int32'>)
      : (ag.tensor(Float32Array.from(a.data), a.shape, {
          requiresGrad: a.grad ?? false,
        }) as Tensor),
  );
}

function outputsOf(c: Case, xs: AnyT[]): AnyT[] {
  const y = OPS[c.op](xs, c.params);
  return Array.isArray(y) ? y : [y];
}

const tensorOf = (data: number[], s: readonly number[]) =>
  ag.tensor(Float32Array.from(data), [...s]) as Tensor;

function firstOrder(c: Case, createGraph: boolean): (Tensor | null)[] {
  const xs = makeInputs(c);
  const ys = outputsOf(c, xs) as Tensor[];
  const floats = xs.filter((_, i) => c.inputs[i].grad) as Tensor[];
  const gs = ag.gradients(ys, floats, {
    gradOutputs: (c.upstream as number[][]).map((g, k) => tensorOf(g, ys[k].shape)),
    createGraph,
    allowUnused: true,
  });
  let k = 0;
  return c.inputs.map((a) => (a.grad ? gs[k++] : null));
}

function secondOrder(c: Case): (Tensor | null)[] {
  const sec = c.second as NonNullable<Case['second']>;
  const xs = makeInputs(c);
  const ys = outputsOf(c, xs) as Tensor[];
  const floats = xs.filter((_, i) => c.inputs[i].grad) as Tensor[];
  let L2: Tensor | null = null;
  ys.forEach((y, k) => {
    const t = ag.sum(
      ag.mul(ag.add(y, ag.mul(ag.mul(y, y), 0.5)), tensorOf(sec.upstream[k], y.shape)),
    );
    L2 = L2 ? L2.add(t) : t;
  });
  const g2 = ag.gradients(L2 as unknown as Tensor, floats, {
    createGraph: true,
    allowUnused: true,
  });
  const vs = c.inputs.flatMap((a, i) => (a.grad ? [tensorOf(sec.v[i] as number[], a.shape)] : []));
  let s: Tensor | null = null;
  g2.forEach((g, i) => {
    const t = ag.sum(ag.mul(g, vs[i]));
    s = s ? s.add(t) : t;
  });
  const hv = ag.gradients(s as unknown as Tensor, floats, { allowUnused: true });
  let k = 0;
  return c.inputs.map((a) => (a.grad ? hv[k++] : null));
}

describe('the fixture covers every exported operation', () => {
  it('each exported function of the op modules has cases or a stated reason', () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    const missing: string[] = [];
    for (const [mod, exports] of Object.entries(modules))
      for (const [name, v] of Object.entries(exports))
        if (typeof v === 'function' && !ops.has(name) && !(name in NOT_OPS))
          missing.push(`${mod}.${name}`);
    expect(missing).toEqual([]);
    for (const op of ops) expect(OPS[op], `no runner for fixture op ${op}`).toBeTypeOf('function');
  });
});

const backends: BackendName[] = ['js', 'native'];
for (const be of backends) {
  describe(`autograd ops against PyTorch (${be})`, () => {
    let prev: BackendName;
    let prevMin: number;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
      prevMin = setMinNativeLength(0); // tiny tensors too go through the addon
    });
    afterAll(() => {
      setMinNativeLength(prevMin);
      setBackend(prev);
      if (process.env.AUTOGRAD_OPS_REPORT)
        console.log(`${be}: worst |Δ|/bound ${worst.ratio.toFixed(3)} at ${worst.where}`);
      worst = { ratio: 0, where: '' };
    });

    for (const c of fixture.cases) {
      it(`${c.op}: ${c.id}`, () => {
        const xs = makeInputs(c);
        const ys = outputsOf(c, xs);
        expect(ys.length).toBe(c.outputs.length);
        ys.forEach((y, k) => {
          const ref = c.outputs[k];
          expect(y.shape, 'output shape').toEqual(ref.shape);
          expect(y.dtype).toBe(ref.dtype);
          if (ref.dtype === 'int32') expect(Array.from(y.data)).toEqual(ref.data);
          else check(`output ${k}`, y.data, ref.data, REL);
        });
        if (!c.upstream) return;
        for (const createGraph of [false, true]) {
          const gs = firstOrder(c, createGraph);
          c.grads?.forEach((ref, i) => {
            if (ref)
              check(
                `grad of input ${i}${createGraph ? ' (createGraph)' : ''}`,
                (gs[i] as Tensor).data,
                ref,
                REL,
              );
          });
        }
        const hv = secondOrder(c);
        c.second?.hv.forEach((ref, i) => {
          if (ref) check(`second derivative, input ${i}`, (hv[i] as Tensor).data, ref, REL);
        });
      });
    }

    it('hvp of a 5→7→3 tanh MLP with MSE equals torch.autograd.functional.hvp', () => {
      const h = fixture.hvp;
      const X = tensorOf(h.x.data, h.x.shape);
      const Y = tensorOf(h.y.data, h.y.shape);
      const loss = (p: Tensor) => {
        const w1 = ag.reshape(ag.slice(p, 0, 0, 35), [7, 5]);
        const b1 = ag.slice(p, 0, 35, 42);
        const w2 = ag.reshape(ag.slice(p, 0, 42, 63), [3, 7]);
        const b2 = ag.slice(p, 0, 63, 66);
        const hid = ag.tanh(ag.linear(X, w1, b1));
        return ag.mean(ag.square(ag.sub(ag.linear(hid, w2, b2), Y)));
      };
      const p = tensorOf(h.params, [h.params.length]);
      check('loss', [loss(p).item()], [h.loss], REL);
      const hv = ag.hvp(loss, p, tensorOf(h.v, [h.v.length]));
      check('hvp', hv.data, h.hvp, HVP_REL);
    });
  });
}
