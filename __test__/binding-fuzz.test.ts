/**
 * Random calls into the raw native binding (fixtures/binding-fuzz.mjs, in a child process so
 * that an abort shows as the child dying): arguments follow each method's declared parameter
 * types, read from `NativeBinding` in src/backend/native.ts with the TypeScript compiler so the
 * list cannot drift, with hostile values mixed in (wrong types, detached, shared and
 * overlapping buffers, NaN, ±∞, huge numbers, missing and extra arguments). The binding must
 * never take the process down, must throw only Errors with a message, and must leave every
 * typed array unchanged when it throws. bad-input.test.ts holds the one-fault-at-a-time
 * catalogue; this finds combinations nobody listed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeUnderTest } from './helpers/backends.js';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'descent-binding-fuzz-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Methods of the interface `name` in `file`: their parameters' types as written. */
function methods(file: string, name: string) {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: Record<string, string[]> = {};
  const aliases: Record<string, string> = {};
  src.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== name) return;
    for (const m of node.members) {
      const key = m.name?.getText(src) ?? '';
      if (ts.isMethodSignature(m)) {
        out[key] = m.parameters.map((p) => p.type?.getText(src) ?? 'unknown');
      } else if (ts.isPropertySignature(m) && m.type) {
        aliases[key] = m.type.getText(src); // e.g. Kernels['rnnCellForward']
      }
    }
  });
  return { out, aliases };
}

/** `NativeBinding`'s methods and their parameter types, as written in the source (methods
 * declared as `Kernels['name']` resolved through the `Kernels` interface). */
function signatures(): Record<string, string[]> {
  const backend = join(root, 'src', 'backend');
  const { out, aliases } = methods(join(backend, 'native.ts'), 'NativeBinding');
  const kernels = methods(join(backend, 'kernels.ts'), 'Kernels').out;
  for (const [key, type] of Object.entries(aliases)) {
    const m = /^Kernels\['(\w+)'\]$/.exec(type);
    if (!m || !kernels[m[1]]) throw new Error(`cannot resolve NativeBinding.${key}: ${type}`);
    out[key] = kernels[m[1]];
  }
  return out;
}

interface Report {
  stats: Record<string, { returned: number; threw: number; errors: Record<string, number> }>;
  violations: string[];
}

describe('native binding under random calls', () => {
  nativeUnderTest(); // fail here, clearly, if the addon did not build
  const sigs = signatures();
  const sigPath = join(tmp, 'signatures.json');
  writeFileSync(sigPath, JSON.stringify(sigs));

  it('reads the binding signatures from the source', () => {
    expect(Object.keys(sigs).length).toBeGreaterThanOrEqual(44);
    expect(sigs.gruCellBackward.length).toBeGreaterThan(10);
    expect(sigs.gemm).toEqual([
      'boolean',
      'boolean',
      'number',
      'number',
      'number',
      'number',
      'Float32Array',
      'Float32Array',
      'number',
      'Float32Array',
    ]);
  });

  it('what it found stays fixed: a 2^53-column empty batch aborted, a zero RNG state hung', () => {
    // rows = 0 left cols bound by no buffer, and the loss allocated a weight row of that
    // length (an allocation failure aborts: catch_unwind cannot catch it); xoshiro128**
    // stays at zero, so the normal draw's rejection loop never ended.
    const script = `
      const b = require(${JSON.stringify(join(root, 'native', 'binding.cjs'))});
      const e = new Float32Array(0);
      const out = [
        b.crossEntropyLabels(e, new Int32Array(0), null, null, 0, 2 ** 53, 0, -100, 1),
        b.crossEntropyProbs(e, e, null, null, 0, 2 ** 53, 0, 1),
      ];
      try { b.rngNormal(new Uint32Array(4), new Float32Array(2), 0, 1); out.push('no error'); }
      catch (err) { out.push(err.message); }
      console.log(JSON.stringify(out));`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.signal, r.stderr).toBeNull();
    expect(JSON.parse(r.stdout)).toEqual([
      0,
      0,
      'rngNormal: state must not be all zeros (xoshiro128** would stay at zero)',
    ]);
  });

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 20,000 calls, no crash, only Errors, nothing changed when one is thrown`, () => {
      const fixture = join(root, '__test__', 'fixtures', 'binding-fuzz.mjs');
      const r = spawnSync(process.execPath, [fixture, sigPath, String(seed), '20000'], {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
        timeout: 120_000,
      });
      expect(r.signal, r.stderr).toBeNull();
      expect(r.status, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Report;
      expect(report.violations).toEqual([]);
      const stats = Object.values(report.stats);
      for (const s of stats) {
        for (const kind of Object.keys(s.errors)) expect(kind).toMatch(/Error$/);
      }
      // the calls reach the kernels, not only the argument checks
      const reached = Object.entries(report.stats).filter(([, s]) => s.returned > 0);
      expect(reached.length).toBeGreaterThanOrEqual(30);
      expect(stats.reduce((a, s) => a + s.returned, 0)).toBeGreaterThan(0.15 * 20_000);
    });
  }
});
