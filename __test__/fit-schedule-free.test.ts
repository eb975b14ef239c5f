/**
 * Schedule-Free under `fit` (Defazio et al. 2024): the optimizer steps at y in train mode and
 * is evaluated at the averaged x in eval mode. `fit` switches the modes itself, so the
 * optimizer as constructed (eval mode) trains, validation and callbacks see x, and what fit
 * returns equals a hand-written loop that calls train()/eval() as the reference asks.
 */
import { describe, expect, it } from 'vitest';
import { OPTIMIZERS } from '../src/cli/registry.js';
import { Linear, Model, ReLU, Sequential } from '../src/nn/index.js';
import { AdamWScheduleFree, SGDScheduleFree } from '../src/optim/schedule-free.js';
import { evaluate, fit, LambdaCallback } from '../src/train/index.js';
import { blobs, LocalCE } from './helpers/train-fixtures.js';

const mlp = () =>
  new Model(new Sequential([new Linear(4, 8), new ReLU(), new Linear(8, 3)]), [4], { seed: 3 });

describe.each([
  [
    'AdamWScheduleFree',
    (p: ReturnType<Model['parameters']>) => new AdamWScheduleFree(p, { lr: 0.01 }),
  ],
  ['SGDScheduleFree', (p: ReturnType<Model['parameters']>) => new SGDScheduleFree(p, { lr: 0.1 })],
] as const)('%s in fit', (_name, make) => {
  it('trains from the constructed (eval) mode and equals the reference loop with train()/eval()', () => {
    const data = blobs(96, 1);
    const val = blobs(48, 2);
    const a = mlp();
    const optA = make(a.parameters());
    const seen: number[] = [];
    const h = fit(a, data, {
      optimizer: optA,
      loss: new LocalCE(),
      epochs: 3,
      batchSize: 32,
      shuffle: false,
      validationData: val,
      verbose: 0,
      // a callback (where checkpoints are written) sees the evaluation point x
      callbacks: [new LambdaCallback({ onEpochEnd: () => seen.push(a.params[0]) })],
    });
    expect(h.loss[2]).toBeLessThan(h.loss[0]);

    // The same steps by hand, as the schedulefree reference's loop is written.
    const b = mlp();
    const optB = make(b.parameters());
    const lossFn = new LocalCE();
    const atEpochEnd: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      optB.train();
      for (const batch of data.batches({ batchSize: 32, shuffle: false })) {
        b.zeroGrad();
        const y = b.forward(batch.x, { training: true });
        const g = new Float32Array(y.data.length);
        lossFn.forward(y, batch.y, g);
        b.backward({ data: g, shape: y.shape });
        optB.step();
      }
      optB.eval();
      atEpochEnd.push(b.params[0]);
    }
    expect(Array.from(a.params)).toEqual(Array.from(b.params));
    expect(seen).toEqual(atEpochEnd);
    // fit returns the model at x: evaluating it needs no call from the user
    const ev = evaluate(a, val, { loss: new LocalCE() });
    expect(ev.loss).toBeCloseTo(h.valLoss[2], 6);
    // a second fit continues (train mode again), no error
    expect(() =>
      fit(a, data, { optimizer: optA, loss: new LocalCE(), epochs: 1, verbose: 0 }),
    ).not.toThrow();
  });
});

it("the CLI's schedulefree entry takes steps (it is built in train mode)", () => {
  const p = { data: Float32Array.of(1, -2), grad: Float32Array.of(0.5, -0.5) };
  const opt = OPTIMIZERS.schedulefree.make([p], 0.01);
  expect(() => opt.step()).not.toThrow();
  expect(Array.from(p.data)).not.toEqual([1, -2]);
});
