/**
 * Checkpoint faults: a training process killed with SIGKILL at random moments (mid-epoch or
 * mid-save) leaves a checkpoint that loads and resumes exactly as an uninterrupted run; a
 * full disk (a small tmpfs) makes the save fail with ENOSPC and leaves the previous
 * checkpoint intact, loadable and with no temporary directory behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getBackend, setBackend } from '../src/backend/select.js';
import { Rng } from '../src/random.js';
import { fit, loadCheckpoint, saveCheckpoint } from '../src/train/index.js';
import { faultRun } from './helpers/fault-fixture.js';

const initial = getBackend().name;
const root = mkdtempSync(join(tmpdir(), 'descent-faults-'));
afterAll(() => {
  setBackend(initial);
  rmSync(root, { recursive: true, force: true });
});
beforeAll(() => setBackend('js')); // the child trains on js too: bit-identical runs

/** Parameters after each epoch of the uninterrupted run: straight[e] after e epochs. */
function straightRun(epochs: number): number[][] {
  const run = faultRun(1);
  const out: number[][] = [Array.from(run.model.params)];
  fit(run.model, run.data, {
    ...run.options,
    epochs,
    callbacks: [{ onEpochEnd: () => out.push(Array.from(run.model.params)) }],
  });
  return out;
}

describe('kill -9 while training with a checkpoint every epoch', () => {
  it('the checkpoint left behind loads and resumes exactly, whenever the kill lands', async () => {
    const { build } = await import('rolldown');
    const bundle = join(root, 'trainer.mjs');
    await build({
      input: join(import.meta.dirname, 'helpers', 'checkpoint-trainer.ts'),
      platform: 'node',
      logLevel: 'silent',
      output: { file: bundle, format: 'esm' },
    });
    const dir = join(root, 'ck');
    const delays = new Rng(7).uniform(8, 0, 1);
    const resumed: number[] = [];
    let straight: number[][] = [];
    for (const delay of delays) {
      const child = spawn(process.execPath, [bundle, dir, '400'], {
        env: { ...process.env, DESCENT_BACKEND: 'js' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (s) => (out += s));
      child.stderr.on('data', (s) => (err += s));
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      await new Promise<void>((resolve, reject) => {
        const t = setInterval(() => {
          if (out.includes('epoch')) {
            clearInterval(t);
            resolve();
          } else if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(`trainer exited: ${err}`));
          }
        }, 2);
      });
      await new Promise((r) => setTimeout(r, 1 + delay * 150));
      child.kill('SIGKILL');
      await exited;
      const printed = [...out.matchAll(/epoch (\d+)/g)].map((m) => Number(m[1]));
      const last = printed[printed.length - 1];
      const ck = loadCheckpoint(dir);
      // the last epoch reported, or the next one (killed after its save, before printing)
      expect([last, last + 1]).toContain(ck.epoch);
      // resume into objects initialised differently: everything must come from the checkpoint
      const e = ck.epoch + 2;
      if (straight.length <= e) straight = straightRun(e + 10);
      const fresh = faultRun(99);
      const { seed: _seed, ...options } = fresh.options;
      fit(fresh.model, fresh.data, { ...options, epochs: e, resumeFrom: dir });
      expect(Array.from(fresh.model.params), `resumed from epoch ${ck.epoch}`).toEqual(straight[e]);
      resumed.push(ck.epoch);
    }
    expect(resumed.length).toBe(delays.length);
  }, 120_000);
});

describe('disk full during a save', () => {
  let mnt = '';
  beforeAll(() => {
    mnt = join(root, 'tmpfs');
    mkdirSync(mnt);
    // a 256 KiB tmpfs (root is needed to mount, as on CI and this machine)
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  });
  afterAll(() => {
    if (mnt) execFileSync('umount', [mnt]);
  });

  it('fails with ENOSPC and leaves the previous checkpoint intact and loadable', () => {
    const run = faultRun(1);
    fit(run.model, run.data, { ...run.options, epochs: 1 });
    const dir = join(mnt, 'ck');
    saveCheckpoint(dir, { model: run.model, optimizer: run.optimizer, epoch: 1 });
    const saved = Array.from(run.model.params);
    const used = (d: string) => readdirSync(d).length;
    expect(used(dir)).toBeGreaterThan(0);
    // fill the disk until less than a quarter of a checkpoint is left
    const s = statfsSync(mnt);
    const free = s.bavail * s.bsize;
    const ckBytes = run.model.params.length * 4 * 3; // parameters and two Adam buffers
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - ckBytes / 4)));
    fit(run.model, run.data, { ...run.options, epochs: 2, initialEpoch: 1 });
    expect(Array.from(run.model.params)).not.toEqual(saved);
    expect(() =>
      saveCheckpoint(dir, { model: run.model, optimizer: run.optimizer, epoch: 2 }),
    ).toThrow(/ENOSPC/);
    // the old checkpoint: loadable, epoch 1, the weights saved then; no temporary left behind
    const ck = loadCheckpoint(dir);
    expect(ck.epoch).toBe(1);
    const fresh = faultRun(5);
    loadCheckpoint(dir, { model: fresh.model, optimizer: fresh.optimizer });
    expect(Array.from(fresh.model.params)).toEqual(saved);
    expect(readdirSync(mnt).sort()).toEqual(['ck', 'filler']);
    // with space again, the next save succeeds
    rmSync(join(mnt, 'filler'));
    saveCheckpoint(dir, { model: run.model, optimizer: run.optimizer, epoch: 2 });
    expect(loadCheckpoint(dir).epoch).toBe(2);
  });
});
