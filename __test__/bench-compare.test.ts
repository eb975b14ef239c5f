/**
 * The suite's comparison with its previous results (benchmarks/lib/compare.mjs): like is
 * compared with like (same section, case and implementation), and only a loss beyond both
 * spreads and beyond 5% counts as slower.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compareWithPrevious, figuresOf } from '../benchmarks/lib/compare.mjs';

const dir = join(mkdtempSync(join(tmpdir(), 'descent-compare-')), 'benchmarks', 'results');
afterAll(() => rmSync(join(dir, '..', '..'), { recursive: true, force: true }));

const m = (median: number, spread = 0.02) => ({ available: true, gflops: { median, spread } });
const suite = (startedAt: string, mode: string, rows: object[]) => ({
  benchmark: 'suite',
  mode,
  startedAt,
  sections: ['gemm'],
  machine: { cpu: 'x', logicalCores: 2, loadAvg: [1, 1, 1] },
  gemm: { available: true, rows },
});

describe('comparison with the previous results', () => {
  it('lists the figures slower beyond the noise, against the newest earlier run of the mode on the machine', () => {
    mkdirSync(dir, { recursive: true });
    const row = (impls: object) => ({ m: 64, k: 64, n: 64, impls });
    // older quick run (superseded), newest earlier quick run, a full run (other mode)
    const files: [string, object][] = [
      ['suite-quick-a.json', suite('2026-01-01T00:00:00Z', 'quick', [row({ native: m(10) })])],
      [
        'suite-quick-b.json',
        suite('2026-01-02T00:00:00Z', 'quick', [
          row({ native: m(100), js: m(10), 'tfjs-wasm': m(5, 0.5) }),
        ]),
      ],
      ['suite-full-c.json', suite('2026-01-03T00:00:00Z', 'full', [row({ native: m(1000) })])],
      // a newer quick run on another CPU: not a baseline
      [
        'suite-quick-d.json',
        {
          ...suite('2026-01-03T12:00:00Z', 'quick', [row({ native: m(1) })]),
          machine: { cpu: 'y', logicalCores: 2, loadAvg: [0, 0, 0] },
        },
      ],
    ];
    for (const [f, r] of files) writeFileSync(join(dir, f), JSON.stringify(r));
    const now = suite('2026-01-04T00:00:00Z', 'quick', [
      // native: −20% (slower); js: −3% (under 5%); tfjs-wasm: −40% but spreads of 50%
      row({ native: m(80), js: m(9.7), 'tfjs-wasm': m(3, 0.5) }),
      { m: 128, k: 128, n: 128, impls: { native: m(1) } }, // no earlier case: not compared
    ]);
    const cmp = compareWithPrevious(now, null, dir);
    expect(cmp.baselines.map((b) => b.file)).toEqual(['benchmarks/results/suite-quick-b.json']);
    expect(cmp.compared).toBe(3);
    expect(cmp.slower.map((s) => [s.key, +s.change.toFixed(3), s.ours])).toEqual([
      ['gemm 64x64x64 native', -0.2, true],
    ]);
    expect(cmp.faster).toEqual([]);
  });

  it('keys figures by section, case and implementation; times count lower-is-better', () => {
    const f = figuresOf({
      autograd: {
        available: true,
        overhead: [{ case: 'add16-nograd', descentUs: { median: 2, spread: 0.1 } }],
      },
    });
    expect([...f.keys()]).toEqual(['autograd add16-nograd descent']);
    expect(f.get('autograd add16-nograd descent')?.higherIsBetter).toBe(false);
  });
});
