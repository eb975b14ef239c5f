/**
 * The FLOP count per training step (benchmarks/lib/flops.mjs) that the suite divides by the
 * step time to set it against the GEMM peak, checked against counts worked out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { NetShape } from '../benchmarks/lib/flops.mjs';
import { gemmLayers, stepFlops } from '../benchmarks/lib/flops.mjs';

// the suite's two nets (benchmarks/lib/tfjs-train.mjs NETS; the smoke test checks the suite's
// JSON against the same count)
const NETS: Record<'mlp' | 'cnn', NetShape> = {
  mlp: {
    conv: [],
    dense: [
      [784, 256],
      [256, 128],
      [128, 10],
    ],
  },
  cnn: {
    conv: [
      [1, 16, 3],
      [16, 32, 3],
    ],
    dense: [
      [32 * 7 * 7, 128],
      [128, 10],
    ],
  },
};

describe('training step FLOPs', () => {
  it('MLP 784-256-128-10: three GEMMs per layer, no dX for the input layer', () => {
    for (const b of [32, 128, 512]) {
      // multiply-adds of one forward pass per sample: 784·256 + 256·128 + 128·10 = 234,752
      const macs = 784 * 256 + 256 * 128 + 128 * 10;
      expect(macs).toBe(234_752);
      const forward = 2 * b * macs;
      const dW = forward;
      const dX = 2 * b * (256 * 128 + 128 * 10); // the first layer's input is data
      const f = stepFlops(NETS.mlp, b);
      expect(f.forward).toBe(forward);
      expect(f.backwardWeights).toBe(dW);
      expect(f.backwardData).toBe(dX);
      expect(f.total).toBe(forward + dW + dX);
    }
    // batch 128: 2·128·(3·234,752 − 200,704) = 128 · 1,007,104 FLOPs
    expect(stepFlops(NETS.mlp, 128).total).toBe(128 * 1_007_104);
  });

  it('CNN: the im2col GEMM shapes of both convolutions, then the dense layers', () => {
    expect(gemmLayers(NETS.cnn, 64)).toEqual([
      { kind: 'conv', m: 64 * 28 * 28, k: 9, n: 16 },
      { kind: 'conv', m: 64 * 14 * 14, k: 16 * 9, n: 32 },
      { kind: 'dense', m: 64, k: 1568, n: 128 },
      { kind: 'dense', m: 64, k: 128, n: 10 },
    ]);
    // per sample: conv1 2·784·9·16 = 225,792; conv2 2·196·144·32 = 1,806,336;
    // fc 2·1568·128 = 401,408 and 2·128·10 = 2,560 → forward 2,436,096; dW the same; dX
    // all but conv1 = 2,210,304; total 7,082,496
    expect(stepFlops(NETS.cnn, 1).total).toBe(7_082_496);
    expect(stepFlops(NETS.cnn, 64).total).toBe(64 * 7_082_496);
  });
});
