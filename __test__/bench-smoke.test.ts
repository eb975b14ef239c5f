/**
 * Smoke test of the benchmark suite (benchmarks/run.mjs --smoke): tiny sizes, one round, every
 * section and peer attempted. Checks that it finishes and that its JSON has every field, with
 * `available: false` and a reason for whatever could not run (tfjs, OpenBLAS, OpenMP, …): once
 * as this machine is, once with the peers switched off (`--without`), so that the fallbacks are
 * exercised wherever the peers are installed. It asserts no speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optim } from '../src/index.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'descent-bench-smoke-'));

// biome-ignore lint/suspicious/noExplicitAny: the JSON is checked field by field below
type Json = any;
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  res: Json;
}

const OPTIM_IMPLS = ['native', 'native-kernel', 'native-1t', 'js', 'c', 'tfjs-cpu', 'tfjs-wasm'];
const WITHOUT = ['tfjs', 'openblas', 'c', 'openmp', 'worker', 'torch'];
const TRAIN_IMPLS = ['native', 'native-1t', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch', 'pytorch-1t'];

// A hang guard, not a speed limit: one smoke run takes 60-100 s on 2 cores and more while other
// test files run beside it (the training section measures 7 peers at 3 batch sizes).
const HANG_MS = 240_000;

function smoke(name: string, extra: string[]): Run {
  const jsonPath = join(dir, `${name}.json`);
  const r = spawnSync(
    process.execPath,
    [join(root, 'benchmarks', 'run.mjs'), '--smoke', '--json', jsonPath, ...extra],
    { cwd: root, encoding: 'utf8', timeout: HANG_MS, maxBuffer: 1 << 26 },
  );
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    res: r.status === 0 ? JSON.parse(readFileSync(jsonPath, 'utf8')) : null,
  };
}

/** An implementation's entry: measured (with `metric`), or not, with a reason. */
function expectImpl(where: string, m: Json, metric: string): void {
  expect(m, `${where} present`).toBeTypeOf('object');
  expect(typeof m.available, `${where}.available`).toBe('boolean');
  if (m.available) {
    expect(Array.isArray(m.samplesSec) && m.samplesSec.length >= 1, `${where}.samplesSec`).toBe(
      true,
    );
    expect(m.secPerOp?.median, `${where}.secPerOp.median`).toBeTypeOf('number');
    expect(m[metric]?.median, `${where}.${metric}.median`).toBeTypeOf('number');
    expect(m[metric], `${where}.${metric}`).toHaveProperty('spread');
    expect(m.iters, `${where}.iters`).toBeGreaterThanOrEqual(1);
    expect(m.rounds, `${where}.rounds`).toBeGreaterThanOrEqual(1);
    expect('threads' in m, `${where}.threads`).toBe(true);
  } else {
    expectReason(where, m);
  }
}

function expectReason(where: string, m: Json): void {
  expect(m?.available, `${where}.available`).toBe(false);
  expect(typeof m.reason === 'string' && m.reason.length > 0, `${where}.reason`).toBe(true);
}

function expectPeer(where: string, p: Json): void {
  expect(typeof p?.available, `${where}.available`).toBe('boolean');
  if (!p.available) expectReason(where, p);
}

/** Every field of a suite result, whatever ran. */
function checkSchema(res: Json): void {
  expect(res.schema).toBe('descent-bench-suite/1');
  expect(res.mode).toBe('smoke');
  expect(res.sections).toEqual([
    'bandwidth',
    'optimizers',
    'gemm',
    'boundary',
    'training',
    'autograd',
    'models',
  ]);

  // machine, commands, method, peers
  const m = res.machine;
  expect(m.cpu).toBeTypeOf('string');
  expect(m.logicalCores).toBeGreaterThanOrEqual(1);
  expect(m.memoryGiB).toBeGreaterThan(0);
  expect('simd' in m && 'nativeThreads' in m && 'cacheBytes' in m).toBe(true);
  for (const k of ['node', 'rustc', 'cc', 'descent', 'tfjs', 'tfjsBackendWasm', 'openblas'])
    expect(k in m.versions, `machine.versions.${k}`).toBe(true);
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS'])
    expect(k in m.openblasEnv, `machine.openblasEnv.${k}`).toBe(true);
  expect(m.env).toBeTypeOf('object');
  expect(res.commands.run).toContain('run.mjs');
  expect(res.method.rounds).toBe(1);
  expect(res.method.statistic).toBeTypeOf('string');
  for (const p of ['native', 'worker', 'c', 'tfjs', 'openblas', 'pytorch'])
    expectPeer(`peers.${p}`, res.peers[p]);
  for (const b of ['cpu', 'wasm']) expectPeer(`peers.tfjs.${b}`, res.peers.tfjs.backends?.[b]);

  // bandwidth
  const bw = res.bandwidth;
  expectPeer('bandwidth', bw);
  if (bw.available) {
    expect(bw.sizes.length).toBeGreaterThanOrEqual(1);
    for (const s of bw.sizes) {
      for (const kind of ['impls', 'inplace']) {
        expect(Object.keys(s[kind]), kind).toEqual(['1t', `${bw.threads}t`]);
        for (const [k, x] of Object.entries(s[kind]))
          expectImpl(`bandwidth ${s.id} ${kind} ${k}`, x, 'gbs');
      }
    }
  }

  // optimizers: every elementwise optimizer class of the library, every implementation
  const op = res.optimizers;
  expect(op.available).toBe(true);
  expect(op.impls).toEqual(OPTIM_IMPLS);
  const classes = (Object.values(optim) as unknown[])
    .filter(
      (v): v is { name: string; prototype: unknown } =>
        typeof v === 'function' &&
        v.prototype instanceof optim.ElementwiseOptimizer &&
        v !== optim.ScalarStateOptimizer,
    )
    .map((c) => `optim.${c.name}`)
    .sort();
  expect([...new Set(op.rows.map((r: Json) => r.class))].sort()).toEqual(classes);
  expect(op.rows.length).toBe(classes.length * op.sizes.length);
  for (const r of op.rows) {
    const where = `${r.optimizer} n=${r.n}`;
    expect(Object.keys(r.impls), where).toEqual(OPTIM_IMPLS);
    for (const k of OPTIM_IMPLS) expectImpl(`${where} ${k}`, r.impls[k], 'mParamsPerSec');
    expect(r.bytesPerParam, where).toBeGreaterThan(0);
    for (const k of ['nativeOverC', 'native1tOverC', 'nativeOverJs', 'nativeOverTfjsWasm'])
      expect(k in r.ratios, `${where} ratios.${k}`).toBe(true);
    if (r.n === op.sizes[0]) expect(typeof r.check?.ok, `${where} check.ok`).toBe('boolean');
  }

  // GEMM
  const g = res.gemm;
  expect(g.available).toBe(true);
  expect(g.rows.length).toBe(g.shapes.length);
  expect(g.impls).toEqual(
    expect.arrayContaining(['native', 'native-1t', 'js', 'tfjs-cpu', 'tfjs-wasm']),
  );
  expect(g.impls.filter((k: string) => k.startsWith('openblas-')).length).toBeGreaterThanOrEqual(4);
  expectPeer('gemm.openblas', g.openblas);
  expect(g.openblas.coretype).toBeTypeOf('string');
  for (const r of g.rows) {
    const where = `${r.m}x${r.k}x${r.n}`;
    expect(Object.keys(r.impls), where).toEqual(g.impls);
    for (const k of g.impls) expectImpl(`${where} ${k}`, r.impls[k], 'gflops');
    for (const k of ['nativeOverOpenblas', 'native1tOverOpenblas1t', 'nativeOverJs'])
      expect(k in r.ratios, `${where} ratios.${k}`).toBe(true);
  }

  // N-API boundary and the routing verdict
  const b = res.boundary;
  expectPeer('boundary', b);
  expect(b.threshold).toBeTypeOf('number');
  if (b.available) {
    expect(typeof b.verdict.consistent).toBe('boolean');
    expect(b.verdict.text).toMatch(/^(CONSISTENT|INCONSISTENT)/);
    expect(b.perOp.map((p: Json) => p.op)).toEqual([
      'add',
      'mul',
      'relu',
      'sigmoid',
      'gelu',
      'tanh',
    ]);
    expect(b.routingWeights.weight).toBeGreaterThanOrEqual(1);
    expect(b.tiny.length).toBeGreaterThan(0);
  }

  // training: per-step samples/s of every implementation, the time-to-accuracy run and memory
  const t = res.training;
  expectPeer('training', t);
  if (t.available) {
    expect(t.impls).toEqual(TRAIN_IMPLS);
    // one row per net and batch size, the net's default batch among them
    expect(t.rows.map((r: Json) => `${r.net} ${r.batch}`)).toEqual(
      ['mlp', 'cnn'].flatMap((n) => t.batches[n].map((b: number) => `${n} ${b}`)),
    );
    expect(t.rows.filter((r: Json) => r.defaultBatch).map((r: Json) => r.net)).toEqual([
      'mlp',
      'cnn',
    ]);
    expect(Object.keys(t.gemmPeak.byThreads).length).toBeGreaterThanOrEqual(1);
    // the FLOP count of lib/flops.mjs on the suite's nets (bench-flops.test.ts derives it)
    for (const r of t.rows)
      expect(r.flopsPerStep.total, `${r.net} b${r.batch}`).toBe(
        r.batch * (r.net === 'mlp' ? 1_007_104 : 7_082_496),
      );
    for (const r of t.rows) {
      const where = `training ${r.net} b${r.batch}`;
      expect(r.flopsPerStep.total, `${where} flops`).toBeGreaterThan(0);
      for (const k of TRAIN_IMPLS) {
        expectImpl(`${where} ${k}`, r.impls[k], 'samplesPerSec');
        if (r.impls[k].available) {
          expect(r.impls[k].gflops.median, `${where} ${k} gflops`).toBeGreaterThan(0);
          expect('fractionOfPeak' in r.impls[k], `${where} ${k} fractionOfPeak`).toBe(true);
        }
      }
      if (r.impls.native.available && t.gemmPeak.byThreads[res.machine.nativeThreads])
        expect(r.impls.native.fractionOfPeak, `${where} native fraction`).toBeGreaterThan(0);
      for (const k of ['nativeOverTfjsWasm', 'nativeOverPytorch', 'jsOverTfjsWasm'])
        expect(k in r.ratios, `${where} ratios.${k}`).toBe(true);
      // every descent step that ran returned a finite loss
      for (const v of Object.values(r.loss) as number[][])
        expect(v.every(Number.isFinite), `training ${r.net} losses`).toBe(true);
    }
    expect(t.accuracy.length).toBeGreaterThan(0);
    for (const a of t.accuracy) {
      if (!a.available) {
        expectReason(`training accuracy ${a.impl}`, a);
        continue;
      }
      expect(a.epochs.length, 'epochs run').toBeGreaterThanOrEqual(1);
      expect(typeof a.reached).toBe('boolean');
      expect(a.memory.peakRssMB).toBeGreaterThan(0);
      for (const e of a.epochs) expect(e.valAccuracy).toBeGreaterThan(0.1); // above chance
    }
    expectPeer('training memory', t.memory);
    if (t.memory.available) expect(t.memory.peakRssMB).toBeGreaterThan(0);
  }

  // autograd: per-call overhead beside PyTorch eager, and fit against a hand-written loop
  const ag = res.autograd;
  expectPeer('autograd', ag);
  if (ag.available) {
    expect(ag.overhead.map((o: Json) => o.case)).toEqual([
      'add16-nograd',
      'add16-record',
      'add16-backward',
    ]);
    for (const o of ag.overhead) {
      expect(o.descentUs.median, o.case).toBeGreaterThan(0);
      if (ag.pytorch.available) expect(o.pytorchUs.median, o.case).toBeGreaterThan(0);
    }
    if (!ag.pytorch.available) expectReason('autograd pytorch', ag.pytorch);
    expectPeer('autograd loop', ag.loop);
    if (ag.loop.available) expect(ag.loop.loopOverFit).toBeGreaterThan(0);
  }

  // models: a MAML meta-step (both orders) and a DCGAN step beside PyTorch
  const md = res.models;
  expectPeer('models', md);
  if (md.available) {
    expect(md.maml.rows.map((r: Json) => r.case)).toEqual(['maml2', 'maml1']);
    for (const r of md.maml.rows) {
      expect(r.descentMs.median, r.case).toBeGreaterThan(0);
      if (md.pytorch.available) expect(r.ratio, r.case).toBeGreaterThan(0);
      else expect(r.pytorchReason, r.case).toMatch(/\w/);
    }
    expectPeer('models pytorch', md.pytorch);
    expect(md.dcgan.descentMs.median).toBeGreaterThan(0);
    expectPeer('models dcgan pytorch', md.dcgan.pytorch);
    if (md.dcgan.pytorch.available) expect(md.dcgan.ratio).toBeGreaterThan(0);
  }

  // the comparison with earlier results (smoke runs have none of their mode to compare with)
  expect(res.comparison.baselines).toEqual([]);
  expect(res.comparison.slower).toEqual([]);
}

let asIs: Run;
let without: Run;
beforeAll(
  () => {
    asIs = smoke('as-is', []);
    without = smoke('without', [
      '--without',
      WITHOUT.join(','),
      '--only',
      'bandwidth,optimizers,gemm,boundary,training,autograd,models',
    ]);
  },
  2 * HANG_MS + 10_000,
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('benchmark suite, --smoke', () => {
  it('runs to the end, prints the routing verdict and writes its JSON', () => {
    expect(asIs.status, `exit status; stderr: ${asIs.stderr.slice(-2000)}`).toBe(0);
    expect(asIs.stdout).toContain('VERDICT');
  });

  it('has every field, measured or with the reason it is not', () => {
    checkSchema(asIs.res);
    // the optimizers that tfjs has are attempted there
    for (const id of ['sgd', 'adam', 'rmsprop', 'adagrad']) {
      const r = asIs.res.optimizers.rows.find((x: Json) => x.optimizer === id);
      expect(r.impls['tfjs-wasm'].reason ?? '', id).not.toMatch(/has no .* optimizer/);
    }
  });
});

describe(`benchmark suite, --smoke --without ${WITHOUT.join(',')}`, () => {
  it('runs to the end', () => {
    expect(without.status, `exit status; stderr: ${without.stderr.slice(-2000)}`).toBe(0);
  });

  it('still has every field, the missing peers with available: false and a reason', () => {
    const res = without.res;
    checkSchema(res);
    for (const p of ['worker', 'c', 'tfjs', 'openblas']) expectReason(`peers.${p}`, res.peers[p]);
    expectReason('bandwidth', res.bandwidth);
    for (const r of res.optimizers.rows)
      for (const k of ['native-1t', 'c', 'tfjs-cpu', 'tfjs-wasm'])
        expectReason(`${r.optimizer} n=${r.n} ${k}`, r.impls[k]);
    for (const r of res.gemm.rows)
      for (const k of res.gemm.impls.filter((x: string) => !['native', 'js'].includes(x)))
        expectReason(`${r.m}x${r.k}x${r.n} ${k}`, r.impls[k]);
  });
});
