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
import { describe } from '../backend/validate.js';
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
  CHECKPOINT_VERSION,
  type CheckpointManifest,
  type LayerDescription,
  LIMITS,
  MANIFEST_FILE,
  type StateEntry,
  validateManifest,
  WEIGHTS_FILE,
} from './checkpoint-manifest.js';
import { layerConfig, layerRng, walkLayers } from './introspect.js';

export type { CheckpointManifest } from './checkpoint-manifest.js';

export interface SaveCheckpointOptions {
  model: Model;
  optimizer?: OptimizerLike;
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

export interface RestoreTargets {
  model: Model;
  /** Restored when given (the checkpoint must hold an optimizer state of the same class). */
  optimizer?: OptimizerLike;
  scheduler?: SchedulerLike;
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

/** Saves a checkpoint into the directory `dir` atomically (see the file header). */
export function saveCheckpoint(dir: string, options: SaveCheckpointOptions): void {
  const fn = 'saveCheckpoint';
  if (typeof dir !== 'string' || dir.length === 0)
    throw new TypeError(`${fn}: dir must be a non-empty path, got ${describe(dir)}`);
  if (options === null || typeof options !== 'object')
    throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
  const { model, optimizer, scheduler } = options;
  if (!model || !(model.params instanceof Float32Array) || typeof model.parameters !== 'function')
    throw new TypeError(`${fn}: option model must be a Model, got ${describe(model)}`);
  const epoch = options.epoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    throw new RangeError(`${fn}: option epoch must be an integer ≥ 0, got ${describe(epoch)}`);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new RangeError(`${fn}: option seed must be an integer ≥ 0, got ${describe(seed)}`);

  // Everything to write, in file order.
  const pending: Array<{ entry: Omit<BufferEntry, 'offset' | 'sha256'>; bytes: Uint8Array }> = [];
  for (const p of model.parameters())
    pending.push({
      entry: { name: p.name, role: 'param', dtype: 'float32', shape: [...p.shape] },
      bytes: leBytes(p.data),
    });
  for (const b of model.stateBuffers())
    pending.push({
      entry: { name: b.name, role: 'state', dtype: 'float32', shape: [b.data.length] },
      bytes: leBytes(b.data),
    });
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

  const layers = walkLayers(model.net);
  const architecture = {
    inputShape: [...model.inputShape],
    outputShape: [...model.outputShape],
    paramCount: model.paramCount,
    layers: layers.map(
      ({ layer, path }): LayerDescription => ({
        path,
        className: layer.constructor.name,
        name: layer.name,
        config: plain(layerConfig(layer)) as Record<string, unknown> | null,
        inputShape: [...layer.inputShape],
        outputShape: [...layer.outputShape],
        params: layer.paramSpecs().map((s) => (path ? `${path}.${s.name}` : s.name)),
      }),
    ),
  };
  const rngLayers = layers
    .map(({ layer, path }) => ({ path, rng: layerRng(layer) }))
    .filter((l): l is { path: string; rng: Rng } => l.rng !== null)
    .map(({ path, rng }) => ({ path, state: Array.from(rng.state) }));

  let offset = 0;
  const buffers: BufferEntry[] = pending.map(({ entry, bytes }) => {
    const e: BufferEntry = { ...entry, offset, sha256: sha256(bytes) };
    offset += bytes.length;
    return e;
  });
  const manifest: CheckpointManifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch,
    architecture,
    weights: { file: WEIGHTS_FILE, byteLength: offset, buffers },
    optimizer: optimizerEntry,
    scheduler: schedulerEntry,
    rng: { seed, epoch, layers: rngLayers },
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
    readonly manifest: CheckpointManifest,
    buffers: Map<string, Float32Array | Float64Array>,
  ) {
    this.buffers = buffers;
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
    const { model, optimizer, scheduler } = targets;
    if (!model || !(model.params instanceof Float32Array))
      throw new TypeError(`${fn}: restore needs a model, got ${describe(model)}`);
    const m = this.manifest;
    const copies: Array<[Float32Array, Float32Array]> = [];
    const saved = (role: 'param' | 'state') =>
      m.weights.buffers.filter((b) => b.role === role).map((b) => b.name);
    const check = (
      role: 'param' | 'state',
      list: ReadonlyArray<{ name: string; data: Float32Array; shape?: readonly number[] }>,
    ) => {
      const names = saved(role);
      const what = role === 'param' ? 'parameter' : 'state buffer';
      for (const p of list) {
        const b = this.buffers.get(p.name);
        const entry = m.weights.buffers.find((e) => e.name === p.name && e.role === role);
        if (!entry || !(b instanceof Float32Array))
          throw new RangeError(
            `${fn}: the checkpoint has no ${what} ${p.name} (it has ${names.join(', ') || 'none'}): a different architecture?`,
          );
        const shape = p.shape ?? [p.data.length];
        if (b.length !== p.data.length || entry.shape.join(',') !== shape.join(','))
          throw new RangeError(
            `${fn}: ${what} ${p.name} has shape [${entry.shape.join(', ')}] in the checkpoint, [${shape.join(', ')}] in the model`,
          );
        copies.push([p.data, b]);
      }
      const have = new Set(list.map((p) => p.name));
      const extra = names.filter((n) => !have.has(n));
      if (extra.length > 0)
        throw new RangeError(
          `${fn}: the checkpoint has ${what}s the model lacks: ${extra.join(', ')}`,
        );
    };
    check('param', model.parameters());
    check('state', model.stateBuffers());

    const layers = new Map(walkLayers(model.net).map((l) => [l.path, l.layer]));
    const rngs: Array<[Rng, number[]]> = [];
    for (const { path, state } of m.rng.layers) {
      const layer = layers.get(path);
      const rng = layer ? layerRng(layer) : null;
      if (!rng)
        throw new RangeError(
          `${fn}: the checkpoint has a generator state for layer ${JSON.stringify(path)}, which has no generator in this model`,
        );
      rngs.push([rng, state]);
    }
    const withRng = [...layers].filter(([, l]) => layerRng(l) !== null).map(([p]) => p);
    const savedRng = new Set(m.rng.layers.map((l) => l.path));
    const missing = withRng.filter((p) => !savedRng.has(p));
    if (missing.length > 0)
      throw new RangeError(
        `${fn}: layers ${missing.map((p) => JSON.stringify(p)).join(', ')} draw random numbers but the checkpoint has no generator state for them`,
      );

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
