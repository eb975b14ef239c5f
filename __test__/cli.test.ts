/**
 * The `descent` command end to end on the bundled Fashion-MNIST subset: a two-optimizer
 * comparison writes the table, results.json, charts and report.html; every bad-input case
 * gives its message (and writes nothing); Ctrl-C writes the partial results and exits cleanly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeIdx } from '../src/data/idx.js';
import { Rng } from '../src/random.js';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const main = join(root, 'dist', 'cli', 'main.js');
const subset = join(root, 'data', 'fashion-mnist-subset');
let tmp = '';

function descent(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [main, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 240_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  buildDist();
  tmp = mkdtempSync(join(tmpdir(), 'descent-cli-'));
});

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('descent compare on the bundled subset', () => {
  it('writes the table, results.json, SVG and PNG charts and report.html', () => {
    const out = join(tmp, 'report');
    const r = descent([
      'compare',
      '--optimizers',
      'sgd,adam',
      '--epochs',
      '1',
      '--seeds',
      '1',
      '--data',
      subset,
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/condition\s+settings\s+final test acc %/);
    expect(r.out).toMatch(/^SGD\s+SGD, lr 0\.1\s/m);
    expect(r.out).toMatch(
      /One seed per condition: the values are single runs, no spread is measured/,
    );
    expect(r.out).not.toMatch(/not reached/);
    expect(r.out).toMatch(/^SGD\s/m);
    expect(r.out).toMatch(/^Adam\s/m);
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(res.runs).toHaveLength(2);
    expect(res.dataset.train).toBe(6000);
    expect(res.finding).toMatch(/reached the highest final test accuracy/);
    expect(res.finding).toMatch(
      /Besides the optimizer, the conditions differ in learning rate \(SGD: lr 0\.1; Adam: lr 0\.001\)/,
    );
    // no --target-loss: chosen from the runs, so that every run reaches it
    expect(res.targetChosen).toBe('auto');
    expect(res.targetLoss).toBeGreaterThan(0);
    for (const run of res.runs) expect(run.stepsToTarget).toBeGreaterThan(0);
    for (const run of res.runs) {
      expect(run.epochs).toHaveLength(1);
      expect(run.finalValAccuracy).toBeGreaterThan(0.5);
      expect(run.curve.length).toBeGreaterThan(10);
    }
    for (const chart of ['loss', 'loss-time', 'accuracy']) {
      expect(readFileSync(join(out, `${chart}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(
        readFileSync(join(out, `${chart}.png`))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toMatch(/<svg/);
    expect(html).toContain(res.finding.replace(/&/g, '&amp;').slice(0, 30));
    expect(readFileSync(join(out, 'table.txt'), 'utf8')).toMatch(/Adam/);
  });

  it('info and --help answer', () => {
    const i = descent(['info']);
    expect(i.code).toBe(0);
    expect(i.out).toMatch(/backend\s+native/);
    expect(i.out).toMatch(/wasm module\s+loaded/);
    expect(i.out).toMatch(/simd\s+(avx512|avx2|neon|scalar)/);
    for (const cmd of ['compare', 'train', 'bench', 'info']) {
      const h = descent([cmd, '--help']);
      expect(h.code, cmd).toBe(0);
      expect(h.out, cmd).toMatch(/Examples:/);
    }
  });
});

describe('descent train', () => {
  it('--resume takes its settings from the checkpoint; a flag that contradicts them is refused', () => {
    const ck = join(tmp, 'resume-ck');
    const base = ['train', '--subset', '--hidden', '16', '--checkpoint', ck];
    const first = descent([...base, '--optimizer', 'adamw', '--epochs', '1', '--lr', '0.002']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /MLP 784-16-10 \(relu\), AdamW lr 0\.002, 1 epoch, data Fashion-MNIST/,
    );
    // no --optimizer, --lr or --hidden: the checkpoint's AdamW, 0.002 and [16]
    const resumed = descent(['train', '--checkpoint', ck, '--resume', '--epochs', '2']);
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.out).toMatch(/MLP 784-16-10 \(relu\), AdamW lr 0\.002, 2 epochs/);
    expect(resumed.out).toMatch(/^\s+2\s+\d\.\d{4}\s/m);
    expect(resumed.out).not.toMatch(/^\s+1\s+\d\.\d{4}\s/m); // epoch 1 is not trained again
    // the same value given again is fine; a different one is the error
    const same = descent([
      'train',
      '--checkpoint',
      ck,
      '--resume',
      '--epochs',
      '3',
      '--optimizer',
      'adamw',
    ]);
    expect(same.code, same.err).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [
        ['--optimizer', 'sgd'],
        /--optimizer sgd contradicts the checkpoint .*resume-ck, whose run has --optimizer adamw; --resume continues that run with its own settings: drop --optimizer/,
      ],
      [['--hidden', '32'], /--hidden 32 contradicts the checkpoint .*whose run has --hidden 16/],
      [['--bn'], /--bn contradicts the checkpoint .*whose run has no --bn/],
      [['--epochs', '3'], /has trained 3 epochs of 3; give --epochs above 3 to train on/],
    ];
    for (const [flags, msg] of cases) {
      const r = descent(['train', '--checkpoint', ck, '--resume', ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.err, flags.join(' ')).toMatch(msg);
      expect(r.out, flags.join(' ')).not.toMatch(/epoch\s+loss/);
    }
  });

  it('trains on a CSV file, regression or classification, with the model shape from the data', () => {
    const rows = Array.from({ length: 120 }, (_, i) => {
      const rooms = 1 + (i % 5);
      const area = 30 + ((i * 7) % 90);
      return `${rooms},${area},${100 + 50 * rooms + 2 * area}`;
    });
    const csv = join(tmp, 'houses.csv');
    writeFileSync(csv, `rooms,area,price\n${rows.join('\n')}\n`);
    const common = ['train', '--data', csv, '--epochs', '1', '--hidden', '8', '--quiet'];
    const reg = descent([...common, '--target', 'price', '--target-type', 'float']);
    expect(reg.err).toBe('');
    expect(reg.code).toBe(0);
    expect(reg.out).toMatch(/epoch\s+loss\s+test loss\s+mae\s+test mae\s+samples\/s/);
    const verbose = descent([
      'train',
      '--data',
      csv,
      '--epochs',
      '2',
      '--hidden',
      '8',
      '--target',
      'price',
      '--target-type',
      'float',
    ]);
    expect(verbose.out).toMatch(
      /MLP 2-8-1 \(relu\), Adam lr 0\.001, 2 epochs, data .*houses\.csv: 96 training \/ 24 test samples \(a seeded 20% held out\), 1 numeric target/,
    );
    // not a TTY: one line per epoch
    expect(verbose.out).toMatch(/^Epoch 1\/2 {2}loss .*\nEpoch 2\/2 {2}loss /m);
    const cls = descent([...common, '--target', 'rooms', '--test-split', '0.25']);
    expect(cls.code, cls.err).toBe(0);
    expect(cls.out).toMatch(/epoch\s+loss\s+test loss\s+acc %\s+test acc %/);
    const hint = descent([
      'train',
      '--data',
      csv,
      '--epochs',
      '1',
      '--hidden',
      '8',
      '--target',
      'price',
    ]);
    expect(hint.out).toMatch(
      /MLP 2-8-\d+ .* classes \(integer targets are read as classes: if price is a number to predict, pass --target-type float\)/,
    );
    const cases: Array<[string[], RegExp]> = [
      [
        ['train', '--data', csv],
        /--data .*houses\.csv is a file: name what to predict with --target \(a column name or index\)/,
      ],
      [['train', '--target', 'price'], /--target goes with --data FILE/],
      [
        ['train', '--data', csv, '--target', 'cost'],
        /no column named "cost" \(columns: "rooms", "area", "price"\)/,
      ],
      [
        ['train', '--data', csv, '--target', 'price', '--model', 'cnn'],
        /--model cnn needs image samples \[channels, height, width\]; .* \[2\] \(use --model mlp\)/,
      ],
      [
        ['train', '--data', csv, '--target', 'price', '--target-type', 'int'],
        /unknown target-type "int"; valid: auto, class, float/,
      ],
    ];
    for (const [args, msg] of cases) {
      const r = descent(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err, args.join(' ')).toMatch(msg);
      expect(r.err, args.join(' ')).not.toMatch(/\n\s+at /);
    }
  });

  it('trains on IDX files (samples and targets), MLP or CNN, shaped by the data', () => {
    const n = 60;
    const rng = new Rng(3);
    const images = new Uint8Array(n * 8 * 8);
    const labels = new Uint8Array(n);
    const u = rng.uniform(n * 65);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 3;
      for (let p = 0; p < 64; p++)
        images[i * 64 + p] = Math.floor(255 * u[i * 65 + p]) & (labels[i] === p % 3 ? 255 : 63);
    }
    const x = join(tmp, 'images.idx.gz');
    const y = join(tmp, 'labels.idx');
    writeIdx(x, { shape: [n, 8, 8], data: images }, { gzip: true });
    writeIdx(y, { shape: [n], data: labels });
    for (const [model, shape] of [
      ['mlp', /MLP 64-8-3 /],
      ['cnn', /CNN conv16-pool-conv32-pool-128-3 /],
    ] as const) {
      const r = descent([
        'train',
        '--data',
        x,
        '--target',
        y,
        '--model',
        model,
        // the CNN's widths are fixed: --hidden is the MLP's (refused with --model cnn)
        ...(model === 'mlp' ? ['--hidden', '8'] : []),
        '--epochs',
        '1',
      ]);
      expect(r.err, model).toBe('');
      expect(r.code, model).toBe(0);
      expect(r.out, model).toMatch(shape);
      expect(r.out, model).toMatch(/48 training \/ 12 test samples .* 3 classes/);
      expect(r.out, model).toMatch(/test acc %/);
    }
  });
});

describe('descent bad input', () => {
  it('an unknown optimizer, preset, flag or command lists the valid choices', () => {
    const o = descent(['compare', '--optimizers', 'adamm', '--out', join(tmp, 'x1')]);
    expect(o.code).toBe(2);
    expect(o.err).toMatch(
      /unknown optimizers "adamm" \(did you mean adam\?\); valid: sgd, momentum, nesterov/,
    );
    const p = descent(['compare', '--preset', 'nope', '--out', join(tmp, 'x2')]);
    expect(p.code).toBe(2);
    expect(p.err).toMatch(/unknown preset "nope".*valid: gd-variants, momentum, adam-vs-sgd/);
    const f = descent(['compare', '--optimiser', 'sgd']);
    expect(f.code).toBe(2);
    expect(f.err).toMatch(
      /unknown flag --optimiser \(did you mean --optimizers\?\); valid flags: --preset/,
    );
    const c = descent(['comapre']);
    expect(c.code).toBe(2);
    expect(c.err).toMatch(
      /unknown command "comapre"; valid: compare, train, bench, info, worker, help/,
    );
    const n = descent(['compare', '--epochs', '0', '--out', join(tmp, 'x3')]);
    expect(n.err).toMatch(/--epochs must be an integer ≥ 1, got "0"/);
  });

  it('train, info and bench refuse bad flags and configs with a message, exit 2 and no stack', () => {
    const write = (name: string, text: string) => {
      const f = join(tmp, name);
      writeFileSync(f, text);
      return f;
    };
    const cases: Array<[string[], RegExp]> = [
      [['train', '--config', join(tmp, 'none.json')], /cannot read the config .*none\.json/],
      [['train', '--config', write('bad.json', '{bad')], /cannot read the config .*bad\.json/],
      [
        ['train', '--config', write('unk.json', '{"epochz": 3}')],
        /unknown key "epochz" \(did you mean "epochs"\?\)/,
      ],
      [
        ['train', '--config', write('typ.json', '{"epochs": "3"}')],
        /"epochs" must be a number, got string "3"/,
      ],
      [
        ['train', '--config', write('hid.json', '{"hidden": [64, "x"]}')],
        /"hidden" must be an array of numbers/,
      ],
      [['train', '--optimizer', 'adamm'], /unknown optimizer "adamm" \(did you mean adam\?\)/],
      [['train', '--hidden', '10,x'], /--hidden must be an integer ≥ 1, got "x"/],
      [['train', '--resume'], /--resume needs --checkpoint DIR/],
      [
        ['train', '--resume', '--checkpoint', join(tmp, 'no-ckpt')],
        /no checkpoint to resume at .*no-ckpt/,
      ],
      [['info', '--bogus'], /descent info: unknown flag --bogus; valid flags: --help/],
      [['info', 'extra'], /descent info: takes no arguments, got extra/],
      [['bench', '--bogus'], /Unknown option '--bogus'/],
      [['bench', '--only', 'nope'], /--only: unknown section nope/],
      // a negative number is the flag's value (not "ambiguous"), then refused in our words
      [['train', '--lr', '-0.1'], /--lr must be a number ≥ 0, got "-0\.1"/],
      [['train', '--epochs', '-3'], /--epochs must be an integer ≥ 1, got "-3"/],
      [['compare', '--epochs', '-.5'], /--epochs must be an integer ≥ 1, got "-\.5"/],
      // a flag the run would ignore is refused, not dropped
      [['train', '--model', 'cnn', '--hidden', '32'], /--hidden sets the MLP's widths/],
      [['train', '--subset', '--test-split', '0.3'], /--test-split goes with --data FILE/],
      [['train', '--subset', '--data', tmp], /--subset picks the bundled .*give one/],
      [['compare', '--subset', '--data', tmp], /--subset picks the bundled .*give one/],
    ];
    for (const [args, msg] of cases) {
      const r = descent(args);
      const cmd = args.join(' ');
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toMatch(msg);
      expect(r.err, cmd).not.toMatch(/\n\s+at /); // no stack trace
      expect(r.out, cmd).not.toMatch(/epoch/); // refused before any training
    }
  });

  it('a checkpoint directory that cannot be written is refused before any training', () => {
    // a parent that is a file: unwritable for root too (CI runs as root, which ignores modes)
    const file = join(tmp, 'a-file');
    writeFileSync(file, '');
    const r = descent(['train', '--subset', '--checkpoint', join(file, 'ckpt')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--checkpoint .*a-file.*cannot write/);
    expect(r.out).not.toMatch(/epoch/);
  });

  it('missing data names the path looked at and the two ways to get data', () => {
    const r = descent(['compare', '--data', join(tmp, 'no-such-dir'), '--out', join(tmp, 'x4')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(join(tmp, 'no-such-dir'));
    expect(r.err).toMatch(/apt-get install dataset-fashion-mnist/);
    expect(r.err).toMatch(/--data/);
  });

  it('a corrupt IDX file (bad magic, truncated) is refused naming the file', () => {
    for (const [name, corrupt] of [
      ['magic', (b: Buffer) => Buffer.concat([Buffer.from([9, 9, 9, 9]), b.subarray(4)])],
      ['truncated', (b: Buffer) => b.subarray(0, b.length - 1000)],
    ] as const) {
      const dir = join(tmp, `corrupt-${name}`);
      mkdirSync(dir, { recursive: true });
      for (const f of [
        'train-images-idx3-ubyte.gz',
        'train-labels-idx1-ubyte.gz',
        't10k-images-idx3-ubyte.gz',
        't10k-labels-idx1-ubyte.gz',
      ]) {
        writeFileSync(join(dir, f), readFileSync(join(subset, f)));
      }
      const img = join(dir, 'train-images-idx3-ubyte.gz');
      const raw = spawnSync('gunzip', ['-c', img]).stdout as Buffer;
      writeFileSync(img, gzipSync(corrupt(raw)));
      const r = descent(['compare', '--data', dir, '--out', join(tmp, `x-${name}`)]);
      expect(r.code, name).toBe(2);
      expect(r.err, name).toContain('train-images-idx3-ubyte.gz');
      expect(r.err, name).toMatch(name === 'magic' ? /magic/ : /truncated/);
    }
  });

  it('an output directory that cannot be written is an error before any training', () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r = descent(['compare', '--optimizers', 'sgd', '--out', join(file, 'report')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot write the output directory/);
    expect(r.out).not.toMatch(/\[1\/1\]/);
    const ro = join(tmp, 'read-only');
    mkdirSync(ro);
    chmodSync(ro, 0o500);
    if (process.getuid?.() !== 0) {
      const r2 = descent(['compare', '--optimizers', 'sgd', '--out', join(ro, 'r')]);
      expect(r2.code).toBe(2);
    }
  });

  it('Ctrl-C writes the partial results and exits cleanly', async () => {
    const out = join(tmp, 'interrupted');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        main,
        'compare',
        '--optimizers',
        'sgd,adam,rmsprop',
        '--epochs',
        '50',
        '--seeds',
        '1',
        '--data',
        subset,
        '--out',
        out,
        // One run at a time, so exactly one is under way when Ctrl-C comes (cli-jobs.test.ts
        // interrupts several).
        '--jobs',
        '1',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    // Interrupt once the first run is under way.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (/\[1\/3\]/.test(stdout)) {
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
    expect(res.runs.length).toBe(1);
    expect(res.runs[0].stopped).toBe('interrupted');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toMatch(
      /Interrupted: these are the partial results/,
    );
  });
});
