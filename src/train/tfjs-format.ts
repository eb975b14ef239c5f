/**
 * The TensorFlow.js layers format: `model.json` (`modelTopology`, a Keras Sequential config,
 * and `weightsManifest`) plus one `.bin` of little-endian float32 weights — what
 * `tf.loadLayersModel` reads and `model.save` writes.
 *
 * Layout conversions (our layers are PyTorch's, tf.js's are Keras's, channels last):
 * - Dense: kernel [in, out] = our Linear weight [out, in] transposed.
 * - Conv2D: kernel [kh, kw, in, out] = our [out, in, kh, kw] permuted; images are NHWC in
 *   tf.js and NCHW here, so an imported image model takes NCHW input (and an exported one
 *   takes NHWC in tf.js). Padding: 'valid', 'same', or explicit symmetric padding as a
 *   ZeroPadding2D before a 'valid' Conv2D.
 * - Flatten of an image: tf.js flattens H, W, C, we flatten C, H, W; the following Dense's
 *   kernel rows (and any BatchNormalization between) are permuted accordingly.
 * - BatchNormalization: gamma, beta, moving_mean, moving_variance; Keras momentum = 1 − ours.
 * - Pooling: MaxPooling2D / AveragePooling2D ('valid' only), GlobalAveragePooling2D.
 * - Activations: Activation layers and Dense/Conv2D `activation` fields (relu, sigmoid, tanh,
 *   elu, selu, softplus, swish ↔ SiLU, mish, gelu; gelu_new ↔ GELU('tanh') on import only, as
 *   tf.js 4 cannot read it), LeakyReLU, ELU (alpha 1 in tf.js), ReLU layers. A final softmax has no layer here (our classifiers output logits): import it
 *   with `{ finalSoftmax: 'drop' }` to get the logits model (same argmax).
 * Anything else is refused with an error naming the layer.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, optionsOf } from '../backend/validate.js';
import {
  Activation,
  ELU,
  GELU,
  LeakyReLU,
  Mish,
  ReLU,
  SELU,
  Sigmoid,
  SiLU,
  Softplus,
  Tanh,
} from '../nn/activation.js';
import { AvgPool2d } from '../nn/avgpool2d.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv2d.js';
import { Dropout } from '../nn/dropout.js';
import { Flatten } from '../nn/flatten.js';
import { GlobalAvgPool2d } from '../nn/globalavgpool2d.js';
import type { Layer, LayerParam } from '../nn/layer.js';
import { Linear } from '../nn/linear.js';
import { MaxPool2d } from '../nn/maxpool2d.js';
import { Model } from '../nn/model.js';
import { Sequential } from '../nn/sequential.js';
import { numel, shapeStr } from '../nn/tensor.js';

const LE = endianness() === 'LE';
const MAX_JSON_BYTES = 64 * 2 ** 20;
const MAX_WEIGHT_BYTES = 2 ** 34;
/** File name `saveTfjs` gives the weights next to `model.json`. */
export const TFJS_WEIGHTS_FILE = 'weights.bin';
const KERAS_VERSION = 'tfjs-layers 4.22.0';

/** One weight of a TensorFlow.js weights manifest (`tf.io.WeightsManifestEntry`). */
export interface WeightSpec {
  /** Keras weight name (`dense/kernel`). */
  name: string;
  /** Shape in Keras's layout (channels last, Dense kernels [in, out]). */
  shape: number[];
  /** Always float32 (quantised or other dtypes are refused on import). */
  dtype: 'float32';
}

/** A TensorFlow.js layers-model `model.json` (what `tf.loadLayersModel` reads); Sequential models only. */
export interface TfjsModelJson {
  /** Always `'layers-model'`. */
  format: 'layers-model';
  /** Producer of the file (`'descent'` when written here). */
  generatedBy: string;
  /** Converter that produced the file, or null. */
  convertedBy: string | null;
  /** The Keras model config. */
  modelTopology: {
    /** Always `'Sequential'`. */
    class_name: 'Sequential';
    /** The model's name and its layers in order. */
    config: {
      /** Model name (`'sequential'` when written here). */
      name: string;
      /** The layers, input to output. */
      layers: KerasLayer[];
    };
    /** Keras version string the config follows. */
    keras_version: string;
    /** Keras backend name (`'tensor_flow.js'`). */
    backend: string;
  };
  /** Weight groups: the files holding them and the weights in file order. */
  weightsManifest: Array<{
    /** Weight file names, relative to `model.json`, concatenated in order. */
    paths: string[];
    /** The weights stored back to back in those files. */
    weights: WeightSpec[];
  }>;
}

/** One layer of a Keras Sequential config. */
export interface KerasLayer {
  /** Keras class name (`Dense`, `Conv2D`, `BatchNormalization`). */
  class_name: string;
  /** The layer's Keras config (units, filters, activation, …). */
  config: Record<string, unknown>;
}

/** A model in TensorFlow.js layers format, in memory: `model.json` and its weights. */
export interface TfjsArtifacts {
  /** The parsed `model.json`. */
  modelJson: TfjsModelJson;
  /** The weights, in `weightsManifest` order. */
  weightData: ArrayBuffer;
}

/** Options of {@link fromTfjs} and {@link loadTfjs}. */
export interface FromTfjsOptions {
  /** 'error' (default) refuses a final softmax; 'drop' leaves it out (the model outputs logits). */
  finalSoftmax?: 'error' | 'drop';
  /** Seed of the model (initialisation is overwritten; it seeds dropout generators). */
  seed?: number;
}

function bytesOf(a: Float32Array): Uint8Array {
  const v = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LE) return v;
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i += 4) for (let j = 0; j < 4; j++) out[i + j] = v[i + 3 - j];
  return out;
}

function fromBytes(bytes: Uint8Array, n: number): Float32Array {
  const out = new Float32Array(n);
  const v = new Uint8Array(out.buffer);
  if (LE) v.set(bytes.subarray(0, 4 * n));
  else for (let i = 0; i < 4 * n; i += 4) for (let j = 0; j < 4; j++) v[i + j] = bytes[i + 3 - j];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Layout conversions

/** [out, in] → [in, out] (and back, with the dims swapped). */
function transpose2d(src: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = src[r * cols + c];
  return out;
}

/** Ours [o, i, kh, kw] → tf.js [kh, kw, i, o]. */
function convToKeras(w: Float32Array, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((y * kw + x) * i + b) * o + a] = w[((a * i + b) * kh + y) * kw + x];
  return out;
}

/** tf.js [kh, kw, i, o] → ours [o, i, kh, kw]. */
function convFromKeras(
  k: Float32Array,
  o: number,
  i: number,
  kh: number,
  kw: number,
): Float32Array {
  const out = new Float32Array(k.length);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++)
          out[((a * i + b) * kh + y) * kw + x] = k[((y * kw + x) * i + b) * o + a];
  return out;
}

/**
 * The feature order after flattening an image: `perm[kerasIndex] = ourIndex` for a [C, H, W]
 * image flattened as H, W, C (tf.js) versus C, H, W (here).
 */
function flattenPerm(c: number, h: number, w: number): Int32Array {
  const perm = new Int32Array(c * h * w);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let ch = 0; ch < c; ch++) perm[(y * w + x) * c + ch] = (ch * h + y) * w + x;
  return perm;
}

function isIdentity(perm: Int32Array | null): boolean {
  if (!perm) return true;
  for (let i = 0; i < perm.length; i++) if (perm[i] !== i) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Export

/** Leaf layers of nested Sequentials, refusing other containers. */
function chain(layer: Layer, fn: string): Layer[] {
  if (layer instanceof Sequential) return layer.layers.flatMap((l) => chain(l, fn));
  if (layer.children().length > 0)
    throw new TypeError(
      `${fn}: layer ${layer.name} (${layer.constructor.name}) is a container other than Sequential; the tf.js layers format here holds Sequential models only`,
    );
  return [layer];
}

/** The Keras activation name of one of our activation layers, or null. */
function kerasActivation(layer: Layer): string | null {
  if (layer instanceof ReLU) return 'relu';
  if (layer instanceof Sigmoid) return 'sigmoid';
  if (layer instanceof Tanh) return 'tanh';
  if (layer instanceof SELU) return 'selu';
  if (layer instanceof SiLU) return 'swish';
  if (layer instanceof Mish) return 'mish';
  if (layer instanceof GELU) return layer.op === 'geluTanh' ? null : 'gelu';
  if (layer instanceof Activation) {
    const a = layer as unknown as { alpha: number; beta: number };
    switch (layer.op) {
      case 'relu':
        return 'relu';
      case 'sigmoid':
        return 'sigmoid';
      case 'tanh':
        return 'tanh';
      case 'selu':
        return 'selu';
      case 'silu':
        return 'swish';
      case 'mish':
        return 'mish';
      case 'gelu':
        return 'gelu';
      case 'elu':
        return a.alpha === 1 ? 'elu' : null;
      case 'softplus':
        return a.alpha === 1 ? 'softplus' : null;
      default:
        return null;
    }
  }
  return null;
}

class Names {
  private readonly counts = new Map<string, number>();
  next(base: string): string {
    const n = this.counts.get(base) ?? 0;
    this.counts.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }
}

function pairs(p: readonly number[]): number[] {
  return [p[0], p[1]];
}

/** The tf.js artifacts (model.json object and weight bytes) of a Sequential model. */
export function toTfjs(model: Model): TfjsArtifacts {
  const fn = 'toTfjs';
  if (!(model instanceof Model))
    throw new TypeError(`${fn}: model must be a Model, got ${describe(model)}`);
  const leaves = chain(model.net, fn);
  const names = new Names();
  const layers: KerasLayer[] = [];
  const specs: WeightSpec[] = [];
  const chunks: Float32Array[] = [];
  const inShape = model.inputShape;
  const image = inShape.length === 3;
  const batchInputShape = image ? [null, inShape[1], inShape[2], inShape[0]] : [null, ...inShape];
  let perm: Int32Array | null = null;
  const push = (
    className: string,
    base: string,
    config: Record<string, unknown>,
    weights: Array<[string, number[], Float32Array]> = [],
  ) => {
    const name = names.next(base);
    const cfg: Record<string, unknown> = { name, trainable: true, dtype: 'float32', ...config };
    if (layers.length === 0) cfg.batch_input_shape = batchInputShape;
    layers.push({ class_name: className, config: cfg });
    for (const [w, shape, data] of weights) {
      specs.push({ name: `${name}/${w}`, shape, dtype: 'float32' });
      chunks.push(data);
    }
  };
  const params = (l: Layer): Map<string, LayerParam> =>
    new Map(l.parameters().map((p) => [p.name.slice(p.name.lastIndexOf('.') + 1), p]));
  const refuse = (l: Layer, why: string): never => {
    throw new TypeError(`${fn}: layer ${l.name} (${l.constructor.name}) ${why}`);
  };
  const applyPerm = (v: Float32Array): Float32Array => {
    if (!perm || isIdentity(perm)) return v;
    const out = new Float32Array(v.length);
    for (let k = 0; k < perm.length; k++) out[k] = v[perm[k]];
    return out;
  };

  for (const l of leaves) {
    const act = kerasActivation(l);
    if (act !== null) {
      push('Activation', 'activation', { activation: act });
    } else if (l instanceof LeakyReLU) {
      push('LeakyReLU', 'leaky_re_lu', { alpha: (l as unknown as { alpha: number }).alpha });
    } else if (l instanceof ELU) {
      refuse(
        l,
        `has alpha ${(l as unknown as { alpha: number }).alpha}; tf.js ELU supports alpha 1 only`,
      );
    } else if (l instanceof Activation && l.op === 'geluTanh') {
      refuse(l, "is GELU('tanh'): Keras calls it gelu_new, which tf.js 4 cannot deserialize");
    } else if (l instanceof Softplus) {
      refuse(l, 'has beta ≠ 1, which tf.js softplus lacks');
    } else if (l instanceof Activation) {
      refuse(l, `applies ${l.op}, which has no tf.js activation with the same definition`);
    } else if (l instanceof Linear) {
      const p = params(l);
      const w = p.get('weight') as LayerParam;
      let kernel = transpose2d(w.data, l.outFeatures, l.inFeatures); // [in, out]
      if (perm && !isIdentity(perm)) {
        const k2 = new Float32Array(kernel.length);
        const out = l.outFeatures;
        for (let r = 0; r < perm.length; r++)
          k2.set(kernel.subarray(perm[r] * out, perm[r] * out + out), r * out);
        kernel = k2;
      }
      perm = null;
      const weights: Array<[string, number[], Float32Array]> = [
        ['kernel', [l.inFeatures, l.outFeatures], kernel],
      ];
      if (l.bias) weights.push(['bias', [l.outFeatures], (p.get('bias') as LayerParam).data]);
      push(
        'Dense',
        'dense',
        { units: l.outFeatures, activation: 'linear', use_bias: l.bias },
        weights,
      );
    } else if (l instanceof Dropout) {
      push('Dropout', 'dropout', { rate: l.p });
    } else if (l instanceof Flatten) {
      if (l.inputShape.length === 3 && (l.startDim !== 1 || (l.endDim !== -1 && l.endDim !== 3)))
        refuse(l, 'flattens only some dims; tf.js Flatten merges all of them');
      if (l.inputShape.length === 3) {
        const [c, h, w] = l.inputShape;
        perm = flattenPerm(c, h, w);
      }
      push('Flatten', 'flatten', { data_format: 'channels_last' });
    } else if (l instanceof Conv2d) {
      if (perm) refuse(l, 'follows a Flatten');
      if (l.groups !== 1 || l.paddingMode !== 'zeros')
        refuse(
          l,
          `has groups ${l.groups} and paddingMode '${l.paddingMode}'; tf.js Conv2D has 1 and zeros`,
        );
      const [kh, kw] = l.kernelSize;
      const [sh, sw] = l.stride;
      const [dh, dw] = l.dilation;
      let padding: 'valid' | 'same' = 'valid';
      if (l.padding === 'same') padding = 'same';
      else if (l.padding !== 'valid') {
        const [ph, pw] = l.padding;
        if (ph === 0 && pw === 0) padding = 'valid';
        else if (sh === 1 && sw === 1 && dh * (kh - 1) === 2 * ph && dw * (kw - 1) === 2 * pw)
          padding = 'same';
        else
          push('ZeroPadding2D', 'zero_padding2d', {
            padding: [
              [ph, ph],
              [pw, pw],
            ],
            data_format: 'channels_last',
          });
      }
      const p = params(l);
      const w = p.get('weight') as LayerParam;
      const weights: Array<[string, number[], Float32Array]> = [
        [
          'kernel',
          [kh, kw, l.inChannels, l.outChannels],
          convToKeras(w.data, l.outChannels, l.inChannels, kh, kw),
        ],
      ];
      if (l.bias) weights.push(['bias', [l.outChannels], (p.get('bias') as LayerParam).data]);
      push(
        'Conv2D',
        'conv2d',
        {
          filters: l.outChannels,
          kernel_size: [kh, kw],
          strides: [sh, sw],
          padding,
          data_format: 'channels_last',
          dilation_rate: [dh, dw],
          activation: 'linear',
          use_bias: l.bias,
        },
        weights,
      );
    } else if (l instanceof BatchNorm1d || l instanceof BatchNorm2d) {
      if (!l.trackRunningStats || !l.runningMean || !l.runningVar)
        refuse(
          l,
          'has no running statistics (trackRunningStats false); tf.js always normalises with moving statistics at inference',
        );
      if (l instanceof BatchNorm1d && l.inputShape.length !== 1)
        refuse(
          l,
          `normalises input ${shapeStr(l.inputShape)}; only [features] converts (tf.js is channels last)`,
        );
      const p = params(l);
      const weights: Array<[string, number[], Float32Array]> = [];
      const c = l.numFeatures;
      if (l.affine) {
        weights.push(['gamma', [c], applyPerm((p.get('weight') as LayerParam).data)]);
        weights.push(['beta', [c], applyPerm((p.get('bias') as LayerParam).data)]);
      }
      weights.push(['moving_mean', [c], applyPerm(l.runningMean as Float32Array)]);
      weights.push(['moving_variance', [c], applyPerm(l.runningVar as Float32Array)]);
      push(
        'BatchNormalization',
        'batch_normalization',
        {
          axis: -1,
          momentum: 1 - (l.momentum ?? 0.01),
          epsilon: l.eps,
          center: l.affine,
          scale: l.affine,
        },
        weights,
      );
    } else if (l instanceof MaxPool2d || l instanceof AvgPool2d) {
      if (perm) refuse(l, 'follows a Flatten');
      if (l.padding[0] !== 0 || l.padding[1] !== 0 || l.ceilMode)
        refuse(l, 'pads or uses ceilMode; tf.js pooling here is "valid" only');
      if (l instanceof MaxPool2d && (l.dilation[0] !== 1 || l.dilation[1] !== 1))
        refuse(l, 'is dilated; tf.js pooling has no dilation');
      const max = l instanceof MaxPool2d;
      push(max ? 'MaxPooling2D' : 'AveragePooling2D', max ? 'max_pooling2d' : 'average_pooling2d', {
        pool_size: pairs(l.kernelSize),
        strides: pairs(l.stride),
        padding: 'valid',
        data_format: 'channels_last',
      });
    } else if (l instanceof GlobalAvgPool2d) {
      push('GlobalAveragePooling2D', 'global_average_pooling2d', { data_format: 'channels_last' });
    } else {
      refuse(
        l,
        'has no tf.js layers equivalent here (supported: Linear, Conv2d, BatchNorm1d/2d, Dropout, Flatten, pooling, activations)',
      );
    }
  }
  if (perm && !isIdentity(perm))
    throw new TypeError(
      `${fn}: the model ends with a Flatten of an image; tf.js would order its outputs H, W, C instead of C, H, W`,
    );
  if (model.outputShape.length === 3)
    throw new TypeError(
      `${fn}: the model outputs images ${shapeStr(model.outputShape)} (NCHW); tf.js outputs would be NHWC`,
    );
  const total = chunks.reduce((a, c) => a + c.byteLength, 0);
  const weightData = new ArrayBuffer(total);
  const u8 = new Uint8Array(weightData);
  let o = 0;
  for (const c of chunks) {
    u8.set(bytesOf(c), o);
    o += c.byteLength;
  }
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: 'descent',
      convertedBy: null,
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers },
        keras_version: KERAS_VERSION,
        backend: 'tensor_flow.js',
      },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    },
    weightData,
  };
}

function writeDurable(path: string, data: Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    let o = 0;
    while (o < data.length) o += writeSync(fd, data, o, data.length - o);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes `model.json` and `weights.bin` into `dir` (created if needed). */
export function saveTfjs(dir: string, model: Model): void {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`saveTfjs: dir must be a non-empty path, got ${describe(dir)}`);
  const { modelJson, weightData } = toTfjs(model);
  mkdirSync(dir, { recursive: true });
  writeDurable(join(dir, TFJS_WEIGHTS_FILE), new Uint8Array(weightData));
  writeDurable(join(dir, 'model.json'), Buffer.from(`${JSON.stringify(modelJson)}\n`));
}

// ---------------------------------------------------------------------------------------------
// Import

type Cfg = Record<string, unknown>;

function obj(fn: string, where: string, v: unknown): Cfg {
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw new TypeError(`${fn}: ${where} must be an object, got ${describe(v)}`);
  return v as Cfg;
}

function posInt(fn: string, where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1)
    throw new TypeError(`${fn}: ${where} must be a positive integer, got ${describe(v)}`);
  return v;
}

function pairOf(fn: string, where: string, v: unknown, dflt: [number, number]): [number, number] {
  if (v === undefined || v === null) return dflt;
  if (typeof v === 'number') return [posInt(fn, where, v), v];
  if (Array.isArray(v) && v.length === 2) return [posInt(fn, where, v[0]), posInt(fn, where, v[1])];
  throw new TypeError(`${fn}: ${where} must be an integer or a pair, got ${describe(v)}`);
}

/** Our layer for a Keras activation name ('linear' → null). */
function activationLayer(fn: string, where: string, name: unknown): Layer | null {
  switch (name) {
    case undefined:
    case null:
    case 'linear':
      return null;
    case 'relu':
      return new ReLU();
    case 'sigmoid':
      return new Sigmoid();
    case 'tanh':
      return new Tanh();
    case 'elu':
      return new ELU();
    case 'selu':
      return new SELU();
    case 'softplus':
      return new Softplus();
    case 'swish':
    case 'silu':
      return new SiLU();
    case 'mish':
      return new Mish();
    case 'gelu':
      return new GELU();
    case 'gelu_new':
      return new GELU('tanh');
    default:
      throw new TypeError(
        `${fn}: ${where} uses activation ${JSON.stringify(name)}, which has no layer here (supported: linear, relu, sigmoid, tanh, elu, selu, softplus, swish, mish, gelu, gelu_new; a final softmax with { finalSoftmax: 'drop' })`,
      );
  }
}

interface Pending {
  layer: Layer;
  weights?: Record<string, Float32Array>;
  /** BatchNorm running statistics. */
  stats?: { mean: Float32Array; variance: Float32Array };
}

/** The Keras layer list of a `modelTopology` (tf.js and Keras 2/3 spellings). */
function kerasLayers(fn: string, topology: unknown): KerasLayer[] {
  let t = obj(fn, 'modelTopology', topology);
  if (t.model_config !== undefined) t = obj(fn, 'modelTopology.model_config', t.model_config);
  if (t.class_name !== 'Sequential')
    throw new TypeError(
      `${fn}: modelTopology is a ${describe(t.class_name)} model; only Sequential models convert`,
    );
  const cfg = t.config;
  const list = Array.isArray(cfg) ? cfg : obj(fn, 'modelTopology.config', cfg).layers;
  if (!Array.isArray(list))
    throw new TypeError(`${fn}: modelTopology.config.layers must be an array`);
  return list.map((l, i) => {
    const o = obj(fn, `layers[${i}]`, l);
    if (typeof o.class_name !== 'string')
      throw new TypeError(`${fn}: layers[${i}].class_name must be a string`);
    return { class_name: o.class_name, config: obj(fn, `layers[${i}].config`, o.config ?? {}) };
  });
}

/** Builds our model from tf.js artifacts (see the file header for what converts). */
export function fromTfjs(
  modelJson: unknown,
  weightData: ArrayBuffer | Uint8Array,
  options: FromTfjsOptions = {},
): Model {
  const fn = 'fromTfjs';
  const mj = obj(fn, 'model.json', modelJson);
  optionsOf(fn, options, ['finalSoftmax', 'seed']);
  const finalSoftmax = options.finalSoftmax ?? 'error';
  if (finalSoftmax !== 'error' && finalSoftmax !== 'drop')
    throw new TypeError(
      `${fn}: option finalSoftmax must be 'error' or 'drop', got ${describe(finalSoftmax)}`,
    );
  const layers = kerasLayers(fn, mj.modelTopology);
  if (layers.length === 0) throw new RangeError(`${fn}: the model has no layers`);

  // Weights by name.
  const bytes = weightData instanceof Uint8Array ? weightData : new Uint8Array(weightData);
  const manifest = mj.weightsManifest;
  if (!Array.isArray(manifest)) throw new TypeError(`${fn}: weightsManifest must be an array`);
  const weights = new Map<string, { shape: number[]; data: Float32Array }>();
  let offset = 0;
  manifest.forEach((g, gi) => {
    const group = obj(fn, `weightsManifest[${gi}]`, g);
    if (!Array.isArray(group.weights))
      throw new TypeError(`${fn}: weightsManifest[${gi}].weights must be an array`);
    group.weights.forEach((w, wi) => {
      const where = `weightsManifest[${gi}].weights[${wi}]`;
      const s = obj(fn, where, w);
      if (typeof s.name !== 'string') throw new TypeError(`${fn}: ${where}.name must be a string`);
      if (s.dtype !== 'float32' || s.quantization !== undefined)
        throw new TypeError(
          `${fn}: weight ${s.name} is ${s.quantization ? 'quantized' : String(s.dtype)}; only float32 weights convert`,
        );
      if (!Array.isArray(s.shape) || s.shape.some((d) => !Number.isSafeInteger(d) || d < 0))
        throw new TypeError(`${fn}: ${where}.shape must be an array of non-negative integers`);
      const n = numel(s.shape as number[]);
      if (offset + 4 * n > bytes.length)
        throw new RangeError(
          `${fn}: weight ${s.name} (bytes ${offset}–${offset + 4 * n}) lies beyond the ${bytes.length} bytes of weight data`,
        );
      weights.set(s.name, {
        shape: s.shape as number[],
        data: fromBytes(bytes.subarray(offset, offset + 4 * n), n),
      });
      offset += 4 * n;
    });
  });
  if (offset !== bytes.length)
    throw new RangeError(
      `${fn}: the weight data has ${bytes.length} bytes, the manifest describes ${offset}`,
    );
  const used = new Set<string>();
  const weight = (layerName: string, what: string, shape: number[]): Float32Array => {
    let key = `${layerName}/${what}`;
    if (!weights.has(key))
      key =
        [...weights.keys()].find(
          (k) =>
            k === `${key}:0` ||
            k.endsWith(`/${layerName}/${what}`) ||
            k.endsWith(`/${layerName}/${what}:0`),
        ) ?? key;
    const w = weights.get(key);
    if (!w)
      throw new RangeError(
        `${fn}: layer ${layerName}: weight ${what} is missing from weightsManifest`,
      );
    if (w.shape.join(',') !== shape.join(','))
      throw new RangeError(
        `${fn}: layer ${layerName}: weight ${what} has shape ${shapeStr(w.shape)}, expected ${shapeStr(shape)}`,
      );
    used.add(key);
    return w.data;
  };

  // Input shape (channels last in Keras; images become [C, H, W] here).
  const first = layers[0].config;
  const batchShape = (first.batch_input_shape ?? first.batch_shape) as unknown;
  if (
    !Array.isArray(batchShape) ||
    batchShape.length < 2 ||
    batchShape.slice(1).some((d) => !Number.isSafeInteger(d) || d < 1)
  )
    throw new TypeError(
      `${fn}: the first layer needs a batch_input_shape [null, ...] with known sizes, got ${describe(batchShape)}`,
    );
  const kerasIn = batchShape.slice(1) as number[];
  const inputShape = kerasIn.length === 3 ? [kerasIn[2], kerasIn[0], kerasIn[1]] : [...kerasIn];

  const pending: Pending[] = [];
  let shape: number[] = [...inputShape]; // ours, channels first for images
  let perm: Int32Array | null = null; // kerasIndex → ourIndex after an image Flatten
  let padding: [number, number] | null = null; // a ZeroPadding2D waiting for its Conv2D
  const add = (p: Pending) => {
    pending.push(p);
    shape = [...p.layer.build(shape)];
  };
  const addActivation = (where: string, name: unknown, last: boolean) => {
    if (name === 'softmax') {
      if (last && finalSoftmax === 'drop') return;
      throw new TypeError(
        `${fn}: ${where} applies softmax, which has no layer here; our classifiers output logits — import with { finalSoftmax: 'drop' } when it is the last layer`,
      );
    }
    const a = activationLayer(fn, where, name);
    if (a) add({ layer: a });
  };
  const unpermute = (v: Float32Array): Float32Array => {
    if (!perm || isIdentity(perm)) return v;
    const out = new Float32Array(v.length);
    for (let k = 0; k < perm.length; k++) out[perm[k]] = v[k];
    return out;
  };

  layers.forEach(({ class_name: cls, config: c }, i) => {
    const lname = typeof c.name === 'string' ? c.name : `layers[${i}]`;
    const where = `layer ${lname} (${cls})`;
    const last = i === layers.length - 1;
    if (padding && cls !== 'Conv2D')
      throw new TypeError(
        `${fn}: ${where} follows a ZeroPadding2D; only a Conv2D may (the padding folds into it)`,
      );
    if (c.data_format !== undefined && c.data_format !== 'channels_last' && c.data_format !== null)
      throw new TypeError(
        `${fn}: ${where} uses data_format ${String(c.data_format)}; only channels_last converts`,
      );
    const imageOnly = () => {
      if (shape.length !== 3)
        throw new TypeError(`${fn}: ${where} needs an image input, got ${shapeStr(shape)}`);
      if (perm) throw new TypeError(`${fn}: ${where} follows a Flatten`);
    };
    switch (cls) {
      case 'InputLayer':
        return;
      case 'Dense': {
        if (shape.length !== 1)
          throw new TypeError(
            `${fn}: ${where} needs a flat input, got ${shapeStr(shape)} (add a Flatten)`,
          );
        const inF = shape[0];
        const units = posInt(fn, `${where} units`, c.units);
        const useBias = c.use_bias !== false;
        const kernel = weight(lname, 'kernel', [inF, units]); // [in, out], rows in Keras order
        let rows = kernel;
        if (perm && !isIdentity(perm)) {
          rows = new Float32Array(kernel.length);
          for (let k = 0; k < perm.length; k++)
            rows.set(kernel.subarray(k * units, k * units + units), perm[k] * units);
        }
        perm = null;
        const w: Record<string, Float32Array> = { weight: transpose2d(rows, inF, units) };
        if (useBias) w.bias = weight(lname, 'bias', [units]);
        add({ layer: new Linear(inF, units, { bias: useBias }), weights: w });
        addActivation(where, c.activation, last);
        return;
      }
      case 'Activation':
        addActivation(where, c.activation, last);
        return;
      case 'Softmax':
        addActivation(where, 'softmax', last);
        return;
      case 'ReLU': {
        if ((c.max_value ?? null) !== null || (c.threshold ?? 0) !== 0)
          throw new TypeError(`${fn}: ${where} has max_value or threshold, which ReLU here lacks`);
        const slope = (c.negative_slope ?? 0) as number;
        add({ layer: slope === 0 ? new ReLU() : new LeakyReLU(slope) });
        return;
      }
      case 'LeakyReLU':
        add({ layer: new LeakyReLU((c.alpha ?? c.negative_slope ?? 0.3) as number) });
        return;
      case 'ELU':
        add({ layer: new ELU((c.alpha ?? 1) as number) });
        return;
      case 'Dropout':
        add({ layer: new Dropout((c.rate ?? 0) as number) });
        return;
      case 'Flatten':
        if (shape.length === 3) perm = flattenPerm(shape[0], shape[1], shape[2]);
        add({ layer: new Flatten() });
        return;
      case 'ZeroPadding2D': {
        imageOnly();
        const p = c.padding;
        let pp: number[] | null = null;
        if (typeof p === 'number') pp = [p, p, p, p];
        else if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number'))
          pp = [p[0], p[0], p[1], p[1]];
        else if (
          Array.isArray(p) &&
          p.length === 2 &&
          p.every((x) => Array.isArray(x) && x.length === 2)
        )
          pp = [p[0][0], p[0][1], p[1][0], p[1][1]];
        if (
          !pp ||
          pp.some((x) => !Number.isSafeInteger(x) || x < 0) ||
          pp[0] !== pp[1] ||
          pp[2] !== pp[3]
        )
          throw new TypeError(
            `${fn}: ${where}: only symmetric padding converts, got ${JSON.stringify(p)}`,
          );
        padding = [pp[0], pp[2]];
        return;
      }
      case 'Conv2D': {
        imageOnly();
        const filters = posInt(fn, `${where} filters`, c.filters);
        const [kh, kw] = pairOf(fn, `${where} kernel_size`, c.kernel_size, [1, 1]);
        const strides = pairOf(fn, `${where} strides`, c.strides, [1, 1]);
        const dil = pairOf(fn, `${where} dilation_rate`, c.dilation_rate, [1, 1]);
        if ((c.groups ?? 1) !== 1)
          throw new TypeError(`${fn}: ${where} is grouped; Conv2d here has groups 1`);
        const pad = c.padding ?? 'valid';
        if (pad !== 'valid' && pad !== 'same')
          throw new TypeError(`${fn}: ${where} has padding ${String(pad)}`);
        if (pad === 'same' && (strides[0] !== 1 || strides[1] !== 1))
          throw new TypeError(
            `${fn}: ${where}: padding 'same' with stride ${strides.join('×')} pads asymmetrically in tf.js; not supported`,
          );
        if (padding && pad !== 'valid')
          throw new TypeError(`${fn}: ${where}: ZeroPadding2D before a 'same' Conv2D`);
        const inC = shape[0];
        const useBias = c.use_bias !== false;
        const k = weight(lname, 'kernel', [kh, kw, inC, filters]);
        const w: Record<string, Float32Array> = { weight: convFromKeras(k, filters, inC, kh, kw) };
        if (useBias) w.bias = weight(lname, 'bias', [filters]);
        add({
          layer: new Conv2d(inC, filters, [kh, kw], {
            stride: strides,
            dilation: dil,
            padding: padding ?? (pad as 'valid' | 'same'),
            bias: useBias,
          }),
          weights: w,
        });
        padding = null;
        addActivation(where, c.activation, last);
        return;
      }
      case 'BatchNormalization': {
        const axis = c.axis ?? -1;
        const ok =
          axis === -1 ||
          (Array.isArray(axis) &&
            axis.length === 1 &&
            (axis[0] === -1 || axis[0] === shape.length)) ||
          axis === shape.length;
        if (!ok)
          throw new TypeError(
            `${fn}: ${where} normalises axis ${JSON.stringify(axis)}; only the channel (last) axis converts`,
          );
        if (shape.length !== 1 && shape.length !== 3)
          throw new TypeError(
            `${fn}: ${where} on input ${shapeStr(shape)}: only [features] and images convert`,
          );
        const ch = shape[0];
        const center = c.center !== false;
        const scale = c.scale !== false;
        if (center !== scale)
          throw new TypeError(
            `${fn}: ${where} has center ${center} and scale ${scale}; BatchNorm here has both or neither (affine)`,
          );
        const momentum = typeof c.momentum === 'number' ? 1 - c.momentum : 0.01;
        const eps = typeof c.epsilon === 'number' ? c.epsilon : 1e-3;
        const layer =
          shape.length === 3
            ? new BatchNorm2d(ch, { eps, momentum, affine: center })
            : new BatchNorm1d(ch, { eps, momentum, affine: center });
        const p = shape.length === 1 ? unpermute : (v: Float32Array) => v;
        const w: Record<string, Float32Array> = {};
        if (center) {
          w.weight = p(weight(lname, 'gamma', [ch]));
          w.bias = p(weight(lname, 'beta', [ch]));
        }
        add({
          layer,
          weights: w,
          stats: {
            mean: p(weight(lname, 'moving_mean', [ch])),
            variance: p(weight(lname, 'moving_variance', [ch])),
          },
        });
        return;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        imageOnly();
        if ((c.padding ?? 'valid') !== 'valid')
          throw new TypeError(
            `${fn}: ${where} has padding ${String(c.padding)}; only 'valid' pooling converts`,
          );
        const k = pairOf(fn, `${where} pool_size`, c.pool_size, [2, 2]);
        const s = pairOf(fn, `${where} strides`, c.strides, k);
        add({
          layer:
            cls === 'MaxPooling2D'
              ? new MaxPool2d(k, { stride: s })
              : new AvgPool2d(k, { stride: s }),
        });
        return;
      }
      case 'GlobalAveragePooling2D':
        imageOnly();
        if (c.keepdims === true) throw new TypeError(`${fn}: ${where} keeps dims; not supported`);
        add({ layer: new GlobalAvgPool2d() });
        return;
      default:
        throw new TypeError(
          `${fn}: ${where} has no equivalent here (supported: Dense, Conv2D, BatchNormalization, Dropout, Flatten, Activation, ReLU, LeakyReLU, ELU, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, ZeroPadding2D, InputLayer)`,
        );
    }
  });
  if (padding) throw new TypeError(`${fn}: the model ends with a ZeroPadding2D`);
  if (perm && !isIdentity(perm))
    throw new TypeError(
      `${fn}: the model ends with a Flatten of an image (its output order would differ)`,
    );
  const unused = [...weights.keys()].filter((k) => !used.has(k));
  if (unused.length > 0)
    throw new RangeError(`${fn}: weights not used by any layer: ${unused.join(', ')}`);

  const model = new Model(new Sequential(pending.map((p) => p.layer)), inputShape, {
    seed: options.seed ?? 0,
  });
  for (const p of pending) {
    if (p.weights) {
      for (const param of p.layer.parameters()) {
        const local = param.name.slice(param.name.lastIndexOf('.') + 1);
        const src = p.weights[local];
        if (!src || src.length !== param.data.length)
          throw new Error(`${fn}: internal: no weight ${local} for layer ${p.layer.name}`);
        param.data.set(src);
      }
    }
    if (p.stats) {
      const bn = p.layer as BatchNorm1d | BatchNorm2d;
      bn.runningMean?.set(p.stats.mean);
      bn.runningVar?.set(p.stats.variance);
    }
  }
  return model;
}

/** Reads `model.json` (a path to it, or its directory) and its weight files; builds the model. */
export function loadTfjs(path: string, options: FromTfjsOptions = {}): Model {
  const fn = 'loadTfjs';
  if (typeof path !== 'string' || path.length === 0)
    throw new TypeError(`${fn}: path must be a non-empty path, got ${describe(path)}`);
  optionsOf(fn, options, ['finalSoftmax', 'seed']);
  const file = lstatSync(path).isDirectory() ? join(path, 'model.json') : path;
  const dir = resolve(file, '..');
  const st = lstatSync(file);
  if (st.size > MAX_JSON_BYTES)
    throw new RangeError(`${fn}: ${file} is ${st.size} bytes, more than ${MAX_JSON_BYTES}`);
  let mj: unknown;
  try {
    mj = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new TypeError(
      `${fn}: ${file} is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const manifest = obj(fn, file, mj).weightsManifest;
  if (!Array.isArray(manifest))
    throw new TypeError(`${fn}: ${file}: weightsManifest must be an array`);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const [gi, g] of manifest.entries()) {
    const paths = obj(fn, `${file}: weightsManifest[${gi}]`, g).paths;
    if (!Array.isArray(paths))
      throw new TypeError(`${fn}: ${file}: weightsManifest[${gi}].paths must be an array`);
    for (const p of paths) {
      if (typeof p !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(p))
        throw new TypeError(
          `${fn}: ${file}: weight file ${JSON.stringify(p)} is not a plain file name beside model.json`,
        );
      const wp = join(dir, p);
      const ws = lstatSync(wp);
      if (!ws.isFile()) throw new TypeError(`${fn}: ${wp} is not a regular file`);
      total += ws.size;
      if (total > MAX_WEIGHT_BYTES)
        throw new RangeError(`${fn}: weight files exceed ${MAX_WEIGHT_BYTES} bytes`);
      parts.push(readFileSync(wp));
    }
  }
  const all = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return fromTfjs(mj, all, options);
}
