/**
 * What training and checkpoints need to know about a model's layers: the depth-first walk
 * (the same order and dotted paths as `Model`), each layer's constructor arguments, and each
 * layer's random generator.
 *
 * Two Layer methods are used when a layer has them (proposed for src/nn/layer.ts):
 * - `config(): Record<string, unknown>` — the JSON constructor arguments that rebuild the layer;
 * - `getRng(): Rng | null` — the generator `setRng` gave it (dropout masks), for checkpoints.
 * Until layers have them, the known classes are described here and a layer's generator is
 * found as an own `rng` field holding an `Rng`.
 */
import { Activation } from '../nn/activation.js';
import { AvgPool2d } from '../nn/avgpool2d.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv2d.js';
import { Dropout } from '../nn/dropout.js';
import { Flatten } from '../nn/flatten.js';
import { GlobalAvgPool2d } from '../nn/globalavgpool2d.js';
import type { Layer } from '../nn/layer.js';
import { Linear } from '../nn/linear.js';
import { MaxPool2d } from '../nn/maxpool2d.js';
import type { Model } from '../nn/model.js';
import { Sequential } from '../nn/sequential.js';
import { Rng } from '../random.js';

/** A layer found by {@link walkLayers}, with its position in the model. */
export interface LayerEntry {
  /** The layer itself. */
  layer: Layer;
  /** Dotted position ('' for the root, then '0', '1.0', …), as `Model` names parameters. */
  path: string;
}

/** Every layer, depth-first, with its path. */
export function walkLayers(root: Layer): LayerEntry[] {
  const out: LayerEntry[] = [];
  const visit = (layer: Layer, path: string) => {
    out.push({ layer, path });
    layer.children().forEach((c, i) => visit(c, path ? `${path}.${i}` : String(i)));
  };
  visit(root, '');
  return out;
}

/** Layers without children, in order. */
export function leafLayers(model: Model): LayerEntry[] {
  return walkLayers(model.net).filter(({ layer }) => layer.children().length === 0);
}

/** The layer that receives the model's input (for error messages). */
export function firstLayer(model: Model): Layer {
  return leafLayers(model)[0]?.layer ?? model.net;
}

/** The layer that produces the model's output. */
export function lastLayer(model: Model): Layer {
  const leaves = leafLayers(model);
  return leaves[leaves.length - 1]?.layer ?? model.net;
}

type WithConfig = Layer & { config?: () => Record<string, unknown> };
type WithRng = Layer & { getRng?: () => Rng | null; rng?: unknown };

/** Activation's kernel parameters (private fields; read until layers have `config()`). */
function activationParams(layer: Activation): { alpha: number; beta: number } {
  const a = layer as unknown as { alpha: number; beta: number };
  return { alpha: a.alpha, beta: a.beta };
}

/**
 * The constructor arguments of a layer, as JSON, or null when unknown. Layers with a
 * `config()` method describe themselves.
 */
export function layerConfig(layer: Layer): Record<string, unknown> | null {
  const own = (layer as WithConfig).config;
  if (typeof own === 'function') return own.call(layer);
  if (layer instanceof Linear)
    return { inFeatures: layer.inFeatures, outFeatures: layer.outFeatures, bias: layer.bias };
  if (layer instanceof Sequential || layer instanceof GlobalAvgPool2d) return {};
  if (layer instanceof Dropout) return { p: layer.p };
  if (layer instanceof Flatten) return { startDim: layer.startDim, endDim: layer.endDim };
  if (layer instanceof Conv2d)
    return {
      inChannels: layer.inChannels,
      outChannels: layer.outChannels,
      kernelSize: [...layer.kernelSize],
      stride: [...layer.stride],
      padding: typeof layer.padding === 'string' ? layer.padding : [...layer.padding],
      dilation: [...layer.dilation],
      bias: layer.bias,
    };
  if (layer instanceof BatchNorm1d || layer instanceof BatchNorm2d)
    return {
      numFeatures: layer.numFeatures,
      eps: layer.eps,
      momentum: layer.momentum,
      affine: layer.affine,
      trackRunningStats: layer.trackRunningStats,
    };
  if (layer instanceof MaxPool2d)
    return {
      kernelSize: [...layer.kernelSize],
      stride: [...layer.stride],
      padding: [...layer.padding],
      dilation: [...layer.dilation],
      ceilMode: layer.ceilMode,
    };
  if (layer instanceof AvgPool2d)
    return {
      kernelSize: [...layer.kernelSize],
      stride: [...layer.stride],
      padding: [...layer.padding],
      ceilMode: layer.ceilMode,
      countIncludePad: layer.countIncludePad,
    };
  if (layer instanceof Activation) {
    const { alpha, beta } = activationParams(layer);
    const name = layer.constructor.name;
    switch (name) {
      case 'LeakyReLU':
        return { negativeSlope: alpha };
      case 'ELU':
        return { alpha };
      case 'Softplus':
        return { beta: alpha, threshold: beta };
      case 'GELU':
        return { approximate: layer.op === 'geluTanh' ? 'tanh' : 'none' };
      case 'Activation':
        return { op: layer.op, alpha, beta };
      default:
        return {};
    }
  }
  return null;
}

/** The layer's own random generator (dropout masks), or null if it draws nothing. */
export function layerRng(layer: Layer): Rng | null {
  const l = layer as WithRng;
  if (typeof l.getRng === 'function') return l.getRng() ?? null;
  return l.rng instanceof Rng ? l.rng : null;
}
