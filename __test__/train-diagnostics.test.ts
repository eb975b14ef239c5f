/**
 * What fit says when a new user gets something wrong: the first non-finite loss, output when
 * stdout is not a TTY, an optimizer on another model's parameters, a label out of range
 * (naming the sample), and camelCase names in history and logs (snake_case still reads).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TensorDataset } from '../src/data/tensor-dataset.js';
import { Linear, Model, Sequential } from '../src/nn/index.js';
import { Adam } from '../src/optim/adam.js';
import { SGD } from '../src/optim/sgd.js';
import {
  EarlyStopping,
  fit,
  LambdaCallback,
  type Logs,
  TerminateOnNaN,
} from '../src/train/index.js';
import { blobs, LocalCE, LocalMSE, mlp, regressor } from './helpers/train-fixtures.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Captures process.emitWarning calls as [message, code]. */
function warnings(): Array<[string, string | undefined]> {
  const seen: Array<[string, string | undefined]> = [];
  vi.spyOn(process, 'emitWarning').mockImplementation(((w: string | Error, o?: unknown) => {
    const code = typeof o === 'object' && o !== null ? (o as { code?: string }).code : undefined;
    seen.push([String(w), code]);
  }) as typeof process.emitWarning);
  return seen;
}

describe('the first non-finite loss', () => {
  it('is reported once with its epoch and batch, and training goes on', () => {
    const seen = warnings();
    const d = blobs(60, 1);
    d.x[25 * 4 + 2] = Number.NaN; // sample 25: batch 3 of 6 with batchSize 10, unshuffled
    const model = mlp(1);
    const h = fit(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 2,
      batchSize: 10,
      shuffle: false,
      verbose: 0,
    });
    expect(h.epoch).toEqual([0, 1]); // not stopped: that is TerminateOnNaN's job
    expect(Number.isNaN(h.loss[1])).toBe(true);
    const nan = seen.filter(([, code]) => code === 'DESCENT_NONFINITE_LOSS');
    expect(nan).toHaveLength(1);
    expect(nan[0][0]).toMatch(/the loss is NaN at epoch 1\/2, batch 3\/6/);
    expect(nan[0][0]).toMatch(/non-finite values \(1 in the inputs, 0 in the targets\)/);
    expect(nan[0][0]).toMatch(/TerminateOnNaN/);
  });

  it('says whether an earlier step broke the parameters or the forward pass overflowed', () => {
    const seen = warnings();
    const d = blobs(40, 2);
    const run = (x: Float32Array, target: number, lr: number, weight?: number, breakAfter = -1) => {
      const model = regressor(1);
      if (weight !== undefined) model.params.fill(weight);
      const y = new Float32Array(40).fill(target);
      fit(
        model,
        { x: { data: x, shape: [40, 4] }, y: { data: y, shape: [40, 1] } },
        {
          optimizer: new SGD(model.parameters(), { lr }),
          loss: new LocalMSE(),
          epochs: 3,
          batchSize: 8,
          verbose: 0,
          // an update that leaves an infinite weight (as an overflowing gradient would)
          callbacks: [
            {
              onBatchEnd: (b: number) =>
                void (b === breakAfter && model.params.fill(Infinity, 0, 1)),
            },
          ],
        },
      );
    };
    run(d.x, 1, 0.01, undefined, 0); // the step after batch 1 breaks a weight
    run(new Float32Array(160).fill(1e38), 0, 0.1, 10); // finite inputs and weights, output ∞
    const nan = seen.filter(([, code]) => code === 'DESCENT_NONFINITE_LOSS').map(([m]) => m);
    expect(nan).toHaveLength(2);
    expect(nan[0]).toMatch(
      /the batch is finite but \d+ of the model's parameters are not: an earlier step/,
    );
    expect(nan[1]).toMatch(
      /at epoch 1\/3, batch 1\/5, .*the batch and the parameters are finite, so the forward pass overflowed/,
    );
  });

  it('is left to TerminateOnNaN when that callback is given (one message, not two)', () => {
    const seen = warnings();
    const d = blobs(30, 3);
    d.x[0] = Number.POSITIVE_INFINITY;
    const model = mlp(2);
    fit(model, d, {
      optimizer: new SGD(model.parameters(), { lr: 0.05 }),
      loss: new LocalCE(),
      epochs: 2,
      batchSize: 10,
      shuffle: false,
      verbose: 0,
      callbacks: [new TerminateOnNaN()],
    });
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toMatch(/^TerminateOnNaN: batch \d+ of epoch 1 has loss NaN/);
  });
});

describe('default verbosity', () => {
  const run = (isTTY: boolean) => {
    const prev = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: isTTY, configurable: true });
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(((s: string) => {
      out += s;
      return true;
    }) as typeof process.stdout.write);
    try {
      const model = mlp(3);
      fit(model, blobs(40, 4), {
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        loss: new LocalCE(),
        epochs: 3,
        batchSize: 10,
        metrics: ['accuracy'],
        validationData: blobs(20, 5),
      });
    } finally {
      vi.mocked(process.stdout.write).mockRestore();
      if (prev) Object.defineProperty(process.stdout, 'isTTY', prev);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
    return out;
  };

  it('prints one line per epoch when stdout is not a TTY (Keras verbose=2)', () => {
    const out = run(false);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    lines.forEach((l, i) => {
      expect(l).toMatch(new RegExp(`^Epoch ${i + 1}/3  loss \\d\\.\\d{4}  accuracy `));
      expect(l).toMatch(/valLoss \d\.\d{4} {2}valAccuracy \d\.\d{4}/);
    });
    expect(out).not.toContain('\r');
  });

  it('draws the progress bar on a TTY', () => {
    const out = run(true);
    expect(out).toContain('\rEpoch 1/3');
    expect(out).toMatch(/\[=+\]/);
  });

  it('refuses verbose values other than 0, 1 and 2', () => {
    const model = mlp(3);
    expect(() =>
      fit(model, blobs(20, 4), {
        optimizer: new SGD(model.parameters(), { lr: 0.05 }),
        loss: new LocalCE(),
        epochs: 1,
        verbose: 3 as 2,
      }),
    ).toThrow(/fit: option verbose must be 0, 1 or 2, got number 3/);
  });
});

describe("the optimizer's parameters", () => {
  const opts = { loss: new LocalCE(), epochs: 1, batchSize: 10, verbose: 0 as const };

  it("an optimizer on another model's parameters is an error, and nothing changes", () => {
    const model = mlp(1);
    const other = mlp(1);
    const before = model.params.slice();
    expect(() =>
      fit(model, blobs(30, 1), { ...opts, optimizer: new Adam(other.parameters()) }),
    ).toThrow(
      /fit: option optimizer updates parameters that are not this model's: paramGroups\[0\]\.params\[0\] \("0\.weight"\), paramGroups\[0\]\.params\[1\] \("0\.bias"\), .*; it leaves out the model's 0\.weight, 0\.bias, 2\.weight, 2\.bias \(build the optimizer on model\.parameters\(\)/,
    );
    expect(model.params).toEqual(before);
  });

  it("a view of the model's arenas is the model's; a foreign gradient is not", () => {
    const model = mlp(1);
    const seen = warnings();
    const h = fit(model, blobs(30, 1), {
      ...opts,
      epochs: 3,
      optimizer: new SGD([{ data: model.params, grad: model.grads }], { lr: 0.1 }),
    });
    expect(h.loss[2]).toBeLessThan(h.loss[0]);
    expect(seen).toEqual([]);
    const bad = new SGD([{ data: model.params, grad: new Float32Array(model.paramCount) }], {
      lr: 0.1,
    });
    expect(() => fit(model, blobs(30, 1), { ...opts, optimizer: bad })).toThrow(
      /paramGroups\[0\]\.params\[0\]: its gradient is not the model's/,
    );
  });

  it('leaving some of the model out (frozen layers) trains the rest and names what is left', () => {
    const model = mlp(1);
    const seen = warnings();
    const first = model.parameters().slice(0, 2);
    const frozen = first.map((p) => p.data.slice());
    fit(model, blobs(30, 1), {
      ...opts,
      optimizer: new SGD(model.parameters().slice(2), { lr: 0.1 }),
    });
    expect(first.map((p) => p.data)).toEqual(frozen);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toEqual([
      "fit: the optimizer does not update the model's 0.weight, 0.bias: they keep their values (intended if those layers are frozen)",
      'DESCENT_FROZEN_PARAMS',
    ]);
  });
});

describe('labels out of range', () => {
  const model = () => new Model(new Sequential([new Linear(4, 3)]), [4], { seed: 1 });

  it('name the first sample holding one, its label, and how many there are', () => {
    const d = blobs(40, 1);
    const y = d.y.slice() as Int32Array;
    y[17] = 3;
    y[30] = 5;
    const ds = new TensorDataset({ data: d.x, shape: [40, 4] }, y);
    const m = model();
    expect(() =>
      fit(m, ds, {
        optimizer: new SGD(m.parameters(), { lr: 0.1 }),
        loss: new LocalCE(),
        epochs: 1,
        verbose: 0,
      }),
    ).toThrow(
      /fit: sample 17 of the training data has label 3 \(2 samples are out of range\), but the model's last layer 0:Linear outputs 3 classes \(labels must be in \[0, 3\)\)/,
    );
  });

  it('a negative label is found in the data order, whatever the shuffle', () => {
    const d = blobs(40, 1);
    const y = d.y.slice() as Int32Array;
    y[33] = -2;
    const m = model();
    expect(() =>
      fit(
        m,
        { x: { data: d.x, shape: [40, 4] }, y },
        {
          optimizer: new SGD(m.parameters(), { lr: 0.1 }),
          loss: new LocalCE(),
          epochs: 1,
          verbose: 0,
        },
      ),
    ).toThrow(/fit: sample 33 of the training data has label -2, out of range for the 3 outputs/);
  });
});

describe('history and log names', () => {
  it('are camelCase; the snake_case names of 0.1 still read, with one deprecation warning', () => {
    const seen = warnings();
    const model = mlp(1);
    const logged: Logs[] = [];
    const h = fit(model, blobs(60, 1), {
      optimizer: new SGD(model.parameters(), { lr: 0.1 }),
      loss: new LocalCE(),
      epochs: 3,
      metrics: ['accuracy', 'topK:2'],
      validationData: blobs(30, 2),
      verbose: 0,
      callbacks: [
        new LambdaCallback({ onEpochEnd: (_e, logs) => logged.push(logs) }),
        new EarlyStopping({ monitor: 'val_accuracy', patience: 5 }),
      ],
    });
    expect(Object.keys(h.metrics).sort()).toEqual([
      'accuracy',
      'topK:2',
      'valAccuracy',
      'valTopK:2',
    ]);
    expect(Object.keys(logged[0])).toContain('valAccuracy');
    expect(Object.keys(logged[0]).some((k) => k.includes('_'))).toBe(false);
    expect(seen).toEqual([]);
    expect(h.metrics.val_accuracy).toBe(h.metrics.valAccuracy);
    expect(h.metrics['val_topK:2']).toBe(h.metrics['valTopK:2']);
    expect(logged[2].val_accuracy).toBe(logged[2].valAccuracy);
    expect(seen).toHaveLength(1);
    expect(seen[0][0]).toMatch(
      /val_accuracy is deprecated: history and logs use camelCase \(valAccuracy\)/,
    );
  });
});
