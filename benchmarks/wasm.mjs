#!/usr/bin/env node
// The wasm backend beside its peers, all measured in this one run (issue 17):
//   optimizer  one Adam step on 1M parameters: js, wasm (the plain build, wasm/descent.wasm:
//              arguments copied in and out per call), wasm (shared arenas) (the shared build,
//              wasm/descent-mt.wasm, which the backend uses under Node: arrays from
//              allocArena live in its memory and are passed in place), wasm-resident (the
//              plain build with the arrays placed in its memory by hand: the copy-free bound),
//              native
//   gemm       C = A·B at 512³: the same rows, and tfjs-wasm (XNNPACK)
//   mlp        Fashion-MNIST MLP training samples/s over one epoch of the bundled subset
//              (benchmarks/lib/train-child.mjs, one process each): wasm (plain build, copying),
//              wasm (shared arenas), tfjs-wasm, js, native
//   cnn        the same for the CNN (conv16-conv32-fc128): wasm, wasm (shared arenas),
//              tfjs-wasm, native
//   load       first import of dist/ to the first kernel result, in a fresh process: wasm and
//              native (median of 5 processes)
// Interleaved rounds with warm-up (lib/measure.mjs); tfjs-wasm is single-threaded in Node,
// like descent's wasm backend. Needs `npm run build` (dist/, the addon, both wasm builds).
//
// gemm and mlp also get a row of the shared build with --threads n (default 2) threads
// (DESCENT_WASM_THREADS, worker_threads over the shared memory).
//
//   node benchmarks/wasm.mjs [--rounds n] [--only optimizer,gemm,mlp,cnn,load] [--threads n]
//                            [--mlp-rounds n] [--json path]
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fillRandom } from './lib/gemm-data.mjs';
import { measure } from './lib/measure.mjs';
import { loadTfjs, useTfBackend } from './lib/tfjs.mjs';
import { timeBatch } from './lib/timing.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const { values: opt } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    only: { type: 'string', default: 'optimizer,gemm,mlp,cnn,load' },
    threads: { type: 'string', default: '2' },
    'mlp-rounds': { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const only = new Set(opt.only.split(','));
const cfg = {
  rounds: Number(opt.rounds),
  sampleSec: 0.1,
  warmSec: 0.3,
  caseBudgetSec: 20,
  mode: 'full',
};
const log = (s) => process.stderr.write(`${s}\n`);
const lib = await import('../dist/index.js');
const { loadWasmBuild, instantiateWasm } = await import('../dist/backend/wasm/load.js');
const { nodeThreadSpawn } = await import('../dist/backend/wasm/threads-node.js');
const { readFileSync } = await import('node:fs');
const THREADS = Number(opt.threads);
const THREADED = `wasm (shared arenas, ${THREADS} threads)`;
const { wasmKernels } = await import('../dist/backend/wasm/kernels.js');
const { allocArena } = await import('../dist/memory.js');
const w = loadWasmBuild('plain');
if ('error' in w) throw new Error(`wasm backend: ${w.error}`);
const e = w.exports;
/** The plain build's kernels: every argument copied in and out per call. */
const plain = wasmKernels(e);
const SHARED = 'wasm (shared arenas)';
lib.setBackend('wasm');
if (!(allocArena([1])[0].buffer instanceof SharedArrayBuffer))
  throw new Error('the wasm backend did not load its shared build (wasm/descent-mt.wasm)');
/** The shared build's kernels (the wasm backend under Node). */
const shared = lib.backend('wasm').kernels;

/** Float32Arrays living in linear memory (re-viewed on every use: growth detaches views). */
function resident(n) {
  const p = e.descent_alloc(n * 4);
  if (!p) throw new Error('alloc failed');
  return () => new Float32Array(e.memory.buffer, p, n);
}

const med = (r) => (r?.available ? r.secPerOp.median : null);
const out = { machine: {}, optimizer: {}, gemm: {}, mlp: {}, cnn: {}, load: {} };
out.machine.cpu = os.cpus()[0]?.model;
out.machine.node = process.version;
out.command = `node benchmarks/wasm.mjs ${process.argv.slice(2).join(' ')}`.trim();

// --- optimizer: Adam, 1M parameters -------------------------------------------------------
if (only.has('optimizer')) {
  const n = 1 << 20;
  const hyper = Float64Array.of(1e-3, 0.9, 0.999, 1e-8, 0, 0, 0, 0, 1);
  const mk = () => [0, 1, 2, 3].map((i) => fillRandom(new Float32Array(n), 10 + i));
  const impls = [];
  for (const name of ['js', 'wasm', 'native']) {
    const k = name === 'wasm' ? plain : lib.backend(name).kernels;
    const [p, g, m, v] = mk();
    impls.push({
      name,
      sample: (it) => timeBatch(() => k.optimStep('adam', p, g, [m, v, null], hyper, null), it),
    });
  }
  {
    // As an optimizer holds them: params and grads in one arena, the moments in another.
    const [p, g] = allocArena([n, n]);
    const [m, v] = allocArena([n, n]);
    [p, g, m, v].forEach((a, i) => a.set(mk()[i]));
    impls.push({
      name: SHARED,
      sample: (it) =>
        timeBatch(() => shared.optimStep('adam', p, g, [m, v, null], hyper, null), it),
    });
  }
  const k = plain;
  const [p, g, m, v] = [resident(n), resident(n), resident(n), resident(n)];
  const h = e.descent_alloc(hyper.byteLength);
  for (const [f, seed] of [
    [p, 1],
    [g, 2],
    [m, 3],
    [v, 4],
  ])
    fillRandom(f(), seed);
  impls.push({
    name: 'wasm-resident',
    sample: (it) => {
      new Float64Array(e.memory.buffer, h, hyper.length).set(hyper);
      const args = [p(), g(), m(), v(), new Float64Array(e.memory.buffer, h, hyper.length)];
      return timeBatch(
        () => k.optimStep('adam', args[0], args[1], [args[2], args[3], null], args[4], null),
        it,
      );
    },
  });
  const r = await measure(impls, cfg, { log });
  out.optimizer = { case: 'Adam step, 1,048,576 params, raw kernel', results: r };
  log(
    `adam 1M: ${impls.map((i) => `${i.name} ${(med(r[i.name]) * 1e3).toFixed(2)} ms`).join(', ')}`,
  );
}

// --- gemm 512³ ----------------------------------------------------------------------------
const tfjs = only.has('gemm') ? await loadTfjs() : null;
if (tfjs) {
  const s = 512;
  const a = fillRandom(new Float32Array(s * s), 1);
  const b = fillRandom(new Float32Array(s * s), 2);
  const impls = [];
  for (const name of ['js', 'wasm', 'native']) {
    const k = name === 'wasm' ? plain : lib.backend(name).kernels;
    const c = new Float32Array(s * s);
    impls.push({
      name,
      sample: (it) => timeBatch(() => k.gemm(false, false, s, s, s, 1, a, b, 0, c), it),
    });
  }
  {
    const [sa, sb, sc] = allocArena([s * s, s * s, s * s]);
    sa.set(a);
    sb.set(b);
    impls.push({
      name: SHARED,
      sample: (it) => timeBatch(() => shared.gemm(false, false, s, s, s, 1, sa, sb, 0, sc), it),
    });
  }
  {
    // A second instance of the shared build with THREADS threads; the arrays in its memory.
    const e2 = instantiateWasm(readFileSync(join(HERE, '..', 'wasm', 'descent-mt.wasm')), {
      threads: THREADS,
      spawner: nodeThreadSpawn,
    });
    const k2 = wasmKernels(e2);
    const at = (x) => {
      const p = e2.descent_alloc(s * s * 4); // before reading the buffer: it may grow
      const v = new Float32Array(e2.memory.buffer, p, s * s);
      v.set(x);
      return v;
    };
    const [ta2, tb2, tc2] = [at(a), at(b), at(new Float32Array(s * s))];
    impls.push({
      name: THREADED,
      sample: (it) => timeBatch(() => k2.gemm(false, false, s, s, s, 1, ta2, tb2, 0, tc2), it),
    });
  }
  const k = plain;
  const [ra, rb, rc] = [resident(s * s), resident(s * s), resident(s * s)];
  ra().set(a);
  rb().set(b);
  impls.push({
    name: 'wasm-resident',
    sample: (it) => {
      const [x, y, z] = [ra(), rb(), rc()];
      return timeBatch(() => k.gemm(false, false, s, s, s, 1, x, y, 0, z), it);
    },
  });
  let ta;
  let tb;
  if (tfjs.available && tfjs.backends.wasm.available) {
    await useTfBackend(tfjs, 'wasm');
    ta = tfjs.tf.tensor2d(a, [s, s]);
    tb = tfjs.tf.tensor2d(b, [s, s]);
    impls.push({
      name: 'tfjs-wasm',
      // the wasm backend computes synchronously (as benchmarks/sections/gemm.mjs times it)
      sample: (it) => timeBatch(() => tfjs.tf.matMul(ta, tb).dispose(), it),
    });
  }
  const r = await measure(impls, cfg, { log });
  out.gemm = {
    case: '512×512×512, no transposes',
    tfjsWasm: tfjs.backends.wasm,
    results: r,
    gflops: Object.fromEntries(
      Object.entries(r).map(([n, x]) => [n, x.available ? (2 * s ** 3) / med(x) / 1e9 : null]),
    ),
  };
  log(
    `gemm 512³ GFLOP/s: ${Object.entries(out.gemm.gflops)
      .map(([n, g]) => `${n} ${g?.toFixed(1)}`)
      .join(', ')}`,
  );
  ta?.dispose();
  tb?.dispose();
}

// --- MLP and CNN training, one epoch of the subset, one process per implementation ---------
// 'wasm' runs the plain build (DESCENT_WASM_PATH), SHARED the default (shared) one.
// Rows interleaved over --mlp-rounds rounds (each a fresh process per row); the median of
// each row's epoch-2 samples/s is reported, every round kept in the JSON. The CNN leaves out
// js and the threaded row (js takes ~20 s per epoch of the subset).
const TRAIN_ROWS = {
  mlp: ['wasm', SHARED, THREADED, 'tfjs-wasm', 'js', 'native'],
  cnn: ['wasm', SHARED, 'tfjs-wasm', 'native'],
};
for (const net of ['mlp', 'cnn']) {
  for (let round = 0; round < (only.has(net) ? Number(opt['mlp-rounds']) : 0); round++) {
    for (const row of TRAIN_ROWS[net]) {
      if (out[net][row]?.available === false) continue;
      const impl = row === SHARED || row === THREADED ? 'wasm' : row;
      const env = { ...process.env };
      delete env.DESCENT_WASM_PATH;
      env.DESCENT_WASM_THREADS = row === THREADED ? String(THREADS) : '1';
      if (row === 'wasm') env.DESCENT_WASM_PATH = join(HERE, '..', 'wasm', 'descent.wasm');
      const r = spawnSync(
        process.execPath,
        [
          join(HERE, 'lib', 'train-child.mjs'),
          impl,
          '--net',
          net,
          '--subset',
          '--max-epochs',
          '2',
          '--min-epochs',
          '2',
          '--target',
          '1',
        ],
        { encoding: 'utf8', maxBuffer: 1 << 26, env },
      );
      if (r.status !== 0) {
        out[net][row] = { available: false, reason: r.stderr.slice(-500) };
        continue;
      }
      const res = JSON.parse(r.stdout.trim().split('\n').at(-1));
      // The second epoch: the first includes JIT and allocation warm-up.
      const entry = (out[net][row] ??= { available: true, rounds: [] });
      entry.rounds.push({ samplesPerSec: res.epochs.at(-1).samplesPerSec, epochs: res.epochs });
      const sorted = entry.rounds.map((x) => x.samplesPerSec).sort((x, y) => x - y);
      entry.samplesPerSec = sorted[Math.floor((sorted.length - 1) / 2)];
      log(
        `${net} ${row} round ${round + 1}: ${res.epochs.at(-1).samplesPerSec.toFixed(0)} samples/s`,
      );
    }
  }
  for (const [row, x] of Object.entries(out[net]))
    if (x.available) log(`${net} ${row}: median ${x.samplesPerSec.toFixed(0)} samples/s (epoch 2)`);
}

// --- load time ----------------------------------------------------------------------------
if (only.has('load')) {
  const probe = `const t0 = performance.now();
const m = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
const b = m.getBackend();
b.kernels.sum(new Float32Array(1024));
process.stdout.write(JSON.stringify({ name: b.name, ms: performance.now() - t0 }));`;
  for (const name of ['wasm', 'native']) {
    const ms = [];
    for (let i = 0; i < 5; i++) {
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
        encoding: 'utf8',
        env: { ...process.env, DESCENT_BACKEND: name },
      });
      const j = JSON.parse(r.stdout);
      if (j.name !== name) throw new Error(`expected ${name}, got ${j.name}`);
      ms.push(j.ms);
    }
    ms.sort((x, y) => x - y);
    out.load[name] = { medianMs: ms[2], ms };
    log(`load ${name}: ${ms[2].toFixed(1)} ms (import to first kernel, median of 5)`);
  }
}

const ratio = (x, y) => (x && y ? x / y : null);
const adam = out.optimizer.results ?? {};
const gf = out.gemm.gflops ?? {};
out.ratios = {
  adamWasmOverJs: ratio(med(adam.js), med(adam.wasm)),
  adamWasmSharedOverJs: ratio(med(adam.js), med(adam[SHARED])),
  adamWasmResidentOverJs: ratio(med(adam.js), med(adam['wasm-resident'])),
  gemmWasmOverTfjsWasm: ratio(gf.wasm, gf['tfjs-wasm']),
  gemmWasmSharedOverTfjsWasm: ratio(gf[SHARED], gf['tfjs-wasm']),
  gemmWasmThreadedOverTfjsWasm: ratio(gf[THREADED], gf['tfjs-wasm']),
  gemmWasmResidentOverTfjsWasm: ratio(gf['wasm-resident'], gf['tfjs-wasm']),
  mlpWasmOverTfjsWasm: ratio(out.mlp.wasm?.samplesPerSec, out.mlp['tfjs-wasm']?.samplesPerSec),
  mlpWasmSharedOverTfjsWasm: ratio(
    out.mlp[SHARED]?.samplesPerSec,
    out.mlp['tfjs-wasm']?.samplesPerSec,
  ),
  mlpWasmThreadedOverTfjsWasm: ratio(
    out.mlp[THREADED]?.samplesPerSec,
    out.mlp['tfjs-wasm']?.samplesPerSec,
  ),
  cnnWasmOverTfjsWasm: ratio(out.cnn.wasm?.samplesPerSec, out.cnn['tfjs-wasm']?.samplesPerSec),
  cnnWasmSharedOverTfjsWasm: ratio(
    out.cnn[SHARED]?.samplesPerSec,
    out.cnn['tfjs-wasm']?.samplesPerSec,
  ),
};
for (const [k, v] of Object.entries(out.ratios))
  console.log(`${k}: ${v === null ? 'n/a (not measured)' : `${v.toFixed(2)}×`}`);
if (opt.json) writeFileSync(opt.json, `${JSON.stringify(out, null, 2)}\n`);
