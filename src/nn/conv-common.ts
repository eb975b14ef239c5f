/**
 * What the convolution layers (Conv1d, Conv2d, ConvTranspose2d) share: the channel counts and
 * options checks, torch's default initialisation bound, and `paddingMode` — padding by
 * reflection, replication or wrapping is the `pad` op (src/autograd/ops/pad.ts) before a
 * convolution without padding, as torch.nn.Conv2d does (`_reversed_padding_repeated_twice`:
 * 'same' puts the odd element at the end).
 */
import { pad } from '../autograd/ops/pad.js';
import type { Tensor } from '../autograd/tensor.js';
import {
  describe,
  knownKeys,
  oneOf,
  options as optionsCheck,
  unused,
} from '../backend/validate.js';
import { checkInit } from './init.js';
import { shapeStr } from './tensor.js';

/**
 * How a convolution pads its input (PyTorch's `padding_mode`): `'zeros'` (implicit zeros),
 * `'reflect'` (mirror without the edge), `'replicate'` (repeat the edge) or `'circular'` (wrap).
 */
export type PaddingMode = 'zeros' | 'reflect' | 'replicate' | 'circular';

const MODES: readonly PaddingMode[] = ['zeros', 'reflect', 'replicate', 'circular'];

/** Refuses a non-object options value and keys outside `keys` (with a "did you mean"). */
export function checkLayerOptions(layer: string, o: unknown, keys: readonly string[]): void {
  optionsCheck(layer, 'options', o);
  knownKeys(layer, 'option', o, keys);
}

/** A channel count: a positive integer. */
/** The init options checked, and biasInit refused when there is no bias (it would be ignored). */
export function checkInits(
  layer: string,
  o: { weightInit?: unknown; biasInit?: unknown; bias?: unknown },
): void {
  if (o.weightInit !== undefined) checkInit(layer, 'weightInit', o.weightInit);
  if (o.biasInit !== undefined) checkInit(layer, 'biasInit', o.biasInit);
  if (o.bias === false) unused(layer, o, 'biasInit', 'the layer has no bias (bias: false)');
}

export function channels(layer: string, name: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new TypeError(`${layer}: ${name} must be a positive integer, got ${describe(v)}`);
  if (!Number.isSafeInteger(v) || v <= 0)
    throw new RangeError(`${layer}: ${name} must be a positive integer, got ${v}`);
  return v;
}

/** `paddingMode` (default 'zeros'). */
export function paddingModeOf(layer: string, v: unknown): PaddingMode {
  if (v === undefined) return 'zeros';
  oneOf(layer, 'paddingMode', v, MODES);
  return v;
}

/**
 * torch's default bound for weight and bias, U(−b, b) with b = 1/√fan_in (kaiming_uniform with
 * a = √5, and its bias rule); fan_in = the weight's second axis times the kernel size.
 */
export function defaultBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}

/**
 * Per-side pads of one axis for a padding mode: [before, after] from a per-side count, 'same'
 * (dilation·(k − 1) in total, the odd one after) or 'valid'.
 */
export function sidePads(
  padding: number | 'same' | 'valid',
  k: number,
  dilation: number,
): [number, number] {
  if (padding === 'valid') return [0, 0];
  if (padding === 'same') {
    const total = dilation * (k - 1);
    return [Math.floor(total / 2), total - Math.floor(total / 2)];
  }
  return [padding, padding];
}

/**
 * Checks that the spatial axes of `input` (its last `pads.length` axes, shown in messages)
 * take the pads of `mode`: reflection needs pads below the axis length, wrapping at most it.
 */
export function checkModePads(
  fn: string,
  mode: PaddingMode,
  input: readonly number[],
  pads: ReadonlyArray<readonly [number, number]>,
  axisNames: readonly string[],
): void {
  const lens = input.slice(-pads.length);
  pads.forEach(([a, b], i) => {
    const n = lens[i];
    const p = Math.max(a, b);
    const ok = mode === 'reflect' ? p < n : mode === 'circular' ? p <= n : n > 0;
    if (!ok)
      throw new RangeError(
        `${fn}: paddingMode '${mode}' pads the ${axisNames[i]} by ${p}, which needs a ${axisNames[i]} ${mode === 'reflect' ? `above ${p}` : `of at least ${mode === 'circular' ? p : 1}`}, got ${n} (input ${shapeStr(input)})`,
      );
  });
}

/** x padded on its last axes by `pads` (first axis first) with `mode` (not 'zeros'). */
export function modePad(
  x: Tensor,
  pads: ReadonlyArray<readonly [number, number]>,
  mode: PaddingMode,
): Tensor {
  const flat = [...pads].reverse().flat();
  return pad(x, flat, { mode: mode as 'reflect' | 'replicate' | 'circular' });
}

/** `s` with entries equal shown once (3, or 3×5). */
export const pairStr = (p: readonly number[]) =>
  p.every((d) => d === p[0]) ? `${p[0]}` : p.join('×');
