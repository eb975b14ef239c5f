/**
 * The plain wasm build's linear memory (the copying path): growth (which detaches every view
 * of the old buffer) never leaves a caller-held array stale, an allocation past the module's
 * limit is a RangeError naming the size, and a failed call writes nothing. The shared build
 * is in wasm-shared-memory.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { jsKernels } from '../src/backend/js/index.js';
import { backend } from '../src/backend/select.js';
import type { WasmExports } from '../src/backend/wasm/exports.js';
import { wasmKernels } from '../src/backend/wasm/kernels.js';
import { loadWasmBuild } from '../src/backend/wasm/load.js';
import { WASM_MEMORY_LIMIT, wasmAlloc } from '../src/backend/wasm/marshal.js';

function exportsUnderTest(): WasmExports {
  const w = loadWasmBuild('plain');
  if ('error' in w) throw new Error(`the wasm module did not load (${w.error})`);
  return w.exports;
}

const e = exportsUnderTest();
const seq = (n: number, f: (i: number) => number) =>
  Float32Array.from({ length: n }, (_, i) => f(i));

describe('wasm linear memory (plain build)', () => {
  it('grows for large arguments; arrays held from before stay attached and correct', () => {
    const k = wasmKernels(e);
    const small = seq(1000, (i) => i - 500);
    const held = new Float32Array(1000);
    k.unary('relu', held, small, 0, 0);
    const before = e.memory.buffer;
    const bytesBefore = before.byteLength;

    // More than the whole current memory: the scratch block cannot fit without growing.
    const n = bytesBefore / 4 + 1_000_003;
    const x = seq(n, (i) => (i % 7) - 3);
    const out = new Float32Array(n);
    k.unary('relu', out, x, 0, 0);

    expect(e.memory.buffer).not.toBe(before); // grown: the old buffer is detached
    expect(before.byteLength).toBe(0);
    expect(e.memory.buffer.byteLength).toBeGreaterThan(bytesBefore);
    const want = new Float32Array(n);
    jsKernels.unary('relu', want, x, 0, 0);
    expect(Buffer.from(out.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    // The caller's arrays never were views of linear memory, so growth left them intact.
    expect(held.length).toBe(1000);
    expect(held[999]).toBe(499);
    expect(held[0]).toBe(0);
    // And the kernels keep working on the new buffer.
    const again = new Float32Array(1000);
    k.unary('relu', again, small, 0, 0);
    expect(Array.from(again)).toEqual(Array.from(held));
  });

  it('results the wasm backend returns are ordinary arrays, never views of linear memory', () => {
    const b = backend('wasm');
    const x = seq(5000, (i) => Math.sin(i));
    const y = b.gelu(x);
    const c = new Float32Array(64 * 16);
    const m = b.gemm(seq(64 * 32, Math.cos), seq(32 * 16, Math.sin), c, { m: 64, n: 16, k: 32 });
    expect(m).toBe(c);
    expect(c.some((v) => v !== 0)).toBe(true);
    for (const r of [y, m]) expect(r.buffer).not.toBe(e.memory.buffer);
  });

  it('an allocation past the limit is a RangeError naming the size', () => {
    const bytes = 5 * 2 ** 30;
    expect(() => wasmAlloc(e, bytes, 'gemm')).toThrow(RangeError);
    expect(() => wasmAlloc(e, bytes, 'gemm')).toThrow(
      new RegExp(
        `^gemm: cannot allocate ${bytes} bytes in WebAssembly memory.*limit is ${WASM_MEMORY_LIMIT} bytes`,
      ),
    );
  });

  it('when the scratch cannot be allocated, the call throws before writing anything', () => {
    const full: WasmExports = { ...e, descent_alloc: () => 0 };
    const k = wasmKernels(full);
    const c = new Float32Array(64 * 64).fill(7);
    const a = seq(64 * 64, Math.sin);
    expect(() => k.gemm(false, false, 64, 64, 64, 1, a, a, 0, c)).toThrow(RangeError);
    expect(() => k.gemm(false, false, 64, 64, 64, 1, a, a, 0, c)).toThrow(
      /gemm: cannot allocate 32768 bytes/,
    );
    expect(c.every((v) => v === 7)).toBe(true);
  });

  it('a kernel refusal (optimStep segments) is an Error and leaves params and state unchanged', () => {
    const k = wasmKernels(e);
    const p = seq(600, Math.cos);
    const g = seq(600, Math.sin);
    const m = new Float32Array(600).fill(0.5);
    const v = new Float32Array(600).fill(0.25);
    const [p0, m0, v0] = [p.slice(), m.slice(), v.slice()];
    const h = Float64Array.of(1e-3, 0.9, 0.999, 1e-8, 1e-8, 0, 0, 1); // lamb
    expect(() => k.optimStep('lamb', p, g, [m, v], h, Uint32Array.of(100, 100))).toThrow(
      'optimStep: segments must sum to the group length 600',
    );
    expect([p, m, v].map((a) => Array.from(a))).toEqual([p0, m0, v0].map((a) => Array.from(a)));
  });
});
