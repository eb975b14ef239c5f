/**
 * What the `descent` command can build by name: optimizers (with the learning rate each gets
 * by default in comparisons), schedules, activations and models.
 */

import * as sched from '../lr_scheduler/index.js';
import type { Activation as ActivationLayer } from '../nn/activation.js';
import * as nn from '../nn/index.js';
import type { Layer } from '../nn/layer.js';
import * as optim from '../optim/index.js';
import type { OptimizerLike, Param } from '../optim/optimizer.js';
import type { SchedulerLike } from '../train/callbacks/callback.js';

export interface OptimizerEntry {
  label: string;
  /** Learning rate used when none is given: each optimizer's customary value for this MLP. */
  lr: number;
  make(params: Param[], lr: number): OptimizerLike;
}

export const OPTIMIZERS: Record<string, OptimizerEntry> = {
  sgd: { label: 'SGD', lr: 0.1, make: (p, lr) => new optim.SGD(p, { lr }) },
  momentum: {
    label: 'SGD+Momentum',
    lr: 0.05,
    make: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9 }),
  },
  nesterov: {
    label: 'Nesterov',
    lr: 0.05,
    make: (p, lr) => new optim.SGD(p, { lr, momentum: 0.9, nesterov: true }),
  },
  adagrad: { label: 'Adagrad', lr: 0.01, make: (p, lr) => new optim.Adagrad(p, { lr }) },
  adadelta: { label: 'Adadelta', lr: 1, make: (p, lr) => new optim.Adadelta(p, { lr }) },
  rmsprop: { label: 'RMSprop', lr: 1e-3, make: (p, lr) => new optim.RMSprop(p, { lr }) },
  adam: { label: 'Adam', lr: 1e-3, make: (p, lr) => new optim.Adam(p, { lr }) },
  adamw: {
    label: 'AdamW',
    lr: 1e-3,
    make: (p, lr) => new optim.AdamW(p, { lr, weightDecay: 0.01 }),
  },
  adamax: { label: 'Adamax', lr: 2e-3, make: (p, lr) => new optim.Adamax(p, { lr }) },
  nadam: { label: 'NAdam', lr: 2e-3, make: (p, lr) => new optim.NAdam(p, { lr }) },
  radam: { label: 'RAdam', lr: 1e-3, make: (p, lr) => new optim.RAdam(p, { lr }) },
  amsgrad: {
    label: 'AMSGrad',
    lr: 1e-3,
    make: (p, lr) => new optim.Adam(p, { lr, amsgrad: true }),
  },
  lion: { label: 'Lion', lr: 1e-4, make: (p, lr) => new optim.Lion(p, { lr }) },
  adabelief: { label: 'AdaBelief', lr: 1e-3, make: (p, lr) => new optim.AdaBelief(p, { lr }) },
  yogi: { label: 'Yogi', lr: 1e-2, make: (p, lr) => new optim.Yogi(p, { lr }) },
  adan: { label: 'Adan', lr: 1e-3, make: (p, lr) => new optim.Adan(p, { lr }) },
  lamb: { label: 'LAMB', lr: 1e-3, make: (p, lr) => new optim.LAMB(p, { lr }) },
  lookahead: {
    label: 'Lookahead(Adam)',
    lr: 1e-3,
    make: (p, lr) => new optim.Lookahead(new optim.Adam(p, { lr }), { k: 5, alpha: 0.5 }),
  },
  schedulefree: {
    label: 'Schedule-Free AdamW',
    lr: 2.5e-3,
    // Built in train mode (it starts in eval mode); fit switches it per epoch by itself.
    make: (p, lr) => {
      const o = new optim.AdamWScheduleFree(p, { lr });
      o.train();
      return o;
    },
  },
  muon: {
    label: 'Muon',
    lr: 0.02,
    make: (p, lr) => new optim.Muon(p, { lr, adamwLr: 1e-3 }),
  },
};

/** The default comparison: the classic optimizers the practitioner asks about. */
export const DEFAULT_OPTIMIZERS = [
  'sgd',
  'momentum',
  'nesterov',
  'adagrad',
  'rmsprop',
  'adam',
  'adamw',
  'nadam',
];

export const ACTIVATIONS: Record<string, () => ActivationLayer> = {
  sigmoid: () => new nn.Sigmoid(),
  tanh: () => new nn.Tanh(),
  relu: () => new nn.ReLU(),
  leakyrelu: () => new nn.LeakyReLU(0.01),
  elu: () => new nn.ELU(),
  selu: () => new nn.SELU(),
  gelu: () => new nn.GELU(),
  swish: () => new nn.SiLU(),
  mish: () => new nn.Mish(),
};

/** A schedule for a run of `steps` optimizer steps (stepped every batch). */
export type ScheduleMaker = (opt: OptimizerLike, steps: number, lr: number) => SchedulerLike | null;

export const SCHEDULES: Record<string, ScheduleMaker> = {
  constant: () => null,
  step: (o, steps) =>
    new sched.StepLR(o, { stepSize: Math.max(1, Math.floor(steps / 3)), gamma: 0.3 }),
  exponential: (o, steps) =>
    new sched.ExponentialLR(o, { gamma: 0.02 ** (1 / Math.max(1, steps)) }),
  cosine: (o, steps) => new sched.CosineAnnealingLR(o, { tMax: Math.max(1, steps) }),
  warmrestarts: (o, steps) =>
    new sched.CosineAnnealingWarmRestarts(o, { t0: Math.max(1, Math.floor(steps / 7)), tMult: 2 }),
  warmupcosine: (o, steps) => {
    const warm = Math.max(1, Math.floor(steps / 10));
    return new sched.SequentialLR(o, {
      schedulers: [
        new sched.LinearLR(o, { startFactor: 0.01, endFactor: 1, totalIters: warm }),
        new sched.CosineAnnealingLR(o, { tMax: Math.max(1, steps - warm) }),
      ],
      milestones: [warm],
    });
  },
  // Smith & Topin choose max_lr by a range test. 10× the run's rate diverged on the MLP with
  // SGD+momentum (peak 0.5: one seed's loss reached 1.6e12); peaks of 0.1, 0.2 and 0.3 reached
  // 87.9%, 87.5% and 86.9% in 4 epochs (2 seeds each), so the cycle peaks at 2× the rate.
  onecycle: (o, steps, lr) =>
    new sched.OneCycleLR(o, { maxLr: lr * 2, totalSteps: Math.max(2, steps + 1) }),
};

/**
 * The network of a run, for 28×28 images and 10 classes: an MLP (Linear layers of `hidden`
 * widths) or a small CNN (conv16-pool-conv32-pool-128).
 */
export interface ModelSpec {
  /** `'mlp'` (flat 784-pixel inputs) or `'cnn'` (images [1, 28, 28]). */
  kind: 'mlp' | 'cnn';
  /** Hidden layer widths (MLP; the CNN ignores it). */
  hidden: number[];
  /**
   * Activation after each hidden layer, by name: `sigmoid`, `tanh`, `relu`, `leakyrelu`
   * (slope 0.01), `elu`, `selu`, `gelu`, `swish` (SiLU) or `mish`.
   */
  activation: string;
  /**
   * Batch normalization before the activations (MLP: after each hidden Linear; CNN: after
   * each Conv2d).
   */
  batchNorm: boolean;
  /**
   * Dropout probability after each hidden activation (the CNN: after its 128-unit layer);
   * 0 for none.
   */
  dropout: number;
}

export const DEFAULT_MODEL: ModelSpec = {
  kind: 'mlp',
  hidden: [256, 128],
  activation: 'relu',
  batchNorm: false,
  dropout: 0,
};

/**
 * The network for a spec, for samples of shape `input` (default Fashion-MNIST's: flat [784]
 * for the MLP, [1, 28, 28] for the CNN) and `outputs` classes or targets.
 */
export function buildNet(
  spec: ModelSpec,
  outputs = 10,
  input: readonly number[] = spec.kind === 'cnn' ? [1, 28, 28] : [784],
): Layer {
  const act = ACTIVATIONS[spec.activation];
  const layers: Layer[] = [];
  if (spec.kind === 'cnn') {
    const [channels, h, w] = input;
    const pooled = Math.floor(Math.floor(h / 2) / 2) * Math.floor(Math.floor(w / 2) / 2);
    layers.push(new nn.Conv2d(channels, 16, 3, { padding: 1 }));
    if (spec.batchNorm) layers.push(new nn.BatchNorm2d(16));
    layers.push(act(), new nn.MaxPool2d(2), new nn.Conv2d(16, 32, 3, { padding: 1 }));
    if (spec.batchNorm) layers.push(new nn.BatchNorm2d(32));
    layers.push(
      act(),
      new nn.MaxPool2d(2),
      new nn.Flatten(),
      new nn.Linear(32 * pooled, 128),
      act(),
    );
    if (spec.dropout > 0) layers.push(new nn.Dropout(spec.dropout));
    layers.push(new nn.Linear(128, outputs));
    return new nn.Sequential(layers);
  }
  let width = input.reduce((a, d) => a * d, 1);
  for (const h of spec.hidden) {
    layers.push(new nn.Linear(width, h));
    if (spec.batchNorm) layers.push(new nn.BatchNorm1d(h));
    layers.push(act());
    if (spec.dropout > 0) layers.push(new nn.Dropout(spec.dropout));
    width = h;
  }
  layers.push(new nn.Linear(width, outputs));
  return new nn.Sequential(layers);
}

export function describeModel(spec: ModelSpec, outputs = 10, inputs = 784): string {
  const extras = `${spec.activation}${spec.batchNorm ? ', batch norm' : ''}${spec.dropout ? `, dropout ${spec.dropout}` : ''}`;
  if (spec.kind === 'cnn') return `CNN conv16-pool-conv32-pool-128-${outputs} (${extras})`;
  return `MLP ${inputs}-${spec.hidden.join('-')}-${outputs} (${extras})`;
}
