/**
 * DESCENT_FLUSH_DENORMAL=1 (torch.set_flush_denormal(True)): native kernels flush subnormal
 * results to zero on every thread alike, JavaScript on the calling thread keeps IEEE
 * subnormals, and without the variable nothing is flushed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeUnderTest } from './helpers/backends.js';

const root = join(import.meta.dirname, '..');
const lib = pathToFileURL(join(root, 'dist', 'index.js')).href;
const script = join(root, '__test__', 'fixtures', 'flush-denormal.mjs');
const n = 300_000;
/** 1e-310 · 1.5 in IEEE doubles (subnormal: not exactly 1.5e-310); 0 if the thread had DAZ. */
const jsSubnormal = new Float64Array([1e-310])[0] * 1.5;

function run(env: Record<string, string>) {
  const { DESCENT_FLUSH_DENORMAL: _, ...base } = process.env;
  const out = execFileSync(process.execPath, [script, lib], {
    env: { ...base, DESCENT_BACKEND: 'native', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim());
}

describe('flushing subnormals (native)', () => {
  it('is off by default: the subnormal first moments are kept', () => {
    nativeUnderTest(); // a missing addon fails here with the loader's reason
    const r = run({ DESCENT_THREADS: '2' });
    expect(jsSubnormal).toBeGreaterThan(0);
    expect(r).toMatchObject({ flush: false, subnormal: n, zero: 0, jsSubnormal });
  });

  it('with DESCENT_FLUSH_DENORMAL=1 flushes them on 1 and 2 threads alike, not in JS', () => {
    const off = run({ DESCENT_THREADS: '2' });
    const one = run({ DESCENT_FLUSH_DENORMAL: '1', DESCENT_THREADS: '1' });
    const two = run({ DESCENT_FLUSH_DENORMAL: '1', DESCENT_THREADS: '2' });
    for (const r of [one, two]) {
      expect(r).toMatchObject({ flush: true, subnormal: 0, zero: n, jsSubnormal });
      // the update a subnormal moment would have made is far below the parameters' precision
      expect(r.params).toBe(off.params);
    }
  });

  it('refuses a value other than 0 or 1, naming the variable, instead of ignoring it', () => {
    expect(run({ DESCENT_FLUSH_DENORMAL: '0' }).flush).toBe(false);
    expect(() => run({ DESCENT_FLUSH_DENORMAL: 'true' })).toThrow(
      /DESCENT_FLUSH_DENORMAL must be 0 or 1, got "true"/,
    );
  });
});
