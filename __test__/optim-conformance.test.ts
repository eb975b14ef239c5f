/**
 * Conformance: every optimizer (by name from the `optim` namespace; a missing class fails)
 * must bring the loss of three problems below a stated fraction of its initial value within
 * a step budget, on both backends:
 *
 * (a) a quadratic ½(x − x*)ᵀQᵀΛQ(x − x*) in 20 dimensions, Λ log-spaced from 1 to 100
 *     (condition number 100), Q a seeded random rotation;
 * (b) the 2-D Rosenbrock function from (−1.2, 1);
 * (c) softmax regression on a seeded synthetic 3-class dataset (120 points, 4 features),
 *     computed with the library's ops (gemm, softmaxCrossEntropy with grad, colSums).
 *
 * Each row's learning rate was chosen, and its factor stated, from the reference
 * implementations (torch.optim, optax, schedulefree; Lookahead and SAM as their papers'
 * reference code over torch's Adam/SGD; Muon as torch.optim.Muon) on the same problems: at
 * 0.7×, 1× and 1.4× the row's lr every reference lands below the factor, at 1× by at least
 * ~10× (the `ref` column: the reference's final/initial loss ratio at 1×), and so does the
 * reference's loss at every step of the last 20% of the budget (so that an optimizer that
 * oscillates near the minimum does not pass or fail on where the last step happens to land).
 * The softmax regression's minimum is ≈ 0.12 × its initial loss, so its factor is 0.3
 * throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  ops,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import type { Param } from '../src/optim/index.js';
import {
  buildOptimizer,
  driveOf,
  OPTIMIZER_NAMES,
  type OptimizerName,
  type RowOptions,
  setMode,
  stepOnce,
} from './helpers/optim-registry.js';

/** mulberry32: a tiny seeded generator, identical in the calibration script. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Problem {
  /** Fresh parameters at the starting point. */
  params(): Param[];
  /** Loss at the parameters; writes their gradients. */
  lossAndGrad(params: Param[]): number;
}

function param(values: ArrayLike<number>, shape: number[]): Param {
  return { data: Float32Array.from(values), grad: new Float32Array(values.length), shape };
}

/** (a) ½ Σᵢ λᵢ (qᵢ·(x − x*))², λᵢ = 100^(i/19), rows qᵢ of a Gram–Schmidt rotation. */
function quadratic(): Problem {
  const n = 20;
  const r = mulberry32(1);
  const m = Array.from({ length: n }, () => Array.from({ length: n }, () => 2 * r() - 1));
  const q: number[][] = [];
  for (let i = 0; i < n; i++) {
    let v = m[i].slice();
    for (const u of q) {
      let d = 0;
      for (let k = 0; k < n; k++) d += v[k] * u[k];
      v = v.map((x, k) => x - d * u[k]);
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map((x) => x / norm));
  }
  const lam = Array.from({ length: n }, (_, i) => 100 ** (i / (n - 1)));
  const xs = Array.from({ length: n }, () => 2 * r() - 1);
  const x0 = Array.from({ length: n }, () => 2 * r() - 1);
  const y = new Float64Array(n);
  return {
    params: () => [param(x0, [4, 5])],
    lossAndGrad: ([p]) => {
      let loss = 0;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += q[i][k] * (p.data[k] - xs[k]);
        y[i] = lam[i] * s;
        loss += 0.5 * lam[i] * s * s;
      }
      const g = p.grad as Float32Array;
      for (let k = 0; k < n; k++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += q[i][k] * y[i];
        g[k] = s;
      }
      return loss;
    },
  };
}

/** (b) (1 − x)² + 100(y − x²)² from (−1.2, 1). */
function rosenbrock(): Problem {
  return {
    params: () => [param([-1.2, 1], [1, 2])],
    lossAndGrad: ([p]) => {
      const x = p.data[0];
      const y = p.data[1];
      const a = y - x * x;
      const b = 1 - x;
      const g = p.grad as Float32Array;
      g[0] = -2 * b - 400 * x * a;
      g[1] = 200 * a;
      return b * b + 100 * a * a;
    },
  };
}

/** (c) Mean cross-entropy of softmax(XW + b) on 3 Gaussian blobs, through the library's ops. */
function classification(): Problem {
  const r = mulberry32(3);
  const D = 4;
  const K = 3;
  const N = 120;
  const centers = Array.from({ length: K }, () =>
    Array.from({ length: D }, () => 3 * (2 * r() - 1)),
  );
  const X = new Float32Array(N * D);
  const labels = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const k = i % K;
    labels[i] = k;
    for (let d = 0; d < D; d++) {
      const u1 = r();
      const u2 = r();
      const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
      X[i * D + d] = centers[k][d] + z;
    }
  }
  const w0 = Array.from({ length: D * K }, () => 0.1 * (2 * r() - 1));
  const logits = new Float32Array(N * K);
  const dlogits = new Float32Array(N * K);
  return {
    params: () => [param(w0, [D, K]), param(new Float32Array(K), [K])],
    lossAndGrad: ([w, b]) => {
      for (let i = 0; i < N; i++) logits.set(b.data, i * K);
      ops.gemm(X, w.data, logits, { m: N, n: K, k: D, beta: 1 });
      const loss = ops.softmaxCrossEntropy(logits, labels, N, K, { grad: dlogits });
      ops.gemm(X, dlogits, w.grad as Float32Array, { m: D, n: K, k: N, transA: true });
      ops.colSums(dlogits, N, K, b.grad as Float32Array);
      return loss;
    },
  };
}

const PROBLEMS = { quadratic, rosenbrock, classification } as const;
type ProblemName = keyof typeof PROBLEMS;

interface Cell {
  lr: number;
  /** Step budget (LBFGS: calls of step(closure), each up to 20 iterations). */
  steps: number;
  /** The final loss must be ≤ factor × the initial loss. */
  factor: number;
  /** The reference implementation's final/initial ratio at this lr (documentation). */
  ref: number;
}

const C = (lr: number, steps: number, factor: number, ref: number): Cell => ({
  lr,
  steps,
  factor,
  ref,
});

/** Per optimizer and problem: lr, budget, factor (and the reference's ratio). */
const TABLE: Record<OptimizerName, Record<ProblemName, Cell>> = {
  SGD: {
    quadratic: C(0.003, 300, 1e-6, 1.2e-14),
    rosenbrock: C(1e-3, 2000, 1e-5, 2.5e-10),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  Adam: {
    quadratic: C(0.1, 300, 1e-5, 3.4e-8),
    rosenbrock: C(0.03, 2000, 1e-3, 7.1e-7),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  AdamW: {
    quadratic: C(0.1, 300, 1e-4, 5.2e-6),
    rosenbrock: C(0.03, 2000, 1e-2, 9.6e-5),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  Adagrad: {
    quadratic: C(0.3, 300, 1e-3, 4.9e-5),
    rosenbrock: C(0.3, 2000, 2e-2, 1e-3),
    classification: C(0.3, 200, 0.3, 0.14),
  },
  Adadelta: {
    quadratic: C(3, 300, 2e-2, 1.1e-3),
    rosenbrock: C(0.3, 2000, 0.1, 5.7e-3),
    classification: C(3, 200, 0.3, 0.16),
  },
  RMSprop: {
    quadratic: C(0.01, 300, 2e-2, 1.1e-3),
    rosenbrock: C(3e-3, 2000, 1e-2, 3.6e-4),
    classification: C(0.03, 200, 0.3, 0.13),
  },
  Adamax: {
    quadratic: C(0.3, 300, 1e-4, 1.8e-6),
    rosenbrock: C(0.3, 2000, 1e-4, 2.2e-8),
    classification: C(0.3, 200, 0.3, 0.13),
  },
  NAdam: {
    quadratic: C(0.03, 300, 1e-2, 5.5e-4),
    rosenbrock: C(0.01, 2000, 0.05, 2.6e-3),
    classification: C(0.03, 200, 0.3, 0.14),
  },
  // RAdam's first steps are un-rectified SGD steps of size lr·|g| (|g| ≈ 200 on Rosenbrock),
  // so larger rates diverge there: it gets a small rate and loose factors.
  RAdam: {
    quadratic: C(0.01, 300, 0.2, 0.015),
    rosenbrock: C(3e-3, 2000, 0.5, 0.12),
    classification: C(0.1, 200, 0.3, 0.15),
  },
  Rprop: {
    quadratic: C(0.01, 300, 1e-6, 1.3e-12),
    rosenbrock: C(0.01, 2000, 1e-3, 5.8e-6),
    classification: C(0.01, 200, 0.3, 0.12),
  },
  ASGD: {
    quadratic: C(0.003, 300, 1e-2, 4.4e-4),
    rosenbrock: C(1e-3, 2000, 0.05, 3.2e-3),
    classification: C(0.3, 200, 0.3, 0.15),
  },
  Lion: {
    quadratic: C(0.03, 300, 2e-2, 8e-4),
    rosenbrock: C(3e-3, 2000, 1e-2, 2.3e-4),
    classification: C(0.03, 200, 0.3, 0.16),
  },
  AdaBelief: {
    quadratic: C(0.1, 300, 1e-6, 1.5e-9),
    rosenbrock: C(0.03, 2000, 1e-4, 1.9e-7),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  Yogi: {
    quadratic: C(0.1, 300, 1e-5, 8.7e-8),
    rosenbrock: C(0.1, 2000, 1e-5, 8.6e-11),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  Adan: {
    quadratic: C(0.1, 300, 5e-3, 1.7e-4),
    rosenbrock: C(0.01, 2000, 1e-4, 2.1e-12),
    classification: C(0.1, 200, 0.3, 0.12),
  },
  // LAMB's step is ~lr·‖θ‖ however small the gradient, so it keeps bouncing around the
  // minimum (the final value depends on rounding: ours and optax's agree for ~750 steps on
  // Rosenbrock, then part); the factors cover the whole last 20% of the reference's run.
  LAMB: {
    quadratic: C(0.03, 300, 1e-2, 2.2e-6),
    rosenbrock: C(0.01, 2000, 0.2, 0.037),
    classification: C(0.03, 200, 0.3, 0.13),
  },
  LARS: {
    quadratic: C(1, 300, 5e-3, 2.2e-7),
    rosenbrock: C(1, 2000, 0.1, 1.4e-4),
    classification: C(3, 200, 0.3, 0.12),
  },
  SGDScheduleFree: {
    quadratic: C(0.03, 300, 1e-4, 6.9e-6),
    rosenbrock: C(2e-3, 2000, 1e-2, 5e-4),
    classification: C(1, 200, 0.3, 0.14),
  },
  AdamWScheduleFree: {
    quadratic: C(0.1, 300, 5e-3, 1.5e-4),
    rosenbrock: C(0.03, 2000, 2e-2, 9.6e-4),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  LBFGS: {
    quadratic: C(1, 5, 1e-8, 3.3e-13),
    rosenbrock: C(1, 20, 1e-8, 9.9e-12),
    classification: C(1, 10, 0.3, 0.12),
  },
  Lookahead: {
    quadratic: C(0.1, 300, 1e-3, 1.7e-5),
    rosenbrock: C(0.1, 2000, 1e-4, 9.2e-12),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  SAM: {
    quadratic: C(1e-3, 300, 1e-4, 5.4e-7),
    rosenbrock: C(1e-4, 2000, 0.05, 3.6e-3),
    classification: C(0.1, 200, 0.3, 0.13),
  },
  // Rosenbrock's parameter is a 1×2 matrix: torch.optim.Muon orthogonalises it (reaching
  // 5.3e-6 at lr 3e-3), our Muon counts it as a vector and gives it AdamW at adamwLr 0.03
  // (AdamW reaches 9.6e-5 there): the factor holds for either.
  Muon: {
    quadratic: C(0.03, 300, 5e-3, 1.7e-4),
    rosenbrock: C(3e-3, 2000, 1e-2, 5.3e-6),
    classification: C(0.03, 200, 0.3, 0.13),
  },
};

/** The options of a row: lr, plus what the calibration used besides the defaults. */
function rowOptions(name: OptimizerName, problem: ProblemName, lr: number): RowOptions {
  switch (name) {
    case 'SGD':
      return { options: { lr, momentum: 0.9 } };
    case 'LBFGS':
      return { options: { lr, lineSearchFn: 'strong_wolfe' } };
    case 'Lookahead':
      return { inner: { lr }, options: { k: 5, alpha: 0.5 } };
    case 'SAM':
      return { inner: { lr, momentum: 0.9 }, options: { rho: 0.05 } };
    case 'Muon':
      // Matrices get Muon; vectors AdamW: the classification bias at the same rate, the
      // Rosenbrock 1×2 parameter (see TABLE) at AdamW's calibrated rate.
      return { options: { lr, adamwLr: problem === 'rosenbrock' ? 0.03 : lr } };
    default:
      return { options: { lr } };
  }
}

/** Runs `name` on `problem` with `cell`'s lr and budget; returns the final/initial ratio. */
function run(name: OptimizerName, problem: ProblemName, lr: number, steps: number): number {
  const prob = PROBLEMS[problem]();
  const params = prob.params();
  const initial = prob.lossAndGrad(params);
  const opt = buildOptimizer(name, params, rowOptions(name, problem, lr));
  const drive = driveOf(name);
  if (drive.scheduleFree) setMode(opt, name, 'train');
  for (let s = 0; s < steps; s++) stepOnce(opt, drive, () => prob.lossAndGrad(params));
  if (drive.scheduleFree) setMode(opt, name, 'eval');
  const final = prob.lossAndGrad(params);
  return final / initial;
}

const initialBackend = getBackend().name;
let initialMin = 0;
beforeAll(() => {
  initialMin = setMinNativeLength(0);
});
/** Measured ratios, printed at the end with OPTIM_CONFORMANCE_REPORT=1. */
const report: string[] = [];
afterAll(() => {
  setMinNativeLength(initialMin);
  setBackend(initialBackend);
  if (process.env.OPTIM_CONFORMANCE_REPORT) {
    process.stdout.write(`\noptim-conformance: final/initial loss\n${report.join('\n')}\n`);
  }
});

describe('optim conformance', () => {
  it('the table covers every optimizer', () => {
    expect(Object.keys(TABLE).sort()).toEqual([...OPTIMIZER_NAMES].sort());
  });

  it('the problems start where the calibration did', () => {
    setBackend('js');
    const start = (p: ProblemName) => {
      const prob = PROBLEMS[p]();
      return prob.lossAndGrad(prob.params());
    };
    expect(start('quadratic')).toBeCloseTo(254.226, 2);
    expect(start('rosenbrock')).toBeCloseTo(24.2, 4);
    expect(start('classification')).toBeCloseTo(1.1074, 3);
  });

  it('can fail: SGD with lr 0 does not descend', () => {
    setBackend('js');
    for (const p of Object.keys(PROBLEMS) as ProblemName[]) {
      expect(run('SGD', p, 0, 10)).toBe(1);
    }
  });
});

const rows = OPTIMIZER_NAMES.flatMap((name) =>
  (Object.keys(PROBLEMS) as ProblemName[]).map((problem) => {
    const cell = TABLE[name][problem];
    return [
      `${name} on ${problem}: loss ≤ ${cell.factor} × initial within ${cell.steps} steps (lr ${cell.lr})`,
      name,
      problem,
      cell,
    ] as const;
  }),
);

describe.each(['js', 'native', 'wasm'] as BackendName[])(
  'optim conformance: %s backend',
  (backendName) => {
    it.each(rows)('%s', (_title, name, problem, cell) => {
      setBackend(backendName);
      const ratio = run(name, problem, cell.lr, cell.steps);
      report.push(
        `${backendName.padEnd(6)} ${name.padEnd(18)} ${problem.padEnd(14)} ${ratio.toExponential(2).padStart(9)} ≤ ${cell.factor} (reference ${cell.ref})`,
      );
      expect(
        ratio,
        `${name} on ${problem} (${backendName}): final/initial loss ${ratio.toExponential(3)}, required ≤ ${cell.factor} (the reference reaches ${cell.ref})`,
      ).toBeLessThanOrEqual(cell.factor);
    });
  },
);
