/**
 * `descent compare --jobs N`: the runs spread over N processes give the same results, bit for
 * bit, as one process running them in turn (timings aside), and the same report; bad --jobs
 * values are refused before anything is written; a run that throws is a failed row.
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
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  buildDist();
  tmp = mkdtempSync(join(tmpdir(), 'descent-jobs-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const GRID = ['--optimizers', 'sgd,adam', '--seeds', '1,2', '--epochs', '1', '--subset'];

/** Everything that is measured time or says how the runs were executed, removed. */
function untimed(json: string) {
  const r = JSON.parse(json);
  for (const k of ['seconds', 'startedAt', 'command', 'backend', 'jobs']) delete r[k];
  for (const run of r.runs) {
    for (const k of ['trainSeconds', 'secondsToTarget', 'samplesPerSec']) delete run[k];
    for (const p of run.curve) delete p.seconds;
    for (const e of run.epochs) {
      delete e.seconds;
      delete e.samplesPerSec;
    }
  }
  for (const s of r.summary) {
    delete s.secondsToTarget;
    delete s.samplesPerSec;
  }
  return r;
}

/** The table without its two timed columns (s to target, samples/s). */
const tableCells = (text: string) =>
  text.split('\n').map((line) =>
    line
      .split(/\s{2,}/)
      .slice(0, -2)
      .join(' | '),
  );

describe('descent compare --jobs', () => {
  it('gives the same results and report with 2 jobs as with 1', () => {
    const one = join(tmp, 'one');
    const two = join(tmp, 'two');
    const a = descent(['compare', ...GRID, '--jobs', '1', '--out', one]);
    const b = descent(['compare', ...GRID, '--jobs', '2', '--out', two]);
    expect(a.code, a.err).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(a.out).toMatch(/native backend|js backend/);
    expect(b.out).toMatch(/2 runs at once × \d+ threads each/);
    const ja = readFileSync(join(one, 'results.json'), 'utf8');
    const jb = readFileSync(join(two, 'results.json'), 'utf8');
    expect(JSON.parse(jb).jobs).toBe(2);
    expect(JSON.parse(ja).runs).toHaveLength(4);
    expect(untimed(jb)).toEqual(untimed(ja));
    const ta = readFileSync(join(one, 'table.txt'), 'utf8');
    const tb = readFileSync(join(two, 'table.txt'), 'utf8');
    expect(tableCells(tb)).toEqual(tableCells(ta));
    // The runs did not just agree by being the same: the two optimizers differ.
    const runs = JSON.parse(ja).runs;
    expect(runs[0].finalLoss).not.toBe(runs[2].finalLoss);
  });

  it.each([
    ['0', /--jobs must be a whole number of runs at once, 1 or more, got "0"/],
    ['1.5', /--jobs must be a whole number .* got "1\.5"/],
    ['two', /--jobs must be a whole number .* got "two"/],
    ['5', /--jobs 5 is more than the 4 runs of this grid; give at most --jobs 4/],
  ])('refuses --jobs %s before anything runs or is written', (n, message) => {
    const out = join(tmp, `bad-${n}`);
    const r = descent(['compare', ...GRID, '--jobs', n, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    ['--jobs', '2'],
    ['--queue', 'redis://127.0.0.1:1'],
  ])('refuses %s with a study preset', (flag, value) => {
    const r = descent(['compare', '--preset', 'gan', flag, value, '--out', join(tmp, 'g')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(new RegExp(`${flag} does not apply to the gan preset`));
  });

  it('Ctrl-C stops every run under way, writes them as partial results, starts no more', async () => {
    const out = join(tmp, 'interrupted');
    const args = ['compare', '--optimizers', 'sgd,adam,rmsprop', '--epochs', '50', '--seeds', '1'];
    const child = spawn(
      process.execPath,
      [main, ...args, '--subset', '--jobs', '2', '--out', out],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/\[2\/3\]/.test(stdout)) {
          clearInterval(poll);
          setTimeout(resolve, 1500);
        }
      }, 50);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code).toBe(130);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.interrupted).toBe(true);
    expect(res.runs.map((r: { spec: { group: string } }) => r.spec.group)).toEqual(['SGD', 'Adam']);
    expect(res.runs.map((r: { stopped: string }) => r.stopped)).toEqual([
      'interrupted',
      'interrupted',
    ]);
  });
});
