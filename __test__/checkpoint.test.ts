/**
 * Checkpoints (round trip, exact resume, atomic saves under kill -9, corrupt-file rejection)
 * and the TensorFlow.js layers format (checked against @tensorflow/tfjs itself).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { StepLR } from '../src/lr_scheduler/step-lr.js';
import { AvgPool2d } from '../src/nn/avgpool2d.js';
import { BatchNorm1d, BatchNorm2d } from '../src/nn/batchnorm.js';
import { Conv2d } from '../src/nn/conv2d.js';
import { Dropout } from '../src/nn/dropout.js';
import { Flatten } from '../src/nn/flatten.js';
import { GlobalAvgPool2d } from '../src/nn/globalavgpool2d.js';
import {
  ELU,
  GELU,
  Hardsigmoid,
  LeakyReLU,
  Linear,
  Mish,
  Model,
  ReLU,
  SELU,
  Sequential,
  Sigmoid,
  SiLU,
  Softplus,
  Tanh,
} from '../src/nn/index.js';
import { MaxPool2d } from '../src/nn/maxpool2d.js';
import { Adam } from '../src/optim/adam.js';
import { SGD } from '../src/optim/sgd.js';
import { Rng } from '../src/random.js';
import {
  EarlyStopping,
  fit as fitModel,
  fromTfjs,
  loadCheckpoint,
  loadTfjs,
  ModelCheckpoint,
  predict,
  saveCheckpoint,
  saveTfjs,
  toTfjs,
} from '../src/train/index.js';
import { blobs, LocalCE, mlp } from './helpers/train-fixtures.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
const dirs: string[] = [];
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
beforeAll(async () => {
  await tf.setBackend('cpu');
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'descent-ck-'));
  dirs.push(d);
  return d;
}

function saved(dir: string, seed = 3) {
  const model = mlp(seed, 0.25);
  const optimizer = new Adam(model.parameters(), { lr: 0.01 });
  const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
  fitModel(model, blobs(40, 1), {
    optimizer,
    loss: new LocalCE(),
    epochs: 2,
    batchSize: 8,
    scheduler,
    verbose: 0,
  });
  saveCheckpoint(dir, { model, optimizer, scheduler, epoch: 2, seed: 9, extra: { note: 'hi' } });
  return { model, optimizer, scheduler };
}

function manifestOf(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
}

function writeManifest(dir: string, m: unknown): void {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
}

describe.each(['js', 'native'] as BackendName[])('%s backend: checkpoints', (name) => {
  it('round-trips parameters, optimizer, scheduler, generators and epoch', () => {
    setBackend(name);
    const dir = join(tmp(), 'ck');
    const a = saved(dir);
    const m = manifestOf(dir) as {
      architecture: { layers: Array<{ className: string; config: unknown; path: string }> };
      rng: { seed: number; layers: Array<{ path: string }> };
      weights: { buffers: Array<{ name: string; role: string }> };
      optimizer: { className: string };
      scheduler: { className: string };
    };
    expect(m.architecture.layers.map((l) => l.className)).toEqual([
      'Sequential',
      'Linear',
      'Tanh',
      'Dropout',
      'Linear',
    ]);
    expect(m.architecture.layers[1].config).toEqual({ inFeatures: 4, outFeatures: 16, bias: true });
    expect(m.architecture.layers[3].config).toEqual({ p: 0.25 });
    expect(m.rng.seed).toBe(9);
    expect(m.rng.layers.map((l) => l.path)).toEqual(['2']);
    expect(m.optimizer.className).toBe('Adam');
    expect(m.scheduler.className).toBe('StepLR');
    const roles = m.weights.buffers.map((b) => `${b.role}:${b.name}`);
    expect(roles.slice(0, 4)).toEqual([
      'param:0.weight',
      'param:0.bias',
      'param:3.weight',
      'param:3.bias',
    ]);
    expect(roles.filter((r) => r.startsWith('optimizer:')).length).toBe(8); // expAvg, expAvgSq × 4

    const b = mlp(77, 0.25);
    const optimizer = new Adam(b.parameters(), { lr: 0.5 });
    const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.5 });
    const ck = loadCheckpoint(dir, { model: b, optimizer, scheduler });
    expect(ck.epoch).toBe(2);
    expect(ck.seed).toBe(9);
    expect(ck.manifest.extra).toEqual({ note: 'hi' });
    expect(Array.from(b.params)).toEqual(Array.from(a.model.params));
    expect(optimizer.stateDict()).toEqual(a.optimizer.stateDict());
    expect(scheduler.stateDict()).toEqual(a.scheduler.stateDict());
    expect(optimizer.paramGroups[0].lr).toBe(a.optimizer.paramGroups[0].lr);
    // the dropout generator continues where it was
    const drop = (m: Model) => (m.net as Sequential).layers[2] as unknown as { rng: Rng };
    expect(Array.from(drop(b).rng.state)).toEqual(Array.from(drop(a.model).rng.state));
  });

  it('resumes exactly: 2 epochs = 1 epoch + save + load into fresh objects + 1 epoch', () => {
    setBackend(name);
    const d = blobs(60, 2);
    const val = blobs(20, 3);
    const make = (seed: number) => {
      const model = mlp(seed, 0.3);
      const optimizer = new Adam(model.parameters(), { lr: 0.02 });
      const scheduler = new StepLR(optimizer, { stepSize: 1, gamma: 0.7 });
      return { model, optimizer, scheduler };
    };
    const opts = (o: ReturnType<typeof make>) => ({
      optimizer: o.optimizer,
      scheduler: o.scheduler,
      loss: new LocalCE(),
      batchSize: 7,
      validationData: val,
      metrics: ['accuracy' as const],
      seed: 5,
      verbose: 0 as const,
    });
    const straight = make(1);
    const h2 = fitModel(straight.model, d, { ...opts(straight), epochs: 2 });

    const dir = join(tmp(), 'run');
    const first = make(1);
    const es1 = new EarlyStopping({ patience: 5 });
    fitModel(first.model, d, {
      ...opts(first),
      epochs: 1,
      callbacks: [es1, new ModelCheckpoint({ dir })],
    });
    const fresh = make(123); // different initialisation: everything must come from the file
    const es2 = new EarlyStopping({ patience: 5 });
    const { seed: _seed, ...noSeed } = opts(fresh);
    const h = fitModel(fresh.model, d, { ...noSeed, epochs: 2, resumeFrom: dir, callbacks: [es2] });
    expect(h.epoch).toEqual([1]);
    expect(Array.from(fresh.model.params)).toEqual(Array.from(straight.model.params));
    expect(fresh.optimizer.stateDict()).toEqual(straight.optimizer.stateDict());
    expect(h.loss[0]).toBe(h2.loss[1]);
    expect(h.valLoss[0]).toBe(h2.valLoss[1]);
    expect(h.lr[0]).toBe(h2.lr[1]);
    expect(es2.best).toBe(es1.best === null ? null : Math.min(es1.best, h.valLoss[0]));
  });

  it('resumes a CNN with batch norm exactly (running statistics and dropout masks)', () => {
    setBackend(name);
    const n = 24;
    const rng = new Rng(12);
    const x = rng.normal(n * 2 * 6 * 6);
    const y = new Int32Array(n).map((_, i) => i % 3);
    for (let i = 0; i < n; i++) x[i * 72 + y[i] * 5] += 3;
    const data = { x: { data: x, shape: [n, 2, 6, 6] }, y };
    const make = (seed: number) => {
      const model = new Model(
        new Sequential([
          new Conv2d(2, 4, 3, { padding: 1 }),
          new BatchNorm2d(4),
          new ReLU(),
          new MaxPool2d(2),
          new Flatten(),
          new Dropout(0.2),
          new Linear(36, 3),
        ]),
        [2, 6, 6],
        { seed },
      );
      return { model, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) };
    };
    const o = { loss: new LocalCE(), batchSize: 5, seed: 2, verbose: 0 as const };
    const a = make(1);
    fitModel(a.model, data, { ...o, optimizer: a.optimizer, epochs: 2 });
    const dir = join(tmp(), 'cnn');
    const b = make(1);
    fitModel(b.model, data, {
      ...o,
      optimizer: b.optimizer,
      epochs: 1,
      callbacks: [new ModelCheckpoint({ dir })],
    });
    const c = make(50);
    fitModel(c.model, data, { ...o, optimizer: c.optimizer, epochs: 2, resumeFrom: dir });
    expect(Array.from(c.model.params)).toEqual(Array.from(a.model.params));
    const stats = (m: Model) => m.stateBuffers().flatMap((s) => Array.from(s.data));
    expect(stats(c.model)).toEqual(stats(a.model));
    expect(stats(c.model)).not.toEqual(stats(make(1).model));
  });

  it('refuses truncated, altered and malformed checkpoints, naming the file and buffer', () => {
    setBackend(name);
    const root = tmp();
    const fresh = (n: string) => {
      const dir = join(root, n);
      saved(dir);
      return dir;
    };
    // truncated weights
    let dir = fresh('trunc');
    const size = readFileSync(join(dir, 'weights.bin')).length;
    truncateSync(join(dir, 'weights.bin'), size - 10);
    expect(() => loadCheckpoint(dir)).toThrow(
      new RegExp(
        `weights\\.bin is ${size - 10} bytes, the manifest says ${size} \\(truncated\\); buffer optimizer:\\d+ .* is incomplete`,
      ),
    );
    // one flipped bit inside 3.weight
    dir = fresh('flip');
    const m = manifestOf(dir) as { weights: { buffers: Array<{ name: string; offset: number }> } };
    const at =
      (m.weights.buffers.find((b) => b.name === '3.weight') as { offset: number }).offset + 21;
    const bytes = readFileSync(join(dir, 'weights.bin'));
    bytes[at] ^= 0x10;
    writeFileSync(join(dir, 'weights.bin'), bytes);
    expect(() => loadCheckpoint(dir)).toThrow(
      /weights\.bin: buffer 3\.weight \(bytes \d+–\d+\) fails its SHA-256 check/,
    );
    // manifest edits
    dir = fresh('edit');
    const good = manifestOf(dir);
    // biome-ignore lint/suspicious/noExplicitAny: the test edits arbitrary manifest JSON
    type Json = Record<string, any>;
    const edit = (f: (m: Json) => void, re: RegExp) => {
      const copy = structuredClone(good) as Json;
      f(copy);
      writeManifest(dir, copy);
      expect(() => loadCheckpoint(dir)).toThrow(re);
    };
    edit(
      (m) => (m.weights.file = '../x'),
      /weights\.file: "\.\.\/x" is not a plain file name inside the checkpoint directory/,
    );
    edit((m) => (m.weights.file = '/etc/passwd'), /weights\.file/);
    edit(
      (m) => (m.weights.buffers[0].shape = [2 ** 40]),
      /weights\.buffers\[0\]\.shape\[0\]: must be in \[0, 1073741824\]/,
    );
    edit(
      (m) => (m.weights.buffers[0].shape = [2 ** 20, 2 ** 20]),
      /holds 1099511627776 elements, more than the limit/,
    );
    edit(
      (m) => (m.weights.buffers[1].offset = -4),
      /weights\.buffers\[1\]\.offset: must be in \[0/,
    );
    edit(
      (m) => (m.weights.buffers[1].offset += 4),
      /offset: is \d+, expected \d+ \(buffers must follow each other/,
    );
    edit((m) => (m.weights.byteLength = 2 ** 50), /weights\.byteLength: must be in/);
    edit((m) => (m.evil = 1), /manifest: unknown key "evil"/);
    edit((m) => delete m.epoch, /missing key "epoch"/);
    edit((m) => (m.version = 99), /version: 99 is newer/);
    edit(
      (m) => (m.architecture.layers[1].config = JSON.parse('{"__proto__": {"x": 1}}')),
      /forbidden key "__proto__"/,
    );
    edit((m) => (m.weights.buffers[0].sha256 = 'zz'), /sha256/);
    edit((m) => (m.rng.layers[0].state = [0, 0, 0, 0]), /all zeros/);
    edit(
      (m) => (m.optimizer.state.state['0'].expAvg = { $buffer: '0.weight' }),
      /not an optimizer buffer/,
    );
    edit((m) => (m.weights.buffers[0].name = '../../etc'), /has characters outside/);
    writeFileSync(join(dir, 'manifest.json'), '{"format": ');
    expect(() => loadCheckpoint(dir)).toThrow(/manifest\.json is not valid JSON/);
    truncateSync(join(dir, 'manifest.json'), 65 * 2 ** 20); // sparse, refused before reading
    expect(() => loadCheckpoint(dir)).toThrow(
      /manifest\.json is 68157440 bytes, more than the limit/,
    );
    expect(() => loadCheckpoint(join(root, 'nothing'))).toThrow(/is not a checkpoint/);
  });

  it('refuses to restore into a different architecture or optimizer, changing nothing', () => {
    setBackend(name);
    const dir = join(tmp(), 'ck');
    saved(dir);
    const other = new Model(
      new Sequential([new Linear(4, 8), new Tanh(), new Dropout(0.25), new Linear(8, 3)]),
      [4],
    );
    const before = Array.from(other.params);
    expect(() => loadCheckpoint(dir, { model: other })).toThrow(
      /parameter 0\.weight has shape \[16, 4\] in the checkpoint, \[8, 4\] in the model/,
    );
    expect(Array.from(other.params)).toEqual(before);
    const same = mlp(1, 0.25);
    const sameBefore = Array.from(same.params);
    expect(() =>
      loadCheckpoint(dir, { model: same, optimizer: new SGD(same.parameters(), { lr: 1 }) }),
    ).toThrow(/the checkpoint's optimizer is Adam, the given one SGD/);
    expect(Array.from(same.params)).toEqual(sameBefore);
    expect(() => loadCheckpoint(dir, { model: mlp(1) })).toThrow(
      /the checkpoint has no parameter 2\.weight .*: a different architecture\?/,
    );
    const noDropout = new Model(
      new Sequential([new Linear(4, 16), new Tanh(), new Tanh(), new Linear(16, 3)]),
      [4],
    );
    expect(() => loadCheckpoint(dir, { model: noDropout })).toThrow(
      /generator state for layer "2", which has no generator in this model/,
    );
    const geluTanh = new Model(new Sequential([new Linear(2, 2), new GELU('tanh')]), [2]);
    expect(() => toTfjs(geluTanh)).toThrow(/gelu_new, which tf\.js 4 cannot deserialize/);
    const elu = new Model(new Sequential([new Linear(2, 2), new ELU(0.5)]), [2]);
    expect(() => toTfjs(elu)).toThrow(
      /1:ELU \(ELU\) has alpha 0\.5; tf\.js ELU supports alpha 1 only/,
    );
  });

  it('falls back to the previous checkpoint left between the two renames; refuses foreign dirs', () => {
    setBackend(name);
    const root = tmp();
    const dir = join(root, 'ck');
    const a = saved(dir);
    renameSync(dir, join(root, '.ck.prev')); // as if killed between the renames
    const b = mlp(5, 0.25);
    expect(loadCheckpoint(dir, { model: b }).epoch).toBe(2);
    expect(Array.from(b.params)).toEqual(Array.from(a.model.params));
    saveCheckpoint(dir, { model: b, epoch: 3 });
    expect(existsSync(join(root, '.ck.prev'))).toBe(false);
    expect(loadCheckpoint(dir).epoch).toBe(3);
    expect(readdirSync(root)).toEqual(['ck']);
    const foreign = join(root, 'photos');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'cat.jpg'), 'x');
    expect(() => saveCheckpoint(foreign, { model: b, epoch: 1 })).toThrow(
      /is not a checkpoint .* refusing to replace it/,
    );
    expect(readFileSync(join(foreign, 'cat.jpg'), 'utf8')).toBe('x');
  });
});

describe('atomic saves', () => {
  it('a saver killed with SIGKILL at random points always leaves a loadable checkpoint', async () => {
    const root = tmp();
    const { build } = await import('rolldown');
    const bundle = join(root, 'saver.mjs');
    await build({
      input: join(import.meta.dirname, 'helpers', 'checkpoint-saver.ts'),
      platform: 'node',
      logLevel: 'silent',
      output: { file: bundle, format: 'esm' },
    });
    const dir = join(root, 'ck');
    const rng = new Rng(42);
    const delays = rng.uniform(12, 0, 1);
    let lastSaved = 0;
    for (let round = 0; round < delays.length; round++) {
      const child = spawn(process.execPath, [bundle, dir], {
        env: { ...process.env, DESCENT_BACKEND: 'js' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (s) => (out += s));
      child.stderr.on('data', (s) => (err += s));
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      // wait for its first save, then kill it at a random moment of a later one
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.includes('saved')) {
            clearInterval(t);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(`saver exited: ${err}`));
          }
        }, 2);
      });
      await new Promise((r) => setTimeout(r, 1 + delays[round] * 40));
      child.kill('SIGKILL');
      await exited;
      const done = [...out.matchAll(/saved (\d+)/g)].map((m) => Number(m[1]));
      lastSaved = done[done.length - 1];
      const ck = loadCheckpoint(dir);
      // the last reported save or the one after it (killed after the rename, before printing)
      expect([lastSaved, lastSaved + 1]).toContain(ck.epoch);
      // manifest and weights belong to the same save
      for (const [n, b] of ck.buffers)
        if (!n.startsWith('optimizer')) expect(b.every((v) => v === ck.epoch)).toBe(true);
      expect(ck.manifest.extra).toEqual({ i: ck.epoch });
    }
    // stale temporary directories are cleaned by later savers (at most the last one's remains)
    expect(readdirSync(root).filter((n) => n.includes('.tmp-')).length).toBeLessThanOrEqual(1);
  }, 60_000);
});

// ---------------------------------------------------------------------------------------------
// TensorFlow.js

/** NCHW → NHWC. */
function toNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let i = 0; i < w; i++)
          out[((b * h + y) * w + i) * c + ch] = x[((b * c + ch) * h + y) * w + i];
  return out;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  return e;
}

async function tfLoad(dir: string): Promise<tf.LayersModel> {
  const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const bin = readFileSync(join(dir, mj.weightsManifest[0].paths[0]));
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: mj.modelTopology,
      weightSpecs: mj.weightsManifest[0].weights,
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      format: mj.format,
    }),
  });
}

async function tfSave(model: tf.LayersModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      const parts = Array.isArray(a.weightData) ? a.weightData : [a.weightData as ArrayBuffer];
      writeFileSync(
        join(dir, 'group1-shard1of1.bin'),
        Buffer.concat(parts.map((p) => Buffer.from(p))),
      );
      writeFileSync(
        join(dir, 'model.json'),
        JSON.stringify({
          format: 'layers-model',
          generatedBy: 'tfjs',
          convertedBy: null,
          modelTopology: a.modelTopology,
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
        }),
      );
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

/** Runs a few training forwards so batch-norm running statistics are not the defaults. */
function warmStats(model: Model, n: number): void {
  const size = model.inputShape.reduce((a, d) => a * d, 1);
  const x = new Rng(8).normal(n * size, 0.5, 1.5);
  for (let i = 0; i < 3; i++)
    model.forward({ data: x, shape: [n, ...model.inputShape] }, { training: true });
}

describe.each(['js', 'native'] as BackendName[])('%s backend: tf.js layers format', (name) => {
  it('an exported MLP (every activation) predicts as in tf.js, and re-imports exactly', async () => {
    setBackend(name);
    const net = new Sequential([
      new Linear(5, 12),
      new ReLU(),
      new Linear(12, 12),
      new Sigmoid(),
      new Linear(12, 12),
      new Tanh(),
      new Linear(12, 12),
      new ELU(),
      new Linear(12, 12),
      new SELU(),
      new Linear(12, 12),
      new SiLU(),
      new Linear(12, 12),
      new Mish(),
      new Linear(12, 12),
      new GELU(),
      new LeakyReLU(0.2),
      new Softplus(),
      new Dropout(0.4),
      new Linear(12, 12, { bias: false }),
      new BatchNorm1d(12),
      new Linear(12, 3),
    ]);
    const model = new Model(net, [5], { seed: 4 });
    warmStats(model, 16);
    const dir = join(tmp(), 'mlp');
    saveTfjs(dir, model);
    const tm = await tfLoad(dir);
    const x = new Rng(3).normal(10 * 5);
    const ours = predict(model, { data: x, shape: [10, 5] });
    const theirs = (tm.predict(tf.tensor(x, [10, 5])) as tf.Tensor).dataSync() as Float32Array;
    expect(maxRelErr(ours.data, theirs)).toBeLessThan(2e-5);
    const back = loadTfjs(dir);
    expect(Array.from(back.params)).toEqual(Array.from(model.params));
    expect(Array.from(predict(back, { data: x, shape: [10, 5] }).data)).toEqual(
      Array.from(ours.data),
    );
  });

  it('an exported CNN (NCHW) predicts as tf.js does on the NHWC input', async () => {
    setBackend(name);
    const net = new Sequential([
      new Conv2d(3, 4, 3, { padding: 1 }),
      new BatchNorm2d(4),
      new ReLU(),
      new MaxPool2d(2),
      new Conv2d(4, 6, [3, 2], { stride: 2, padding: [1, 1] }), // → ZeroPadding2D + 'valid'
      new Tanh(),
      new AvgPool2d(1),
      new Flatten(),
      new BatchNorm1d(6 * 2 * 3),
      new Linear(6 * 2 * 3, 5),
    ]);
    const model = new Model(net, [3, 8, 8], { seed: 2 });
    warmStats(model, 6);
    const dir = join(tmp(), 'cnn');
    saveTfjs(dir, model);
    const tm = await tfLoad(dir);
    const x = new Rng(5).normal(4 * 3 * 8 * 8);
    const ours = predict(model, { data: x, shape: [4, 3, 8, 8] });
    const theirs = (
      tm.predict(tf.tensor(toNhwc(x, 4, 3, 8, 8), [4, 8, 8, 3])) as tf.Tensor
    ).dataSync() as Float32Array;
    expect(ours.shape).toEqual([4, 5]);
    expect(maxRelErr(ours.data, theirs)).toBeLessThan(2e-5);
    // and back: identical parameters and statistics
    const back = loadTfjs(dir);
    expect(Array.from(back.params)).toEqual(Array.from(model.params));
    expect(Array.from(predict(back, { data: x, shape: [4, 3, 8, 8] }).data)).toEqual(
      Array.from(ours.data),
    );
  });

  it('a model built and saved by tf.js loads with equal predictions', async () => {
    setBackend(name);
    const tm = tf.sequential({
      layers: [
        tf.layers.conv2d({
          inputShape: [9, 9, 2],
          filters: 4,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
        }),
        tf.layers.batchNormalization(),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 5, kernelSize: 2, strides: 2, useBias: false }),
        tf.layers.leakyReLU({ alpha: 0.1 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: 10, activation: 'tanh' }),
        tf.layers.dropout({ rate: 0.2 }),
        tf.layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    // non-trivial batch-norm statistics
    const bn = tm.layers[1];
    const [g, b] = [tf.randomUniform([4], 0.5, 1.5), tf.randomUniform([4], -0.5, 0.5)];
    bn.setWeights([g, b, tf.randomUniform([4], -0.3, 0.3), tf.randomUniform([4], 0.5, 2)]);
    const dir = join(tmp(), 'from-tf');
    await tfSave(tm, dir);
    expect(() => loadTfjs(dir)).toThrow(
      /layer dense_\w+ \(Dense\) applies softmax, which has no layer here/,
    );
    const model = loadTfjs(dir, { finalSoftmax: 'drop' });
    expect(model.inputShape).toEqual([2, 9, 9]);
    const xNchw = new Rng(6).normal(3 * 2 * 9 * 9);
    const logits = predict(model, { data: xNchw, shape: [3, 2, 9, 9] });
    const probs = new Float32Array(logits.data.length);
    getBackend().kernelsFor(0).softmax(probs, logits.data, 3, 4, false);
    const theirs = (
      tm.predict(tf.tensor(toNhwc(xNchw, 3, 2, 9, 9), [3, 9, 9, 2])) as tf.Tensor
    ).dataSync() as Float32Array;
    expect(maxRelErr(probs, theirs)).toBeLessThan(2e-5);
  });

  it('refuses layers the other side lacks, naming the layer', async () => {
    setBackend(name);
    const hs = new Model(new Sequential([new Linear(3, 4), new Hardsigmoid()]), [3]);
    expect(() => toTfjs(hs)).toThrow(
      /layer 1:Hardsigmoid \(Hardsigmoid\) applies hardSigmoid, which has no tf\.js activation/,
    );
    const gap = new Model(new Sequential([new Conv2d(1, 2, 1), new Flatten()]), [1, 2, 2]);
    expect(() => toTfjs(gap)).toThrow(/ends with a Flatten of an image/);
    const ok = new Model(new Sequential([new Conv2d(1, 2, 1), new GlobalAvgPool2d()]), [1, 2, 2]);
    expect(toTfjs(ok).modelJson.modelTopology.config.layers.map((l) => l.class_name)).toEqual([
      'Conv2D',
      'GlobalAveragePooling2D',
    ]);
    const lstm = tf.sequential({ layers: [tf.layers.lstm({ inputShape: [4, 3], units: 2 })] });
    const dir = join(tmp(), 'lstm');
    await tfSave(lstm, dir);
    expect(() => loadTfjs(dir)).toThrow(/layer lstm\w* \(LSTM\) has no equivalent here/);
    const relu6 = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 2, activation: 'relu6' })],
    });
    const dir2 = join(tmp(), 'relu6');
    await tfSave(relu6, dir2);
    expect(() => loadTfjs(dir2)).toThrow(/layer dense\w* \(Dense\) uses activation "relu6"/);
    const { modelJson, weightData } = toTfjs(mlp(1));
    expect(() => fromTfjs(modelJson, weightData.slice(0, 100))).toThrow(
      /lies beyond the 100 bytes/,
    );
    const bad = structuredClone(modelJson);
    bad.weightsManifest[0].paths = ['../../secret.bin'];
    writeFileSync(join(dir2, 'model.json'), JSON.stringify(bad));
    expect(() => loadTfjs(dir2)).toThrow(/"\.\.\/\.\.\/secret\.bin" is not a plain file name/);
  });
});
