#!/usr/bin/env node
// A short demo until the `descent` command lands: fits a 2-layer network to a noisy
// two-moons-like problem with fused Adam steps and prints the backend in use.
import { getBackend, Rng } from '../dist/index.js';

const b = getBackend();
const info = b.info();
console.log(`descent backend: ${info.name} (simd: ${info.simd}, threads: ${info.threads})`);

const rng = new Rng(7);
const n = 512;
const inDim = 2;
const hidden = 64;
const classes = 2;
const x = new Float32Array(n * inDim);
const y = new Int32Array(n);
const noise = rng.normal(n * inDim, 0, 0.1);
for (let i = 0; i < n; i++) {
  const t = Math.PI * (i / n) * 2;
  const c = i % 2;
  x[i * 2] = (c ? 1 - Math.cos(t / 2) : Math.cos(t / 2)) + noise[i * 2];
  x[i * 2 + 1] = (c ? 0.5 - Math.sin(t / 2) : Math.sin(t / 2)) + noise[i * 2 + 1];
  y[i] = c;
}

// One flat arena for all parameters, one for gradients, two for Adam's moments.
const sizes = [inDim * hidden, hidden, hidden * classes, classes];
const total = sizes.reduce((a, s) => a + s, 0);
const params = new Float32Array(total);
const grads = new Float32Array(total);
const m = new Float32Array(total);
const v = new Float32Array(total);
const views = (buf) => {
  let o = 0;
  return sizes.map((s) => buf.subarray(o, (o += s)));
};
const [w1, b1, w2, b2] = views(params);
const [gw1, gb1, gw2, gb2] = views(grads);
rng.uniform(w1, -Math.sqrt(1 / inDim), Math.sqrt(1 / inDim));
rng.uniform(w2, -Math.sqrt(1 / hidden), Math.sqrt(1 / hidden));

const h = new Float32Array(n * hidden);
const a = new Float32Array(n * hidden);
const logits = new Float32Array(n * classes);
const dlogits = new Float32Array(n * classes);
const da = new Float32Array(n * hidden);
const ones = new Float32Array(n).fill(1);
const pred = new Int32Array(n);

const t0 = performance.now();
for (let step = 1; step <= 300; step++) {
  // forward: h = x W1 + b1, a = tanh(h), logits = a W2 + b2
  b.gemm(ones, b1, h, { m: n, n: hidden, k: 1 });
  b.gemm(x, w1, h, { m: n, n: hidden, k: inDim, beta: 1 });
  b.tanh(h, a);
  b.gemm(ones, b2, logits, { m: n, n: classes, k: 1 });
  b.gemm(a, w2, logits, { m: n, n: classes, k: hidden, beta: 1 });
  const loss = b.softmaxCrossEntropy(logits, y, n, classes, { grad: dlogits });
  // backward
  b.gemm(a, dlogits, gw2, { m: hidden, n: classes, k: n, transA: true });
  b.colSums(dlogits, n, classes, gb2);
  b.gemm(dlogits, w2, da, { m: n, n: hidden, k: classes, transB: true });
  b.tanhBackward(h, da, da);
  b.gemm(x, da, gw1, { m: inDim, n: hidden, k: n, transA: true });
  b.colSums(da, n, hidden, gb1);
  b.adamStep(params, grads, m, v, null, {
    lr: 0.02,
    beta1: 0.9,
    beta2: 0.999,
    eps: 1e-8,
    weightDecay: 0,
    decoupled: false,
    amsgrad: false,
    maximize: false,
    step,
  });
  if (step % 50 === 0) {
    b.argmaxRows(logits, n, classes, pred);
    const acc = pred.reduce((s, p, i) => s + (p === y[i] ? 1 : 0), 0) / n;
    console.log(
      `step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}  accuracy ${(acc * 100).toFixed(1)}%`,
    );
  }
}
console.log(`300 steps in ${(performance.now() - t0).toFixed(0)} ms`);
