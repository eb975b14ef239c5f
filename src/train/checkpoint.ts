/**
 * Checkpoints: a directory holding `manifest.json` (format version, architecture, parameter
 * and buffer table with a SHA-256 per buffer, optimizer and scheduler state, epoch, generator
 * states, callback state) and `weights.bin` (the buffers back to back, little-endian float32 —
 * float64 only for optimizer series that are float64).
 *
 * Saving is atomic: everything is written into a temporary directory next to the target,
 * each file and the directory are fsynced, then the old checkpoint is renamed to
 * `.<name>.prev`, the new one renamed into place, the parent directory fsynced and the old
 * one removed. A process killed at any point leaves either the new checkpoint, or the
 * previous one (at its place or, between the two renames, as `.<name>.prev`, which
 * `loadCheckpoint` falls back to). One writer per checkpoint directory at a time.
 *
 * Loading validates the manifest (checkpoint-manifest.ts) before allocating anything from
 * its numbers, checks that the weights file has exactly the declared size and every buffer's
 * checksum, and refuses a damaged checkpoint with an error naming the file and the buffer.
 * `restore` then checks the checkpoint against the model (names, shapes), the optimizer and
 * scheduler (classes, their own state checks) before writing anything.
 *
 * Several models trained by one optimizer (a GAN, a VAE's encoder and decoder) are saved and
 * restored together with `models: { name: model, … }` (version 2; see checkpoint-models.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  type statSync,
  writeSync,
} from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, knownKeys } from '../backend/validate.js';
import type { Model } from '../nn/model.js';
import type { OptimizerLike } from '../optim/optimizer.js';
import { isEncoded, type OptimizerStateDict } from '../optim/state-dict.js';
import type { Rng } from '../random.js';
import type { Callback, SchedulerLike } from './callbacks/callback.js';
import {
  type BufferEntry,
  bufferBytes,
  bufferElements,
  CHECKPOINT_FORMAT,
  type CheckpointManifest,
  LIMITS,
  MANIFEST_FILE,
  type StateEntry,
  validateManifest,
  WEIGHTS_FILE,
} from './checkpoint-manifest.js';
import {
  architectureOf,
  checkOptimizerWithin,
  modelsOf,
  type NamedModel,
  prefixOf,
  rngLayersOf,
} from './checkpoint-models.js';
import { layerRng, walkLayers } from './introspect.js';

export type { CheckpointManifest } from './checkpoint-manifest.js';

/** What {@link saveCheckpoint} writes: a model (or several), optimizer, scheduler, callbacks and the epoch. */
export interface SaveCheckpointOptions {
  /** The model; or `models` for several trained together. */
  model?: Model;
  /**
   * Several models by name (identifiers), when one optimizer trains them all (a GAN, a VAE's
   * encoder and decoder): every parameter the optimizer updates must be in one of them.
   */
  models?: Record<string, Model>;
  /** The optimizer whose `stateDict()` is saved (moments, step counts, param-group hyperparameters). */
  optimizer?: OptimizerLike;
  /** The learning-rate scheduler whose `stateDict()` is saved. */
  scheduler?: SchedulerLike;
  /** Epochs completed (training resumes at this epoch index). */
  epoch: number;
  /** Seed of the data shuffle (default 0). */
  seed?: number;
  /** Callbacks whose `stateDict()` is saved (others are skipped). */
  callbacks?: readonly Callback[];
  /** Any JSON data to keep with the checkpoint. */
  extra?: unknown;
}

/**
 * The objects a checkpoint is restored into ({@link loadCheckpoint}, {@link LoadedCheckpoint.restore}).
 * Everything is checked before anything is written.
 */
export interface RestoreTargets {
  /** The model of a one-model checkpoint. */
  model?: Model;
  /** The models of a checkpoint saved with `models`, by the same names. */
  models?: Record<string, Model>;
  /** Restored when given (the checkpoint must hold an optimizer state of the same class). */
  optimizer?: OptimizerLike;
  /** Restored when given (the checkpoint must hold a scheduler state of the same class). */
  scheduler?: SchedulerLike;
  /** Callbacks whose saved state is loaded with `loadStateDict`, matched by class name in order. */
  callbacks?: readonly Callback[];
}

const LE = endianness() === 'LE';

/** The little-endian bytes of a typed array (a view on LE hosts, a swapped copy otherwise). */
function leBytes(a: Float32Array | Float64Array): Uint8Array {
  const view = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  if (LE) return view;
  const out = new Uint8Array(view.length);
  const w = a.BYTES_PER_ELEMENT;
  for (let i = 0; i < view.length; i += w)
    for (let j = 0; j < w; j++) out[i + j] = view[i + w - 1 - j];
  return out;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function optimizerName(o: object): string {
  const n = (o as { name?: unknown }).name;
  return typeof n === 'string' && /^[A-Za-z_$][\w$]*$/.test(n) ? n : o.constructor.name;
}

/** fsync a directory (its entries' renames); a no-op where directories cannot be opened. */
function fsyncDir(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    if (process.platform === 'win32') return;
    throw e;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR') throw e;
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let o = 0;
  while (o < bytes.length) o += writeSync(fd, bytes, o, bytes.length - o);
}

function readAll(fd: number, into: Uint8Array, position: number): number {
  let o = 0;
  while (o < into.length) {
    const n = readSync(fd, into, o, into.length - o, position + o);
    if (n === 0) break;
    o += n;
  }
  return o;
}

/** The sibling names used while saving `dir`. */
function siblings(dir: string): { parent: string; prev: string; tmpPrefix: string } {
  const abs = resolve(dir);
  const parent = dirname(abs);
  const base = basename(abs);
  return { parent, prev: join(parent, `.${base}.prev`), tmpPrefix: `.${base}.tmp-` };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary directories left by killed savers of this checkpoint. */
function removeStaleTemps(parent: string, tmpPrefix: string): void {
  for (const name of readdirSync(parent)) {
    if (!name.startsWith(tmpPrefix)) continue;
    const pid = Number(name.slice(tmpPrefix.length).split('-')[0]);
    if (Number.isSafeInteger(pid) && pid !== process.pid && !alive(pid))
      rmSync(join(parent, name), { recursive: true, force: true });
  }
}

/** Replaces every encoded buffer in an optimizer state dict by a `{ $buffer }` reference. */
function externalize(
  value: unknown,
  out: Array<{ entry: Omit<BufferEntry, 'offset' | 'sha256'>; bytes: Uint8Array }>,
): unknown {
  if (isEncoded(value)) {
    const name = `optimizer:${out.length}`;
    const raw = Buffer.from(value.base64, 'base64');
    out.push({
      entry: { name, role: 'optimizer', dtype: value.dtype, shape: [value.length] },
      bytes: new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength),
    });
    return { $buffer: name };
  }
  if (Array.isArray(value)) return value.map((v) => externalize(v, out));
  if (value !== null && typeof value === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) o[k] = externalize(v, out);
    return o;
  }
  return value;
}

/** JSON round trip (drops functions and undefined; NaN/Infinity become null, as JSON does). */
function plain(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

const RESTORE_KEYS = ['model', 'models', 'optimizer', 'scheduler', 'callbacks'];

const SAVE_KEYS = [
  'model',
  'models',
  'optimizer',
  'scheduler',
  'epoch',
  'seed',
  'callbacks',
  'extra',
];

/** Saves a checkpoint into the directory `dir` atomically (see the file header). */
export function saveCheckpoint(dir: string, options: SaveCheckpointOptions): void {
  const fn = 'saveCheckpoint';
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`${fn}: dir must be a non-empty path, got ${describe(dir)}`);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  knownKeys(fn, 'option', options, SAVE_KEYS);
  const { optimizer, scheduler } = options;
  const models = modelsOf(fn, options, 'save');
  if (optimizer) checkOptimizerWithin(fn, models, optimizer);
  const several = models.length > 1 || models[0].name !== '';
  const epoch = options.epoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new RangeError(`${fn}: option epoch must be an integer ≥ 0, got ${describe(epoch)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`${fn}: option seed must be an integer ≥ 0, got ${describe(seed)}`);

  // Everything to write, in file order.
  const pending: Array<{ entry: Omit<BufferEntry, 'offset' | 'sha256'>; bytes: Uint8Array }> = [];
  for (const { name, model } of models) {
    const pre = prefixOf(name);
    for (const p of model.parameters())
      pending.push({
        entry: { name: pre + p.name, role: 'param', dtype: 'float32', shape: [...p.shape] },
        bytes: leBytes(p.data),
      });
    for (const b of model.stateBuffers())
      pending.push({
        entry: { name: pre + b.name, role: 'state', dtype: 'float32', shape: [b.data.length] },
        bytes: leBytes(b.data),
      });
  }
  const optimizerEntry: StateEntry | null = optimizer
    ? {
        className: optimizerName(optimizer),
        state: externalize(plain(optimizer.stateDict() as OptimizerStateDict), pending),
      }
    : null;
  const schedulerEntry: StateEntry | null = scheduler
    ? { className: optimizerName(scheduler), state: plain(scheduler.stateDict()) }
    : null;
  const callbacks: StateEntry[] = (options.callbacks ?? [])
    .filter((c) => typeof c.stateDict === 'function')
    .map((c) => ({ className: c.constructor.name, state: plain(c.stateDict?.()) }));

  let offset = 0;
  const buffers: BufferEntry[] = pending.map(({ entry, bytes }) => {
    const e: BufferEntry = { ...entry, offset, sha256: sha256(bytes) };
    offset += bytes.length;
    return e;
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: several ? 2 : 1,
    epoch,
    architecture: several ? null : architectureOf(models[0].model),
    ...(several
      ? {
          models: models.map(({ name, model }) => ({
            name,
            architecture: architectureOf(model),
            rngLayers: rngLayersOf(model),
          })),
        }
      : {}),
    weights: { file: WEIGHTS_FILE, byteLength: offset, buffers },
    optimizer: optimizerEntry,
    scheduler: schedulerEntry,
    rng: { seed, epoch, layers: several ? [] : rngLayersOf(models[0].model) },
    callbacks,
    extra: plain(options.extra),
  };
  // What we write must load: the same validation as a reader's.
  validateManifest(`${fn}: ${MANIFEST_FILE}`, manifest);

  const { parent, prev, tmpPrefix } = siblings(dir);
  mkdirSync(parent, { recursive: true });
  removeStaleTemps(parent, tmpPrefix);
  const tmp = join(parent, `${tmpPrefix}${process.pid}-${randomBytes(6).toString('hex')}`);
  mkdirSync(tmp);
  try {
    const wfd = openSync(join(tmp, WEIGHTS_FILE), 'wx');
    try {
      for (const { bytes } of pending) writeAll(wfd, bytes);
      fsyncSync(wfd);
    } finally {
      closeSync(wfd);
    }
    const mfd = openSync(join(tmp, MANIFEST_FILE), 'wx');
    try {
      writeAll(mfd, Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`, 'utf8'));
      fsyncSync(mfd);
    } finally {
      closeSync(mfd);
    }
    fsyncDir(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const target = resolve(dir);
  const hasTarget = existsSync(join(target, MANIFEST_FILE));
  if (hasTarget) {
    // A complete checkpoint is in place: an old .prev is stale.
    rmSync(prev, { recursive: true, force: true });
    renameSync(target, prev);
    fsyncDir(parent);
  } else if (existsSync(target)) {
    // Not a checkpoint (an empty or foreign directory): refuse to replace what we did not write.
    const entries = readdirSync(target);
    if (entries.length > 0) {
      rmSync(tmp, { recursive: true, force: true });
      throw new Error(
        `${fn}: ${target} exists and is not a checkpoint (no ${MANIFEST_FILE}); refusing to replace it`,
      );
    }
    rmSync(target, { recursive: true });
  }
  renameSync(tmp, target);
  fsyncDir(parent);
  rmSync(prev, { recursive: true, force: true });
}

/** A validated checkpoint read into memory. */
export class LoadedCheckpoint {
  /** Buffers by name: parameters, state buffers, `optimizer:<n>`. */
  readonly buffers: ReadonlyMap<string, Float32Array | Float64Array>;

  constructor(
    /** The directory read (the `.prev` sibling when recovering from an interrupted save). */
    readonly dir: string,
    /** The validated manifest (architecture, optimizer and scheduler state, generator states). */
    readonly manifest: CheckpointManifest,
    buffers: Map<string, Float32Array | Float64Array>,
  ) {
    this.buffers = buffers;
  }

  /** The names of the models saved together, or [] for a checkpoint of one model. */
  get models(): string[] {
    return this.manifest.models?.map((e) => e.name) ?? [];
  }

  /** Epochs completed when saved. */
  get epoch(): number {
    return this.manifest.epoch;
  }

  /** The data-shuffle seed saved. */
  get seed(): number {
    return this.manifest.rng.seed;
  }

  /** A parameter or state buffer by name. */
  tensor(name: string): Float32Array {
    const b = this.buffers.get(name);
    if (!(b instanceof Float32Array))
      throw new RangeError(
        `LoadedCheckpoint.tensor: no float32 buffer named ${JSON.stringify(name)}`,
      );
    return b;
  }

  private resolveRefs(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.resolveRefs(x));
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$buffer === 'string') {
        const b = this.buffers.get(o.$buffer) as Float32Array | Float64Array;
        const bytes = leBytes(b);
        return {
          dtype: b instanceof Float64Array ? 'float64' : 'float32',
          length: b.length,
          base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
        };
      }
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(o)) out[k] = this.resolveRefs(x);
      return out;
    }
    return v;
  }

  /**
   * Copies the checkpoint into the model (parameters, state buffers, generator states) and,
   * when given, the optimizer, scheduler and callbacks. Everything is checked first: a
   * mismatch (parameter names or shapes, optimizer or scheduler class) changes nothing.
   */
  restore(targets: RestoreTargets): void {
    const fn = `loadCheckpoint: ${this.dir}`;
    if (targets === null || typeof targets !== 'object')
      throw new TypeError(`${fn}: restore needs { model, … }, got ${describe(targets)}`);
    knownKeys(fn, 'restore target', targets, RESTORE_KEYS);
    const { optimizer, scheduler } = targets;
    const m = this.manifest;
    const given = this.matchModels(fn, modelsOf(fn, targets, 'restore'));
    if (optimizer) checkOptimizerWithin(fn, given, optimizer);
    const copies: Array<[Float32Array, Float32Array]> = [];
    const rngs: Array<[Rng, number[]]> = [];
    for (const { name, model } of given) {
      const pre = prefixOf(name);
      const whose = name ? `model ${name}` : 'model';
      const saved = (role: 'param' | 'state') =>
        m.weights.buffers
          .filter((b) => b.role === role && b.name.startsWith(pre))
          .map((b) => b.name);
      const check = (
        role: 'param' | 'state',
        list: ReadonlyArray<{ name: string; data: Float32Array; shape?: readonly number[] }>,
      ) => {
        const names = saved(role);
        const what = role === 'param' ? 'parameter' : 'state buffer';
        for (const p of list) {
          const key = pre + p.name;
          const b = this.buffers.get(key);
          const entry = m.weights.buffers.find((e) => e.name === key && e.role === role);
          if (!entry || !(b instanceof Float32Array))
            throw new RangeError(
              `${fn}: the checkpoint has no ${what} ${key} (it has ${names.join(', ') || 'none'}): a different architecture?`,
            );
          const shape = p.shape ?? [p.data.length];
          if (b.length !== p.data.length || entry.shape.join(',') !== shape.join(','))
            throw new RangeError(
              `${fn}: ${what} ${key} has shape [${entry.shape.join(', ')}] in the checkpoint, [${shape.join(', ')}] in the ${whose}`,
            );
          copies.push([p.data, b]);
        }
        const have = new Set(list.map((p) => pre + p.name));
        const extra = names.filter((n) => !have.has(n));
        if (extra.length > 0)
          throw new RangeError(
            `${fn}: the checkpoint has ${what}s the ${whose} lacks: ${extra.join(', ')}`,
          );
      };
      check('param', model.parameters());
      check('state', model.stateBuffers());

      const savedRng = name
        ? (m.models?.find((e) => e.name === name)?.rngLayers ?? [])
        : m.rng.layers;
      const layers = new Map(walkLayers(model.net).map((l) => [l.path, l.layer]));
      for (const { path, state } of savedRng) {
        const layer = layers.get(path);
        const rng = layer ? layerRng(layer) : null;
        if (!rng)
          throw new RangeError(
            `${fn}: the checkpoint has a generator state for layer ${JSON.stringify(path)}, which has no generator in this ${whose}`,
          );
        rngs.push([rng, state]);
      }
      const withRng = [...layers].filter(([, l]) => layerRng(l) !== null).map(([p]) => p);
      const savedPaths = new Set(savedRng.map((l) => l.path));
      const missing = withRng.filter((p) => !savedPaths.has(p));
      if (missing.length > 0)
        throw new RangeError(
          `${fn}: layers ${missing.map((p) => JSON.stringify(p)).join(', ')}${name ? ` of model ${name}` : ''} draw random numbers but the checkpoint has no generator state for them`,
        );
    }

    if (optimizer) {
      if (!m.optimizer) throw new RangeError(`${fn}: the checkpoint holds no optimizer state`);
      const name = optimizerName(optimizer);
      if (m.optimizer.className !== name)
        throw new TypeError(
          `${fn}: the checkpoint's optimizer is ${m.optimizer.className}, the given one ${name}`,
        );
    }
    let schedulerState: Record<string, unknown> | null = null;
    if (scheduler) {
      if (!m.scheduler) throw new RangeError(`${fn}: the checkpoint holds no scheduler state`);
      const name = optimizerName(scheduler);
      if (m.scheduler.className !== name)
        throw new TypeError(
          `${fn}: the checkpoint's scheduler is ${m.scheduler.className}, the given one ${name}`,
        );
      schedulerState = m.scheduler.state as Record<string, unknown>;
      const checker = (scheduler as { checkStateDict?: (fn: string, sd: unknown) => void })
        .checkStateDict;
      if (typeof checker === 'function')
        checker.call(scheduler, `${fn}: scheduler`, schedulerState);
    }
    // Checked: apply (the optimizer validates its whole state before it writes).
    if (optimizer && m.optimizer)
      optimizer.loadStateDict(this.resolveRefs(m.optimizer.state) as OptimizerStateDict);
    if (scheduler && schedulerState) scheduler.loadStateDict(schedulerState);
    for (const [dst, src] of copies) dst.set(src);
    for (const [rng, state] of rngs) rng.state.set(state);
    if (targets.callbacks) this.restoreCallbacks(targets.callbacks);
  }

  /** The given models, checked against the ones saved (one unnamed, or the same names). */
  private matchModels(fn: string, given: NamedModel[]): NamedModel[] {
    const saved = this.manifest.models?.map((e) => e.name) ?? null;
    const named = given[0].name !== '';
    if (saved === null) {
      if (named)
        throw new RangeError(
          `${fn}: the checkpoint holds one model: restore it with model, not models`,
        );
      return given;
    }
    if (!named)
      throw new RangeError(
        `${fn}: the checkpoint holds several models (${saved.join(', ')}): restore them together with models: { ${saved.join(', ')} }`,
      );
    const names = given.map((g) => g.name);
    const missing = saved.filter((n) => !names.includes(n));
    const unknown = names.filter((n) => !saved.includes(n));
    if (missing.length > 0 || unknown.length > 0)
      throw new RangeError(
        `${fn}: the checkpoint holds the models ${saved.join(', ')}${missing.length > 0 ? `; missing: ${missing.join(', ')}` : ''}${unknown.length > 0 ? `; not in the checkpoint: ${unknown.join(', ')}` : ''}`,
      );
    return given;
  }

  /**
   * Restores callback state (EarlyStopping counters, …): each callback with `loadStateDict`
   * takes the next saved state of its class, in order; callbacks without one are left alone.
   */
  restoreCallbacks(callbacks: readonly Callback[]): void {
    const saved = [...this.manifest.callbacks];
    for (const c of callbacks) {
      if (typeof c.loadStateDict !== 'function') continue;
      const i = saved.findIndex((s) => s.className === c.constructor.name);
      if (i < 0) continue;
      c.loadStateDict(saved[i].state);
      saved.splice(i, 1);
    }
  }
}

/** The directory to read: `dir`, or its `.prev` sibling left by an interrupted save. */
function locate(dir: string): string {
  const target = resolve(dir);
  if (existsSync(join(target, MANIFEST_FILE))) return target;
  const { prev } = siblings(dir);
  if (!existsSync(target) && existsSync(join(prev, MANIFEST_FILE))) return prev;
  throw new Error(
    `loadCheckpoint: ${target} is not a checkpoint (no ${MANIFEST_FILE}${existsSync(target) ? '' : '; the directory does not exist'})`,
  );
}

/**
 * Reads and verifies a checkpoint (manifest schema, file sizes, every checksum). With
 * `targets`, also restores it into them (see `LoadedCheckpoint.restore`).
 */
export function loadCheckpoint(dir: string, targets?: RestoreTargets): LoadedCheckpoint {
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`loadCheckpoint: dir must be a non-empty path, got ${describe(dir)}`);
  const root = locate(dir);
  const manifestPath = join(root, MANIFEST_FILE);
  const mstat = lstatSync(manifestPath);
  if (!mstat.isFile()) throw new TypeError(`loadCheckpoint: ${manifestPath} is not a regular file`);
  if (mstat.size > LIMITS.manifestBytes)
    throw new RangeError(
      `loadCheckpoint: ${manifestPath} is ${mstat.size} bytes, more than the limit ${LIMITS.manifestBytes}`,
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new TypeError(
      `loadCheckpoint: ${manifestPath} is not valid JSON (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  const manifest = validateManifest(`loadCheckpoint: ${manifestPath}`, raw);

  const weightsPath = join(root, manifest.weights.file);
  if (dirname(resolve(weightsPath)) !== resolve(root))
    throw new TypeError(`loadCheckpoint: ${manifestPath}: weights.file leaves the directory`);
  let wstat: ReturnType<typeof statSync>;
  try {
    wstat = lstatSync(weightsPath);
  } catch {
    throw new Error(`loadCheckpoint: ${weightsPath} is missing`);
  }
  if (!wstat.isFile())
    throw new TypeError(
      `loadCheckpoint: ${weightsPath} is not a regular file (a link or directory?)`,
    );
  const want = manifest.weights.byteLength;
  const fd = openSync(weightsPath, 'r');
  const buffers = new Map<string, Float32Array | Float64Array>();
  try {
    const size = fstatSync(fd).size;
    if (size !== want) {
      const beyond = manifest.weights.buffers.find((b) => b.offset + bufferBytes(b) > size);
      throw new RangeError(
        `loadCheckpoint: ${weightsPath} is ${size} bytes, the manifest says ${want} (${size < want ? 'truncated' : 'extra bytes'})${beyond ? `; buffer ${beyond.name} (bytes ${beyond.offset}–${beyond.offset + bufferBytes(beyond)}) is incomplete` : ''}`,
      );
    }
    for (const b of manifest.weights.buffers) {
      const n = bufferElements(b);
      const arr = b.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      const bytes = new Uint8Array(arr.buffer);
      const got = readAll(fd, bytes, b.offset);
      if (got !== bytes.length)
        throw new RangeError(
          `loadCheckpoint: ${weightsPath}: buffer ${b.name} (bytes ${b.offset}–${b.offset + bytes.length}) is truncated: read ${got} bytes`,
        );
      if (sha256(bytes) !== b.sha256)
        throw new RangeError(
          `loadCheckpoint: ${weightsPath}: buffer ${b.name} (bytes ${b.offset}–${b.offset + bytes.length}) fails its SHA-256 check: the file is corrupt or was altered`,
        );
      if (!LE) {
        const swapped = leBytes(arr); // the same permutation converts back
        bytes.set(swapped);
      }
      buffers.set(b.name, arr);
    }
  } finally {
    closeSync(fd);
  }
  const ck = new LoadedCheckpoint(root, manifest, buffers);
  if (targets) ck.restore(targets);
  return ck;
}
