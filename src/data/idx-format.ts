/**
 * The IDX format itself, with no I/O: the header, the dtypes, decoding the big-endian data
 * (see idx.ts for the format and the checks). Shared by the Node reader (idx.ts, which adds
 * files and gzip) and the browser entry (which gunzips with DecompressionStream).
 */
import { describe, optionsOf } from '../backend/validate.js';

/** Element types an IDX file can hold (its dtype code 0x08–0x0E). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
/** The typed array of an IDX array's elements, one per {@link IdxDtype}. */
export type IdxData =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Float32Array
  | Float64Array;

/** An array as IDX stores it: a shape and its elements, row-major. */
export interface IdxArray<D extends IdxData = IdxData> {
  /** The dimensions (at most 255), outermost first. */
  shape: number[];
  /** The elements, row-major, native-endian. */
  data: D;
}

/** An IDX file as read: its array and the dtype declared in the file. */
export interface IdxReadResult extends IdxArray {
  /** The element type declared in the file. */
  dtype: IdxDtype;
}

/** Options of {@link readIdx} and {@link parseIdx}. */
export interface IdxReadOptions {
  /** Largest data section accepted, in bytes (default 1 GiB). */
  maxBytes?: number;
}

/** Default limit on the declared data size: 1 GiB. */
export const IDX_MAX_BYTES = 1024 * 1024 * 1024;

/** One dtype: its code, name, size and big-endian accessors. */
export interface DtypeInfo {
  code: number;
  name: IdxDtype;
  size: number;
  ctor: { new (n: number): IdxData; BYTES_PER_ELEMENT: number };
  get(v: DataView, at: number): number;
  set(v: DataView, at: number, x: number): void;
}

/** The dtypes in code order (uint8 first). */
export const DTYPES: DtypeInfo[] = [
  {
    code: 0x08,
    name: 'uint8',
    size: 1,
    ctor: Uint8Array,
    get: (v, at) => v.getUint8(at),
    set: (v, at, x) => v.setUint8(at, x),
  },
  {
    code: 0x09,
    name: 'int8',
    size: 1,
    ctor: Int8Array,
    get: (v, at) => v.getInt8(at),
    set: (v, at, x) => v.setInt8(at, x),
  },
  {
    code: 0x0b,
    name: 'int16',
    size: 2,
    ctor: Int16Array,
    get: (v, at) => v.getInt16(at),
    set: (v, at, x) => v.setInt16(at, x),
  },
  {
    code: 0x0c,
    name: 'int32',
    size: 4,
    ctor: Int32Array,
    get: (v, at) => v.getInt32(at),
    set: (v, at, x) => v.setInt32(at, x),
  },
  {
    code: 0x0d,
    name: 'float32',
    size: 4,
    ctor: Float32Array,
    get: (v, at) => v.getFloat32(at),
    set: (v, at, x) => v.setFloat32(at, x),
  },
  {
    code: 0x0e,
    name: 'float64',
    size: 8,
    ctor: Float64Array,
    get: (v, at) => v.getFloat64(at),
    set: (v, at, x) => v.setFloat64(at, x),
  },
];

const GZIP_MAGIC0 = 0x1f;
const GZIP_MAGIC1 = 0x8b;
/** Longest possible header: magic + 255 dimensions. */
export const MAX_HEADER = 4 + 4 * 255;

/** Whether the bytes start with the gzip magic 1f 8b. */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC0 && b[1] === GZIP_MAGIC1;
}

/** A byte count for messages (bytes, MiB, GiB). */
export function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${n} bytes`;
}

/** Refuses a `maxBytes` that is not a non-negative integer. */
export function checkMaxBytes(fn: string, maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError(`${fn}: maxBytes must be a non-negative integer, got ${maxBytes}`);
}

/** A parsed header. */
export interface Header {
  dtype: DtypeInfo;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

/**
 * Parses the header in `head` (the first bytes of the decompressed file) and checks the
 * declared data size against `maxBytes`. `what` names the file in errors.
 */
export function parseHeader(head: Uint8Array, what: string, maxBytes: number): Header {
  if (head.length < 4) {
    throw new Error(
      `IDX ${what}: file is ${head.length} bytes, too short for the 4-byte magic number`,
    );
  }
  if (head[0] !== 0 || head[1] !== 0) {
    const hex = Array.from(head.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(
      `IDX ${what}: bad magic number ${hex} (an IDX file starts with two zero bytes, a dtype code and the number of dimensions)`,
    );
  }
  const dtype = DTYPES.find((d) => d.code === head[2]);
  if (!dtype) {
    throw new Error(
      `IDX ${what}: unknown dtype code 0x${head[2].toString(16).padStart(2, '0')} (known: 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`,
    );
  }
  const ndim = head[3];
  const headerBytes = 4 + 4 * ndim;
  if (head.length < headerBytes) {
    throw new Error(
      `IDX ${what}: truncated header: ${ndim} dimensions need ${headerBytes} header bytes, the file has ${head.length}`,
    );
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const shape: number[] = [];
  let elems = 1;
  for (let i = 0; i < ndim; i++) {
    const d = view.getUint32(4 + 4 * i);
    shape.push(d);
    elems *= d; // float: may exceed 2^53 for absurd headers, still compares correctly below
  }
  const dataBytes = elems * dtype.size;
  if (dataBytes > maxBytes) {
    throw new Error(
      `IDX ${what}: declared shape [${shape.join(', ')}] of ${dtype.name} needs ${fmtBytes(dataBytes)}, more than the limit of ${fmtBytes(maxBytes)} (refused before allocating)`,
    );
  }
  return { dtype, shape, headerBytes, dataBytes };
}

/** Refuses a data section longer or shorter than the header declares. */
export function checkLength(h: Header, available: number, what: string): void {
  if (available < h.dataBytes) {
    throw new Error(
      `IDX ${what}: truncated: shape [${h.shape.join(', ')}] of ${h.dtype.name} needs ${h.dataBytes} data bytes after the ${h.headerBytes}-byte header, the file has ${available}`,
    );
  }
  if (available > h.dataBytes) {
    throw new Error(
      `IDX ${what}: size mismatch: shape [${h.shape.join(', ')}] of ${h.dtype.name} needs ${h.dataBytes} data bytes after the ${h.headerBytes}-byte header, the file has ${available} (${available - h.dataBytes} extra)`,
    );
  }
}

/** Decodes the big-endian data section into a new native-endian typed array. */
export function decodeData(h: Header, bytes: Uint8Array): IdxData {
  const n = h.dataBytes / h.dtype.size;
  const out = new h.dtype.ctor(n);
  if (h.dtype.size === 1) {
    new Uint8Array(out.buffer).set(bytes.subarray(0, n));
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, h.dataBytes);
  const size = h.dtype.size;
  const get = h.dtype.get;
  for (let i = 0; i < n; i++) out[i] = get(view, i * size);
  return out;
}

/** Checks the arguments of a parse (`fn` names the function in errors); returns maxBytes. */
export function parseArgs(fn: string, bytes: unknown, options: IdxReadOptions): number {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`${fn}: bytes must be a Uint8Array (or Buffer), got ${describe(bytes)}`);
  optionsOf(fn, options, ['maxBytes']);
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES;
  checkMaxBytes(fn, maxBytes);
  return maxBytes;
}

/** Parses decompressed IDX bytes. `name` is used in error messages. */
export function parsePlain(raw: Uint8Array, name: string, maxBytes: number): IdxReadResult {
  const h = parseHeader(raw, name, maxBytes);
  checkLength(h, raw.length - h.headerBytes, name);
  const data = decodeData(h, raw.subarray(h.headerBytes));
  return { shape: h.shape, data, dtype: h.dtype.name };
}
