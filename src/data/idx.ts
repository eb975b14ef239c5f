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
import {
  checkLength,
  checkMaxBytes,
  DTYPES,
  type DtypeInfo,
  decodeData,
  fmtBytes,
  IDX_MAX_BYTES,
  type IdxArray,
  type IdxReadOptions,
  type IdxReadResult,
  isGzip,
  MAX_HEADER,
  parseArgs,
  parseHeader,
  parsePlain,
} from './idx-format.js';

export {
  IDX_MAX_BYTES,
  type IdxArray,
  type IdxData,
  type IdxDtype,
  type IdxReadOptions,
  type IdxReadResult,
} from './idx-format.js';

/** Options of {@link writeIdx}. */
export interface IdxWriteOptions {
  /** Gzip the file (default: true when the path ends in `.gz`). */
  gzip?: boolean;
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
  const maxBytes = parseArgs('parseIdx', bytes, options);
  const raw = isGzip(bytes) ? gunzipBounded(bytes, name, maxBytes) : bytes;
  return parsePlain(raw, name, maxBytes);
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
