/**
 * Smoke test of benchmarks/attention.mjs (--smoke: tiny sizes, one round): it finishes and its
 * JSON holds every case with every implementation measured, or not with a reason (PyTorch when
 * torch cannot be imported). It asserts no speed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'descent-attention-smoke-'));

beforeAll(() => buildDist());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('benchmarks/attention.mjs --smoke runs every case and records every implementation', () => {
  const json = join(dir, 'attention.json');
  const r = spawnSync(
    process.execPath,
    [join(root, 'benchmarks', 'attention.mjs'), '--smoke', '--json', json],
    { cwd: root, encoding: 'utf8', timeout: 100_000 },
  );
  expect(r.status, r.stderr).toBe(0);
  const res = JSON.parse(readFileSync(json, 'utf8'));
  expect(res.results.map((c: { case: string }) => c.case)).toEqual([
    'mha, weights',
    'mha, causal',
    'groupnorm',
  ]);
  for (const c of res.results) {
    for (const impl of ['native', 'native composite']) {
      expect(c.ms[impl].median, `${c.case} ${impl}`).toBeGreaterThan(0);
    }
    const torch = c.ms.pytorch;
    if (res.pytorch.available) {
      expect(torch.median, `${c.case} pytorch`).toBeGreaterThan(0);
      expect(c.pytorchOverNative.median).toBeGreaterThan(0);
    } else expect(res.pytorch.reason).toMatch(/torch/);
    expect(c.compositeOverFused.median).toBeGreaterThan(0);
  }
  expect(res.loadAverage.before).toHaveLength(3);
  expect(r.stdout).toMatch(/PyTorch \/ native/);
});
