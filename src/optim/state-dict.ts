/**
 * State dicts as plain JSON: buffers are base64 of their little-endian float32 bytes (or
 * float64 for scalar series), so a round trip through JSON.stringify is lossless.
 */
import { describe } from '../backend/validate.js';
import { base64Length, fromBase64, toBase64 } from '../host.js';

/** A state buffer in a state dict: its little-endian bytes as base64 (lossless through JSON). */
export interface EncodedBuffer {
  /** Element type: `'float32'` for per-element buffers, `'float64'` for scalar series. */
  dtype: 'float32' | 'float64';
  /** Number of elements (not bytes). */
  length: number;
  /** The elements' little-endian bytes, base64-encoded. */
  base64: string;
}

/**
 * An optimizer's state as plain JSON-serialisable data (PyTorch's `optimizer.state_dict()`),
 * from `stateDict()`, for `loadStateDict()` on an optimizer over the same parameters.
 */
export interface OptimizerStateDict {
  /** Per parameter (global index over all groups, as in PyTorch): its step and buffers. */
  state: Record<string, Record<string, number | EncodedBuffer>>;
  /** Group options (without the tensors) and the indices of their parameters. */
  paramGroups: Array<
    Record<string, unknown> & {
      /** Global indices (into `state`) of the group's parameters. */
      params: number[];
    }
  >;
  /** Optimizer-specific extra state (LBFGS history, wrapper counters, …). */
  extra?: unknown;
}

function bytes(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export function encode(a: Float32Array | Float64Array): EncodedBuffer {
  return {
    dtype: a instanceof Float64Array ? 'float64' : 'float32',
    length: a.length,
    base64: toBase64(bytes(a)),
  };
}

export function isEncoded(v: unknown): v is EncodedBuffer {
  return (
    typeof v === 'object' &&
    v !== null &&
    ((v as EncodedBuffer).dtype === 'float32' || (v as EncodedBuffer).dtype === 'float64') &&
    typeof (v as EncodedBuffer).base64 === 'string' &&
    Number.isSafeInteger((v as EncodedBuffer).length)
  );
}

/** Decodes into `out` after checking dtype and length; throws naming `where` otherwise. */
export function decodeInto(
  fn: string,
  where: string,
  v: unknown,
  out: Float32Array | Float64Array,
): void {
  if (!isEncoded(v))
    throw new TypeError(`${fn}: ${where} must be an encoded buffer, got ${describe(v)}`);
  const want = out instanceof Float64Array ? 'float64' : 'float32';
  if (v.dtype !== want)
    throw new TypeError(`${fn}: ${where} has dtype ${v.dtype}, expected ${want}`);
  if (v.length !== out.length) {
    throw new RangeError(`${fn}: ${where} has length ${v.length}, expected ${out.length}`);
  }
  const raw = fromBase64(v.base64);
  if (raw.length !== out.byteLength) {
    throw new RangeError(`${fn}: ${where} holds ${raw.length} bytes, expected ${out.byteLength}`);
  }
  bytes(out).set(raw);
}

/** Checks without writing (so a load can validate everything before it mutates). */
export function checkEncoded(
  fn: string,
  where: string,
  v: unknown,
  dtype: 'float32' | 'float64',
  length: number,
): void {
  if (!isEncoded(v))
    throw new TypeError(`${fn}: ${where} must be an encoded buffer, got ${describe(v)}`);
  if (v.dtype !== dtype)
    throw new TypeError(`${fn}: ${where} has dtype ${v.dtype}, expected ${dtype}`);
  const size = dtype === 'float32' ? 4 : 8;
  if (v.length !== length || base64Length(v.base64) !== length * size) {
    throw new RangeError(`${fn}: ${where} has length ${v.length}, expected ${length}`);
  }
}
