// Run by scripts/windows-wine.mjs in a directory where descent-ml is installed: once by the npm
// registry's Windows Node under Wine, once by this machine's Node with DESCENT_BACKEND=wasm.
// Writes one JSON file (argv[2]; stdout is not used because Wine cannot hand Node a Unix pipe):
// the host as Node sees it, which backend was selected and why, a GEMM on wasm against the js
// oracle, one epoch of an MLP on the bundled Fashion-MNIST subset, and a checkpoint
// save/resume in the temp directory. Hashes are over the float32 bytes, to compare bit for bit.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';

const outFile = process.argv[2];
const d = await import('descent-ml');
const { backend, data, getBackend, nativeAvailable, nn, optim, Rng, train, wasmAvailable } = d;
const sha = (f32) =>
  createHash('sha256')
    .update(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength))
    .digest('hex');

const result = {
  host: {
    platform: process.platform,
    arch: process.arch,
    node: process.version,
    v8: process.versions.v8,
    osRelease: os.release(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    availableParallelism: os.availableParallelism(),
    tmpdir: os.tmpdir(),
  },
  // require(esm) must give the same module instance as import
  cjsSameModule:
    createRequire(join(process.cwd(), 'probe.cjs'))('descent-ml').getBackend === getBackend,
  selected: getBackend().info(),
  native: nativeAvailable(),
  wasm: wasmAvailable(),
  bundledDir: data.FASHION_MNIST_BUNDLED_DIR,
  dataSource: data.locateFashionMnist({}).source,
};

// A kernel: C = A·B (64×48 by 48×32) on wasm, against the js backend within Higham's bound
// |Δc_ij| ≤ k·u·Σ_l |a_il||b_lj| (u = 2⁻²⁴; Higham, Accuracy and Stability, §3.5).
{
  const [m, n, k] = [64, 32, 48];
  const a = new Rng(5).uniform(m * k, -1, 1);
  const b = new Rng(6).uniform(k * n, -1, 1);
  const cw = backend('wasm').gemm(a, b, new Float32Array(m * n), { m, n, k });
  const cj = backend('js').gemm(a, b, new Float32Array(m * n), { m, n, k });
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += Math.abs(a[i * k + l] * b[l * n + j]);
      worst = Math.max(worst, Math.abs(cw[i * n + j] - cj[i * n + j]) / (k * 2 ** -24 * s));
    }
  }
  result.gemm = { sha: sha(cw), worstOverBound: worst };
}

// One epoch of an MLP 784-128-10 with Adam on the bundled subset, on the selected backend.
const fm = data.loadFashionMnist({ flatten: true, subset: true });
{
  const net = new nn.Sequential([new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10)]);
  const model = new nn.Model(net, [784], { seed: 1 });
  const optimizer = new optim.Adam(model.parameters(), { lr: 1e-3 });
  const h = train.fit(model, fm.train, {
    optimizer,
    loss: new nn.losses.CrossEntropyLoss(),
    epochs: 1,
    batchSize: 64,
    seed: 3,
    validationData: fm.test,
    metrics: ['accuracy'],
    verbose: 0,
  });
  result.mlp = {
    samples: fm.train.length,
    loss: h.loss.at(-1),
    valLoss: h.valLoss.at(-1),
    valAccuracy: h.metrics.valAccuracy.at(-1),
    params: model.params.length,
    paramsSha: sha(model.params),
  };
}

// Save after epochs 1 and 2 into the temp directory (the second save replaces the first: the
// rename dance Windows is strict about), resume for epoch 3: equal to three epochs straight.
{
  const tmp = mkdtempSync(join(os.tmpdir(), 'descent-wine-'));
  const dir = join(tmp, 'ckpt');
  const build = () => {
    const net = new nn.Sequential([new nn.Linear(784, 32), new nn.Tanh(), new nn.Linear(32, 10)]);
    const model = new nn.Model(net, [784], { seed: 7 });
    return { model, optimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }) };
  };
  const run = (m, o, epochs, extra = {}) =>
    train.fit(m, fm.train, {
      optimizer: o,
      loss: new nn.losses.CrossEntropyLoss(),
      epochs,
      batchSize: 100,
      seed: 3,
      verbose: 0,
      ...extra,
    });
  const a = build();
  run(a.model, a.optimizer, 2, { callbacks: [new train.ModelCheckpoint({ dir })] });
  const b = build();
  run(b.model, b.optimizer, 3, { resumeFrom: dir });
  const c = build();
  run(c.model, c.optimizer, 3);
  result.checkpoint = {
    dir,
    resumeExact: b.model.params.every((v, i) => v === c.model.params[i]),
    paramsSha: sha(b.model.params),
  };
  rmSync(tmp, { recursive: true, force: true });
}

writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
