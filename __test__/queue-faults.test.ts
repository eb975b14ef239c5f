/**
 * `descent compare --queue` and `descent worker` against a real redis-server (started here on
 * 127.0.0.1, a free port): the same results as local runs; a worker killed mid-run has its run
 * retried by another, reported once; a Redis restart mid-grid is survived; a run that throws
 * or diverges is a row with its reason; Ctrl-C writes partial results and --resume finishes
 * the grid without repeating runs; another version or other data is refused; a bad or
 * unreachable URL is exit 2 before anything runs. Each test has its own Redis database.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { experiments } from '../src/index.js';
import { buildDist } from './helpers/dist.js';
import { freePort, TestRedis } from './helpers/redis.js';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
const redis = new TestRedis();
let tmp = '';
const started: ChildProcess[] = [];

beforeAll(async () => {
  buildDist();
  tmp = mkdtempSync(join(tmpdir(), 'descent-queue-'));
  await redis.start();
}, 60_000);

afterAll(async () => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  await redis.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

interface Running {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

/** `group`: in a process group of its own, so a test can Ctrl-C it as a terminal would. */
function start(args: string[], group = false): Running {
  const proc = spawn(process.execPath, [main, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: group,
  });
  started.push(proc);
  let out = '';
  let err = '';
  proc.stdout?.on('data', (d) => {
    out += d;
  });
  proc.stderr?.on('data', (d) => {
    err += d;
  });
  const exit = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  return { proc, out: () => out, err: () => err, exit };
}

async function waitFor(text: () => string, re: RegExp, what: string, ms = 180_000) {
  const t0 = Date.now();
  while (!re.test(text())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; got:\n${text()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return re.exec(text()) as RegExpExecArray;
}

const worker = (db: number, group = false, more: string[] = []) =>
  start(['worker', '--queue', `${redis.url}/${db}`, '--subset', ...more], group);

function descent(args: string[]) {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 240_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const groups = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).runs.map(
    (r: { spec: { group: string; seed: number }; stopped: string | null }) =>
      `${r.spec.group}/${r.spec.seed}/${r.stopped}`,
  );

/** Run ids a worker log says it started. */
const startedRuns = (log: string) => [...log.matchAll(/run (\S+) \(/g)].map((m) => m[1]);

describe('descent compare --queue with descent workers', () => {
  it('gives the results of local runs, bit for bit apart from timings (--concurrency 2 too)', async () => {
    const grid = ['--optimizers', 'sgd,adam', '--seeds', '1,2', '--epochs', '1', '--subset'];
    const w1 = worker(1);
    const w2 = worker(1, false, ['--concurrency', '2']);
    const q = descent(['compare', ...grid, '--queue', `${redis.url}/1`, '--out', join(tmp, 'q')]);
    const l = descent(['compare', ...grid, '--jobs', '1', '--out', join(tmp, 'l')]);
    expect(q.code, q.err).toBe(0);
    expect(l.code, l.err).toBe(0);
    const strip = (dir: string) =>
      JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).runs.map(
        (r: Record<string, unknown>) => ({
          ...r,
          curve: (r.curve as Array<{ step: number; loss: number }>).map((p) => [p.step, p.loss]),
          epochs: (r.epochs as Array<{ loss: number; valAccuracy: number }>).map((e) => [
            e.loss,
            e.valAccuracy,
          ]),
          trainSeconds: 0,
          secondsToTarget: 0,
          samplesPerSec: 0,
        }),
      );
    expect(strip(join(tmp, 'q'))).toEqual(strip(join(tmp, 'l')));
    // Every run was run once (one worker taking two at a time).
    for (const w of [w1, w2]) w.proc.kill('SIGINT');
    await Promise.all([w1.exit, w2.exit]);
    expect(w2.out()).toMatch(/, 2 at once — /);
    const ran = [...startedRuns(w1.out()), ...startedRuns(w2.out())];
    expect(ran).toHaveLength(4);
    expect(new Set(ran).size).toBe(4);
  }, 300_000);

  it('retries the run of a worker killed (SIGKILL) mid-run elsewhere, reporting it once', async () => {
    const a = worker(2);
    await waitFor(a.out, /descent worker 0/, 'worker a ready');
    const grid = ['--optimizers', 'sgd,adam', '--seeds', '1', '--epochs', '40', '--subset'];
    const out = join(tmp, 'kill');
    const coord = start(['compare', ...grid, '--queue', `${redis.url}/2`, '--out', out, '--quiet']);
    const [, killed] = await waitFor(a.out, /run (\S+) \(/, 'worker a to take a run');
    await new Promise((r) => setTimeout(r, 1000));
    a.proc.kill('SIGKILL');
    await a.exit;
    const b = worker(2);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(startedRuns(b.out())).toContain(killed);
    expect(groups(out)).toEqual(['SGD/1/null', 'Adam/1/null']);
    b.proc.kill('SIGINT');
    await b.exit;
  }, 300_000);

  it('puts back the run of a worker Ctrl-C-ed in its terminal, not a cut-short result', async () => {
    const a = worker(8, true);
    await waitFor(a.out, /descent worker 0/, 'worker a ready');
    const grid = ['--optimizers', 'sgd,adam', '--seeds', '1', '--epochs', '40', '--subset'];
    const out = join(tmp, 'ctrl-c-worker');
    const coord = start(['compare', ...grid, '--queue', `${redis.url}/8`, '--out', out, '--quiet']);
    const [, stopped] = await waitFor(a.out, /run (\S+) \(/, 'worker a to take a run');
    await new Promise((r) => setTimeout(r, 1000));
    // The whole process group, as the terminal does: the job processes hear it too.
    process.kill(-(a.proc.pid as number), 'SIGINT');
    expect(await a.exit).toBe(130);
    const b = worker(8);
    expect(await coord.exit, coord.err()).toBe(0);
    expect(startedRuns(b.out())).toContain(stopped);
    expect(groups(out)).toEqual(['SGD/1/null', 'Adam/1/null']);
    b.proc.kill('SIGINT');
    await b.exit;
  }, 300_000);

  it('completes a grid across a Redis restart', async () => {
    const w = worker(3);
    const grid = ['--optimizers', 'sgd,adam,rmsprop', '--seeds', '1', '--epochs', '10', '--subset'];
    const out = join(tmp, 'restart');
    const coord = start(['compare', ...grid, '--queue', `${redis.url}/3`, '--out', out, '--quiet']);
    await waitFor(w.out, /run \S+ done/, 'a first run done');
    await redis.restart();
    expect(await coord.exit, coord.err()).toBe(0);
    expect(groups(out)).toEqual(['SGD/1/null', 'Adam/1/null', 'RMSprop/1/null']);
    w.proc.kill('SIGINT');
    await w.exit;
  }, 300_000);

  it('reports a run that throws and one that diverges with their reasons; the rest completes', async () => {
    const w = worker(4);
    const spec = (over: Partial<experiments.RunSpec>): experiments.RunSpec => ({
      group: 'ok',
      optimizer: 'sgd',
      lr: 0.1,
      schedule: 'constant',
      batchSize: 256,
      epochs: 1,
      seed: 3,
      model: { kind: 'mlp', hidden: [16], activation: 'relu', batchNorm: false, dropout: 0 },
      l2: 0,
      ...over,
    });
    const { results } = await experiments.runOnQueue(
      [
        spec({}),
        spec({ group: 'throws', lr: -1 }),
        spec({ group: 'nan', lr: 1e30 }),
        spec({ group: 'ok2', seed: 4 }),
      ],
      { queue: `${redis.url}/4`, subset: true },
    );
    expect(results.map((r) => r?.stopped)).toEqual([null, 'failed', 'diverged', null]);
    expect(results[1]?.error).toMatch(/lr/);
    expect(results[0]?.finalValAccuracy).toBeGreaterThan(0.3);
    w.proc.kill('SIGINT');
    await w.exit;
  }, 300_000);

  it('Ctrl-C writes the partial results; --resume finishes without repeating runs', async () => {
    const w = worker(5);
    const grid = ['--optimizers', 'sgd,adam,rmsprop', '--seeds', '1', '--epochs', '15', '--subset'];
    const out = join(tmp, 'int');
    const queue = ['--queue', `${redis.url}/5`];
    const first = start(['compare', ...grid, ...queue, '--out', out]);
    await waitFor(w.out, /run \S+ done/, 'a first run done');
    await new Promise((r) => setTimeout(r, 1000)); // the coordinator reads it
    first.proc.kill('SIGINT');
    expect(await first.exit).toBe(130);
    const partial = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(partial.interrupted).toBe(true);
    expect(partial.runs.length).toBeGreaterThanOrEqual(1);
    expect(partial.runs.length).toBeLessThan(3);
    const again = descent(['compare', ...grid, ...queue, '--resume', '--out', out, '--quiet']);
    expect(again.code, again.err).toBe(0);
    expect(groups(out)).toEqual(['SGD/1/null', 'Adam/1/null', 'RMSprop/1/null']);
    w.proc.kill('SIGINT');
    await w.exit;
    const ran = startedRuns(w.out());
    expect(new Set(ran).size).toBe(3);
    expect(ran).toHaveLength(3);
  }, 300_000);

  it.each([
    [
      'version',
      { version: '0.0.0-other' },
      /this worker runs descent \d+\.\d+\.\d+\S*, the coordinator descent 0\.0\.0-other/,
    ],
    [
      'data',
      { checksum: 'f'.repeat(64) },
      /this worker's Fashion-MNIST \(checksum [0-9a-f]{12}\) differs from the coordinator's \(ffffffffffff\)/,
    ],
  ])(
    'a worker refuses a run from another %s, saying why, and stops',
    async (what, change, message) => {
      const db = what === 'version' ? 6 : 7;
      const w = worker(db);
      const info = await waitFor(w.out, /checksum ([0-9a-f]{12})/, 'worker ready');
      expect(info[1]).toHaveLength(12);
      const q = new Queue('descent-runs', {
        connection: { host: '127.0.0.1', port: redis.port, db },
      });
      const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
      await q.add('run', {
        version,
        checksum: 'unused',
        grid: 'g',
        index: 0,
        spec: {},
        targetLoss: 0,
        flatten: true,
        ...change,
      });
      expect(await w.exit).toBe(2);
      expect(w.err()).toMatch(message);
      await q.close();
    },
    120_000,
  );
});

describe('bad --queue input', () => {
  it.each([
    [
      ['--queue', 'http://127.0.0.1:6379'],
      /--queue must be a Redis URL like redis:\/\/HOST:PORT, got "http:\/\/127\.0\.0\.1:6379": the scheme is http/,
    ],
    [['--queue', 'redis//localhost'], /--queue must be a Redis URL .*not a URL/],
    [['--queue', 'redis://127.0.0.1:6379/queue'], /the path may only be a database number/],
    [['--resume'], /--resume collects a grid left on a queue; it needs --queue/],
    [['--queue', 'redis://127.0.0.1:6379', '--jobs', '2'], /--jobs is for runs on this machine/],
  ])('compare %j is refused with exit 2 before anything is written', (args, message) => {
    const out = join(tmp, `bad-${Math.random()}`);
    const r = descent(['compare', '--optimizers', 'sgd,adam', '--subset', ...args, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('an unreachable Redis is exit 2 before any run, for compare and for worker', async () => {
    const port = await freePort();
    const out = join(tmp, 'unreachable');
    const c = descent([
      'compare',
      '--subset',
      '--queue',
      `redis://127.0.0.1:${port}`,
      '--out',
      out,
    ]);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(
      new RegExp(`cannot reach Redis at redis://127\\.0\\.0\\.1:${port} \\(--queue\\)`),
    );
    expect(c.out).toBe('');
    expect(existsSync(out)).toBe(false);
    const w = descent(['worker', '--queue', `redis://127.0.0.1:${port}`]);
    expect(w.code).toBe(2);
    expect(w.err).toMatch(/descent worker: cannot reach Redis/);
  });

  it.each([
    [[], /--queue redis:\/\/HOST:PORT is required/],
    [
      ['--queue', 'redis://127.0.0.1:1', '--concurrency', '0'],
      /--concurrency must be an integer ≥ 1/,
    ],
    [
      ['--queue', 'redis://127.0.0.1:1', '--concurrency', '1.5'],
      /--concurrency must be an integer/,
    ],
  ])('worker %j is refused with exit 2', (args, message) => {
    const r = descent(['worker', ...args]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
