/**
 * The `meta`, `gan` and `vae` presets of `descent compare` end to end, at the small `--quick`
 * budget on the bundled subset: each writes its table (printed too), a one-sentence finding,
 * results.json with every run, charts as SVG/PNG/Vega-Lite, pictures as valid PNG files, and a
 * self-contained report.html embedding both; flags that do not apply are refused before any
 * work. The numbers of a quick run are not meaningful, so only their presence and ranges are
 * checked (the models' own tests assert training outcomes).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
let tmp = '';

function descent(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, DESCENT_BACKEND: 'native' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  buildDist();
  tmp = mkdtempSync(join(tmpdir(), 'descent-studies-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PNG = [0x89, 0x50, 0x4e, 0x47];

function checkReport(out: string, charts: string[], pictures: string[]) {
  const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  expect(res.finding).toMatch(/\.$/);
  expect(res.interrupted).toBe(false);
  expect(res.table.headers.length).toBeGreaterThan(3);
  expect(res.table.note).toMatch(/One seed per condition/);
  for (const c of charts)
    for (const ext of ['svg', 'png', 'vl.json'])
      expect(existsSync(join(out, `${c}.${ext}`)), `${c}.${ext}`).toBe(true);
  for (const p of pictures)
    expect([...readFileSync(join(out, `${p}.png`)).subarray(0, 4)]).toEqual(PNG);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  expect(html).toContain(esc(res.finding));
  expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(charts.length);
  expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(pictures.length);
  expect(readFileSync(join(out, 'table.txt'), 'utf8')).toMatch(/Each value|One seed/);
  return res;
}

describe('descent compare --preset meta|gan|vae --quick', () => {
  it('vae: ELBO, its parts and active units per optimizer, with and without warm-up; reconstructions and samples', () => {
    const out = join(tmp, 'vae');
    const r = descent([
      'compare',
      '--preset',
      'vae',
      '--quick',
      '--subset',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /condition\s+settings\s+test ELBO \(nats\)\s+reconstruction\s+KL\s+active units/,
    );
    expect(r.out).toMatch(/^Adam, warm-up\s+Adam lr 0\.001, β 0→1 over 8 steps/m);
    const res = checkReport(out, ['elbo', 'loss', 'kl'], ['reconstructions', 'samples']);
    expect(res.runs).toHaveLength(8);
    for (const run of res.runs) {
      const e = run.epochs[0];
      expect(e.elbo).toBeLessThan(0);
      expect(e.elbo).toBeCloseTo(-(e.recon + e.kl), 6);
      expect(run.activeUnits).toBeGreaterThanOrEqual(0);
      expect(run.activeUnits).toBeLessThanOrEqual(16);
    }
    expect(res.finding).toMatch(
      /reached the best test ELBO .*KL warm-up changed the final test ELBO by/,
    );
  }, 240_000);

  it('gan: mode coverage on the ring and classifier scores on Fashion-MNIST for five settings', () => {
    const out = join(tmp, 'gan');
    const r = descent([
      'compare',
      '--preset',
      'gan',
      '--quick',
      '--subset',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const name of [
      'Adam β₁ 0.5',
      'Adam β₁ 0.9',
      'RMSprop',
      'SGD+Momentum',
      'two time-scales',
      'real test images',
    ])
      expect(r.out).toContain(`\n${name}`);
    expect(r.out).toMatch(
      /two time-scales\s+Adam betas 0\.5,0\.999; G lr 0\.0005, D lr 0\.002 \(ring\), G lr 0\.0001, D lr 0\.0004 \(FM\)/,
    );
    const res = checkReport(
      out,
      ['ring-modes', 'ring-samples', 'fashion-losses'],
      ['fashion-samples'],
    );
    expect(res.ring).toHaveLength(5);
    expect(res.fashion).toHaveLength(5);
    for (const run of res.ring) {
      expect(run.modes).toBeGreaterThanOrEqual(0);
      expect(run.modes).toBeLessThanOrEqual(8);
      expect(run.history[0].step).toBe(0);
    }
    for (const run of res.fashion.filter((x: { diverged: boolean }) => !x.diverged)) {
      expect(run.confidence).toBeGreaterThanOrEqual(0.1);
      expect(run.confidence).toBeLessThanOrEqual(1);
      expect(run.score).toBeGreaterThanOrEqual(1 - 1e-9);
      expect(run.score).toBeLessThanOrEqual(10);
    }
    expect(res.classifier.accuracy).toBeGreaterThan(0.3);
    expect(res.reference.classes).toBeGreaterThanOrEqual(5);
    const samples = JSON.parse(readFileSync(join(out, 'ring-samples.vl.json'), 'utf8'));
    expect(samples.facet.row.field).toBe('setting');
    expect(res.finding).toMatch(
      /^On the 8-Gaussian ring .* covered the most modes .*On Fashion-MNIST/,
    );
  }, 240_000);

  it('meta: sine MSE and Fashion-MNIST accuracy after adaptation, time per meta-step, an equal-time first-order run; sine fits', () => {
    const out = join(tmp, 'meta');
    const r = descent([
      'compare',
      '--preset',
      'meta',
      '--quick',
      '--subset',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/method\s+settings\s+sine K=5: MSE, 1 step/);
    const res = checkReport(
      out,
      ['sine-k5', 'sine-k10', 'fashion-1-shot', 'fashion-5-shot', 'sine-fits'],
      [],
    );
    // 4 problems × 6 methods
    expect(res.runs).toHaveLength(24);
    type Run = {
      method: string;
      problem: string;
      shots: number;
      metaSteps: number;
      msPerMetaStep: number;
    };
    const find = (method: string) =>
      res.runs.find(
        (x: Run) => x.method === method && x.problem === 'sine' && x.shots === 5,
      ) as Run;
    const maml = find('MAML');
    const fo = find('first-order MAML');
    // the equal-time run: MAML's steps × the ratio of their median step times
    expect(find("first-order MAML, MAML's time").metaSteps).toBe(
      Math.round((maml.metaSteps * maml.msPerMetaStep) / fo.msPerMetaStep),
    );
    for (const run of res.runs) {
      expect(run.loss).toHaveLength(11);
      if (run.problem === 'fashion') expect(run.accuracy[10]).toBeGreaterThan(0.2);
      else expect(run.accuracy).toBeNull();
    }
    expect(
      res.runs
        .filter((x: { method: string }) => x.method === 'no meta-training')
        .every((x: { metaSteps: number }) => x.metaSteps === 0),
    ).toBe(true);
    expect(res.finding).toMatch(
      /^On 5-shot sine, second-order MAML's query MSE after one adaptation step was .* second order is (not )?worth its cost here/,
    );
  }, 240_000);

  it('Ctrl-C between steps writes the runs finished so far and exits 130', async () => {
    const out = join(tmp, 'interrupted');
    const child = spawn(
      process.execPath,
      [main, 'compare', '--preset', 'meta', '--quick', '--subset', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DESCENT_BACKEND: 'native' } },
    );
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/\[2\/24\]/.test(stdout)) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.interrupted).toBe(true);
    expect(res.runs.length).toBeGreaterThanOrEqual(2);
    expect(res.runs.length).toBeLessThan(24);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(
      /Interrupted: these are the partial results/,
    );
  }, 240_000);

  it('flags that do not apply are refused before any work', () => {
    const a = descent(['compare', '--preset', 'meta', '--epochs', '2', '--out', join(tmp, 'x1')]);
    expect(a.code).toBe(2);
    expect(a.err).toMatch(
      /--epochs does not apply to the meta preset \(it trains by meta-steps\); --quick gives a short run/,
    );
    const b = descent([
      'compare',
      '--preset',
      'vae',
      '--target-loss',
      '1',
      '--out',
      join(tmp, 'x2'),
    ]);
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/--target-loss does not apply to the vae preset/);
    const c = descent([
      'compare',
      '--preset',
      'gan',
      '--optimizers',
      'adam',
      '--out',
      join(tmp, 'x3'),
    ]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(/--preset fixes its own grid/);
    for (const d of ['x1', 'x2', 'x3'])
      expect(existsSync(join(tmp, d, 'results.json'))).toBe(false);
  });
});
