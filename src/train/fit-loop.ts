/**
 * The training loop (Keras's `fit`/`evaluate`/`predict`, PyTorch's step order). Each step:
 * zero the gradient arena (one fill), forward in training mode, the loss writing dL/dpred into
 * a reused buffer, backward, the regularisation hook, `optimizer.step()`, then the scheduler
 * when it steps per batch. Nothing is allocated per batch once the batch shapes are known.
 *
 * Determinism: the parameters' initialisation is the model's seed, dropout draws come from
 * each layer's generator (seeded by the model), and epoch e of the data is shuffled with
 * `seed + e`; so the same seed, backend and thread count give bit-identical weights, and a
 * checkpoint (which saves the generators and the epoch) resumes exactly.
 */
import { noGrad } from '../autograd/grad-mode.js';
import { applyLoss } from '../autograd/ops/loss.js';
import { describe, knownKeys, oneOf, unused } from '../backend/validate.js';
import type { Batch, Dataset } from '../data/dataset.js';
import { nodeProcess } from '../host.js';
import { ReduceLROnPlateau as PlateauScheduler } from '../lr_scheduler/reduce-lr-on-plateau.js';
import type { Loss, Target } from '../nn/loss.js';
import type { Model } from '../nn/model.js';
import { numel, sameShape, shapeStr, type Tensor } from '../nn/tensor.js';
import { LBFGS } from '../optim/lbfgs.js';
import type { OptimizerLike } from '../optim/optimizer.js';
import { SAM } from '../optim/sam.js';
import { AdamWScheduleFree, SGDScheduleFree } from '../optim/schedule-free.js';
import type { Callback, Logs, SchedulerLike, TrainContext } from './callbacks/callback.js';
import { ProgressBar } from './callbacks/progress-bar.js';
import { TerminateOnNaN } from './callbacks/terminate-on-nan.js';
import type { LoadedCheckpoint } from './checkpoint.js';
import { checkOptimizer, warnNonFinite } from './fit-guards.js';
import { firstLayer, lastLayer } from './introspect.js';
import { describeBad, findBadLabels } from './labels.js';
import { addSnakeAliases, valName } from './log-names.js';
import { asDataset, isDataset, splitValidation } from './memory-dataset.js';
import { type MetricAccumulator, type MetricName, makeMetrics } from './metric-accumulators.js';

/** Options of {@link fit} (Keras's `model.fit` arguments). */
export interface FitOptions {
  /** The optimizer stepping the model's parameters (it must hold the model's parameters). */
  optimizer: OptimizerLike;
  /** The loss to minimise, e.g. `new nn.losses.CrossEntropyLoss()`. */
  loss: Loss;
  /** Number of epochs to train (an integer ≥ 1); with `initialEpoch`, training runs epochs initialEpoch…epochs−1. Keras: `epochs`. */
  epochs: number;
  /** Samples per step (default 32); the dataset's length is full-batch descent, 1 per-sample. Keras: `batch_size`. */
  batchSize?: number;
  /** Shuffle the training data each epoch (default true), with seed `seed + epoch`. Keras: `shuffle`. */
  shuffle?: boolean;
  /** A learning-rate scheduler stepped per epoch or per batch (see `schedulerInterval`). Default none. */
  scheduler?: SchedulerLike;
  /** When the scheduler steps (default 'epoch'); ReduceLROnPlateau gets the monitored loss. */
  schedulerInterval?: 'step' | 'epoch';
  /** Data evaluated after each epoch (logged as `valLoss` and `val<Metric>`); not with `validationSplit`. Keras: `validation_data`. */
  validationData?:
    | Dataset
    | {
        /** Inputs [N, ...inputShape]. */
        x: Tensor;
        /** Targets: class indices or a tensor of the prediction's shape. */
        y: Target;
      };
  /** Fraction of the samples (the last ones, before shuffling) held out for validation. Keras: `validation_split`. */
  validationSplit?: number;
  /** Metrics logged each epoch besides the loss (`'accuracy'`, `'mae'`, `'topK:5'`). Default none. Keras: `metrics`. */
  metrics?: MetricName[];
  /**
   * Callbacks called at train, epoch and batch boundaries. A {@link ProgressBar} is added when
   * `verbose` is not 0 and none is given.
   * Keras: `callbacks`.
   */
  callbacks?: Callback[];
  /** Seed of the data shuffle (default 0, or the checkpoint's when resuming). */
  seed?: number;
  /**
   * 1: a progress bar (on a TTY); 2: one line per epoch; 0: silent. Default: 1 when stdout is
   * a TTY, else 2 (logs and CI jobs get a line per epoch, as Keras's verbose=2).
   * Keras: `verbose`.
   */
  verbose?: 0 | 1 | 2;
  /**
   * Called after backward with the model: adds the penalty's gradient into `model.grads` and
   * returns the penalty, which is added to the logged loss.
   */
  regularize?: (model: Model) => number;
  /** Index of the first epoch to train (default 0; the checkpoint's epoch when resuming). Keras: `initial_epoch`. */
  initialEpoch?: number;
  /** A checkpoint directory to restore model, optimizer, scheduler, generators and epoch from. */
  resumeFrom?: string;
}

/** Per-epoch results of `fit`. */
export interface History {
  /** Epoch indices trained (0-based). */
  epoch: number[];
  /** Training loss (mean over the epoch's samples, penalty included). */
  loss: number[];
  /** Validation loss (empty without validation data). */
  valLoss: number[];
  /**
   * Each metric by name, and its validation value camelCased with a `val` prefix
   * (`valAccuracy`); the deprecated `val_accuracy` still reads (see log-names.ts).
   */
  metrics: Record<string, number[]>;
  /** Learning rate of the first param group used by each epoch's last step. */
  lr: number[];
  /** Seconds per epoch (training and validation). */
  time: number[];
  /** Training samples per second of each epoch. */
  samplesPerSec: number[];
  /** True when a callback stopped training before `epochs`. */
  stopped: boolean;
}

/** Options of {@link evaluate}; give a loss, metrics or both. */
export interface EvaluateOptions {
  /** The loss whose mean over the data is returned as `loss`. Default none. */
  loss?: Loss;
  /** Metrics returned by name. Default none. */
  metrics?: MetricName[];
  /** Samples per forward pass (default 32). Keras: `batch_size`. */
  batchSize?: number;
}

/** Options of {@link predict}. */
export interface PredictOptions {
  /** Samples per forward pass (default 32); affects memory, not the result. Keras: `batch_size`. */
  batchSize?: number;
}

const FIT_KEYS = [
  'optimizer',
  'loss',
  'epochs',
  'batchSize',
  'shuffle',
  'scheduler',
  'schedulerInterval',
  'validationData',
  'validationSplit',
  'metrics',
  'callbacks',
  'seed',
  'verbose',
  'regularize',
  'initialEpoch',
  'resumeFrom',
];

function positiveInt(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`${fn}: option ${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

function checkLoss(fn: string, loss: unknown): asserts loss is Loss {
  if (loss === null || typeof loss !== 'object' || typeof (loss as Loss).forward !== 'function')
    throw new TypeError(
      `${fn}: option loss must be a Loss (an object with forward(pred, target, grad?)), got ${describe(loss)}`,
    );
}

function checkModel(fn: string, model: unknown): asserts model is Model {
  const m = model as Model;
  if (
    m === null ||
    typeof m !== 'object' ||
    typeof m.forward !== 'function' ||
    typeof m.backward !== 'function' ||
    !(m.params instanceof Float32Array)
  )
    throw new TypeError(`${fn}: model must be a Model, got ${describe(model)}`);
}

/** Refuses data whose samples do not have the model's input shape, naming the first layer. */
function checkData(fn: string, what: string, model: Model, data: Dataset): void {
  if (data.length === 0) throw new RangeError(`${fn}: the ${what} is empty (0 samples)`);
  if (!sameShape(data.inputShape, model.inputShape)) {
    const first = firstLayer(model);
    throw new RangeError(
      `${fn}: the ${what}'s samples have shape ${shapeStr(data.inputShape)}, but the model's input is ${shapeStr(model.inputShape)} (layer ${first.name} expects [batch, ${model.inputShape.join(', ')}])`,
    );
  }
  const out = model.outputShape;
  if (data.numClasses !== null && out.length === 1 && out[0] > 1 && data.numClasses > out[0]) {
    const classes = out[0];
    const bad = findBadLabels(data, (l) => l >= classes);
    throw new RangeError(
      bad
        ? `${fn}: ${describeBad(bad, what)}, but the model's last layer ${lastLayer(model).name} outputs ${classes} classes (labels must be in [0, ${classes}))`
        : `${fn}: the ${what} declares ${data.numClasses} classes, but the model's last layer ${lastLayer(model).name} outputs ${classes} (shape ${shapeStr(out)})`,
    );
  }
}

/**
 * Refuses class labels outside [0, classes) (the loss's ignoreIndex excepted), naming the
 * sample in the dataset's order (`what` of `data`), as a shuffled batch's position says little.
 */
function checkTargets(
  fn: string,
  model: Model,
  loss: Loss,
  pred: Tensor,
  y: Target,
  batch: number,
  data: Dataset,
  what: string,
) {
  const rows = pred.shape[0];
  if (y instanceof Int32Array) {
    if (y.length !== rows)
      throw new RangeError(`${fn}: batch ${batch} has ${y.length} labels for ${rows} samples`);
    const out = model.outputShape;
    if (out.length !== 1 || out[0] < 2) return;
    const classes = out[0];
    const ignore = (loss as { ignoreIndex?: unknown }).ignoreIndex;
    for (let i = 0; i < rows; i++) {
      const l = y[i];
      if ((l < 0 || l >= classes) && l !== ignore) {
        const bad = findBadLabels(data, (x) => (x < 0 || x >= classes) && x !== ignore);
        const where = bad ? describeBad(bad, what) : `label ${l} (sample ${i} of batch ${batch})`;
        throw new RangeError(
          `${fn}: ${where}, out of range for the ${classes} outputs of the last layer ${lastLayer(model).name} (labels must be in [0, ${classes}))`,
        );
      }
    }
  } else if (y.data.length !== pred.data.length) {
    throw new RangeError(
      `${fn}: targets of shape ${shapeStr(y.shape)} do not match the predictions of shape ${shapeStr(pred.shape)} (output of the last layer ${lastLayer(model).name})`,
    );
  }
}

function isPlateau(s: SchedulerLike): boolean {
  return s instanceof PlateauScheduler;
}

function hook<K extends 'onBatchBegin' | 'onBatchEnd' | 'onEpochBegin' | 'onEpochEnd'>(
  cbs: readonly Callback[],
  name: K,
): Callback[] {
  return cbs.filter((c) => typeof c[name] === 'function');
}

/** Runs the model over a dataset in eval mode: the mean loss and metrics. */
function runEvaluation(
  fn: string,
  what: string,
  model: Model,
  data: Dataset,
  loss: Loss | undefined,
  metrics: MetricAccumulator[],
  batchSize: number,
): Logs {
  for (const m of metrics) m.reset();
  let sum = 0;
  let n = 0;
  let batch = 0;
  for (const b of data.batches({ batchSize, shuffle: false })) {
    const out = noGrad(() => model.forward(b.x, { training: false }));
    // A view, so that the buffer goes back to the pool once the batch is scored.
    const pred = { data: out._d, shape: out.shape };
    if (loss) {
      checkTargets(fn, model, loss, pred, b.y, batch, data, what);
      sum += loss.forward(pred, b.y) * pred.shape[0];
    }
    for (const m of metrics) m.add(pred, b.y);
    n += pred.shape[0];
    batch++;
    out._release();
  }
  const logs: Logs = {};
  if (loss) logs.loss = n > 0 ? sum / n : Number.NaN;
  for (const m of metrics) logs[m.name] = m.value();
  return logs;
}

/** Where `resumeFrom` is read: from disk in Node, refused where there is no file system. */
export type ResumeLoader = (dir: string) => LoadedCheckpoint;

/** `fit`'s loop, with the checkpoint reader given by the entry (Node or browser). */
export function fitLoop(
  model: Model,
  data: Dataset | { x: Tensor; y: Target },
  options: FitOptions,
  loadResume: ResumeLoader,
): History {
  const fn = 'fit';
  checkModel(fn, model);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  knownKeys(fn, 'option', options, FIT_KEYS);
  const { optimizer, loss } = options;
  if (
    optimizer === null ||
    typeof optimizer !== 'object' ||
    typeof optimizer.step !== 'function' ||
    !Array.isArray(optimizer.paramGroups)
  )
    throw new TypeError(`${fn}: option optimizer must be an optimizer, got ${describe(optimizer)}`);
  checkLoss(fn, loss);
  const epochs = positiveInt(fn, 'epochs', options.epochs);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean')
    throw new TypeError(`${fn}: option shuffle must be a boolean, got ${describe(shuffle)}`);
  const scheduler = options.scheduler ?? null;
  if (scheduler !== null && (typeof scheduler !== 'object' || typeof scheduler.step !== 'function'))
    throw new TypeError(`${fn}: option scheduler must be a scheduler, got ${describe(scheduler)}`);
  const interval = options.schedulerInterval ?? 'epoch';
  oneOf(fn, 'option schedulerInterval', interval, ['step', 'epoch']);
  if (scheduler === null)
    unused(
      fn,
      options,
      'schedulerInterval',
      'it says when to step the scheduler, and there is none',
    );
  const verbose = options.verbose ?? (nodeProcess()?.stdout.isTTY ? 1 : 2);
  if (verbose !== 0 && verbose !== 1 && verbose !== 2)
    throw new TypeError(`${fn}: option verbose must be 0, 1 or 2, got ${describe(verbose)}`);
  const regularize = options.regularize;
  if (regularize !== undefined && typeof regularize !== 'function')
    throw new TypeError(
      `${fn}: option regularize must be a function (model) => penalty, got ${describe(regularize)}`,
    );
  const userCallbacks = options.callbacks ?? [];
  if (
    !Array.isArray(userCallbacks) ||
    userCallbacks.some((c) => c === null || typeof c !== 'object')
  )
    throw new TypeError(
      `${fn}: option callbacks must be an array of callbacks, got ${describe(userCallbacks)}`,
    );
  if (options.seed !== undefined && (!Number.isSafeInteger(options.seed) || options.seed < 0))
    throw new RangeError(
      `${fn}: option seed must be an integer ≥ 0, got ${describe(options.seed)}`,
    );
  if (
    options.initialEpoch !== undefined &&
    (!Number.isSafeInteger(options.initialEpoch) || options.initialEpoch < 0)
  )
    throw new RangeError(
      `${fn}: option initialEpoch must be an integer ≥ 0, got ${describe(options.initialEpoch)}`,
    );
  if (options.resumeFrom !== undefined && typeof options.resumeFrom !== 'string')
    throw new TypeError(
      `${fn}: option resumeFrom must be a checkpoint directory, got ${describe(options.resumeFrom)}`,
    );
  checkOptimizer(fn, model, optimizer);

  // Data.
  let train = asDataset(fn, data);
  let validation: Dataset | null = null;
  if (options.validationData !== undefined && options.validationSplit !== undefined)
    throw new TypeError(`${fn}: give validationData or validationSplit, not both`);
  if (options.validationSplit !== undefined) {
    const s = options.validationSplit;
    if (typeof s !== 'number' || !(s > 0 && s < 1))
      throw new RangeError(`${fn}: option validationSplit must be in (0, 1), got ${describe(s)}`);
    checkData(fn, 'training data', model, train);
    [train, validation] = splitValidation(fn, train, s);
  } else if (options.validationData !== undefined) {
    validation = asDataset(fn, options.validationData);
    if (!isDataset(validation))
      throw new TypeError(`${fn}: option validationData is not a dataset`);
  }
  checkData(fn, 'training data', model, train);
  if (validation) checkData(fn, 'validation data', model, validation);
  const samples = train.length;
  const batchSize =
    options.batchSize === undefined ? 32 : positiveInt(fn, 'batchSize', options.batchSize);
  const steps = Math.ceil(samples / batchSize);
  const trainMetrics = makeMetrics(fn, options.metrics, model.outputShape);
  const valMetrics = makeMetrics(fn, options.metrics, model.outputShape);
  const metricNames = trainMetrics.map((m) => m.name);

  // Resume.
  let seed = options.seed ?? 0;
  let initialEpoch = options.initialEpoch ?? 0;
  let resumed: LoadedCheckpoint | null = null;
  if (options.resumeFrom !== undefined) {
    resumed = loadResume(options.resumeFrom);
    resumed.restore({ model, optimizer, scheduler: scheduler ?? undefined });
    if (options.initialEpoch === undefined) initialEpoch = resumed.epoch;
    if (options.seed === undefined) seed = resumed.seed;
  }

  const callbacks: Callback[] = [...userCallbacks];
  if (verbose !== 0 && !callbacks.some((c) => c instanceof ProgressBar))
    callbacks.push(new ProgressBar());
  const ctx: TrainContext = {
    model,
    optimizer,
    scheduler,
    epochs,
    initialEpoch,
    steps,
    samples,
    batchSize,
    seed,
    verbose,
    metrics: metricNames,
    callbacks,
  };
  for (const c of callbacks) c.setContext?.(ctx);
  const trainLogs: Logs = {};
  for (const c of callbacks) c.onTrainBegin?.(trainLogs);
  if (resumed) resumed.restoreCallbacks(userCallbacks);

  const batchBegin = hook(callbacks, 'onBatchBegin');
  const batchEnd = hook(callbacks, 'onBatchEnd');
  const closureMode = optimizer instanceof LBFGS || optimizer instanceof SAM;
  // Schedule-Free steps at y and evaluates at the averaged x (Defazio et al. 2024): as the
  // reference's training loops do, steps run in train mode, and validation, the epoch's
  // callbacks (checkpoints) and the model fit returns see eval mode.
  const modes =
    optimizer instanceof SGDScheduleFree || optimizer instanceof AdamWScheduleFree
      ? optimizer
      : null;
  // TerminateOnNaN says it itself.
  let nonFiniteSeen = callbacks.some((c) => c instanceof TerminateOnNaN);
  const plateau = scheduler !== null && isPlateau(scheduler);
  const batchLogs: Logs = { batch: 0, size: 0, loss: 0 };
  const history: History = {
    epoch: [],
    loss: [],
    valLoss: [],
    metrics: {},
    lr: [],
    time: [],
    samplesPerSec: [],
    stopped: false,
  };
  for (const m of metricNames) {
    history.metrics[m] = [];
    if (validation) history.metrics[valName(m)] = [];
  }
  if (validation) addSnakeAliases(history.metrics, metricNames);
  const stopRequested = (): boolean => {
    for (const c of callbacks) if (c.stopTraining === true) return true;
    return false;
  };
  // The step's loss and gradients for the current batch (one closure for the whole run, so
  // nothing is allocated per batch; LBFGS and SAM call it themselves, possibly repeatedly).
  let current: Batch | null = null;
  let currentIndex = 0;
  let currentEpoch = 0;
  let measured = false;
  const computeLoss = (): number => {
    const b = current as Batch;
    model.zeroGrad();
    const pred = model.forward(b.x, { training: true });
    checkTargets(fn, model, loss, pred, b.y, currentIndex, train, 'training data');
    const L = loss.apply ? loss.apply(pred, b.y) : applyLoss(loss, pred, b.y);
    let value = L._d[0];
    if (!measured) {
      const view = { data: pred._d, shape: pred.shape };
      for (const m of trainMetrics) m.add(view, b.y);
      measured = true;
    }
    pred._internal = true; // only fit holds them: recycled with the graph
    L._internal = true;
    L.backward();
    if (regularize) value += regularize(model);
    if (!nonFiniteSeen && !Number.isFinite(value)) {
      nonFiniteSeen = true;
      const where = { epoch: currentEpoch, epochs, batch: currentIndex, steps };
      warnNonFinite(fn, value, model, b, where);
    }
    return value;
  };

  for (let epoch = initialEpoch; epoch < epochs; epoch++) {
    const epochLogs: Logs = {};
    for (const c of callbacks) c.onEpochBegin?.(epoch, epochLogs);
    for (const m of trainMetrics) m.reset();
    const t0 = performance.now();
    let lossSum = 0;
    let seen = 0;
    let batch = 0;
    let lr = optimizer.paramGroups[0]?.lr ?? Number.NaN;
    let stop = false;
    modes?.train();
    for (const b of train.batches({ batchSize, shuffle, seed: seed + epoch })) {
      const rows = b.x.shape[0];
      if (batchBegin.length > 0) {
        batchLogs.batch = batch;
        batchLogs.size = rows;
        for (const c of batchBegin) c.onBatchBegin?.(batch, batchLogs);
      }
      current = b;
      currentIndex = batch;
      currentEpoch = epoch;
      measured = false;
      lr = optimizer.paramGroups[0]?.lr ?? Number.NaN;
      let value: number;
      if (closureMode) {
        value = optimizer.step(computeLoss) as number;
      } else {
        value = computeLoss();
        optimizer.step();
      }
      if (scheduler && interval === 'step') {
        if (plateau) scheduler.step(value);
        else scheduler.step();
      }
      lossSum += value * rows;
      seen += rows;
      if (batchEnd.length > 0) {
        batchLogs.batch = batch;
        batchLogs.size = rows;
        batchLogs.loss = value;
        for (const m of trainMetrics) batchLogs[m.name] = m.value();
        for (const c of batchEnd) c.onBatchEnd?.(batch, batchLogs);
      }
      batch++;
      if (stopRequested()) {
        stop = true;
        break;
      }
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    modes?.eval();
    epochLogs.loss = seen > 0 ? lossSum / seen : Number.NaN;
    for (const m of trainMetrics) epochLogs[m.name] = m.value();
    if (validation) {
      const v = runEvaluation(
        fn,
        'validation data',
        model,
        validation,
        loss,
        valMetrics,
        batchSize,
      );
      epochLogs.valLoss = v.loss;
      for (const m of valMetrics) epochLogs[valName(m.name)] = v[m.name];
      addSnakeAliases(epochLogs, metricNames);
    }
    epochLogs.lr = lr;
    epochLogs.time = (performance.now() - t0) / 1000;
    epochLogs.samplesPerSec = trainSeconds > 0 ? seen / trainSeconds : Number.POSITIVE_INFINITY;
    if (scheduler && interval === 'epoch') {
      if (plateau) scheduler.step(epochLogs.valLoss ?? epochLogs.loss);
      else scheduler.step();
    }
    history.epoch.push(epoch);
    history.loss.push(epochLogs.loss);
    if (validation) history.valLoss.push(epochLogs.valLoss);
    for (const m of metricNames) {
      history.metrics[m].push(epochLogs[m]);
      if (validation) history.metrics[valName(m)].push(epochLogs[valName(m)]);
    }
    history.lr.push(lr);
    history.time.push(epochLogs.time);
    history.samplesPerSec.push(epochLogs.samplesPerSec);
    for (const c of callbacks) c.onEpochEnd?.(epoch, epochLogs);
    if (stop || stopRequested()) {
      history.stopped = epoch + 1 < epochs || stop;
      break;
    }
  }
  const endLogs: Logs = {};
  const last = history.epoch.length - 1;
  if (last >= 0) {
    endLogs.loss = history.loss[last];
    if (validation) endLogs.valLoss = history.valLoss[last];
  }
  for (const c of callbacks) c.onTrainEnd?.(endLogs);
  return history;
}

/** The mean loss (when a loss is given) and metrics of `model` over `data`, in eval mode. */
export function evaluate(
  model: Model,
  data: Dataset | { x: Tensor; y: Target },
  options: EvaluateOptions = {},
): Logs {
  const fn = 'evaluate';
  checkModel(fn, model);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  knownKeys(fn, 'option', options, ['loss', 'metrics', 'batchSize']);
  if (options.loss !== undefined) checkLoss(fn, options.loss);
  const ds = asDataset(fn, data);
  checkData(fn, 'data', model, ds);
  const batchSize =
    options.batchSize === undefined ? 32 : positiveInt(fn, 'batchSize', options.batchSize);
  const metrics = makeMetrics(fn, options.metrics, model.outputShape);
  if (options.loss === undefined && metrics.length === 0)
    throw new TypeError(`${fn}: nothing to evaluate: give a loss and/or metrics`);
  return runEvaluation(fn, 'data', model, ds, options.loss, metrics, batchSize);
}

/**
 * The model's outputs for every sample (eval mode), in batches: a tensor
 * [N, ...outputShape]. `x` is an input tensor [N, ...inputShape] or a dataset (its order).
 */
export function predict(model: Model, x: Tensor | Dataset, options: PredictOptions = {}): Tensor {
  const fn = 'predict';
  checkModel(fn, model);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  knownKeys(fn, 'option', options, ['batchSize']);
  const batchSize =
    options.batchSize === undefined ? 32 : positiveInt(fn, 'batchSize', options.batchSize);
  const outSize = numel(model.outputShape);
  if (isDataset(x)) {
    checkData(fn, 'data', model, x);
    const out = new Float32Array(x.length * outSize);
    let o = 0;
    for (const b of x.batches({ batchSize, shuffle: false })) {
      const y = noGrad(() => model.forward(b.x, { training: false }));
      out.set(y._d, o);
      o += y.size;
      y._release();
    }
    return { data: out, shape: [x.length, ...model.outputShape] };
  }
  const t = x as Tensor;
  if (
    t === null ||
    typeof t !== 'object' ||
    !(t.data instanceof Float32Array) ||
    !Array.isArray(t.shape) ||
    numel(t.shape) !== t.data.length ||
    t.shape.length < 1
  )
    throw new TypeError(
      `${fn}: x must be a Tensor [N, ...inputShape] or a Dataset, got ${describe(x)}`,
    );
  const n = t.shape[0];
  if (!sameShape(t.shape.slice(1), model.inputShape)) {
    throw new RangeError(
      `${fn}: input of shape ${shapeStr(t.shape)} does not fit the model's input ${shapeStr(model.inputShape)} (layer ${firstLayer(model).name} expects [batch, ${model.inputShape.join(', ')}])`,
    );
  }
  const inSize = numel(model.inputShape);
  const out = new Float32Array(n * outSize);
  for (let s = 0; s < n; s += batchSize) {
    const rows = Math.min(batchSize, n - s);
    const y = noGrad(() =>
      model.forward(
        {
          data: t.data.subarray(s * inSize, (s + rows) * inSize),
          shape: [rows, ...model.inputShape],
        },
        { training: false },
      ),
    );
    out.set(y._d, s * outSize);
    y._release();
  }
  return { data: out, shape: [n, ...model.outputShape] };
}
