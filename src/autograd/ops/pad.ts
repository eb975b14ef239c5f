/**
 * Padding (torch.nn.functional.pad) and tiling (Tensor.repeat, torch.tile).
 *
 * `pad` takes torch's flat list: (before, after) for the last axis, then for the one before
 * it, and so on. 'constant' copies x into a filled output, and its backward crops the
 * gradient (a node whose own backward is the constant pad with 0, so every order works).
 * 'reflect', 'replicate' and 'circular' are index maps, one indexSelect per padded axis, so
 * their gradients are indexSelect's scatter-add (elements read twice get both gradients).
 * `repeat`/`tile` are a reshape, an expand and a reshape: their gradient is expand's sum.
 */
import { describe, optionsOf } from '../../backend/validate.js';
import { record } from '../node.js';
import { internally } from '../scope.js';
import { numel, shapeStr, type Tensor, type TensorLike, wrap } from '../tensor.js';
import { expand } from './elementwise.js';
import { indexSelect } from './gather.js';
import { reshape } from './shape.js';
import { asTensor, backendOf, out } from './util.js';

/** How {@link pad} fills: a constant, the mirror without the edge (`reflect`), the edge repeated (`replicate`) or wrapped (`circular`); torch's modes. */
export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Options of {@link pad} and `Tensor.pad`. */
export interface PadOptions {
  /** 'constant' (default), 'reflect' (mirror without the edge), 'replicate' (edge), 'circular' (wrap). PyTorch: `mode`. */
  mode?: PadMode;
  /** Fill value of 'constant' mode (default 0). PyTorch: `value`. */
  value?: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Copies the box `size` at `soff` of src (shape sshape) to `doff` of dst (shape dshape). */
function copyBox(
  dst: Float32Array,
  dshape: readonly number[],
  doff: readonly number[],
  src: Float32Array,
  sshape: readonly number[],
  soff: readonly number[],
  size: readonly number[],
): void {
  const nd = size.length;
  if (numel(size) === 0) return;
  if (nd === 0) {
    dst[0] = src[0];
    return;
  }
  const ds = new Array<number>(nd);
  const ss = new Array<number>(nd);
  let a = 1;
  let b = 1;
  for (let i = nd - 1; i >= 0; i--) {
    ds[i] = a;
    ss[i] = b;
    a *= dshape[i];
    b *= sshape[i];
  }
  let di = 0;
  let si = 0;
  for (let i = 0; i < nd; i++) {
    di += doff[i] * ds[i];
    si += soff[i] * ss[i];
  }
  const row = size[nd - 1];
  const coord = new Array<number>(nd - 1).fill(0);
  for (;;) {
    dst.set(src.subarray(si, si + row), di);
    let d = nd - 2;
    for (; d >= 0; d--) {
      coord[d]++;
      di += ds[d];
      si += ss[d];
      if (coord[d] < size[d]) break;
      di -= ds[d] * size[d];
      si -= ss[d] * size[d];
      coord[d] = 0;
    }
    if (d < 0) return;
  }
}

/** Pads per axis (before, after), from torch's flat last-axis-first list. */
function padsOf(fn: string, pads: unknown, ndim: number): Array<[number, number]> {
  if (!Array.isArray(pads) || pads.length % 2 !== 0 || pads.length > 2 * ndim)
    throw new RangeError(
      `${fn}: pads must be an array of (before, after) pairs, last axis first, for at most ${ndim} axes (at most ${2 * ndim} numbers), got ${Array.isArray(pads) ? `[${pads.join(', ')}]` : describe(pads)}`,
    );
  const per: Array<[number, number]> = Array.from({ length: ndim }, () => [0, 0]);
  pads.forEach((p, i) => {
    if (!Number.isSafeInteger(p) || p < 0)
      throw new RangeError(
        `${fn}: pads[${i}] must be a non-negative integer, got ${describe(p)} (slice to crop)`,
      );
    per[ndim - 1 - (i >> 1)][i & 1] = p;
  });
  return per;
}

/** x padded on each axis (torch.nn.functional.pad's pads and modes). */
export function pad(x: TensorLike, pads: readonly number[], opts?: PadOptions): Tensor {
  const fn = 'pad';
  const t = asTensor(fn, 'x', x, 'float32');
  optionsOf(fn, opts, ['mode', 'value']);
  const mode = opts?.mode ?? 'constant';
  if (!MODES.includes(mode))
    throw new TypeError(`${fn}: mode must be one of ${MODES.join(', ')}, got ${describe(mode)}`);
  const value = opts?.value ?? 0;
  if (typeof value !== 'number')
    throw new TypeError(`${fn}: value must be a number, got ${describe(value)}`);
  if (mode !== 'constant' && opts?.value !== undefined)
    throw new TypeError(`${fn}: value applies to mode 'constant' only, not '${mode}'`);
  const per = padsOf(fn, pads, t.ndim);
  if (mode === 'constant') return constantPad(t, per, value);
  per.forEach(([lo, hi], a) => {
    const n = t.shape[a];
    if (lo + hi === 0) return;
    const limit = mode === 'reflect' ? n - 1 : mode === 'circular' ? n : Infinity;
    if (n === 0 || lo > limit || hi > limit)
      throw new RangeError(
        `${fn}: ${mode} padding (${lo}, ${hi}) of axis ${a} of ${shapeStr(t.shape)} must be ${mode === 'replicate' ? 'of a non-empty axis' : `at most ${limit} (the axis has ${n})`}`,
      );
  });
  return internally(() => {
    let y = t;
    per.forEach(([lo, hi], a) => {
      if (lo + hi === 0) return;
      y = indexSelect(y, a, padIndex(mode, t.shape[a], lo, hi));
    });
    return y;
  });
}

/** Where output position i of a padded axis reads from (input size n, pads lo and hi). */
function padIndex(mode: PadMode, n: number, lo: number, hi: number): Tensor<'int32'> {
  const idx = new Int32Array(n + lo + hi);
  for (let i = 0; i < idx.length; i++) {
    const j = i - lo;
    idx[i] =
      mode === 'reflect'
        ? j < 0
          ? -j
          : j >= n
            ? 2 * (n - 1) - j
            : j
        : mode === 'replicate'
          ? Math.min(n - 1, Math.max(0, j))
          : ((j % n) + n) % n;
  }
  return wrap(idx, [idx.length], 'int32');
}

function constantPad(t: Tensor, per: ReadonlyArray<[number, number]>, value: number): Tensor {
  const shape = t.shape.map((d, i) => d + per[i][0] + per[i][1]);
  const before = per.map((p) => p[0]);
  const y = out(backendOf('pad', t), shape);
  if (y.size !== t.size) y._d.fill(value);
  copyBox(
    y._d,
    shape,
    before,
    t._d,
    t.shape,
    before.map(() => 0),
    t.shape,
  );
  return record(
    {
      name: 'pad',
      inputs: [t],
      backward: (ctx) => ctx.give(0, crop(ctx.dy() as Tensor, per, t.shape)),
    },
    [y],
  );
}

/** The box of `shape` at the `before` pads of x (the backward of the constant pad). */
function crop(x: Tensor, per: ReadonlyArray<[number, number]>, shape: readonly number[]): Tensor {
  const y = out(backendOf('pad', x), shape);
  const before = per.map((p) => p[0]);
  copyBox(
    y._d,
    shape,
    before.map(() => 0),
    x._d,
    x.shape,
    before,
    shape,
  );
  return record(
    {
      name: 'padBackward',
      inputs: [x],
      backward: (ctx) => ctx.give(0, constantPad(ctx.dy() as Tensor, per, 0)),
    },
    [y],
  );
}

function repsOf(fn: string, reps: unknown): number[] {
  if (!Array.isArray(reps) || reps.some((r) => !Number.isSafeInteger(r) || r < 0))
    throw new TypeError(
      `${fn}: reps must be an array of non-negative integers, got ${Array.isArray(reps) ? `[${reps.join(', ')}]` : describe(reps)}`,
    );
  return reps;
}

/** x tiled `reps[i]` times along axis i (reps as long as x has axes, or longer: new leading axes). */
function tiled(t: Tensor, reps: readonly number[]): Tensor {
  const shape = [...Array(reps.length - t.ndim).fill(1), ...t.shape];
  const inter = shape.flatMap((d) => [1, d]);
  const big = shape.flatMap((d, i) => [reps[i], d]);
  const final = shape.map((d, i) => d * reps[i]);
  return internally(() => reshape(expand(reshape(t, inter), big), final));
}

/** x repeated `reps[i]` times along each axis (Tensor.repeat: at least x's number of axes). */
export function repeat(x: TensorLike, reps: readonly number[]): Tensor {
  const fn = 'repeat';
  const t = asTensor(fn, 'x', x, 'float32');
  const r = repsOf(fn, reps);
  if (r.length < t.ndim)
    throw new RangeError(
      `${fn}: reps [${r.join(', ')}] has fewer entries than x ${shapeStr(t.shape)} has axes (tile pads them with 1s)`,
    );
  return tiled(t, r);
}

/** torch.tile: as repeat, with reps shorter than x's axes padded with leading 1s. */
export function tile(x: TensorLike, reps: readonly number[]): Tensor {
  const fn = 'tile';
  const t = asTensor(fn, 'x', x, 'float32');
  const r = repsOf(fn, reps);
  return tiled(t, [...Array(Math.max(0, t.ndim - r.length)).fill(1), ...r]);
}
