/**
 * The shared wasm build (wasm/descent-mt.wasm): arenas live in the module's shared memory
 * and are passed to kernels in place. Its growth never detaches a view, so an arena held
 * across growth stays valid; foreign SharedArrayBuffers are still refused; an arena past the
 * limit is a RangeError naming the size; training is bit-identical to the plain (copying)
 * build; an arena's block is freed once no view of it is reachable, and not before.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, setBackend, setMinNativeLength } from '../src/backend/select.js';
import type { WasmExports } from '../src/backend/wasm/exports.js';
import { wasmKernels } from '../src/backend/wasm/kernels.js';
import { loadWasm, loadWasmBuild } from '../src/backend/wasm/load.js';
import { wasmAlloc } from '../src/backend/wasm/marshal.js';
import { allocArena } from '../src/memory.js';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');

function sharedExports(): WasmExports {
  const w = loadWasmBuild('shared');
  if ('error' in w) throw new Error(`the shared wasm module did not load (${w.error})`);
  return w.exports;
}

const e = sharedExports();
const initial = getBackend().name;
const prevMin = setMinNativeLength(0);
afterAll(() => {
  setBackend(initial);
  setMinNativeLength(prevMin);
});

/** The shared exports with every allocation and every `unary` pointer recorded. */
function spied() {
  const allocs: number[] = [];
  const unaryPtrs: number[][] = [];
  const s: WasmExports = {
    ...e,
    descent_alloc: (bytes: number) => {
      allocs.push(bytes);
      return e.descent_alloc(bytes);
    },
    unary: (op, out, x, n, a, b) => {
      unaryPtrs.push([out, x]);
      return e.unary(op, out, x, n, a, b);
    },
  };
  return { s, allocs, unaryPtrs };
}

describe('wasm shared memory', () => {
  it('Node loads the shared build by default', () => {
    const w = loadWasm();
    expect('exports' in w && w.exports).toBe(e);
    expect(e.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it('an arena view survives memory growth and is still passed in place', () => {
    setBackend('wasm');
    const [a, b] = allocArena([1000, 3000], 'test arena');
    expect(a.buffer).toBe(e.memory.buffer);
    a.set(Float32Array.from({ length: 1000 }, (_, i) => i - 500));
    const before = a.buffer;
    const bytesBefore = before.byteLength;

    // A block bigger than the whole current memory forces growth.
    const big = wasmAlloc(e, bytesBefore + 8 * 2 ** 20, 'test');
    e.descent_free(big, bytesBefore + 8 * 2 ** 20);
    expect(e.memory.buffer).not.toBe(before);
    expect(e.memory.buffer.byteLength).toBeGreaterThan(bytesBefore);
    // Not detached: the old buffer keeps its length and the views their contents.
    expect(before.byteLength).toBe(bytesBefore);
    expect(a.length).toBe(1000);
    expect(a[0]).toBe(-500);
    expect(a[999]).toBe(499);

    // A kernel on the old-buffer views: in place (no scratch, the views' own addresses),
    // and its result is visible through them.
    const { s, allocs, unaryPtrs } = spied();
    wasmKernels(s).unary('relu', b.subarray(0, 1000), a, 0, 0);
    expect(allocs).toEqual([]);
    expect(unaryPtrs).toEqual([[b.byteOffset, a.byteOffset]]);
    expect(b[0]).toBe(0);
    expect(b[999]).toBe(499);
    expect(b[1000]).toBe(0);
    // And through a fresh view of the grown memory at the same address.
    expect(new Float32Array(e.memory.buffer, b.byteOffset, 1000)[600]).toBe(100);
  });

  it('a plain array is still copied in and out of the shared build', () => {
    const { s, allocs } = spied();
    const x = Float32Array.from({ length: 600 }, (_, i) => i - 300);
    const out = new Float32Array(600);
    wasmKernels(s).unary('relu', out, x, 0, 0);
    expect(allocs.length).toBe(1);
    expect(out[299]).toBe(0);
    expect(out[599]).toBe(299);
  });

  it('an arena view given to another instance (the plain build) is copied, not passed by address', () => {
    setBackend('wasm');
    const [a, b] = allocArena([600, 600]);
    a.set(Float32Array.from({ length: 600 }, (_, i) => i - 300));
    const p = loadWasmBuild('plain');
    if ('error' in p) throw new Error(p.error);
    wasmKernels(p.exports).unary('relu', b, a, 0, 0);
    expect(b[0]).toBe(0);
    expect(b[599]).toBe(299);
    expect(a[599]).toBe(299);
  });

  it('arena views are accepted on every backend; a foreign SharedArrayBuffer is refused', () => {
    setBackend('wasm');
    const [x] = allocArena([512]);
    x.fill(-2);
    for (const name of ['js', 'native', 'wasm'] as const) {
      const y = setBackend(name).relu(x);
      expect(y.every((v) => v === 0)).toBe(true);
    }
    const foreign = new Float32Array(new SharedArrayBuffer(512 * 4));
    for (const name of ['js', 'native', 'wasm'] as const) {
      expect(() => setBackend(name).relu(foreign)).toThrow(
        /^unary\(relu\): argument x is backed by a SharedArrayBuffer; kernels need memory no other thread writes/,
      );
    }
  });

  it('an arena past the limit is a RangeError naming the size; nothing is allocated', () => {
    setBackend('wasm');
    const before = e.memory.buffer.byteLength;
    const n = 2 ** 30; // two arrays of 4 GiB each
    expect(() => allocArena([n, n], 'Model (2147483648 parameters)')).toThrow(RangeError);
    expect(() => allocArena([n, n], 'Model (2147483648 parameters)')).toThrow(
      /^Model \(2147483648 parameters\): cannot allocate 8192\.0 MiB for 2 float32 array\(s\) of up to 1073741824 elements: cannot allocate 8589934784 bytes in WebAssembly memory \(the module's limit is 4294967296 bytes/,
    );
    expect(e.memory.buffer.byteLength).toBe(before);
  });
});

describe('wasm shared memory, in child processes', () => {
  const distIndex = pathToFileURL(join(root, 'dist', 'index.js')).href;
  const distMemory = pathToFileURL(join(root, 'dist', 'memory.js')).href;
  beforeAll(() => buildDist());

  function child(script: string, env: Record<string, string> = {}, args: string[] = []) {
    const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status, `child failed: ${r.stderr}`).toBe(0);
    return r.stdout.trim();
  }

  // Trains a small MLP with several optimizers and prints the parameters' bits.
  const train = `
const { createHash } = await import('node:crypto');
const m = await import(${JSON.stringify(distIndex)});
m.setBackend('wasm');
const { nn, optim, train, Rng } = m;
const rng = new Rng(3);
const x = rng.normal(256 * 8, 0, 1);
const y = Int32Array.from({ length: 256 }, (_, i) => i % 4);
const out = {};
for (const [name, make] of [
  ['Adam', (p) => new optim.Adam(p, { lr: 0.01 })],
  ['AdamW', (p) => new optim.AdamW(p, { lr: 0.01, weightDecay: 0.1 })],
  ['SGD', (p) => new optim.SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true })],
  ['LAMB', (p) => new optim.LAMB(p, { lr: 0.01 })],
  ['Lion', (p) => new optim.Lion(p, { lr: 0.001 })],
]) {
  const model = new nn.Model(
    new nn.Sequential([new nn.Linear(8, 300), new nn.ReLU(), new nn.Linear(300, 4)]),
    [8],
    { seed: 5 },
  );
  const data = new train.MemoryDataset(x, y, 256, [8], null, 4);
  train.fit(model, data, {
    optimizer: make(model.parameters()),
    loss: new nn.losses.CrossEntropyLoss(),
    epochs: 2,
    batchSize: 32,
    verbose: 0,
  });
  const p = model.parameters().map((t) => t.data);
  out[name] = {
    shared: p[0].buffer instanceof SharedArrayBuffer,
    bits: createHash('sha256')
      .update(p.map((d) => Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64')).join(','))
      .digest('hex'),
  };
}
process.stdout.write(JSON.stringify(out));
`;

  it('training on the shared build is bit-identical to the plain (copying) build', () => {
    const shared = JSON.parse(
      child(train, { DESCENT_WASM_PATH: join(root, 'wasm', 'descent-mt.wasm') }),
    );
    const plain = JSON.parse(
      child(train, { DESCENT_WASM_PATH: join(root, 'wasm', 'descent.wasm') }),
    );
    expect(Object.keys(shared)).toEqual(['Adam', 'AdamW', 'SGD', 'LAMB', 'Lion']);
    for (const k of Object.keys(shared)) {
      expect(shared[k].shared, k).toBe(true);
      expect(plain[k].shared, k).toBe(false);
      expect(shared[k].bits, k).toBe(plain[k].bits);
    }
  });

  it('an arena is freed once no view of it is reachable, and not while a sub-view is', () => {
    const script = `
const m = await import(${JSON.stringify(distIndex)});
const { allocArena } = await import(${JSON.stringify(distMemory)});
m.setBackend('wasm');
const tick = () => new Promise((r) => setTimeout(r, 10));
async function collect() { for (let i = 0; i < 5; i++) { globalThis.gc(); await tick(); } }
const N = 1 << 20;
// 1. Only a sub-view is kept: the block stays allocated, its contents intact.
let [a] = allocArena([N]);
const at = a.byteOffset;
const sub = a.subarray(10, 20).subarray(2, 4);
sub.fill(7);
a = null;
await collect();
const [b] = allocArena([N]);
const kept = b.byteOffset !== at && sub[0] === 7 && sub[1] === 7;
// 2. Nothing kept: the next arena of that size reuses the block.
let [c] = allocArena([N]);
const cAt = c.byteOffset;
c = null;
await collect();
const [d] = allocArena([N]);
process.stdout.write(JSON.stringify({ kept, reused: d.byteOffset === cAt, subAlive: sub.length }));
`;
    const out = JSON.parse(child(script, {}, ['--expose-gc']));
    expect(out).toEqual({ kept: true, reused: true, subAlive: 2 });
  });
});
