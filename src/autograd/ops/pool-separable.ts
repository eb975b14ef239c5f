/**
 * Linear maps along one spatial axis of NCHW tensors, given as a sparse matrix S [out, len]
 * in CSR form: y[.., i, ..] = Σ_k S[i, k]·x[.., k, ..] along the height (axis 2) or the width
 * (axis 3). Adaptive average pooling with windows of unequal size, nearest-neighbour and
 * bilinear resampling are each one such map per axis (the 2-D operation is separable), with
 * only the entries torch reads stored, so a non-finite input stays in the outputs that read
 * it. The backward is the same map with Sᵀ, and Sᵀ's backward is S, so gradients of any
 * order exist. No kernel has per-output tap lists and a gather kernel would need a
 * per-element index table built here, so the loops run in JS on both backends (sums in f64,
 * rounded once; results identical on both).
 */
import { record } from '../node.js';
import { shapeStr, type Tensor } from '../tensor.js';
import { backendOf, out } from './util.js';

/** A sparse [out, len] matrix: row i's entries are ptr[i] … ptr[i + 1] − 1 of col and val. */
export interface AxisMatrix {
  readonly out: number;
  readonly len: number;
  readonly ptr: Int32Array;
  readonly col: Int32Array;
  readonly val: Float64Array;
  /** Every row is one entry of value 1 (a selection: rows are copied). */
  readonly select: boolean;
  /** The identity (out = len, row i selects i): the map can be skipped. */
  readonly identity: boolean;
}

/** A map and its transpose (the backward's matrix). */
export interface AxisPair {
  readonly fwd: AxisMatrix;
  readonly adj: AxisMatrix;
}

/** Builds S [out, len] from each row's entries [column, value] (in the order given). */
export function axisMatrix(
  out: number,
  len: number,
  row: (i: number) => ReadonlyArray<readonly [number, number]>,
): AxisMatrix {
  const rows = Array.from({ length: out }, (_, i) => row(i));
  const ptr = new Int32Array(out + 1);
  rows.forEach((r, i) => {
    ptr[i + 1] = ptr[i] + r.length;
  });
  const col = new Int32Array(ptr[out]);
  const val = new Float64Array(ptr[out]);
  let k = 0;
  let select = true;
  let identity = out === len;
  rows.forEach((r, i) => {
    if (r.length !== 1 || r[0][1] !== 1) select = false;
    if (r.length !== 1 || r[0][0] !== i || r[0][1] !== 1) identity = false;
    for (const [c, v] of r) {
      col[k] = c;
      val[k++] = v;
    }
  });
  return Object.freeze({ out, len, ptr, col, val, select, identity });
}

/** Sᵀ [len, out] (entries of each row in increasing source row order). */
export function transposed(m: AxisMatrix): AxisMatrix {
  const rows: Array<Array<[number, number]>> = Array.from({ length: m.len }, () => []);
  for (let i = 0; i < m.out; i++)
    for (let k = m.ptr[i]; k < m.ptr[i + 1]; k++) rows[m.col[k]].push([i, m.val[k]]);
  return axisMatrix(m.len, m.out, (i) => rows[i]);
}

/** S with its transpose. */
export function axisPair(m: AxisMatrix): AxisPair {
  return Object.freeze({ fwd: m, adj: transposed(m) });
}

/** Writes (or, with `acc`, adds) S applied along `axis` of src [n, c, h, w] into dst. */
function apply(
  m: AxisMatrix,
  axis: 2 | 3,
  src: Float32Array,
  shape: readonly number[],
  dst: Float32Array,
  acc: boolean,
): void {
  const { out: o, len, ptr, col, val } = m;
  if (axis === 3) {
    const rows = shape[0] * shape[1] * shape[2];
    for (let r = 0; r < rows; r++) {
      const si = r * len;
      const di = r * o;
      for (let i = 0; i < o; i++) {
        let s = 0;
        for (let k = ptr[i]; k < ptr[i + 1]; k++) s += val[k] * src[si + col[k]];
        dst[di + i] = acc ? dst[di + i] + s : s;
      }
    }
    return;
  }
  const w = shape[3];
  const planes = shape[0] * shape[1];
  const row = m.select ? null : new Float64Array(w);
  for (let p = 0; p < planes; p++) {
    const sp = p * len * w;
    for (let i = 0; i < o; i++) {
      const di = (p * o + i) * w;
      if (!row) {
        const si = sp + col[ptr[i]] * w;
        if (!acc) dst.set(src.subarray(si, si + w), di);
        else for (let t = 0; t < w; t++) dst[di + t] += src[si + t];
        continue;
      }
      row.fill(0);
      for (let k = ptr[i]; k < ptr[i + 1]; k++) {
        const v = val[k];
        const si = sp + col[k] * w;
        for (let t = 0; t < w; t++) row[t] += v * src[si + t];
      }
      for (let t = 0; t < w; t++) dst[di + t] = acc ? dst[di + t] + row[t] : row[t];
    }
  }
}

/** y = S along `axis` (2: height, 3: width) of x [n, c, h, w]; `fn` names the caller. */
export function axisMap(fn: string, x: Tensor, axis: 2 | 3, m: AxisPair): Tensor {
  const S = m.fwd;
  if (x.ndim !== 4 || x.shape[axis] !== S.len)
    throw new RangeError(
      `${fn}: internal error: axis ${axis} of ${shapeStr(x.shape)} is not ${S.len} long`,
    );
  const shape = [...x.shape];
  shape[axis] = S.out;
  const be = backendOf(fn, x);
  const y = out(be, shape);
  apply(S, axis, x._d, x.shape, y._d, false);
  const back: AxisPair = { fwd: m.adj, adj: m.fwd };
  return record(
    {
      name: fn,
      inputs: [x],
      backward: (ctx) => {
        const dy = ctx.dy() as Tensor;
        if (ctx.createGraph) {
          ctx.give(0, axisMap(fn, dy, axis, back));
          return;
        }
        const t = ctx.target(0);
        apply(m.adj, axis, dy._d, dy.shape, t.data, t.accumulate);
      },
    },
    [y],
  );
}

/**
 * x mapped along the width by `w` then the height by `h`; an identity map is skipped unless
 * both are (the result is a new tensor either way).
 */
export function separable(fn: string, x: Tensor, h: AxisPair, w: AxisPair): Tensor {
  let y = x;
  if (!w.fwd.identity || h.fwd.identity) y = axisMap(fn, y, 3, w);
  if (!h.fwd.identity) y = axisMap(fn, y, 2, h);
  return y;
}
