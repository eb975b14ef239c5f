/**
 * Window geometry of the 2-D convolution and pooling ops (NCHW): `number | [h, w]` arguments,
 * PyTorch's output-size arithmetic (conv: floor((h + pads − dilation·(k − 1) − 1)/stride) + 1;
 * pooling: torch's `pooling_output_shape`, ceil mode included) and the resolved `Window2d` the
 * kernels take. The nn layers parse their constructor arguments with the same functions, so a
 * layer and its op refuse the same things with the same words.
 */
import type { Window2d } from '../../backend/kernels.js';
import { describe, knownKeys } from '../../backend/validate.js';
import { shapeStr } from '../tensor.js';

/** A size given once for both axes or as [height, width]. */
export type Pair = number | readonly [number, number];

/** Conv padding: zeros per side (one number or [height, width]), or 'same' (output size = input size, stride 1) or 'valid' (0). */
export type ConvPadding = Pair | 'same' | 'valid';

/** Parses a `Pair` argument whose entries must be integers ≥ `min`. */
export function pair(fn: string, arg: string, v: unknown, min: 0 | 1): [number, number] {
  const ok = (d: unknown) => typeof d === 'number' && Number.isSafeInteger(d) && d >= min;
  if (ok(v)) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[1]];
  const numeric =
    typeof v === 'number' ||
    (Array.isArray(v) && v.length === 2 && v.every((d) => typeof d === 'number'));
  const what = min === 0 ? 'a non-negative integer' : 'a positive integer';
  const shown = Array.isArray(v) && numeric ? `[${v.join(', ')}]` : describe(v);
  throw new (numeric ? RangeError : TypeError)(
    `${fn}: ${arg} must be ${what} or a pair [height, width] of them, got ${shown}`,
  );
}

/** A boolean option (default when undefined). */
export function flag(fn: string, arg: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    throw new TypeError(`${fn}: ${arg} must be a boolean, got ${describe(v)}`);
  return v;
}

/**
 * Refuses an options value that is not an object or has keys outside `valid` (naming the
 * nearest valid key).
 */
export function checkOptions(fn: string, o: unknown, valid: readonly string[]): void {
  if (o === undefined) return;
  if (o === null || typeof o !== 'object' || Array.isArray(o) || ArrayBuffer.isView(o))
    throw new TypeError(`${fn}: options must be an object, got ${describe(o)}`);
  knownKeys(fn, 'option', o, valid);
}

/** A positive integer argument (TypeError for a non-number, RangeError otherwise). */
export function positive(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number')
    throw new TypeError(`${fn}: ${arg} must be a positive integer, got ${describe(v)}`);
  if (!Number.isSafeInteger(v) || v < 1)
    throw new RangeError(`${fn}: ${arg} must be a positive integer, got ${v}`);
  return v;
}

/**
 * `groups` (default 1) checked to divide the channel counts, as torch requires (the output
 * channels are left out where the weight's shape makes them a multiple).
 */
export function groupsOf(fn: string, v: unknown, inC: number, outC?: number): number {
  if (v === undefined) return 1;
  const g = positive(fn, 'groups', v);
  if (inC % g !== 0 || (outC !== undefined && outC % g !== 0))
    throw new RangeError(
      outC === undefined
        ? `${fn}: groups ${g} must divide the input channels (${inC})`
        : `${fn}: groups ${g} must divide both the input channels (${inC}) and the output channels (${outC})`,
    );
  return g;
}

/** Conv padding parsed: a pair, or 'same' (which needs stride 1, as in torch) or 'valid'. */
export function convPadding(
  fn: string,
  p: unknown,
  stride: readonly [number, number],
): readonly [number, number] | 'same' | 'valid' {
  if (typeof p !== 'string') return pair(fn, 'padding', p, 0);
  if (p !== 'same' && p !== 'valid')
    throw new RangeError(
      `${fn}: padding must be a non-negative integer, a pair of them, 'same' or 'valid', got ${describe(p)}`,
    );
  if (p === 'same' && (stride[0] !== 1 || stride[1] !== 1))
    throw new RangeError(
      `${fn}: padding 'same' needs stride 1 (as in torch), got stride ${stride.join('×')}`,
    );
  return p;
}

/** Per-image convolution geometry (n = 1) and whether the columns are the image itself. */
export interface ConvGeometry {
  readonly g: Readonly<Window2d>;
  /** 1×1 kernel, stride 1, no padding: im2col would copy the image unchanged. */
  readonly direct: boolean;
}

/**
 * The geometry of a convolution of an image [c, h, w] (the last three axes of `input`, which
 * is also what error messages show). 'same' pads dilation·(k − 1) in total per axis, the odd
 * element at the bottom/right as torch does.
 */
export function convGeometry(
  fn: string,
  input: readonly number[],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number] | 'same' | 'valid',
  dilation: readonly [number, number],
): ConvGeometry {
  const [c, h, w] = input.slice(-3);
  const [kh, kw] = kernel;
  const [dh, dw] = dilation;
  const [sh, sw] = stride;
  // Top/left padding and the total per axis.
  let pads: [number, number, number, number];
  if (padding === 'same') {
    const th = dh * (kh - 1);
    const tw = dw * (kw - 1);
    pads = [Math.floor(th / 2), Math.floor(tw / 2), th, tw];
  } else if (padding === 'valid') {
    pads = [0, 0, 0, 0];
  } else {
    const [ph, pw] = padding;
    pads = [ph, pw, 2 * ph, 2 * pw];
  }
  const effH = dh * (kh - 1) + 1;
  const effW = dw * (kw - 1) + 1;
  if (h + pads[2] < effH || w + pads[3] < effW)
    throw new RangeError(
      `${fn}: input ${shapeStr(input)} is too small for the kernel: padded size ${h + pads[2]}×${w + pads[3]} < kernel extent ${effH}×${effW} (kernel ${kh}×${kw}, dilation ${dh}×${dw})`,
    );
  const g: Window2d = {
    n: 1,
    c,
    h,
    w,
    kh,
    kw,
    strideH: sh,
    strideW: sw,
    padH: pads[0],
    padW: pads[1],
    dilationH: dh,
    dilationW: dw,
    outH: Math.floor((h + pads[2] - effH) / sh) + 1,
    outW: Math.floor((w + pads[3] - effW) / sw) + 1,
  };
  const direct = kh === 1 && kw === 1 && sh === 1 && sw === 1 && pads[2] === 0 && pads[3] === 0;
  return { g: Object.freeze(g), direct };
}

/** torch's rule for a transposed convolution: output padding below the stride or the dilation. */
export function checkOutputPadding(
  fn: string,
  outputPadding: readonly [number, number],
  stride: readonly [number, number],
  dilation: readonly [number, number],
): void {
  for (let a = 0; a < 2; a++)
    if (outputPadding[a] >= stride[a] && outputPadding[a] >= dilation[a])
      throw new RangeError(
        `${fn}: outputPadding must be smaller than the stride or the dilation on each axis, got outputPadding ${outputPadding.join('×')} with stride ${stride.join('×')} and dilation ${dilation.join('×')}`,
      );
}

/**
 * The geometry of a transposed convolution of an image [c, h, w] (the last three axes of
 * `input`, shown in messages) into `outC` channels. Its output size is torch's,
 * (h − 1)·stride − 2·padding + dilation·(k − 1) + outputPadding + 1 per axis; `g` is the
 * window of the convolution whose input gradient it is, over the output image [outC, Ho, Wo]
 * with one window per input position (outH×outW = h×w), so col2im scatters columns onto the
 * output and im2col gathers them back. `direct`: the columns are the output itself.
 */
export function convTransposeGeometry(
  fn: string,
  input: readonly number[],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  outputPadding: readonly [number, number],
  dilation: readonly [number, number],
  outC: number,
): ConvGeometry {
  const [h, w] = input.slice(-2);
  const size = (a: 0 | 1, len: number) =>
    (len - 1) * stride[a] - 2 * padding[a] + dilation[a] * (kernel[a] - 1) + outputPadding[a] + 1;
  const oh = size(0, h);
  const ow = size(1, w);
  if (h < 1 || w < 1 || oh < 1 || ow < 1)
    throw new RangeError(
      `${fn}: input ${shapeStr(input)} is too small: the output would be ${oh}×${ow} (kernel ${kernel.join('×')}, stride ${stride.join('×')}, padding ${padding.join('×')}, dilation ${dilation.join('×')}, outputPadding ${outputPadding.join('×')})`,
    );
  const g: Window2d = {
    n: 1,
    c: outC,
    h: oh,
    w: ow,
    kh: kernel[0],
    kw: kernel[1],
    strideH: stride[0],
    strideW: stride[1],
    padH: padding[0],
    padW: padding[1],
    dilationH: dilation[0],
    dilationW: dilation[1],
    outH: h,
    outW: w,
  };
  const direct =
    kernel[0] === 1 &&
    kernel[1] === 1 &&
    stride[0] === 1 &&
    stride[1] === 1 &&
    padding[0] === 0 &&
    padding[1] === 0 &&
    oh === h &&
    ow === w;
  return { g: Object.freeze(g), direct };
}

/** PyTorch's `pooling_output_shape` (floor or ceil mode; the last window starts inside). */
export function poolOut(
  len: number,
  k: number,
  s: number,
  p: number,
  d: number,
  ceil: boolean,
): number {
  const num = len + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0);
  let o = Math.floor(num / s) + 1;
  if (ceil && (o - 1) * s >= len + p) o--;
  return o;
}

/** torch pooling's constraint: padding at most half the kernel, per axis. */
export function checkPoolPadding(
  fn: string,
  k: readonly number[],
  p: readonly number[],
  d: readonly number[] = [1, 1],
): void {
  for (let a = 0; a < 2; a++) {
    const eff = (k[a] - 1) * d[a] + 1;
    if (p[a] > Math.floor(k[a] / 2) || p[a] > Math.floor(eff / 2)) {
      throw new RangeError(
        `${fn}: padding must be at most half the kernel size, got padding ${p.join('×')} for kernel ${k.join('×')}`,
      );
    }
  }
}

/**
 * The geometry of a pooling window over planes [.., h, w] (the last two axes of `input`, shown
 * in messages); `n` and `c` are left 0 for the op to fill per call. `dilation` null: average
 * pooling, which has none (and does not mention it).
 */
export function poolGeometry(
  fn: string,
  input: readonly number[],
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  dilation: readonly [number, number] | null,
  ceil: boolean,
): Readonly<Window2d> {
  const [h, w] = input.slice(-2);
  const [kh, kw] = kernel;
  const [sh, sw] = stride;
  const [ph, pw] = padding;
  const [dh, dw] = dilation ?? [1, 1];
  const outH = poolOut(h, kh, sh, ph, dh, ceil);
  const outW = poolOut(w, kw, sw, pw, dw, ceil);
  if (outH < 1 || outW < 1)
    throw new RangeError(
      `${fn}: input ${shapeStr(input)} is too small: output would be ${outH}×${outW} (kernel ${kh}×${kw}, stride ${sh}×${sw}, padding ${ph}×${pw}${dilation ? `, dilation ${dh}×${dw}` : ''})`,
    );
  return Object.freeze({
    n: 0,
    c: 0,
    h,
    w,
    kh,
    kw,
    strideH: sh,
    strideW: sw,
    padH: ph,
    padW: pw,
    dilationH: dh,
    dilationW: dw,
    outH,
    outW,
  });
}

/** Checks that `x` is [n, c, h, w] (4-D), naming `fn` and the argument. */
export function nchw(fn: string, name: string, shape: readonly number[]): void {
  if (shape.length !== 4)
    throw new RangeError(
      `${fn}: ${name} must be 4-D [batch, channels, height, width], got ${shapeStr(shape)}`,
    );
}
