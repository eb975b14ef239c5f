/**
 * One training run of a comparison: a model spec, an optimizer, a schedule and a budget on a
 * dataset, recorded as a smoothed loss curve (per step, samples and seconds), per-epoch
 * results, and when the smoothed training loss first reached the target.
 */

import { getBackend } from '../backend/select.js';
import type { Dataset } from '../data/dataset.js';
import { CrossEntropyLoss } from '../nn/losses/index.js';
import { Model } from '../nn/model.js';
import { l1l2Penalty } from '../nn/regularization.js';
import { BaseCallback, type Logs } from '../train/callbacks/callback.js';
import { fit } from '../train/fit.js';
import { buildNet, type ModelSpec, OPTIMIZERS, SCHEDULES } from './registry.js';

/**
 * One training run on Fashion-MNIST: the model, the optimizer and its schedule, the budget and
 * the seed. {@link gridRuns} builds a list of them; {@link runOnPool} and {@link runOnQueue} run
 * them.
 */
export interface RunSpec {
  /** The compared condition (one line in the charts; seeds are averaged within it). */
  group: string;
  /**
   * The optimizer by name: `sgd`, `momentum` (SGD, momentum 0.9), `nesterov`, `adagrad`,
   * `adadelta`, `rmsprop`, `adam`, `adamw` (weight decay 0.01), `adamax`, `nadam`, `radam`,
   * `amsgrad`, `lion`, `adabelief`, `yogi`, `adan`, `lamb`, `lookahead` (over Adam),
   * `schedulefree` (Schedule-Free AdamW) or `muon`; otherwise the library's defaults.
   */
  optimizer: string;
  /** Learning rate (the peak rate for schedules that vary it). */
  lr: number;
  /**
   * Learning-rate schedule by name, stepped every batch over the whole run: `constant`, `step`
   * (×0.3 every third of the run), `exponential` (to 0.02× at the end), `cosine`,
   * `warmrestarts` (cosine restarts, first period 1/7 of the run, doubling), `warmupcosine`
   * (linear warm-up over the first 10%, then cosine) or `onecycle` (peak 2 × `lr`).
   */
  schedule: string;
  /** Training samples per optimizer step. */
  batchSize: number;
  /** Passes over the training set. */
  epochs: number;
  /** Seeds the weight initialisation, dropout and the per-epoch shuffle (`seed + epoch`). */
  seed: number;
  /** The network to train. */
  model: ModelSpec;
  /** L2 penalty (added to the gradients as λ·w, reported in the loss). */
  l2: number;
  /** Stop after this many seconds of training (equal wall-time comparisons). */
  timeBudget?: number;
  /** Record each weight matrix's gradient norm every this many steps (0: off). */
  gradNormEvery?: number;
}

/** A point of a run's training-loss curve (about 300 per run, whatever its length). */
export interface CurvePoint {
  /** Optimizer steps taken so far (1-based). */
  step: number;
  /** Training samples seen so far. */
  samples: number;
  /** Seconds since training began (validation included). */
  seconds: number;
  /** Exponential moving average of the batch loss (weight 0.02 per batch, bias-corrected). */
  loss: number;
}

/** One epoch of a run, as `fit` recorded it; the held-out data is the test set. */
export interface EpochPoint {
  /** The epoch, 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's batches (the L2 penalty included). */
  loss: number;
  /** Loss on the test set after the epoch. */
  valLoss: number;
  /** Training accuracy over the epoch (0–1). */
  accuracy: number;
  /** Test-set accuracy after the epoch (0–1). */
  valAccuracy: number;
  /** Learning rate of the epoch's last batch. */
  lr: number;
  /** Wall time of the epoch in seconds, validation included. */
  seconds: number;
  /** Training throughput over the epoch (validation excluded). */
  samplesPerSec: number;
}

/**
 * What one run produced. Accuracies and losses are NaN when no epoch finished (a run stopped
 * or failed in its first epoch).
 */
export interface RunResult {
  /** The spec that was run. */
  spec: RunSpec;
  /** The smoothed training-loss curve. */
  curve: CurvePoint[];
  /** Per-epoch results, one per finished epoch. */
  epochs: EpochPoint[];
  /** Gradient norms of the weight matrices and conv kernels (empty unless `spec.gradNormEvery`). */
  gradNorms: Array<{
    /** The optimizer step after which the norm was taken (1-based). */
    step: number;
    /** The parameter's name without its `.weight` suffix. */
    layer: string;
    /** L2 norm of the parameter's gradient. */
    norm: number;
  }>;
  /**
   * The step at which the smoothed training loss first reached the target loss (not before
   * the 20th batch); null if it never did or there was no target.
   */
  stepsToTarget: number | null;
  /** Training seconds at {@link RunResult.stepsToTarget}; null likewise. */
  secondsToTarget: number | null;
  /** Test-set accuracy after the last finished epoch (0–1). */
  finalValAccuracy: number;
  /** Best test-set accuracy over the finished epochs (0–1). */
  bestValAccuracy: number;
  /** Mean training loss of the last finished epoch. */
  finalLoss: number;
  /** Mean of the per-epoch training throughputs (samples per second). */
  samplesPerSec: number;
  /** Wall time of the whole training in seconds, validation included. */
  trainSeconds: number;
  /** Why the run ended early, if it did. */
  stopped: 'interrupted' | 'time budget' | 'diverged' | 'failed' | null;
  /** Why a 'failed' run failed (the error it threw). */
  error?: string;
}

/** Shared stop flag (set on Ctrl-C). */
export interface StopSignal {
  /** Read after every batch: once true, runs under way stop and no more start. */
  readonly stop: boolean;
}

/** The command's Ctrl-C state: set by the signal handler, which also calls `onStop`. */
export interface Interrupt {
  stop: boolean;
  onStop?: () => void;
}

/** Where a run is, as its progress bar shows it (throttled to about every 100 ms). */
export interface ProgressInfo {
  /** Optimizer steps taken so far. */
  step: number;
  /** Steps the whole run takes (batches per epoch × epochs). */
  steps: number;
  /** The current epoch, 1-based. */
  epoch: number;
  /** The smoothed training loss (as in {@link CurvePoint.loss}). */
  loss: number;
}

class Recorder extends BaseCallback {
  readonly curve: CurvePoint[] = [];
  readonly gradNorms: RunResult['gradNorms'] = [];
  stepsToTarget: number | null = null;
  secondsToTarget: number | null = null;
  stopped: RunResult['stopped'] = null;
  private ema = 0;
  private n = 0;
  private step = 0;
  private samples = 0;
  private t0 = 0;
  private epoch = 1;
  private readonly every: number;

  constructor(
    private readonly spec: RunSpec,
    private readonly target: number,
    private readonly signal: StopSignal,
    private readonly totalSteps: number,
    private readonly model: Model,
    private readonly onProgress?: (p: ProgressInfo) => void,
  ) {
    super();
    // About 300 curve points per run whatever its length.
    this.every = Math.max(1, Math.floor(totalSteps / 300));
  }

  onTrainBegin(): void {
    this.t0 = performance.now();
  }

  onEpochBegin(epoch: number): void {
    this.epoch = epoch + 1;
  }

  onBatchEnd(_batch: number, logs: Logs): void {
    this.step++;
    this.samples += logs.size;
    this.n++;
    this.ema = 0.98 * this.ema + 0.02 * logs.loss;
    const loss = this.ema / (1 - 0.98 ** this.n);
    const seconds = (performance.now() - this.t0) / 1000;
    if (this.stepsToTarget === null && loss <= this.target && this.n >= 20) {
      this.stepsToTarget = this.step;
      this.secondsToTarget = seconds;
    }
    if (this.step % this.every === 0)
      this.curve.push({ step: this.step, samples: this.samples, seconds, loss });
    // The progress bar's feed (the worker thread throttles what it posts).
    this.onProgress?.({ step: this.step, steps: this.totalSteps, epoch: this.epoch, loss });
    const g = this.spec.gradNormEvery ?? 0;
    // Steps 1, 1 + g, 1 + 2g, … (step counts from 1): every step when g is 1.
    if (g > 0 && (this.step - 1) % g === 0) {
      for (const p of this.model.parameters()) {
        if (p.shape.length === 2 || p.shape.length === 4) {
          this.gradNorms.push({
            step: this.step,
            layer: p.name.replace(/\.weight$/, ''),
            norm: Math.sqrt(getBackend().kernelsFor(p.grad.length).sumSquares(p.grad)),
          });
        }
      }
    }
    if (!Number.isFinite(logs.loss)) {
      this.stopped = 'diverged';
      this.stopTraining = true;
    } else if (this.signal.stop) {
      this.stopped = 'interrupted';
      this.stopTraining = true;
    } else if (this.spec.timeBudget !== undefined && seconds >= this.spec.timeBudget) {
      this.stopped = 'time budget';
      this.stopTraining = true;
    }
  }
}

export function runExperiment(
  spec: RunSpec,
  data: { train: Dataset; test: Dataset },
  o: {
    targetLoss: number;
    signal: StopSignal;
    verbose: 0 | 1;
    onProgress?: (p: ProgressInfo) => void;
  },
): RunResult {
  const model = new Model(buildNet(spec.model), [...data.train.inputShape], { seed: spec.seed });
  const entry = OPTIMIZERS[spec.optimizer];
  const optimizer = entry.make(model.parameters(), spec.lr);
  const stepsPerEpoch = Math.ceil(data.train.length / spec.batchSize);
  const totalSteps = stepsPerEpoch * spec.epochs;
  const scheduler = SCHEDULES[spec.schedule](optimizer, totalSteps, spec.lr);
  const rec = new Recorder(spec, o.targetLoss, o.signal, totalSteps, model, o.onProgress);
  const weights = model.parameters().filter((p) => p.regularize);
  const t0 = performance.now();
  const h = fit(model, data.train, {
    optimizer,
    loss: new CrossEntropyLoss(),
    epochs: spec.epochs,
    batchSize: spec.batchSize,
    seed: spec.seed,
    scheduler: scheduler ?? undefined,
    schedulerInterval: scheduler ? 'step' : undefined,
    validationData: data.test,
    metrics: ['accuracy'],
    callbacks: [rec],
    verbose: o.verbose,
    regularize: spec.l2 > 0 ? () => l1l2Penalty(weights, { l2: spec.l2 }) : undefined,
  });
  const trainSeconds = (performance.now() - t0) / 1000;
  const acc = h.metrics.accuracy ?? [];
  const valAcc = h.metrics.valAccuracy ?? [];
  const epochs: EpochPoint[] = h.epoch.map((e, i) => ({
    epoch: e + 1,
    loss: h.loss[i],
    valLoss: h.valLoss[i] ?? Number.NaN,
    accuracy: acc[i] ?? Number.NaN,
    valAccuracy: valAcc[i] ?? Number.NaN,
    lr: h.lr[i],
    seconds: h.time[i],
    samplesPerSec: h.samplesPerSec[i],
  }));
  const last = epochs[epochs.length - 1];
  return {
    spec,
    curve: rec.curve,
    epochs,
    gradNorms: rec.gradNorms,
    stepsToTarget: rec.stepsToTarget,
    secondsToTarget: rec.secondsToTarget,
    finalValAccuracy: last?.valAccuracy ?? Number.NaN,
    bestValAccuracy: epochs.length ? Math.max(...epochs.map((e) => e.valAccuracy)) : Number.NaN,
    finalLoss: last?.loss ?? Number.NaN,
    samplesPerSec: epochs.length
      ? epochs.reduce((a, e) => a + e.samplesPerSec, 0) / epochs.length
      : Number.NaN,
    trainSeconds,
    stopped: rec.stopped,
  };
}
