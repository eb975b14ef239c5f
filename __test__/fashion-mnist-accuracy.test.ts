/**
 * Real data: on the full Fashion-MNIST (the Debian package dataset-fashion-mnist, which
 * .ci/run installs), an MLP 784-256-128-10 with ReLU and Adam reaches ≥ 88% test accuracy and
 * a small CNN with two conv blocks ≥ 90%. Native backend (the js backend computes the same
 * functions, held to it by the parity tests; training 60,000 images there takes minutes).
 */
import { describe, expect, it } from 'vitest';
import { setBackend } from '../src/backend/select.js';
import { loadFashionMnist } from '../src/data/fashion-mnist.js';
import * as nn from '../src/nn/index.js';
import { Adam } from '../src/optim/index.js';
import { fit as fitModel } from '../src/train/fit.js';

describe('Fashion-MNIST accuracy (full data, native backend)', () => {
  it('the full data set is installed', () => {
    const d = loadFashionMnist({ flatten: true });
    expect(d.source, 'install the Debian package dataset-fashion-mnist (.ci/run does)').toBe(
      'debian',
    );
  });

  it('MLP 784-256-128-10, ReLU, Adam: ≥ 88% test accuracy', () => {
    setBackend('native');
    const { train, test } = loadFashionMnist({ flatten: true });
    const net = new nn.Sequential([
      new nn.Linear(784, 256),
      new nn.ReLU(),
      new nn.Linear(256, 128),
      new nn.ReLU(),
      new nn.Linear(128, 10),
    ]);
    const model = new nn.Model(net, [784], { seed: 1 });
    const h = fitModel(model, train, {
      optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
      loss: new nn.losses.CrossEntropyLoss(),
      epochs: 8,
      batchSize: 128,
      validationData: test,
      metrics: ['accuracy'],
      seed: 1,
      verbose: 0,
    });
    const acc = h.metrics.valAccuracy;
    expect(acc[acc.length - 1]).toBeGreaterThanOrEqual(0.88);
  }, 300_000);

  it('CNN (two conv blocks), Adam: ≥ 90% test accuracy', () => {
    setBackend('native');
    const { train, test } = loadFashionMnist();
    const net = new nn.Sequential([
      new nn.Conv2d(1, 16, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Conv2d(16, 32, 3, { padding: 1 }),
      new nn.ReLU(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(32 * 7 * 7, 128),
      new nn.ReLU(),
      new nn.Linear(128, 10),
    ]);
    const model = new nn.Model(net, [1, 28, 28], { seed: 1 });
    const h = fitModel(model, train, {
      optimizer: new Adam(model.parameters(), { lr: 1e-3 }),
      loss: new nn.losses.CrossEntropyLoss(),
      epochs: 6,
      batchSize: 64,
      validationData: test,
      metrics: ['accuracy'],
      seed: 1,
      verbose: 0,
    });
    const acc = h.metrics.valAccuracy;
    expect(acc[acc.length - 1]).toBeGreaterThanOrEqual(0.9);
  }, 400_000);
});
