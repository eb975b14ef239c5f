/**
 * Backend selection: the default, `setBackend` and the `ops` proxy, `backend(name)`, the SIMD
 * cap, `setMinNativeLength`, and (in child processes running the built `dist/`) the
 * `DESCENT_BACKEND`, `DESCENT_NATIVE_PATH` and `DESCENT_WASM_PATH` environment variables.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsKernels } from '../src/backend/js/index.js';
import { loadNative, type NativeBinding } from '../src/backend/native.js';
import {
  BACKEND_NAMES,
  type Backend,
  backend,
  getBackend,
  ops,
  setBackend,
  setMinNativeLength,
  setSimd,
  wasmAvailable,
} from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { buildDist } from './helpers/dist.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SIMD_LEVELS = ['avx512', 'avx2', 'neon', 'scalar'];

function binding(): NativeBinding {
  const n = loadNative();
  if ('error' in n) throw new Error(`the native addon did not load: ${n.error}`);
  return n.binding;
}

describe('in-process selection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    setBackend('native');
  });

  it('defaults to native when the addon is built and DESCENT_BACKEND is unset', () => {
    expect(process.env.DESCENT_BACKEND ?? '', 'run this suite without DESCENT_BACKEND').toBe('');
    expect(getBackend().name).toBe('native');
    expect(getBackend()).toBe(backend('native'));
  });

  it('info() describes the native backend', () => {
    const i = getBackend().info();
    expect(i.name).toBe('native');
    expect(SIMD_LEVELS).toContain(i.simd);
    expect(SIMD_LEVELS).toContain(i.detectedSimd);
    expect(Number.isInteger(i.threads) && i.threads >= 1).toBe(true);
    expect(Number.isInteger(i.minNativeLength) && i.minNativeLength >= 0).toBe(true);
    const j = backend('js').info();
    expect(j).toMatchObject({ name: 'js', simd: 'none', threads: 1 });
    expect(j.detectedSimd).toBe(i.detectedSimd);
  });

  it('setBackend switches what the ops proxy runs', () => {
    const prevMin = setMinNativeLength(0);
    try {
      const js = vi.spyOn(jsKernels, 'sum');
      const nat = vi.spyOn(binding(), 'sum');
      const x = new Float32Array([1, 2, 3, 4]);

      expect(setBackend('js').name).toBe('js');
      expect(getBackend().name).toBe('js');
      expect(ops.sum(x)).toBe(10);
      expect(js).toHaveBeenCalledTimes(1);
      expect(nat).not.toHaveBeenCalled();
      expect(Object.keys(ops)).toEqual(Object.keys(backend('js')));
      expect('gelu' in ops).toBe(true);

      expect(setBackend('native').name).toBe('native');
      expect(ops.sum(x)).toBe(10);
      expect(nat).toHaveBeenCalledTimes(1);
      expect(js).toHaveBeenCalledTimes(1);
      expect((ops as unknown as Backend).info().name).toBe('native');

      // Rng draws through the active backend too.
      const jsRng = vi.spyOn(jsKernels, 'rngUniform');
      const natRng = vi.spyOn(binding(), 'rngUniform');
      setBackend('js');
      new Rng(1).uniform(4);
      expect([jsRng.mock.calls.length, natRng.mock.calls.length]).toEqual([1, 0]);
      setBackend('native');
      new Rng(1).uniform(4);
      expect([jsRng.mock.calls.length, natRng.mock.calls.length]).toEqual([1, 1]);
    } finally {
      setMinNativeLength(prevMin);
    }
  });

  it('small native-backend calls run in JS below minNativeLength', () => {
    const prevMin = setMinNativeLength(1000);
    try {
      const js = vi.spyOn(jsKernels, 'sum');
      const nat = vi.spyOn(binding(), 'sum');
      backend('native').sum(new Float32Array(10));
      expect(js).toHaveBeenCalledTimes(1);
      expect(nat).not.toHaveBeenCalled();
      backend('native').sum(new Float32Array(1000));
      expect(nat).toHaveBeenCalledTimes(1);
    } finally {
      setMinNativeLength(prevMin);
    }
  });

  it('unknown backend names are a TypeError listing the valid ones', () => {
    for (const f of [() => backend('cuda' as never), () => setBackend('cuda' as never)]) {
      expect(f).toThrow(TypeError);
      expect(f).toThrow(/backend: name must be one of js, native, wasm, got string "cuda"/);
    }
    expect(() => backend('JS' as never)).toThrow(/did you mean "js"/);
    expect(() => backend(undefined as never)).toThrow(TypeError);
    expect(getBackend().name).toBe('native'); // a refused setBackend changes nothing
    expect(BACKEND_NAMES).toEqual(['js', 'native', 'wasm']);
  });

  it("setBackend('wasm') runs the ops through the wasm module (simd128)", () => {
    const prevMin = setMinNativeLength(0);
    try {
      const js = vi.spyOn(jsKernels, 'sum');
      expect(wasmAvailable()).toEqual({ ok: true });
      expect(setBackend('wasm').name).toBe('wasm');
      expect(getBackend().info()).toMatchObject({ name: 'wasm', simd: 'simd128', threads: 1 });
      expect(ops.sum(new Float32Array([1, 2, 3, 4]))).toBe(10);
      expect(js).not.toHaveBeenCalled();
      expect(Array.from(ops.relu(Float32Array.of(-1, 2)))).toEqual([0, 2]);
    } finally {
      setMinNativeLength(prevMin);
    }
  });

  it('setMinNativeLength refuses negative and fractional values and returns the previous one', () => {
    const prev = setMinNativeLength(7);
    try {
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3']) {
        expect(() => setMinNativeLength(bad as number)).toThrow(RangeError);
        expect(() => setMinNativeLength(bad as number)).toThrow(/setMinNativeLength: n/);
      }
      expect(getBackend().info().minNativeLength).toBe(7);
      expect(setMinNativeLength(0)).toBe(7);
    } finally {
      setMinNativeLength(prev);
    }
  });
});

describe('SIMD cap', () => {
  let detected = '';
  beforeAll(() => {
    detected = setSimd();
  });
  afterAll(() => {
    setSimd();
  });

  it('setSimd("scalar") changes info().simd and keeps gelu within 1e-5 of the best level', () => {
    const prevMin = setMinNativeLength(0);
    try {
      const x = new Rng(123).normal(4099, 0, 3);
      const nat = backend('native');
      expect(nat.info().simd).toBe(detected);
      expect(nat.info().detectedSimd).toBe(detected);
      const best = nat.gelu(x);
      const bestBack = nat.geluBackward(x, new Float32Array(x.length).fill(1));

      expect(setSimd('scalar')).toBe('scalar');
      expect(nat.info().simd).toBe('scalar');
      expect(nat.info().detectedSimd).toBe(detected);
      const scalar = nat.gelu(x);
      const scalarBack = nat.geluBackward(x, new Float32Array(x.length).fill(1));
      for (let i = 0; i < x.length; i++) {
        expect(Math.abs(scalar[i] - best[i])).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(best[i])),
        );
        expect(Math.abs(scalarBack[i] - bestBack[i])).toBeLessThanOrEqual(
          1e-5 * Math.max(1, Math.abs(bestBack[i])),
        );
      }

      expect(setSimd()).toBe(detected);
      expect(nat.info().simd).toBe(detected);
      const again = nat.gelu(x);
      expect(Buffer.from(again.buffer).equals(Buffer.from(best.buffer))).toBe(true);
    } finally {
      setMinNativeLength(prevMin);
      setSimd();
    }
  });

  it('refuses unknown levels (TypeError listing them) and levels the CPU lacks', () => {
    expect(() => setSimd('sse4' as never)).toThrow(TypeError);
    expect(() => setSimd('sse4' as never)).toThrow(
      /setSimd: level must be one of scalar, avx2, avx512, neon/,
    );
    const foreign = detected === 'neon' ? 'avx2' : 'neon';
    expect(() => setSimd(foreign)).toThrow(/not supported/);
    expect(getBackend().info().simd).toBe(detected);
  });
});

// ---------------------------------------------------------------------------------------------
// Environment variables, read once per process: each case runs in a fresh node process that
// imports the built package (dist/index.js).

describe('environment variables (child processes on dist/)', () => {
  const distIndex = join(root, 'dist', 'index.js');
  let dir = '';
  let script = '';

  beforeAll(() => {
    buildDist();
    dir = mkdtempSync(join(tmpdir(), 'descent-env-'));
    script = join(dir, 'probe.mjs');
    writeFileSync(
      script,
      `const m = await import(${JSON.stringify(pathToFileURL(distIndex).href)});
const out = {};
try {
  out.sum = m.ops.sum(new Float32Array([1, 2, 3])); // the first op chooses the backend
  m.ops.gelu(new Float32Array(4));
  out.name = m.getBackend().name;
  out.simd = m.getBackend().info().simd;
} catch (e) {
  out.error = { cls: e.constructor.name, message: e.message };
}
process.stdout.write(JSON.stringify(out));
`,
    );
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function probe(env: Record<string, string>) {
    const childEnv: Record<string, string | undefined> = { ...process.env };
    delete childEnv.DESCENT_BACKEND;
    delete childEnv.DESCENT_NATIVE_PATH;
    delete childEnv.DESCENT_WASM_PATH;
    const r = spawnSync(process.execPath, [script], {
      env: { ...childEnv, ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, `child failed: ${r.stderr}`).toBe(0);
    return {
      out: JSON.parse(r.stdout) as {
        sum?: number;
        name?: string;
        simd?: string;
        error?: { cls: string; message: string };
      },
      stderr: r.stderr,
    };
  }

  it('no variables: native, silently', () => {
    const { out, stderr } = probe({});
    expect(out).toMatchObject({ name: 'native', sum: 6 });
    expect(SIMD_LEVELS).toContain(out.simd);
    expect(stderr).toBe('');
  });

  it('DESCENT_BACKEND=js: js, no notice on stderr', () => {
    const { out, stderr } = probe({ DESCENT_BACKEND: 'js' });
    expect(out).toMatchObject({ name: 'js', sum: 6, simd: 'none' });
    expect(stderr).toBe('');
  });

  it('DESCENT_BACKEND=native: native', () => {
    const { out, stderr } = probe({ DESCENT_BACKEND: 'native' });
    expect(out).toMatchObject({ name: 'native', sum: 6 });
    expect(stderr).toBe('');
  });

  it('DESCENT_BACKEND=bogus: the first op throws a TypeError naming the variable and choices', () => {
    const { out } = probe({ DESCENT_BACKEND: 'bogus' });
    expect(out.sum).toBeUndefined();
    expect(out.error?.cls).toBe('TypeError');
    expect(out.error?.message).toMatch(/DESCENT_BACKEND/);
    expect(out.error?.message).toMatch(/js, native/);
    expect(out.error?.message).toMatch(/"bogus"/);
  });

  it('DESCENT_BACKEND=wasm: wasm with simd128, silently', () => {
    const { out, stderr } = probe({ DESCENT_BACKEND: 'wasm' });
    expect(out).toMatchObject({ name: 'wasm', sum: 6, simd: 'simd128' });
    expect(stderr).toBe('');
  });

  it('an unloadable DESCENT_NATIVE_PATH: wasm, silently (the next backend in order)', () => {
    const { out, stderr } = probe({ DESCENT_NATIVE_PATH: '/nonexistent/binding.cjs' });
    expect(out).toMatchObject({ name: 'wasm', sum: 6, simd: 'simd128' });
    expect(stderr).toBe('');
  });

  it('neither native nor wasm loads: js with exactly one notice line naming both reasons', () => {
    const { out, stderr } = probe({
      DESCENT_NATIVE_PATH: '/nonexistent/binding.cjs',
      DESCENT_WASM_PATH: '/nonexistent/descent.wasm',
    });
    expect(out).toMatchObject({ name: 'js', sum: 6 });
    const lines = stderr.split('\n').filter((l) => l.length > 0);
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/native backend unavailable/);
    expect(lines[0]).toMatch(/\/nonexistent\/binding\.cjs/);
    expect(lines[0]).toMatch(/wasm backend unavailable/);
    expect(lines[0]).toMatch(/descent\.wasm/);
  });

  it('an unloadable DESCENT_WASM_PATH with DESCENT_BACKEND=wasm: an Error saying why', () => {
    const { out } = probe({
      DESCENT_WASM_PATH: '/nonexistent/descent.wasm',
      DESCENT_BACKEND: 'wasm',
    });
    expect(out.sum).toBeUndefined();
    expect(out.error?.cls).toBe('Error');
    expect(out.error?.message).toMatch(/wasm backend cannot load/);
  });

  it('an unloadable DESCENT_NATIVE_PATH with DESCENT_BACKEND=native: an Error saying why', () => {
    const { out } = probe({
      DESCENT_NATIVE_PATH: '/nonexistent/binding.cjs',
      DESCENT_BACKEND: 'native',
    });
    expect(out.sum).toBeUndefined();
    expect(out.error?.cls).toBe('Error');
    expect(out.error?.message).toMatch(/native backend cannot load/);
    expect(out.error?.message).toMatch(/\/nonexistent\/binding\.cjs/); // the reason
  });
});
