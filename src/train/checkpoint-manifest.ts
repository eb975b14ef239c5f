/**
 * The checkpoint manifest (`manifest.json`) and its validation. Everything a loader reads from
 * disk passes through `validateManifest` before anything is allocated from its numbers:
 * unknown keys, wrong types, absurd sizes, negative or overlapping offsets, file names that
 * leave the directory and prototype-polluting keys are refused with an error naming the file
 * and the field. Free-form sections (layer configs, optimizer and scheduler state) are plain
 * JSON of bounded depth; nothing in a manifest is ever evaluated.
 */
import { describe } from '../backend/validate.js';

/** The `format` tag every checkpoint manifest carries; a manifest with another tag is refused. */
export const CHECKPOINT_FORMAT = 'descent-checkpoint';
/** The newest version this library reads; it writes 1, or 2 for several models. */
export const CHECKPOINT_VERSION = 2;
export const MANIFEST_FILE = 'manifest.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Limits enforced before allocating. */
export const LIMITS = {
  /** Largest `manifest.json` read, in bytes (64 MiB). */
  manifestBytes: 64 * 2 ** 20,
  /** Most layers an architecture may list. */
  layers: 100_000,
  /** Most buffers the weights table may list. */
  buffers: 1_000_000,
  /** Highest rank (number of dimensions) of a buffer's shape. */
  rank: 8,
  /** Elements of one buffer (4 GiB of float32). */
  bufferElements: 2 ** 30,
  /** Bytes of the weights file. */
  totalBytes: 2 ** 40,
  /** Longest parameter, buffer, layer or model name, in characters. */
  nameLength: 512,
  /** Longest string anywhere in the manifest, in characters. */
  stringLength: 2 ** 20,
  /** Deepest nesting of the free-form JSON sections (layer configs, optimizer state, extra). */
  jsonDepth: 64,
} as const;

/** What a saved buffer holds: a model parameter, a layer's state buffer (running statistics) or an optimizer series. */
export type BufferRole = 'param' | 'state' | 'optimizer';
/** Element type of a saved buffer: float32, or float64 for optimizer series kept in float64. */
export type BufferDtype = 'float32' | 'float64';

/** One row of the weights table: where a buffer lies in `weights.bin` and its checksum. */
export interface BufferEntry {
  /** Parameter name (`0.weight`), state buffer name, or `optimizer:<n>`. */
  name: string;
  /** What the buffer holds. */
  role: BufferRole;
  /** Element type of the stored bytes. */
  dtype: BufferDtype;
  /** Shape of the buffer (a flat length for state and optimizer buffers). */
  shape: number[];
  /** Byte offset in the weights file. */
  offset: number;
  /** Lower-case hex SHA-256 of the buffer's little-endian bytes. */
  sha256: string;
}

/** One layer of a saved architecture, as recorded by `saveCheckpoint` (see `walkLayers`). */
export interface LayerDescription {
  /** Dotted position ('' for the root). */
  path: string;
  /** The layer's class name (`Linear`, `Conv2d`). */
  className: string;
  /** The layer's name in the model (`1:ReLU`). */
  name: string;
  /** Constructor arguments (JSON), or null when the layer does not describe itself. */
  config: Record<string, unknown> | null;
  /** Per-sample input shape (no batch dimension). */
  inputShape: number[];
  /** Per-sample output shape (no batch dimension). */
  outputShape: number[];
  /** Its own parameters' names. */
  params: string[];
}

/** A free-form state (optimizer, scheduler, callback) with buffers replaced by `{ $buffer: name }`. */
export interface StateEntry {
  /** Class name of the object saved (`Adam`, `StepLR`, `EarlyStopping`); checked on restore. */
  className: string;
  /** Its `stateDict()`, as JSON. */
  state: unknown;
}

/** A model's saved architecture: shapes, parameter count and every layer. */
export interface Architecture {
  /** The model's per-sample input shape. */
  inputShape: number[];
  /** The model's per-sample output shape. */
  outputShape: number[];
  /** Total number of parameter elements. */
  paramCount: number;
  /** Every layer, depth first from the root (path ''). */
  layers: LayerDescription[];
}

/** One of several models saved together (version 2): its buffers are named `<name>:…`. */
export interface ModelEntry {
  /** The model's name, as given in `models`; prefixes its buffer names. */
  name: string;
  /** The model's architecture. */
  architecture: Architecture;
  /** Each layer's generator state, as `rng.layers` for a single model. */
  rngLayers: Array<{
    /** The layer's dotted path. */
    path: string;
    /** Its generator state (four uint32). */
    state: number[];
  }>;
}

/**
 * The contents of a checkpoint's `manifest.json`, validated on load before anything is allocated.
 * Read it through {@link LoadedCheckpoint.manifest}.
 */
export interface CheckpointManifest {
  /** Always {@link CHECKPOINT_FORMAT}. */
  format: typeof CHECKPOINT_FORMAT;
  /** Format version: 1 for one model, 2 for several saved together. */
  version: number;
  /** Epochs completed. */
  epoch: number;
  /** The model's architecture; null when several models are saved (see `models`). */
  architecture: Architecture | null;
  /** Several models saved together (version 2); absent for one model. */
  models?: ModelEntry[];
  /** The weights file and its table of buffers. */
  weights: {
    /** File name of the weights in the checkpoint directory (`weights.bin`). */
    file: string;
    /** Exact size of the weights file in bytes. */
    byteLength: number;
    /** Every buffer stored, with its offset and checksum. */
    buffers: BufferEntry[];
  };
  /** The optimizer's state, or null when none was saved. */
  optimizer: StateEntry | null;
  /** The learning-rate scheduler's state, or null when none was saved. */
  scheduler: StateEntry | null;
  /** Generator states, so that a resumed run draws the same numbers. */
  rng: {
    /** Seed of the data shuffle; epoch e shuffles with seed + e. */
    seed: number;
    /** The next epoch to shuffle for (= epoch). */
    epoch: number;
    /** Each layer's generator state (xoshiro128**, four uint32); empty with `models`. */
    layers: Array<{
      /** The layer's dotted path. */
      path: string;
      /** Its generator state (four uint32). */
      state: number[];
    }>;
  };
  /** State of each callback that has a `stateDict()`. */
  callbacks: StateEntry[];
  /** The `extra` data given to `saveCheckpoint` (plain JSON), or null. */
  extra: unknown;
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Parameter and buffer names: dotted identifiers (`0.weight`, `optimizer:3`), no paths. */
const NAME = /^(?!.*\.\.)[A-Za-z0-9_.:\-[\]]+$/;
const FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const SHA = /^[0-9a-f]{64}$/;

class Checker {
  constructor(readonly prefix: string) {}

  fail(where: string, msg: string, range = false): never {
    const E = range ? RangeError : TypeError;
    throw new E(`${this.prefix}: ${where}: ${msg}`);
  }

  object(where: string, v: unknown, keys: readonly string[], optional: readonly string[] = []) {
    if (v === null || typeof v !== 'object' || Array.isArray(v))
      this.fail(where, `must be an object, got ${describe(v)}`);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!keys.includes(k) && !optional.includes(k))
        this.fail(
          where,
          `unknown key ${JSON.stringify(k)} (valid: ${[...keys, ...optional].join(', ')})`,
        );
    }
    for (const k of keys) if (!(k in o)) this.fail(where, `missing key ${JSON.stringify(k)}`);
    return o;
  }

  array(where: string, v: unknown, max: number): unknown[] {
    if (!Array.isArray(v)) this.fail(where, `must be an array, got ${describe(v)}`);
    if (v.length > max)
      this.fail(where, `has ${v.length} entries, more than the limit ${max}`, true);
    return v;
  }

  int(where: string, v: unknown, min: number, max: number): number {
    if (typeof v !== 'number' || !Number.isSafeInteger(v))
      this.fail(where, `must be an integer, got ${describe(v)}`);
    if (v < min || v > max) this.fail(where, `must be in [${min}, ${max}], got ${v}`, true);
    return v;
  }

  string(where: string, v: unknown, max: number, pattern?: RegExp, allowEmpty = false): string {
    if (typeof v !== 'string') this.fail(where, `must be a string, got ${describe(v)}`);
    if (v.length > max) this.fail(where, `is ${v.length} characters long, more than ${max}`, true);
    if (!allowEmpty && v.length === 0) this.fail(where, 'must not be empty');
    if (pattern && v.length > 0 && !pattern.test(v))
      this.fail(where, `${JSON.stringify(v.slice(0, 80))} has characters outside ${pattern}`);
    return v;
  }

  shape(where: string, v: unknown): number[] {
    const a = this.array(where, v, LIMITS.rank);
    return a.map((d, i) => this.int(`${where}[${i}]`, d, 0, LIMITS.bufferElements));
  }

  /** Plain JSON of bounded depth without prototype keys (layer configs, states). */
  json(where: string, v: unknown, depth = 0): void {
    if (depth > LIMITS.jsonDepth) this.fail(where, `nests deeper than ${LIMITS.jsonDepth}`, true);
    if (v === null || typeof v === 'boolean') return;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) this.fail(where, `must be finite, got ${v}`);
      return;
    }
    if (typeof v === 'string') {
      if (v.length > LIMITS.stringLength) this.fail(where, 'is an over-long string', true);
      return;
    }
    if (Array.isArray(v)) {
      v.forEach((x, i) => this.json(`${where}[${i}]`, x, depth + 1));
      return;
    }
    if (typeof v === 'object') {
      if (Object.getPrototypeOf(v) !== Object.prototype) this.fail(where, 'must be a plain object');
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        if (FORBIDDEN_KEYS.has(k)) this.fail(where, `has the forbidden key ${JSON.stringify(k)}`);
        this.json(`${where}.${k}`, x, depth + 1);
      }
      return;
    }
    this.fail(where, `must be JSON data, got ${describe(v)}`);
  }

  stateEntry(where: string, v: unknown): StateEntry | null {
    if (v === null) return null;
    const o = this.object(where, v, ['className', 'state']);
    this.string(`${where}.className`, o.className, LIMITS.nameLength, /^[A-Za-z_$][\w$]*$/);
    this.json(`${where}.state`, o.state);
    return o as unknown as StateEntry;
  }
}

const BYTES: Record<BufferDtype, number> = { float32: 4, float64: 8 };

export function bufferElements(e: BufferEntry): number {
  return e.shape.reduce((a, d) => a * d, 1);
}

export function bufferBytes(e: BufferEntry): number {
  return bufferElements(e) * BYTES[e.dtype];
}

function validateArchitecture(c: Checker, where: string, v: unknown): void {
  const arch = c.object(where, v, ['inputShape', 'outputShape', 'paramCount', 'layers']);
  c.shape(`${where}.inputShape`, arch.inputShape);
  c.shape(`${where}.outputShape`, arch.outputShape);
  c.int(`${where}.paramCount`, arch.paramCount, 0, LIMITS.totalBytes);
  const layers = c.array(`${where}.layers`, arch.layers, LIMITS.layers);
  layers.forEach((l, i) => {
    const w = `${where}.layers[${i}]`;
    const o = c.object(w, l, [
      'path',
      'className',
      'name',
      'config',
      'inputShape',
      'outputShape',
      'params',
    ]);
    c.string(`${w}.path`, o.path, LIMITS.nameLength, /^[0-9]+(\.[0-9]+)*$/, true);
    c.string(`${w}.className`, o.className, LIMITS.nameLength, /^[A-Za-z_$][\w$]*$/);
    c.string(`${w}.name`, o.name, LIMITS.nameLength, undefined, true);
    if (o.config !== null && (typeof o.config !== 'object' || Array.isArray(o.config)))
      c.fail(`${w}.config`, `must be an object or null, got ${describe(o.config)}`);
    c.json(`${w}.config`, o.config);
    c.shape(`${w}.inputShape`, o.inputShape);
    c.shape(`${w}.outputShape`, o.outputShape);
    c.array(`${w}.params`, o.params, LIMITS.buffers).forEach((p, j) =>
      c.string(`${w}.params[${j}]`, p, LIMITS.nameLength, NAME),
    );
  });
}

function validateRngLayers(c: Checker, where: string, v: unknown): unknown[] {
  const layers = c.array(where, v, LIMITS.layers);
  layers.forEach((l, i) => {
    const w = `${where}[${i}]`;
    const o = c.object(w, l, ['path', 'state']);
    c.string(`${w}.path`, o.path, LIMITS.nameLength, /^[0-9]+(\.[0-9]+)*$/, true);
    const s = c.array(`${w}.state`, o.state, 4);
    if (s.length !== 4) c.fail(`${w}.state`, `must hold 4 uint32 words, got ${s.length}`, true);
    s.forEach((x, j) => c.int(`${w}.state[${j}]`, x, 0, 2 ** 32 - 1));
    if (s.every((x) => x === 0)) c.fail(`${w}.state`, 'is all zeros (not a generator state)');
  });
  return layers;
}

/** The `models` section (version 2): its names, checked unique identifiers. */
function validateModels(c: Checker, v: unknown, version: number): string[] {
  if (version < 2) c.fail('models', `needs version 2 or later, the manifest says ${version}`);
  const list = c.array('models', v, 1000);
  if (list.length === 0) c.fail('models', 'is empty', true);
  const names: string[] = [];
  list.forEach((e, i) => {
    const w = `models[${i}]`;
    const o = c.object(w, e, ['name', 'architecture', 'rngLayers']);
    const name = c.string(`${w}.name`, o.name, LIMITS.nameLength, /^[A-Za-z_][A-Za-z0-9_]*$/);
    if (names.includes(name)) c.fail(`${w}.name`, `${JSON.stringify(name)} appears twice`);
    names.push(name);
    validateArchitecture(c, `${w}.architecture`, o.architecture);
    validateRngLayers(c, `${w}.rngLayers`, o.rngLayers);
  });
  return names;
}

/**
 * Checks a parsed manifest against the schema (throwing an error that names `file` and the
 * field) and returns it typed. Buffers must tile the weights file exactly, in order.
 */
export function validateManifest(file: string, raw: unknown): CheckpointManifest {
  const c = new Checker(file);
  const m = c.object(
    'manifest',
    raw,
    [
      'format',
      'version',
      'epoch',
      'architecture',
      'weights',
      'optimizer',
      'scheduler',
      'rng',
      'callbacks',
      'extra',
    ],
    ['models'],
  );
  if (m.format !== CHECKPOINT_FORMAT)
    c.fail('format', `must be ${JSON.stringify(CHECKPOINT_FORMAT)}, got ${describe(m.format)}`);
  const version = c.int('version', m.version, 1, Number.MAX_SAFE_INTEGER);
  if (version > CHECKPOINT_VERSION)
    c.fail('version', `${version} is newer than this library reads (${CHECKPOINT_VERSION})`, true);
  c.int('epoch', m.epoch, 0, 2 ** 40);

  const models = m.models === undefined ? null : validateModels(c, m.models, version);
  if (models) {
    if (m.architecture !== null)
      c.fail('architecture', 'must be null when several models are saved (see models)');
  } else validateArchitecture(c, 'architecture', m.architecture);

  const weights = c.object('weights', m.weights, ['file', 'byteLength', 'buffers']);
  const fileName = c.string('weights.file', weights.file, 255);
  if (!FILE.test(fileName) || fileName === '.' || fileName === '..')
    c.fail(
      'weights.file',
      `${JSON.stringify(fileName)} is not a plain file name inside the checkpoint directory (no paths, no "..")`,
    );
  const byteLength = c.int('weights.byteLength', weights.byteLength, 0, LIMITS.totalBytes);
  const buffers = c.array('weights.buffers', weights.buffers, LIMITS.buffers);
  const names = new Set<string>();
  let end = 0;
  buffers.forEach((b, i) => {
    const w = `weights.buffers[${i}]`;
    const o = c.object(w, b, ['name', 'role', 'dtype', 'shape', 'offset', 'sha256']);
    const name = c.string(`${w}.name`, o.name, LIMITS.nameLength, NAME);
    if (names.has(name)) c.fail(`${w}.name`, `${JSON.stringify(name)} appears twice`);
    names.add(name);
    if (o.role !== 'param' && o.role !== 'state' && o.role !== 'optimizer')
      c.fail(`${w}.role`, `must be 'param', 'state' or 'optimizer', got ${describe(o.role)}`);
    if (o.dtype !== 'float32' && o.dtype !== 'float64')
      c.fail(`${w}.dtype`, `must be 'float32' or 'float64', got ${describe(o.dtype)}`);
    const shape = c.shape(`${w}.shape`, o.shape);
    let elements = 1;
    for (const d of shape) elements *= d;
    if (elements > LIMITS.bufferElements)
      c.fail(
        `${w}.shape`,
        `holds ${elements} elements, more than the limit ${LIMITS.bufferElements}`,
        true,
      );
    const offset = c.int(`${w}.offset`, o.offset, 0, LIMITS.totalBytes);
    if (offset !== end)
      c.fail(
        `${w}.offset`,
        `is ${offset}, expected ${end} (buffers must follow each other in the file without gaps or overlaps)`,
        true,
      );
    end = offset + elements * BYTES[o.dtype as BufferDtype];
    c.string(`${w}.sha256`, o.sha256, 64, SHA);
  });
  if (end !== byteLength)
    c.fail('weights.byteLength', `is ${byteLength}, but the buffers end at byte ${end}`, true);

  c.stateEntry('optimizer', m.optimizer);
  c.stateEntry('scheduler', m.scheduler);
  const rng = c.object('rng', m.rng, ['seed', 'epoch', 'layers']);
  c.int('rng.seed', rng.seed, 0, Number.MAX_SAFE_INTEGER);
  c.int('rng.epoch', rng.epoch, 0, 2 ** 40);
  const rngLayers = validateRngLayers(c, 'rng.layers', rng.layers);
  if (models) {
    if (rngLayers.length > 0)
      c.fail('rng.layers', 'must be empty when several models are saved (see models[i].rngLayers)');
    // Every parameter and state buffer belongs to one of the models.
    (buffers as BufferEntry[]).forEach((b, i) => {
      if (b.role !== 'optimizer' && !models.some((name) => b.name.startsWith(`${name}:`)))
        c.fail(
          `weights.buffers[${i}].name`,
          `${JSON.stringify(b.name)} is not prefixed by a model name (${models.join(', ')})`,
        );
    });
  }
  c.array('callbacks', m.callbacks, 1000).forEach((e, i) => c.stateEntry(`callbacks[${i}]`, e));
  c.json('extra', m.extra);

  // Buffer references inside the optimizer state must name optimizer buffers.
  const refs = (v: unknown, where: string): void => {
    if (Array.isArray(v)) v.forEach((x, i) => refs(x, `${where}[${i}]`));
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if ('$buffer' in o) {
        if (Object.keys(o).length !== 1 || typeof o.$buffer !== 'string')
          c.fail(where, 'a buffer reference must be exactly { "$buffer": name }');
        const entry = (buffers as BufferEntry[]).find((b) => b.name === o.$buffer);
        if (entry?.role !== 'optimizer')
          c.fail(where, `refers to ${JSON.stringify(o.$buffer)}, which is not an optimizer buffer`);
      } else for (const [k, x] of Object.entries(o)) refs(x, `${where}.${k}`);
    }
  };
  if (m.optimizer !== null) refs((m.optimizer as StateEntry).state, 'optimizer.state');
  return m as unknown as CheckpointManifest;
}
