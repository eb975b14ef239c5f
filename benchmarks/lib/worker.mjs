#!/usr/bin/env node
// A child process that runs descent's native backend for the suite, typically with
// DESCENT_THREADS=1 (the thread pool is sized at process start, so the one-thread leg needs a
// process of its own). It speaks the suite's line protocol (see lib/cref.mjs), so its samples
// interleave with the parent's:
//   init optim <optimizer id> <n>   an optimizer class over n parameters, native backend
//   init gemm <m> <k> <n>           A (m×k), B (k×n), C = A·B
//   init train <net> <seed> [subset] [batch=<b>]
//                                   one training step (forward, backward, Adam) of the suite's
//                                   mlp or cnn per call, on Fashion-MNIST batches (of the net's
//                                   default size unless given)
//   run <iters>                     {"iters","sec"}: mean seconds per step / call
//   sum                             optim: {"sumAbs","sumW"}; gemm: {"sum","sumAbs"} of C;
//                                   train: {"loss"} of the last step
//   info                            the native backend's info()
//   quit
import { createInterface } from 'node:readline';
import { fillRandom, gemmSums } from './gemm-data.mjs';
import { makeDescent, optimizerSpec } from './optimizers.mjs';
import { Batcher, loadArrays, makeDescentTrainer, NETS } from './train-data.mjs';

let lib;
let native;
let loadError = null;
try {
  lib = await import('../../dist/index.js');
  native = lib.backend('native');
  lib.setBackend('native');
} catch (e) {
  loadError = String(e?.message ?? e).split('\n')[0];
}

let cur = null;
let arrays = null; // Fashion-MNIST, loaded once

function now() {
  return Number(process.hrtime.bigint()) / 1e9;
}

function handle(line) {
  const t = line.trim().split(/\s+/);
  switch (t[0]) {
    case 'info':
      if (loadError) return { error: loadError };
      return { ...native.info(), pid: process.pid, env: process.env.DESCENT_THREADS ?? null };
    case 'init': {
      if (loadError) return { error: loadError };
      cur = null;
      if (t[1] === 'optim') {
        const n = Number(t[3]);
        const d = makeDescent(lib, optimizerSpec(t[2]), n, 'native');
        cur = { step: () => d.step(), sums: () => d.sums() };
        return { optimizer: t[2], n };
      }
      if (t[1] === 'gemm') {
        const [m, k, n] = t.slice(2, 5).map(Number);
        const a = fillRandom(new Float32Array(m * k), 1);
        const b = fillRandom(new Float32Array(k * n), 2);
        const c = new Float32Array(m * n);
        const o = { m, n, k };
        cur = {
          step: () => native.gemm(a, b, c, o),
          sums: () => gemmSums(c),
        };
        return { m, k, n };
      }
      if (t[1] === 'train') {
        const base = NETS[t[2]];
        if (!base) return { error: `init train: unknown net ${t[2]}` };
        const seed = Number(t[3] ?? 1);
        const bt = t.find((x) => x.startsWith('batch='));
        const net = bt ? { ...base, batch: Number(bt.slice(6)) } : base;
        if (!Number.isInteger(net.batch) || net.batch < 1)
          return { error: `init train: bad batch ${bt}` };
        arrays ??= loadArrays(lib, { subset: t.includes('subset') });
        const tr = makeDescentTrainer(lib, net, 'native', { seed });
        const b = new Batcher(lib, arrays.train, net.batch, seed);
        let loss = Number.NaN;
        cur = {
          step: () => {
            b.next();
            loss = tr.step(b.x, b.y);
          },
          sums: () => ({ loss }),
        };
        return { net: net.id, batch: net.batch, source: arrays.source };
      }
      return { error: `init: unknown kind ${t[1]}` };
    }
    case 'run': {
      if (!cur) return { error: 'run before init' };
      const iters = Math.max(1, Number(t[1]) || 1);
      const t0 = now();
      for (let i = 0; i < iters; i++) cur.step();
      return { iters, sec: (now() - t0) / iters };
    }
    case 'sum':
      if (!cur) return { error: 'sum before init' };
      return cur.sums();
    default:
      return { error: `unknown command ${t[0]}` };
  }
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (!line.trim()) return;
  if (line.trim() === 'quit') {
    rl.close();
    return;
  }
  let out;
  try {
    out = handle(line);
  } catch (e) {
    out = { error: String(e?.message ?? e).split('\n')[0] };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
rl.on('close', () => process.exit(0));
