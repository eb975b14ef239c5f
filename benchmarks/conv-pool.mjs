#!/usr/bin/env node
// The CNN benchmark's two convolution blocks (conv 3×3 pad 1 → max-pool 2 → ReLU) at one batch
// size, kernel by kernel through the native binding: the fused conv2dPoolImages and its
// backward against the unfused chain (conv2dImages, maxPool2d, ReLU; ReLU's backward,
// maxPool2dBackward, biasGrad, conv2dImagesBackward) on the same data. Shows what the fusion
// saves per block, forward and backward, on this machine's thread count (DESCENT_THREADS).
//
//   node benchmarks/conv-pool.mjs [--batch n] [--rounds n]
//
// Medians over interleaved rounds (fused and unfused alternate), µs per call, ± half the IQR.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { fmtSpread, itersFor, stats, table, timeBatch, warmUp } from './lib/timing.mjs';

const { values: opt } = parseArgs({
  options: { batch: { type: 'string', default: '64' }, rounds: { type: 'string', default: '9' } },
  strict: true,
});
const N = Number(opt.batch);
const rounds = Number(opt.rounds);
for (const [k, v] of [
  ['batch', N],
  ['rounds', rounds],
])
  if (!Number.isInteger(v) || v < 1) {
    console.error(`conv-pool: --${k} must be a positive integer, got ${opt[k]}`);
    process.exit(2);
  }

const b = createRequire(import.meta.url)('../native/binding.cjs');
const RELU = 18; // the binding's code for ReLU (crates/kernels/src/unary.rs)
let seed = 1;
const rand = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    a[i] = seed / 2 ** 32 - 0.5;
  }
  return a;
};

/** [name, fused fn, unfused fn] for forward and backward of one block. */
function block(c, o, h) {
  const geom = Float64Array.of(N, c, h, h, 3, 3, 1, 1, 1, 1, 1, 1, h, h);
  const pool = Float64Array.of(N, o, h, h, 2, 2, 2, 2, 0, 0, 1, 1, h / 2, h / 2);
  const [x, w, bias] = [rand(N * c * h * h), rand(o * c * 9), rand(o)];
  const pooled = (N * o * h * h) / 4;
  const [y, dy] = [new Float32Array(N * o * h * h), new Float32Array(N * o * h * h)];
  const [p, r, dp, dr] = [
    new Float32Array(pooled),
    new Float32Array(pooled),
    new Float32Array(pooled),
    rand(pooled),
  ];
  const idx = new Int32Array(pooled);
  const [dw, db] = [new Float32Array(o * c * 9), new Float32Array(o)];
  // The first block's input needs no gradient (as in the network).
  const dx = c > 1 ? new Float32Array(N * c * h * h) : null;
  const name = `conv ${c}→${o} ${h}×${h}, batch ${N}`;
  return [
    [
      `${name} forward`,
      () => b.conv2dPoolImages(r, idx, x, w, bias, o, geom, pool, true),
      () => {
        b.conv2dImages(y, x, w, bias, o, geom);
        b.maxPool2d(p, idx, y, pool);
        b.unary(RELU, r, p, 0, 0);
      },
    ],
    [
      `${name} backward`,
      () =>
        b.conv2dPoolImagesBackward(dw, false, dx, db, false, x, w, r, idx, dr, o, geom, pool, true),
      () => {
        b.unaryBackward(RELU, dp, p, dr, 0, 0);
        b.maxPool2dBackward(dy, idx, dp, pool);
        b.biasGrad(db, dy, N, o, h * h, false);
        b.conv2dImagesBackward(dw, false, dx, x, w, dy, o, geom);
      },
    ],
  ];
}

const rows = [];
for (const [name, fused, unfused] of [...block(1, 16, 28), ...block(16, 32, 14)]) {
  const iters = itersFor(Math.max(warmUp(fused), warmUp(unfused)), 0.05);
  const t = { fused: [], unfused: [] };
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? ['unfused', 'fused'] : ['fused', 'unfused'];
    for (const k of order) t[k].push(timeBatch(k === 'fused' ? fused : unfused, iters) * 1e6);
  }
  const [f, u] = [stats(t.fused), stats(t.unfused)];
  rows.push([
    name,
    `${f.median.toFixed(1)} ${fmtSpread(f.spread)}`,
    `${u.median.toFixed(1)} ${fmtSpread(u.spread)}`,
    `${(u.median / f.median).toFixed(2)}×`,
  ]);
}
console.log(`${b.info().threads} thread(s); µs per call, median of ${rounds} rounds`);
console.log(table(['block', 'fused µs', 'unfused µs', 'unfused / fused'], rows));
