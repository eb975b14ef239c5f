// The tape's own cost, two figures:
//
//   overhead   µs per call on tiny tensors (16 elements), where the arithmetic is nothing and
//              the bookkeeping is everything: an add without recording (noGrad), an add that
//              records a node, and forward + backward of (a + b).sum(); descent (js backend,
//              which tiny calls use anyway) beside PyTorch's eager mode
//              (benchmarks/py/autograd_bench.py) when torch is importable.
//   loop       samples/s of the MLP 784-256-128-10 (batch 128, Adam) trained by `train.fit` and
//              by a hand-written PyTorch-style loop (zeroGrad, forward, criterion, backward,
//              step) over the same batches, native backend: the loop should be within 10%.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineProcess } from '../lib/cref.mjs';
import { errText, measure, unavailable } from '../lib/measure.mjs';
import { statsOf, table, timeBatch, warmUp } from '../lib/timing.mjs';
import { Batcher, descentNet, loadArrays, NETS } from '../lib/train-data.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const PY = join(HERE, '..', 'py', 'autograd_bench.py');
const CASES = ['add16-nograd', 'add16-record', 'add16-backward'];

function descentCase(lib, name) {
  const ag = lib.autograd;
  const rng = new lib.Rng(1);
  const a = ag.tensor(rng.uniform(16), [16]);
  const b = ag.tensor(rng.uniform(16), [16]);
  const ar = ag.tensor(rng.uniform(16), [16], { requiresGrad: true });
  if (name === 'add16-nograd') return () => ag.noGrad(() => a.add(b));
  if (name === 'add16-record') return () => ar.add(b);
  return () => {
    ar.add(b).sum().backward();
    ar.grad = null;
  };
}

export async function runAutograd(ctx) {
  const { lib, cfg, log } = ctx;
  const result = { available: true, overhead: [], loop: null, pytorch: null };
  const py = process.env.DESCENT_BENCH_PYTHON || 'python3';
  let torch = null;
  if (cfg.without.has('torch')) result.pytorch = unavailable('disabled (--without torch)');
  else if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    result.pytorch = unavailable(`${py} cannot import torch`);
  else {
    torch = new LineProcess(py, [PY], { label: 'PyTorch autograd child' });
    try {
      result.pytorch = {
        available: true,
        ...(await torch.request('info')),
        command: `${py} ${PY}`,
      };
    } catch (e) {
      result.pytorch = unavailable(errText(e));
      torch.close();
      torch = null;
    }
  }
  try {
    lib.setBackend('js');
    for (const c of CASES) {
      const f = descentCase(lib, c);
      // V8 optimises a call site after thousands of calls: warm up well past that, every mode
      warmUp(f, cfg.mode === 'smoke' ? 0.01 : 0.5, 20_000);
      const impls = [{ name: 'descent', sample: (n) => timeBatch(f, n) }];
      if (torch) {
        await torch.request(`init ${c}`);
        impls.push({ name: 'pytorch', sample: (n) => torch.run(n) });
      }
      const m = await measure(impls, cfg, { log });
      const us = (r) => (r?.available ? statsOf(r.samplesSec, (s) => s * 1e6) : null);
      result.overhead.push({ case: c, descentUs: us(m.descent), pytorchUs: us(m.pytorch) });
      log(
        `${c}: descent ${us(m.descent)?.median.toFixed(2)} µs, pytorch ${us(m.pytorch)?.median.toFixed(2) ?? '–'} µs`,
      );
    }
  } finally {
    torch?.close();
  }
  result.loop = ctx.peers.native ? await fitVsLoop(ctx) : unavailable(ctx.peers.nativeReason);
  return result;
}

/** train.fit against a hand-written loop on the same batches, interleaved. */
async function fitVsLoop(ctx) {
  const { lib, cfg, log } = ctx;
  const { nn, optim, train, autograd: ag } = lib;
  lib.setBackend('native');
  const net = NETS.mlp;
  const arrays = loadArrays(lib, { subset: cfg.mode === 'smoke' });
  const criterion = new nn.losses.CrossEntropyLoss();
  const make = () => {
    const model = new nn.Model(descentNet(lib, net), [784], { seed: 1 });
    return { model, opt: new optim.Adam(model.parameters(), { lr: 1e-3 }) };
  };
  const fitting = make();
  const looping = make();
  const batcher = new Batcher(lib, arrays.train, net.batch, 1);
  // fit gets `iters` batches as one epoch of a dataset gathered from the same shuffle
  const fitSample = (iters) => {
    const x = new Float32Array(iters * net.batch * 784);
    const y = new Int32Array(iters * net.batch);
    for (let i = 0; i < iters; i++) {
      batcher.next();
      x.set(batcher.x, i * net.batch * 784);
      y.set(batcher.y, i * net.batch);
    }
    const ds = { x: { data: x, shape: [iters * net.batch, 784] }, y };
    const t0 = performance.now();
    train.fit(fitting.model, ds, {
      optimizer: fitting.opt,
      loss: criterion,
      epochs: 1,
      batchSize: net.batch,
      shuffle: false,
      verbose: 0,
    });
    return (performance.now() - t0) / 1e3 / iters;
  };
  const loopSample = (iters) => {
    const { model, opt } = looping;
    let sec = 0;
    for (let i = 0; i < iters; i++) {
      batcher.next();
      const t0 = performance.now();
      opt.zeroGrad();
      const out = model.forward({ data: batcher.x, shape: [net.batch, 784] }, { training: true });
      const loss = ag.applyLoss(criterion, out, batcher.y);
      loss.backward();
      opt.step();
      sec += performance.now() - t0;
    }
    return sec / 1e3 / iters;
  };
  const tcfg = cfg.mode === 'smoke' ? cfg : { ...cfg, sampleSec: Math.max(cfg.sampleSec, 0.2) };
  const m = await measure(
    [
      { name: 'fit', sample: fitSample },
      { name: 'loop', sample: loopSample },
    ],
    tcfg,
    { log },
  );
  const sps = (r) => (r?.available ? statsOf(r.samplesSec, (s) => net.batch / s) : null);
  const out = { available: true, net: net.label, fit: sps(m.fit), loop: sps(m.loop) };
  out.loopOverFit = out.fit && out.loop ? out.loop.median / out.fit.median : null;
  return out;
}

export function printAutograd(res, out) {
  out('Autograd: tape overhead on 16-element tensors (µs per call, lower is better)');
  if (!res.available) {
    out(`  not measured: ${res.reason}`);
    return;
  }
  const f = (s) => (s ? s.median.toFixed(2) : '–');
  out(
    table(
      ['case', 'descent (js)', 'pytorch eager', 'descent / pytorch'],
      res.overhead.map((r) => [
        r.case,
        f(r.descentUs),
        f(r.pytorchUs),
        r.descentUs && r.pytorchUs
          ? `${(r.descentUs.median / r.pytorchUs.median).toFixed(2)}×`
          : '–',
      ]),
    ),
  );
  if (!res.pytorch?.available) out(`  pytorch: ${res.pytorch?.reason}`);
  const l = res.loop;
  if (l?.available)
    out(
      `${l.net}: train.fit ${l.fit.median.toFixed(0)} samples/s, hand-written loop ${l.loop.median.toFixed(0)} samples/s (loop / fit ${l.loopOverFit.toFixed(2)})`,
    );
  else out(`  fit vs loop: ${l?.reason}`);
}
