/** The training loop: fit/evaluate/predict, batch sizes, schedulers, callbacks, bad input. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type BackendName,
  getBackend,
  setBackend,
  setMinNativeLength,
} from '../src/backend/select.js';
import { TensorDataset } from '../src/data/tensor-dataset.js';
import { ReduceLROnPlateau as PlateauScheduler } from '../src/lr_scheduler/reduce-lr-on-plateau.js';
import { StepLR } from '../src/lr_scheduler/step-lr.js';
import { Linear, Model, Sequential } from '../src/nn/index.js';
import type { Loss, Target } from '../src/nn/loss.js';
import { CrossEntropyLoss } from '../src/nn/losses/cross-entropy.js';
import type { Tensor } from '../src/nn/tensor.js';
import { Adam } from '../src/optim/adam.js';
import { LBFGS } from '../src/optim/lbfgs.js';
import { SGD } from '../src/optim/sgd.js';
import {
  CSVLogger,
  EarlyStopping,
  evaluate,
  fit as fitModel,
  LambdaCallback,
  type Logs,
  loadCheckpoint,
  MemoryDataset,
  ModelCheckpoint,
  ProgressBar,
  predict,
  ReduceLROnPlateau,
  TerminateOnNaN,
} from '../src/train/index.js';
import {
  ArrayDataset,
  blobs,
  LocalCE,
  LocalMSE,
  mlp,
  regressor,
} from './helpers/train-fixtures.js';

const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
const dirs: string[] = [];
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'descent-train-'));
  dirs.push(d);
  return d;
}

/** A score sequence injected into the epoch logs (callbacks then see `score`). */
function scores(values: number[]): LambdaCallback {
  return new LambdaCallback({
    onEpochEnd: (epoch, logs) => {
      logs.score = values[Math.min(epoch, values.length - 1)];
    },
  });
}

describe.each(['js', 'native', 'wasm'] as BackendName[])('%s backend', (name) => {
  it('an MLP learns a 3-class problem; history, evaluate and predict agree', () => {
    setBackend(name);
    const train = blobs(300, 1);
    const val = blobs(150, 2);
    const model = mlp(3);
    const optimizer = new Adam(model.parameters(), { lr: 0.03 });
    const h = fitModel(model, train, {
      optimizer,
      loss: new LocalCE(),
      epochs: 15,
      batchSize: 32,
      metrics: ['accuracy', 'topK:2'],
      validationData: val,
      verbose: 0,
    });
    expect(h.epoch).toEqual([...Array(15).keys()]);
    expect(h.loss).toHaveLength(15);
    expect(h.valLoss).toHaveLength(15);
    expect(Object.keys(h.metrics).sort()).toEqual(
      ['accuracy', 'topK:2', 'valAccuracy', 'valTopK:2'].sort(),
    );
    expect(h.loss[14]).toBeLessThan(h.loss[0] * 0.5);
    expect(h.metrics.valAccuracy[14]).toBeGreaterThan(0.9);
    expect(h.metrics['valTopK:2'][14]).toBeGreaterThanOrEqual(h.metrics.valAccuracy[14]);
    expect(h.lr.every((lr) => lr === 0.03)).toBe(true);
    expect(h.time.every((t) => t >= 0)).toBe(true);
    expect(h.samplesPerSec.every((s) => s > 0)).toBe(true);
    const ev = evaluate(model, val, { loss: new LocalCE(), metrics: ['accuracy'], batchSize: 64 });
    expect(ev.loss).toBeCloseTo(h.valLoss[14], 5);
    expect(ev.accuracy).toBeCloseTo(h.metrics.valAccuracy[14], 10);
    // predict in batches equals one big forward
    const x = { data: val.x, shape: [val.length, 4] };
    const p = predict(model, x, { batchSize: 7 });
    const whole = model.forward(x, { training: false });
    expect(p.shape).toEqual([150, 3]);
    // (GEMM blocking may differ with the batch size: equal to rounding)
    const close = (a: Float32Array, b: Float32Array) =>
      a.every((v, i) => Math.abs(v - b[i]) <= 1e-5 * (1 + Math.abs(b[i])));
    expect(close(p.data, whole.data)).toBe(true);
    expect(close(predict(model, val, { batchSize: 16 }).data, p.data)).toBe(true);
  });

  it('works with the library CrossEntropyLoss and {x, y} arrays', () => {
    setBackend(name);
    const d = blobs(120, 3);
    const model = mlp(1);
    const h = fitModel(
      model,
      { x: { data: d.x, shape: [120, 4] }, y: d.y as Int32Array },
      {
        optimizer: new Adam(model.parameters(), { lr: 0.05 }),
        loss: new CrossEntropyLoss(),
        epochs: 10,
        batchSize: 16,
        metrics: ['accuracy'],
        validationSplit: 0.25,
        verbose: 0,
      },
    );
    expect(h.valLoss).toHaveLength(10);
    expect(h.metrics.valAccuracy[9]).toBeGreaterThan(0.85);
  });

  it('trains from the library TensorDataset, slicing it for validationSplit', () => {
    setBackend(name);
    const d = blobs(100, 19);
    const ds = new TensorDataset({ data: d.x, shape: [100, 4] }, d.y as Int32Array);
    const model = mlp(2);
    const h = fitModel(model, ds, {
      optimizer: new Adam(model.parameters(), { lr: 0.05 }),
      loss: new CrossEntropyLoss(),
      epochs: 8,
      batchSize: 10,
      validationSplit: 0.2,
      metrics: ['accuracy'],
      verbose: 0,
    });
    expect(h.metrics.accuracy[7]).toBeGreaterThan(0.85);
    // the held-out part is the last 20 samples, as Keras does
    const last = new TensorDataset(
      { data: d.x.slice(80 * 4), shape: [20, 4] },
      (d.y as Int32Array).slice(80),
    );
    expect(evaluate(model, last, { loss: new CrossEntropyLoss() }).loss).toBeCloseTo(
      h.valLoss[7],
      6,
    );
  });

  it('full-batch, mini-batch and per-sample batch sizes take the right number of steps', () => {
    setBackend(name);
    const d = blobs(50, 4);
    for (const [bs, steps] of [
      [50, 1],
      [16, 4],
      [1, 50],
    ] as const) {
      const model = mlp(2);
      const sizes: number[] = [];
      fitModel(model, d, {
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        loss: new LocalCE(),
        epochs: 2,
        batchSize: bs,
        verbose: 0,
        callbacks: [new LambdaCallback({ onBatchEnd: (_b, logs) => sizes.push(logs.size) })],
      });
      expect(sizes.length).toBe(2 * steps);
      expect(sizes.slice(0, steps).reduce((a, s) => a + s, 0)).toBe(50);
    }
  });

  it('full-batch fit is exactly the hand-written gradient-descent loop', () => {
    setBackend(name);
    const d = blobs(40, 5);
    const a = mlp(7);
    fitModel(a, d, {
      optimizer: new SGD(a.parameters(), { lr: 0.1, momentum: 0.9 }),
      loss: new LocalCE(),
      epochs: 5,
      batchSize: 40,
      shuffle: false,
      verbose: 0,
    });
    const b = mlp(7);
    const opt = new SGD(b.parameters(), { lr: 0.1, momentum: 0.9 });
    const loss = new LocalCE();
    const x = { data: d.x, shape: [40, 4] };
    const grad = new Float32Array(40 * 3);
    for (let e = 0; e < 5; e++) {
      b.zeroGrad();
      const pred = b.forward(x, { training: true });
      loss.forward(pred, d.y as Int32Array, grad);
      b.backward({ data: grad, shape: [40, 3] });
      opt.step();
    }
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
  });

  it('is deterministic: same seed, identical weights (with dropout and shuffling)', () => {
    setBackend(name);
    const d = blobs(90, 6);
    const run = (seed: number) => {
      const model = mlp(11, 0.3);
      fitModel(model, d, {
        optimizer: new Adam(model.parameters(), { lr: 0.01 }),
        loss: new LocalCE(),
        epochs: 3,
        batchSize: 8,
        seed,
        verbose: 0,
      });
      return Array.from(model.params);
    };
    const a = run(5);
    expect(run(5)).toEqual(a);
    expect(run(6)).not.toEqual(a);
  });

  it('steps schedulers per epoch and per step; ReduceLROnPlateau gets the validation loss', () => {
    setBackend(name);
    const d = blobs(64, 7);
    let model = mlp(1);
    let opt = new SGD(model.parameters(), { lr: 0.1 });
    let h = fitModel(model, d, {
      optimizer: opt,
      loss: new LocalCE(),
      epochs: 4,
      batchSize: 16,
      scheduler: new StepLR(opt, { stepSize: 1, gamma: 0.5 }),
      verbose: 0,
    });
    expect(h.lr).toEqual([0.1, 0.05, 0.025, 0.0125]);
    model = mlp(1);
    opt = new SGD(model.parameters(), { lr: 0.1 });
    h = fitModel(model, d, {
      optimizer: opt,
      loss: new LocalCE(),
      epochs: 2,
      batchSize: 16,
      scheduler: new StepLR(opt, { stepSize: 2, gamma: 0.5 }),
      schedulerInterval: 'step',
      verbose: 0,
    });
    // 4 steps per epoch, halved every 2 steps: the last step of epoch 0 ran at 0.05.
    expect(h.lr[0]).toBeCloseTo(0.05, 12);
    expect(h.lr[1]).toBeCloseTo(0.0125, 12);
    model = mlp(1);
    opt = new SGD(model.parameters(), { lr: 0.1 });
    const plateau = new PlateauScheduler(opt, { patience: 0, factor: 0.5 });
    const seen: number[] = [];
    const origStep = plateau.step.bind(plateau);
    plateau.step = (m?: number) => {
      seen.push(m as number);
      origStep(m);
    };
    h = fitModel(model, d, {
      optimizer: opt,
      loss: new LocalCE(),
      epochs: 3,
      batchSize: 16,
      validationData: blobs(30, 8),
      scheduler: plateau,
      verbose: 0,
    });
    expect(seen).toEqual(h.valLoss);
  });

  it('calls the regularisation hook after backward each step and logs the penalty', () => {
    setBackend(name);
    const d = blobs(32, 9);
    const model = mlp(2);
    let calls = 0;
    const a = fitModel(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0 }),
      loss: new LocalCE(),
      epochs: 1,
      batchSize: 8,
      shuffle: false,
      verbose: 0,
      regularize: (m) => {
        calls++;
        // gradients of this batch are present (backward ran)
        expect(m.grads.some((g) => g !== 0)).toBe(true);
        return 1.5;
      },
    });
    expect(calls).toBe(4);
    const base = evaluate(model, d, { loss: new LocalCE(), batchSize: 8 });
    expect(a.loss[0]).toBeCloseTo((base.loss as number) + 1.5, 5);
  });

  it('trains with LBFGS (closure mode) and regresses with the mae metric', () => {
    setBackend(name);
    const d = blobs(64, 10);
    const model = mlp(3);
    const h = fitModel(model, d, {
      optimizer: new LBFGS(model.parameters(), { lr: 1, maxIter: 5 }),
      loss: new LocalCE(),
      epochs: 3,
      batchSize: 64,
      verbose: 0,
    });
    expect(h.loss[2]).toBeLessThan(h.loss[0]);
    // regression: y = sum of x
    const x = d.x;
    const y = new Float32Array(64).map((_, i) => x[4 * i] + x[4 * i + 1] - x[4 * i + 2]);
    const reg = new ArrayDataset(x, y, [4], null, [1]);
    const r = regressor(4);
    const hr = fitModel(r, reg, {
      optimizer: new Adam(r.parameters(), { lr: 0.02 }),
      loss: new LocalMSE(),
      epochs: 20,
      batchSize: 16,
      metrics: ['mae'],
      verbose: 0,
    });
    expect(hr.metrics.mae[19]).toBeLessThan(hr.metrics.mae[0]);
  });

  it('EarlyStopping stops after patience and restoreBestWeights restores the best epoch', () => {
    setBackend(name);
    const d = blobs(48, 11);
    const model = mlp(4);
    const atEpochEnd: number[][] = [];
    const es = new EarlyStopping({ monitor: 'score', patience: 2, restoreBestWeights: true });
    const h = fitModel(model, d, {
      optimizer: new Adam(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 20,
      batchSize: 16,
      verbose: 0,
      callbacks: [
        scores([3, 2, 1, 2, 3, 4, 5]),
        new LambdaCallback({ onEpochEnd: () => atEpochEnd.push(Array.from(model.params)) }),
        es,
      ],
    });
    expect(h.epoch).toEqual([0, 1, 2, 3, 4]);
    expect(h.stopped).toBe(true);
    expect(es.stoppedEpoch).toBe(4);
    expect(es.bestEpoch).toBe(2);
    expect(Array.from(model.params)).toEqual(atEpochEnd[2]);
    expect(Array.from(model.params)).not.toEqual(atEpochEnd[4]);
  });

  it('EarlyStopping: minDelta, baseline, mode auto for accuracies', () => {
    setBackend(name);
    const d = blobs(16, 12);
    const run = (cb: EarlyStopping, seq: number[], epochs = 10) => {
      const model = mlp(0);
      return fitModel(model, d, {
        optimizer: new SGD(model.parameters(), { lr: 0.01 }),
        loss: new LocalCE(),
        epochs,
        batchSize: 16,
        verbose: 0,
        callbacks: [scores(seq), cb],
      }).epoch.length;
    };
    // improvements of 0.05 < minDelta 0.1 do not count: stops at epoch 1 with patience 1
    expect(
      run(
        new EarlyStopping({ monitor: 'score', minDelta: 0.1, patience: 1 }),
        [1, 0.95, 0.9, 0.85],
      ),
    ).toBe(2);
    // baseline 0.5 never beaten: improvements do not reset the wait, and (Keras 3) the stop
    // check runs on non-improving epochs only: 5 improving epochs, then epoch 5 stops.
    expect(
      run(
        new EarlyStopping({ monitor: 'score', baseline: 0.5, patience: 2 }),
        [1, 0.9, 0.8, 0.7, 0.6],
      ),
    ).toBe(6);
    // beating the baseline resets the wait: patience 1 stops one epoch after the last gain
    expect(
      run(
        new EarlyStopping({ monitor: 'score', baseline: 0.5, patience: 1 }),
        [1, 0.4, 0.3, 0.3, 0.3],
      ),
    ).toBe(4);
    // 'val_accuracy'-like names are maximised in mode auto
    expect(new EarlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(new EarlyStopping({ monitor: 'val_accuracy' }).monitor).toBe('valAccuracy');
    expect(new EarlyStopping({ monitor: 'val_loss' }).monitor).toBe('valLoss');
    expect(() => new EarlyStopping({ patience: -1 })).toThrow(/patience/);
    expect(() => new EarlyStopping({ monitr: 'x' } as never)).toThrow(/did you mean "monitor"/);
  });

  it('TerminateOnNaN stops on a NaN loss', () => {
    setBackend(name);
    const d = blobs(64, 13);
    const model = mlp(1);
    let calls = 0;
    const ce = new LocalCE();
    const nanAfter: Loss = {
      name: 'nan',
      forward(pred: Tensor, y: Target, g?: Float32Array) {
        const v = ce.forward(pred, y, g);
        return ++calls === 3 ? Number.NaN : v;
      },
    };
    const t = new TerminateOnNaN();
    const batches: number[] = [];
    const h = fitModel(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.01 }),
      loss: nanAfter,
      epochs: 5,
      batchSize: 8,
      verbose: 0,
      callbacks: [t, new LambdaCallback({ onBatchEnd: (b) => batches.push(b) })],
    });
    expect(t.terminatedAt).toEqual({ epoch: 0, batch: 2 });
    expect(batches).toEqual([0, 1, 2]);
    expect(h.epoch).toEqual([0]);
    expect(Number.isNaN(h.loss[0])).toBe(true);
    expect(h.stopped).toBe(true);
  });

  it('CSVLogger writes a header and one valid CSV row per epoch', () => {
    setBackend(name);
    const d = blobs(40, 14);
    const model = mlp(1);
    const path = join(tmp(), 'log.csv');
    const h = fitModel(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 3,
      batchSize: 10,
      metrics: ['accuracy'],
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [new CSVLogger(path)],
    });
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('epoch,loss,accuracy,valLoss,valAccuracy,lr,time,samplesPerSec');
    expect(lines).toHaveLength(4);
    lines.slice(1).forEach((line, e) => {
      const cells = line.split(',').map(Number);
      expect(cells[0]).toBe(e);
      expect(cells[1]).toBe(h.loss[e]);
      expect(cells[2]).toBe(h.metrics.accuracy[e]);
      expect(cells[3]).toBe(h.valLoss[e]);
      expect(cells[5]).toBe(h.lr[e]);
    });
    // append: a second run adds rows under the same header
    fitModel(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 1,
      batchSize: 10,
      metrics: ['accuracy'],
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [new CSVLogger(path, { append: true })],
    });
    const again = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(again).toHaveLength(5);
    expect(again[0]).toBe(lines[0]);
  });

  it('ModelCheckpoint saveBestOnly saves only improving epochs, loadable', () => {
    setBackend(name);
    const d = blobs(32, 15);
    const model = mlp(1);
    const dir = tmp();
    const mc = new ModelCheckpoint({
      dir: join(dir, 'ck-{epoch}'),
      saveBestOnly: true,
      monitor: 'score',
    });
    const latest = new ModelCheckpoint({
      dir: join(dir, 'best'),
      saveBestOnly: true,
      monitor: 'score',
    });
    const params: number[][] = [];
    fitModel(model, d, {
      optimizer: new Adam(model.parameters(), { lr: 0.01 }),
      loss: new LocalCE(),
      epochs: 6,
      batchSize: 8,
      verbose: 0,
      callbacks: [
        scores([5, 4, 4.5, 3, 3, 3.5]),
        new LambdaCallback({ onEpochEnd: () => params.push(Array.from(model.params)) }),
        mc,
        latest,
      ],
    });
    expect(mc.saved.map((p) => p.slice(p.lastIndexOf('-') + 1))).toEqual(['1', '2', '4']);
    const ck = loadCheckpoint(join(dir, 'best'));
    expect(ck.epoch).toBe(4);
    const fresh = mlp(99);
    ck.restore({ model: fresh });
    expect(Array.from(fresh.params)).toEqual(params[3]);
  });

  it('ReduceLROnPlateau callback reduces the lr after patience epochs (Keras counting)', () => {
    setBackend(name);
    const d = blobs(16, 16);
    const model = mlp(1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const h = fitModel(model, d, {
      optimizer: opt,
      loss: new LocalCE(),
      epochs: 6,
      batchSize: 16,
      verbose: 0,
      callbacks: [
        scores([1, 1, 1, 1, 1, 1]),
        new ReduceLROnPlateau({ monitor: 'score', patience: 2, factor: 0.5 }),
      ],
    });
    // best at epoch 0; epochs 1 and 2 do not improve → reduce after epoch 2; again after 4.
    expect(h.lr.map((v) => Number(v.toFixed(6)))).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it('ProgressBar draws on a TTY, and stays silent otherwise or with verbose 0', () => {
    setBackend(name);
    const d = blobs(40, 17);
    const run = (isTTY: boolean, verbose: 0 | 1) => {
      let out = '';
      const stream = { isTTY, columns: 200, write: (s: string) => (out += s) };
      const model = mlp(1);
      fitModel(model, d, {
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        loss: new LocalCE(),
        epochs: 2,
        batchSize: 10,
        metrics: ['accuracy'],
        verbose,
        callbacks: [new ProgressBar({ stream, interval: 0 })],
      });
      return out;
    };
    const out = run(true, 1);
    expect(out).toContain('\rEpoch 1/2');
    expect(out).toContain('4/4');
    expect(out).toMatch(/loss \d\.\d{4}/);
    expect(out).toMatch(/accuracy \d\.\d{4}/);
    expect(out).toMatch(/\d+ samples\/s/);
    expect(out).toContain('ETA');
    expect(out.split('\n').length - 1).toBe(2); // one finished line per epoch
    expect(run(false, 1)).toBe('');
    expect(run(true, 0)).toBe('');
  });

  it('LambdaCallback hooks run in order with the right arguments', () => {
    setBackend(name);
    const d = blobs(20, 18);
    const model = mlp(1);
    const events: string[] = [];
    fitModel(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 2,
      batchSize: 10,
      verbose: 0,
      callbacks: [
        new LambdaCallback({
          onTrainBegin: () => events.push('train'),
          onEpochBegin: (e) => events.push(`e${e}`),
          onBatchBegin: (b) => events.push(`b${b}`),
          onBatchEnd: (b, logs: Logs) => events.push(`/b${b}:${Number.isFinite(logs.loss)}`),
          onEpochEnd: (e, logs: Logs) => events.push(`/e${e}:${'loss' in logs && 'lr' in logs}`),
          onTrainEnd: () => events.push('/train'),
        }),
      ],
    });
    expect(events).toEqual([
      'train',
      'e0',
      'b0',
      '/b0:true',
      'b1',
      '/b1:true',
      '/e0:true',
      'e1',
      'b0',
      '/b0:true',
      'b1',
      '/b1:true',
      '/e1:true',
      '/train',
    ]);
    expect(() => new LambdaCallback({ onEpochEnd: 3 } as never)).toThrow(
      /onEpochEnd must be a function/,
    );
  });

  it('refuses bad input with errors naming the layer and the shapes', () => {
    setBackend(name);
    const model = mlp(1);
    const opt = new SGD(model.parameters(), { lr: 0.1 });
    const base = { optimizer: opt, loss: new LocalCE(), epochs: 1, verbose: 0 as const };
    // empty dataset
    expect(() =>
      fitModel(model, new ArrayDataset(new Float32Array(0), new Int32Array(0), [4], 3), base),
    ).toThrow(/training data is empty/);
    // labels out of range
    const bad = blobs(10, 1);
    (bad.y as Int32Array)[3] = 7;
    expect(() => fitModel(model, new ArrayDataset(bad.x, bad.y, [4], null), base)).toThrow(
      /sample 3 of the training data has label 7, out of range for the 3 outputs of the last layer 2:Linear/,
    );
    // more classes than outputs: the sample that has one, else the declared count
    expect(() => fitModel(model, new ArrayDataset(bad.x, bad.y, [4], 8), base)).toThrow(
      /sample 3 of the training data has label 7, but the model's last layer 2:Linear outputs 3 classes/,
    );
    const good = blobs(10, 1);
    expect(() => fitModel(model, new ArrayDataset(good.x, good.y, [4], 8), base)).toThrow(
      /the training data declares 8 classes, but the model's last layer 2:Linear outputs 3/,
    );
    // wrong input shape
    const wrong = new ArrayDataset(new Float32Array(30), new Int32Array(6), [5], 3);
    expect(() => fitModel(model, wrong, base)).toThrow(
      /samples have shape \[5\], but the model's input is \[4\] \(layer 0:Linear expects \[batch, 4\]\)/,
    );
    expect(() => predict(model, { data: new Float32Array(10), shape: [2, 5] })).toThrow(
      /input of shape \[2, 5\] .* 0:Linear/,
    );
    expect(() => evaluate(model, wrong, { loss: new LocalCE() })).toThrow(/\[5\].*\[4\]/);
    // options
    const d = blobs(10, 2);
    expect(() => fitModel(model, d, { ...base, epochs: 0 })).toThrow(
      /epochs must be a positive integer/,
    );
    expect(() => fitModel(model, d, { ...base, batchSize: 2.5 })).toThrow(/batchSize/);
    expect(() => fitModel(model, d, { ...base, epoch: 3 } as never)).toThrow(
      /unknown option "epoch"/,
    );
    expect(() => fitModel(model, d, { ...base, validationSplit: 1 })).toThrow(/validationSplit/);
    expect(() => fitModel(model, d, { ...base, metrics: ['f1'] as never })).toThrow(
      /unknown metric "f1"/,
    );
    expect(() => fitModel(model, d, { ...base, metrics: ['topK:9'] })).toThrow(/k = 9 exceeds/);
    expect(() => fitModel(model, d, { ...base, loss: {} as never })).toThrow(/loss must be a Loss/);
    expect(() => fitModel(model, d, { ...base, schedulerInterval: 'batch' as never })).toThrow(
      /schedulerInterval/,
    );
    expect(() => fitModel({} as Model, d, base)).toThrow(/model must be a Model/);
    expect(() => fitModel(model, 42 as never, base)).toThrow(/data must be a Dataset/);
    // mae needs dense targets
    expect(() => fitModel(model, d, { ...base, metrics: ['mae'] })).toThrow(
      /mae needs dense targets/,
    );
    // a model that does not match the dense target's width
    const reg = new ArrayDataset(new Float32Array(8), new Float32Array(4), [4], null, [2]);
    const r = new Model(new Sequential([new Linear(4, 1)]), [4]);
    expect(() =>
      fitModel(r, reg, {
        optimizer: new SGD(r.parameters(), { lr: 0.1 }),
        loss: new LocalMSE(),
        epochs: 1,
        verbose: 0,
      }),
    ).toThrow(/targets of shape \[2, 2\] do not match the predictions of shape \[2, 1\]/);
  });
});

describe('MemoryDataset', () => {
  it('shuffles deterministically and batches every sample once', () => {
    const x = new Float32Array(20).map((_, i) => i);
    const m = MemoryDataset.fromArrays('t', {
      x: { data: x, shape: [10, 2] },
      y: new Int32Array(10).map((_, i) => i),
    });
    const pass = (seed: number) => {
      const ys: number[] = [];
      for (const b of m.batches({ batchSize: 3, shuffle: true, seed })) {
        for (let r = 0; r < b.size; r++) {
          ys.push((b.y as Int32Array)[r]);
          expect(b.x.data[2 * r]).toBe(2 * (b.y as Int32Array)[r]);
        }
      }
      return ys;
    };
    expect(
      pass(1)
        .slice()
        .sort((a, b) => a - b),
    ).toEqual([...Array(10).keys()]);
    expect(pass(1)).toEqual(pass(1));
    expect(pass(1)).not.toEqual(pass(2));
  });
});
