/**
 * Gradient checks: every unary op's backward against central finite differences of the same
 * backend's forward (Richardson-extrapolated, in the f32 the backend computes), on both
 * backends. The finite differences use h = 1e-2·(1 + |x|); the extrapolated estimate is
 * accurate to O(h⁴) plus f32 noise ~ε|f|/h, so 1e-3·(1 + |f'|) separates a right derivative
 * from a wrong one (a missing factor or sign is off by O(|f'|)).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNARY_CODES, type UnaryOp } from '../src/backend/kernels.js';
import { backend, setMinNativeLength } from '../src/backend/select.js';

const OPTIONS: Partial<Record<UnaryOp, Record<string, number>>> = {
  leakyRelu: { negativeSlope: 0.1 },
  elu: { alpha: 1.3 },
  softplus: { beta: 1.5, threshold: 20 },
};

/** Points away from kinks (relu-likes at 0, hardSigmoid at ±3) and inside each domain. */
function points(op: UnaryOp): number[] {
  const positive = op === 'sqrt' || op === 'log' || op === 'reciprocal';
  const xs: number[] = [];
  for (let i = 0; i < 97; i++) {
    const t = -6 + (12 * i) / 96 + 0.0137;
    const x = positive ? 0.2 + Math.abs(t) : t;
    if (Math.abs(x) < 0.05 || Math.abs(Math.abs(x) - 3) < 0.1) continue;
    xs.push(x);
  }
  return xs;
}

let prev = 0;
beforeAll(() => {
  prev = setMinNativeLength(0);
});
afterAll(() => {
  setMinNativeLength(prev);
});

describe.each(['js', 'native', 'wasm'] as const)('%s backend', (name) => {
  for (const op of Object.keys(UNARY_CODES) as UnaryOp[]) {
    it(`${op} backward matches finite differences`, () => {
      const b = backend(name);
      const opts = OPTIONS[op];
      const xs = points(op);
      const n = xs.length;
      const x = Float32Array.from(xs);
      const hs = xs.map((v) => 1e-2 * (1 + Math.abs(v)));
      const at = (k: number) => {
        const shifted = Float32Array.from(xs, (v, i) => v + k * hs[i]);
        return b.unary(op, shifted, undefined, opts);
      };
      const [p1, m1, p2, m2] = [at(1), at(-1), at(2), at(-2)];
      const dy = new Float32Array(n).fill(1);
      const grad = b.unaryBackward(op, x, dy, undefined, opts);
      for (let i = 0; i < n; i++) {
        // The shifted points are rounded to f32; use the actual spacing.
        const h1 = Math.fround(xs[i] + hs[i]) - Math.fround(xs[i] - hs[i]);
        const h2 = Math.fround(xs[i] + 2 * hs[i]) - Math.fround(xs[i] - 2 * hs[i]);
        const d1 = (p1[i] - m1[i]) / h1;
        const d2 = (p2[i] - m2[i]) / h2;
        const fd = (4 * d1 - d2) / 3;
        const tol = 1e-3 * (1 + Math.abs(fd));
        expect(
          Math.abs(grad[i] - fd),
          `${op} at x = ${xs[i]}: analytic ${grad[i]}, numeric ${fd}`,
        ).toBeLessThanOrEqual(tol);
      }
    });
  }
});
