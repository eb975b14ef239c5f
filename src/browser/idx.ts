/**
 * IDX and Fashion-MNIST from bytes a page holds (fetched, dropped, picked): the same parser
 * and checks as the Node reader. Gzipped files are inflated with the platform's
 * `DecompressionStream`, which is asynchronous; plain IDX bytes parse synchronously.
 */
import { options as checkObject, describe, knownKeys, optionsOf } from '../backend/validate.js';
import {
  buildSets,
  checkPair,
  type FashionMnistSetOptions,
  type FashionMnistSets,
  planSets,
} from '../data/fashion-mnist-sets.js';
import {
  fmtBytes,
  type IdxReadOptions,
  type IdxReadResult,
  isGzip,
  MAX_HEADER,
  parseArgs,
  parsePlain,
} from '../data/idx-format.js';

/** IDX file contents: an ArrayBuffer (e.g. from `Response.arrayBuffer()`) or a Uint8Array. */
export type IdxBytes = ArrayBuffer | Uint8Array;

function asBytes(fn: string, bytes: unknown): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (bytes instanceof Uint8Array) return bytes;
  throw new TypeError(
    `${fn}: bytes must be an ArrayBuffer or a Uint8Array, got ${describe(bytes)}`,
  );
}

/**
 * Parses IDX bytes that are not gzipped (gzipped ones need {@link parseIdxAsync}). `name` is
 * used in error messages. Same checks as the Node reader: magic, dtype, declared size against
 * `maxBytes` (1 GiB by default) before allocating, and the data length.
 */
export function parseIdx(
  bytes: IdxBytes,
  name = '<buffer>',
  options: IdxReadOptions = {},
): IdxReadResult {
  const u8 = asBytes('parseIdx', bytes);
  const maxBytes = parseArgs('parseIdx', u8, options);
  if (isGzip(u8))
    throw new Error(
      `parseIdx: ${name} is gzipped, and a browser inflates only asynchronously: use await parseIdxAsync(bytes)`,
    );
  return parsePlain(u8, name, maxBytes);
}

/** Inflates gzip data, refusing (and cancelling) once the output passes `limit` bytes. */
async function gunzip(u8: Uint8Array, what: string, maxBytes: number): Promise<Uint8Array> {
  const limit = maxBytes + MAX_HEADER;
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    start(c) {
      // A stream takes only ArrayBuffer-backed chunks: copy a shared one.
      c.enqueue(u8.buffer instanceof ArrayBuffer ? (u8 as Uint8Array<ArrayBuffer>) : u8.slice());
      c.close();
    },
  });
  // Typed as a byte transform: Node's and DOM's declarations of its input type differ.
  const inflate = new DecompressionStream('gzip') as unknown as TransformStream<
    Uint8Array<ArrayBuffer>,
    Uint8Array
  >;
  const reader = input.pipeThrough(inflate).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > limit) {
        await reader.cancel();
        throw new RangeError(
          `IDX ${what}: decompresses to more than the limit of ${fmtBytes(maxBytes)} of data (refused)`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    if (e instanceof RangeError) throw new Error(e.message);
    throw new Error(`IDX ${what}: gzip data is corrupt: ${e instanceof Error ? e.message : e}`);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Parses IDX bytes, gzipped or not (the gzip magic 1f 8b decides). */
export async function parseIdxAsync(
  bytes: IdxBytes,
  name = '<buffer>',
  options: IdxReadOptions = {},
): Promise<IdxReadResult> {
  const u8 = asBytes('parseIdxAsync', bytes);
  const maxBytes = parseArgs('parseIdxAsync', u8, options);
  const raw = isGzip(u8) ? await gunzip(u8, name, maxBytes) : u8;
  return parsePlain(raw, name, maxBytes);
}

/** The four Fashion-MNIST IDX files' contents (each gzipped or not). */
export interface FashionMnistIdxFiles {
  /** `train-images-idx3-ubyte[.gz]`: uint8 [N, 28, 28]. */
  trainImages: IdxBytes;
  /** `train-labels-idx1-ubyte[.gz]`: uint8 [N], 0–9. */
  trainLabels: IdxBytes;
  /** `t10k-images-idx3-ubyte[.gz]`: uint8 [M, 28, 28]. */
  testImages: IdxBytes;
  /** `t10k-labels-idx1-ubyte[.gz]`: uint8 [M], 0–9. */
  testLabels: IdxBytes;
}

const FILE_KEYS = ['trainImages', 'trainLabels', 'testImages', 'testLabels'] as const;

/**
 * Fashion-MNIST from the bytes of its four IDX files: the same datasets as Node's
 * `loadFashionMnist` builds from the same files (float32 images scaled to [0, 1], labels
 * 0–9), bit for bit.
 */
export async function fashionMnistFromIdx(
  files: FashionMnistIdxFiles,
  options: FashionMnistSetOptions = {},
): Promise<FashionMnistSets> {
  const fn = 'fashionMnistFromIdx';
  checkObject(fn, 'files', files);
  knownKeys(fn, 'key of files', files, FILE_KEYS);
  for (const k of FILE_KEYS) asBytes(`${fn}: files.${k}`, files[k]);
  optionsOf(fn, options, ['flatten', 'normalize']);
  const plan = planSets(fn, options);
  const [ti, tl, si, sl] = await Promise.all(FILE_KEYS.map((k) => parseIdxAsync(files[k], k)));
  return buildSets(
    plan,
    checkPair(ti, tl, 'trainImages', 'trainLabels'),
    checkPair(si, sl, 'testImages', 'testLabels'),
  );
}
