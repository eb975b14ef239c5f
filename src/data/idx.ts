/**
 * IDX files, the format of MNIST and Fashion-MNIST: a 4-byte magic (two zero bytes, a dtype
 * code, the number of dimensions), one big-endian uint32 per dimension, then the elements
 * big-endian in row-major order. Files may be gzipped (detected by the gzip magic 1f 8b).
 *
 * Reading refuses, with an Error naming the file: a bad magic, an unknown dtype code, a
 * declared size above the limit (1 GiB by default, checked before anything of that size is
 * allocated), and a data section whose length does not match the declared shape.
 */

import {
  closeSync,
  fstatSync,
  fsyncSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { bool, describe, optionsOf } from '../backend/validate.js';

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

/** Options of {@link writeIdx}. */
export interface IdxWriteOptions {
  /** Gzip the file (default: true when the path ends in `.gz`). */
  gzip?: boolean;
}

/** Default limit on the declared data size: 1 GiB. */
export const IDX_MAX_BYTES = 1024 * 1024 * 1024;

interface DtypeInfo {
  code: number;
  name: IdxDtype;
  size: number;
  ctor: { new (n: number): IdxData; BYTES_PER_ELEMENT: number };
  get(v: DataView, at: number): number;
  set(v: DataView, at: number, x: number): void;
}

const DTYPES: DtypeInfo[] = [
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
const MAX_HEADER = 4 + 4 * 255;

function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === GZIP_MAGIC0 && b[1] === GZIP_MAGIC1;
}

function fmtBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${n} bytes`;
}

function checkMaxBytes(fn: string, maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw new RangeError(`${fn}: maxBytes must be a non-negative integer, got ${maxBytes}`);
}

interface Header {
  dtype: DtypeInfo;
  shape: number[];
  headerBytes: number;
  dataBytes: number;
}

/**
 * Parses the header in `head` (the first bytes of the decompressed file) and checks the
 * declared data size against `maxBytes`. `what` names the file in errors.
 */
function parseHeader(head: Uint8Array, what: string, maxBytes: number): Header {
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

function checkLength(h: Header, available: number, what: string): void {
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
function decodeData(h: Header, bytes: Uint8Array): IdxData {
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

function gunzipBounded(buf: Uint8Array, what: string, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(buf, { maxOutputLength: maxBytes + MAX_HEADER });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new Error(
        `IDX ${what}: decompresses to more than the limit of ${fmtBytes(maxBytes)} of data (refused)`,
      );
    }
    throw new Error(`IDX ${what}: gzip data is corrupt: ${err.message}`);
  }
}

/**
 * Parses an IDX file held in memory (gzipped or not). `name` is used in error messages.
 */
export function parseIdx(
  bytes: Uint8Array,
  name = '<buffer>',
  options: IdxReadOptions = {},
): IdxReadResult {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`parseIdx: bytes must be a Uint8Array (or Buffer), got ${describe(bytes)}`);
  optionsOf('parseIdx', options, ['maxBytes']);
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES;
  checkMaxBytes('parseIdx', maxBytes);
  const raw = isGzip(bytes) ? gunzipBounded(bytes, name, maxBytes) : bytes;
  const h = parseHeader(raw, name, maxBytes);
  checkLength(h, raw.length - h.headerBytes, name);
  const data = decodeData(h, raw.subarray(h.headerBytes));
  return { shape: h.shape, data, dtype: h.dtype.name };
}

/**
 * Reads an IDX file (gzipped or not). A plain file's header is read and checked first, so a
 * file that declares more than `maxBytes` is refused without reading or allocating its data.
 */
export function readIdx(path: string, options: IdxReadOptions = {}): IdxReadResult {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`readIdx: path must be a non-empty string, got ${describe(path)}`);
  optionsOf('readIdx', options, ['maxBytes']);
  const maxBytes = options.maxBytes ?? IDX_MAX_BYTES;
  checkMaxBytes('readIdx', maxBytes);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new Error(`IDX ${path}: cannot open: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`IDX ${path}: not a regular file`);
    const size = st.size;
    const head = new Uint8Array(Math.min(size, MAX_HEADER));
    readFully(fd, head, 0);
    if (isGzip(head)) {
      if (size > maxBytes * 1.01 + 65536) {
        // Deflate never expands data by more than a fraction of a percent; refuse unread.
        throw new Error(
          `IDX ${path}: gzip file of ${fmtBytes(size)} is larger than the limit of ${fmtBytes(maxBytes)} (refused)`,
        );
      }
      const all = new Uint8Array(size);
      readFully(fd, all, 0);
      return parseIdx(all, path, { maxBytes });
    }
    const h = parseHeader(head, path, maxBytes);
    checkLength(h, size - h.headerBytes, path);
    const bytes = new Uint8Array(h.dataBytes);
    readFully(fd, bytes, h.headerBytes);
    return { shape: h.shape, data: decodeData(h, bytes), dtype: h.dtype.name };
  } finally {
    closeSync(fd);
  }
}

function readFully(fd: number, buf: Uint8Array, position: number): void {
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, position + off);
    if (n === 0) throw new Error('unexpected end of file');
    off += n;
  }
}

function dtypeOf(data: unknown): DtypeInfo | undefined {
  if (data instanceof Uint8Array) return DTYPES[0];
  if (data instanceof Int8Array) return DTYPES[1];
  if (data instanceof Int16Array) return DTYPES[2];
  if (data instanceof Int32Array) return DTYPES[3];
  if (data instanceof Float32Array) return DTYPES[4];
  if (data instanceof Float64Array) return DTYPES[5];
  return undefined;
}

/** Encodes an array as IDX bytes (big-endian), gzipped when `gzip` is true. */
export function encodeIdx(array: IdxArray, options: { gzip?: boolean } = {}): Uint8Array {
  const fn = 'encodeIdx';
  optionsOf(fn, options, ['gzip']);
  if (options.gzip !== undefined) bool(fn, 'gzip', options.gzip);
  const { shape, data } = array ?? ({} as IdxArray);
  const dtype = dtypeOf(data);
  if (!dtype) {
    throw new TypeError(
      `${fn}: data must be a Uint8Array, Int8Array, Int16Array, Int32Array, Float32Array or Float64Array, got ${data === null ? 'null' : typeof data === 'object' ? ((data as object).constructor?.name ?? 'object') : typeof data}`,
    );
  }
  if (!Array.isArray(shape) || shape.length > 255) {
    throw new TypeError(`${fn}: shape must be an array of at most 255 dimensions`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff)
      throw new RangeError(`${fn}: every dimension must be an integer in [0, 2^32), got ${d}`);
    n *= d;
  }
  if (n !== data.length) {
    throw new RangeError(
      `${fn}: shape [${shape.join(', ')}] has ${n} elements, data has ${data.length}`,
    );
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + n * dtype.size);
  const view = new DataView(out.buffer);
  out[2] = dtype.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  if (dtype.size === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, n), headerBytes);
  } else {
    const set = dtype.set;
    for (let i = 0; i < n; i++) set(view, headerBytes + i * dtype.size, data[i]);
  }
  if (!options.gzip) return out;
  // Level 9 and Node's fixed gzip header (mtime 0) make the output a function of the input.
  const gz = gzipSync(out, { level: 9 });
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

/**
 * Writes an IDX file atomically: the bytes go to a temporary file in the same folder, which
 * is fsynced and then renamed over `path` (a reader never sees a partial file).
 */
export function writeIdx(path: string, array: IdxArray, options: IdxWriteOptions = {}): void {
  if (typeof path !== 'string' || path === '')
    throw new TypeError(`writeIdx: path must be a non-empty string, got ${describe(path)}`);
  optionsOf('writeIdx', options, ['gzip']);
  if (options.gzip !== undefined) bool('writeIdx', 'gzip', options.gzip);
  const gzip = options.gzip ?? path.endsWith('.gz');
  const bytes = encodeIdx(array, { gzip });
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  let fd: number | null = null;
  try {
    fd = openSync(tmp, 'wx');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== null) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new Error(`IDX ${path}: write failed: ${(e as Error).message}`);
  }
  try {
    // Persist the rename itself (not possible on every platform; best effort).
    const dfd = openSync(dirname(path), 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    /* directories cannot be opened for fsync on Windows */
  }
}
