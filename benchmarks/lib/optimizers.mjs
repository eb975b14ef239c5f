// The optimizers the suite measures, and how each implementation of one is set up: descent's
// optimizer classes (what users call, on either backend), the raw fused kernel the classes
// call, the C reference (benchmarks/c/optim.c) and TensorFlow.js peers where tfjs has the
// optimizer. Shared by the suite and by its single-threaded worker (lib/worker.mjs).

import { createRequire } from 'node:module';

/**
 * Every elementwise optimizer of descent. `options` are what the benchmark passes to the class
 * (the rest are the class defaults); `bytes` is the memory traffic of one step per parameter
 * (float32 arrays read + written, each counted once; LAMB and LARS make two passes);
 * `tfjs` builds the TensorFlow.js peer with the same hyperparameters where tfjs has one.
 */
export const OPTIMIZERS = [
  {
    id: 'sgd',
    label: 'SGD+momentum',
    cls: 'SGD',
    options: { lr: 0.01, momentum: 0.9 },
    bytes: 20,
    tfjs: (tf) => tf.train.momentum(0.01, 0.9),
    tfjsCall: 'tf.train.momentum(0.01, 0.9)',
  },
  {
    id: 'adam',
    label: 'Adam',
    cls: 'Adam',
    options: { lr: 1e-3 },
    bytes: 28,
    tfjs: (tf) => tf.train.adam(1e-3, 0.9, 0.999, 1e-8),
    tfjsCall: 'tf.train.adam(1e-3, 0.9, 0.999, 1e-8)',
  },
  {
    id: 'adamw',
    label: 'AdamW',
    cls: 'AdamW',
    options: { lr: 1e-3, weightDecay: 1e-2 },
    bytes: 28,
  },
  {
    id: 'rmsprop',
    label: 'RMSprop',
    cls: 'RMSprop',
    options: { lr: 1e-2, alpha: 0.99, eps: 1e-8 },
    bytes: 20,
    tfjs: (tf) => tf.train.rmsprop(1e-2, 0.99, 0, 1e-8, false),
    tfjsCall: 'tf.train.rmsprop(1e-2, 0.99, 0, 1e-8, false)',
  },
  {
    id: 'adagrad',
    label: 'Adagrad',
    cls: 'Adagrad',
    options: { lr: 1e-2 },
    bytes: 20,
    // tfjs has no eps and requires a positive initial accumulator (its default 0.1)
    tfjs: (tf) => tf.train.adagrad(1e-2, 0.1),
    tfjsCall: 'tf.train.adagrad(1e-2, 0.1)',
  },
  { id: 'lion', label: 'Lion', cls: 'Lion', options: { lr: 1e-4 }, bytes: 20 },
  { id: 'adadelta', label: 'Adadelta', cls: 'Adadelta', options: {}, bytes: 28 },
  { id: 'adamax', label: 'Adamax', cls: 'Adamax', options: {}, bytes: 28 },
  { id: 'nadam', label: 'NAdam', cls: 'NAdam', options: {}, bytes: 28 },
  { id: 'radam', label: 'RAdam', cls: 'RAdam', options: {}, bytes: 28 },
  { id: 'rprop', label: 'Rprop', cls: 'Rprop', options: {}, bytes: 28 },
  { id: 'asgd', label: 'ASGD', cls: 'ASGD', options: {}, bytes: 20 },
  { id: 'adabelief', label: 'AdaBelief', cls: 'AdaBelief', options: {}, bytes: 28 },
  { id: 'yogi', label: 'Yogi', cls: 'Yogi', options: {}, bytes: 28 },
  { id: 'adan', label: 'Adan', cls: 'Adan', options: {}, bytes: 44 },
  { id: 'lamb', label: 'LAMB', cls: 'LAMB', options: {}, bytes: 40 },
  { id: 'lars', label: 'LARS', cls: 'LARS', options: {}, bytes: 28 },
  { id: 'sgd-sf', label: 'SGD schedule-free', cls: 'SGDScheduleFree', options: {}, bytes: 20 },
  {
    id: 'adamw-sf',
    label: 'AdamW schedule-free',
    cls: 'AdamWScheduleFree',
    options: {},
    bytes: 28,
  },
];

export const OPTIMIZER_IDS = OPTIMIZERS.map((o) => o.id);

export function optimizerSpec(id) {
  const s = OPTIMIZERS.find((o) => o.id === id);
  if (!s) throw new RangeError(`unknown optimizer ${id} (known: ${OPTIMIZER_IDS.join(', ')})`);
  return s;
}

/**
 * Element i of the start values every implementation uses (the C reference computes the same
 * formula): gradients ±[0.01, 1) with alternating sign, parameters in [-1, 1].
 */
export function startValue(i) {
  const h = Math.imul(i, 2654435761) >>> 0;
  const mag = 0.01 + (h % 991) / 1000;
  return { p: ((h >>> 10) % 2001) / 1000 - 1, g: i & 1 ? -mag : mag };
}

const startCache = new Map();
/** Start parameters and gradients of length n (cached for the last size asked). */
export function startArrays(n) {
  let s = startCache.get(n);
  if (!s) {
    startCache.clear();
    const p = new Float32Array(n);
    const g = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const v = startValue(i);
      p[i] = v.p;
      g[i] = v.g;
    }
    s = { p, g };
    startCache.set(n, s);
  }
  return s;
}

const requireHere = createRequire(import.meta.url);
let lineOffset;
/**
 * A copy of `a` starting on a 64-byte line, as a model's parameters and gradients are (they
 * live in the library's aligned arenas) and as the C loops' and PyTorch's buffers are; a plain
 * Float32Array is only 16-byte aligned. Unaligned where the native addon does not load.
 */
function lineAligned(a) {
  if (lineOffset === undefined) {
    try {
      lineOffset = requireHere('../../native/binding.cjs').cacheLineOffset;
    } catch {
      lineOffset = null;
    }
  }
  if (!lineOffset) return new Float32Array(a);
  const buf = new ArrayBuffer(a.length * 4 + 64);
  const shift = (64 - lineOffset(new Float32Array(buf, 0, 1))) % 64;
  const out = new Float32Array(buf, shift, a.length);
  out.set(a);
  return out;
}

/** Σ|p| and Σ w_i·p_i (w_i = i mod 7 − 3), in double: what the C reference's `sum` answers. */
export function checksums(p) {
  let a = 0;
  let w = 0;
  for (let i = 0; i < p.length; i++) {
    a += Math.abs(p[i]);
    w += ((i % 7) - 3) * p[i];
  }
  return { sumAbs: a, sumW: w };
}

/** An instance of the optimizer over one scalar, for its resolved options (class defaults). */
export function optionsOf(lib, spec) {
  const Cls = lib.optim[spec.cls];
  if (typeof Cls !== 'function') throw new Error(`descent has no optim.${spec.cls}`);
  return new Cls([{ data: new Float32Array(1), grad: new Float32Array(1) }], spec.options);
}

/** The resolved options of an optimizer instance as `key=value` tokens for the C reference. */
export function cOptions(opt) {
  const { params: _params, ...o } = opt.paramGroups[0];
  const out = [];
  for (const [k, v] of Object.entries(o)) {
    if (Array.isArray(v)) v.forEach((x, i) => out.push(`${k}${i + 1}=${Number(x)}`));
    else if (typeof v === 'boolean') out.push(`${k}=${v ? 1 : 0}`);
    else if (typeof v === 'number') out.push(`${k}=${v}`);
  }
  return out;
}

/**
 * A descent optimizer over one parameter of length n, started from the shared start values.
 * `lib` is the imported dist/index.js. `step()` is one `optimizer.step()` on backend
 * `backendName` (made active first, since the classes step on the active backend).
 */
export function makeDescent(lib, spec, n, backendName) {
  const start = startArrays(n);
  const param = { data: lineAligned(start.p), grad: lineAligned(start.g) };
  const Cls = lib.optim[spec.cls];
  if (typeof Cls !== 'function') throw new Error(`descent has no optim.${spec.cls}`);
  const opt = new Cls([param], spec.options);
  if (typeof opt.train === 'function') opt.train(); // schedule-free: training mode
  const activate = () => lib.setBackend(backendName);
  return {
    opt,
    param,
    activate,
    step() {
      opt.step();
    },
    sums: () => checksums(param.data),
  };
}

/**
 * The raw fused kernel: records the `kernels.optimStep` call(s) one `optimizer.step()` makes
 * on backend `b` (after `warmSteps` ordinary steps, so per-step flags such as "first step" are
 * off), then replays exactly those calls. Returns null when the step made no such call.
 */
export function makeKernelReplay(lib, spec, n, backendName, warmSteps = 8) {
  const d = makeDescent(lib, spec, n, backendName);
  const b = lib.backend(backendName);
  const k = b.kernels;
  d.activate();
  for (let i = 0; i < warmSteps; i++) d.step();
  const calls = [];
  const orig = k.optimStep;
  k.optimStep = (kind, p, g, s, h, seg) => {
    calls.push([kind, p, g, [...s], new Float64Array(h), seg]);
    return orig(kind, p, g, s, h, seg);
  };
  try {
    d.step();
  } finally {
    k.optimStep = orig;
  }
  if (calls.length === 0) return null;
  return {
    param: d.param,
    calls,
    step() {
      for (const c of calls) k.optimStep(c[0], c[1], c[2], c[3], c[4], c[5]);
    },
    sums: () => checksums(d.param.data),
  };
}
