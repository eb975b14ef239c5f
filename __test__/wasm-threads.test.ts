/**
 * Threads in the shared wasm build (`DESCENT_WASM_THREADS`, worker_threads over the module's
 * shared memory): every kernel family that splits its work gives the same bits with 2 and 3
 * threads as with 1, the process still exits on its own (the workers are unref'd), and a bad
 * thread count is refused with the variable's name. In child processes (the variable is read
 * when the module loads).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const distIndex = pathToFileURL(join(root, 'dist', 'index.js')).href;

// Sizes above every kernel's parallel threshold (GEMM 512³, 2^20 elements, 2048 rows).
const script = `
const { createHash } = await import('node:crypto');
const m = await import(${JSON.stringify(distIndex)});
const b = m.setBackend('wasm');
const { nn, optim, train, Rng } = m;
const rng = new Rng(7);
const h = createHash('sha256');
const put = (a) => h.update(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
const s = 512;
const a = rng.normal(s * s, 0, 1);
const c = new Float32Array(s * s);
b.gemm(a, a, c, { m: s, n: s, k: s });
put(c);
const x = rng.normal(1 << 20, 0, 2);
put(b.gelu(x));
put(b.tanh(x));
put(Float64Array.of(b.sum(x), b.sumSquares(x), b.dot(x, x)));
put(b.softmax(x, 2048, 512));
const p = x.slice(), g = rng.normal(1 << 20, 0, 1), m1 = new Float32Array(1 << 20), v = new Float32Array(1 << 20);
for (let i = 0; i < 3; i++)
  b.kernels.optimStep('adam', p, g, [m1, v, null], Float64Array.of(1e-3, 0.9, 0.999, 1e-8, 0, 0, 0, 0, i + 1), null);
put(p);
const model = new nn.Model(
  new nn.Sequential([new nn.Linear(64, 512), new nn.ReLU(), new nn.Linear(512, 10)]),
  [64],
  { seed: 1 },
);
const data = new train.MemoryDataset(rng.normal(512 * 64, 0, 1), Int32Array.from({ length: 512 }, (_, i) => i % 10), 512, [64], null, 10);
train.fit(model, data, { optimizer: new optim.Adam(model.parameters(), { lr: 0.01 }), loss: new nn.losses.CrossEntropyLoss(), epochs: 1, batchSize: 256, verbose: 0 });
for (const t of model.parameters()) put(t.data);
process.stdout.write(JSON.stringify({ threads: b.info().threads, digest: h.digest('hex') }));
`;

function run(threads: string) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, DESCENT_WASM_THREADS: threads, DESCENT_WASM_PATH: '' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return r;
}

describe('wasm threads', () => {
  beforeAll(() => buildDist());

  it('2 and 3 threads give the bits of 1 thread, and the process exits on its own', () => {
    const out = ['1', '2', '3'].map((t) => {
      const r = run(t);
      expect(r.signal, `threads=${t}: ${r.stderr}`).toBeNull();
      expect(r.status, `threads=${t}: ${r.stderr}`).toBe(0);
      return JSON.parse(r.stdout) as { threads: number; digest: string };
    });
    expect(out.map((o) => o.threads)).toEqual([1, 2, 3]);
    expect(out[1].digest).toBe(out[0].digest);
    expect(out[2].digest).toBe(out[0].digest);
  });

  it('a bad DESCENT_WASM_THREADS is an Error naming the variable', () => {
    for (const bad of ['0', '-1', '2.5', 'many', '100000']) {
      const r = run(bad);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /wasm backend cannot load: DESCENT_WASM_THREADS must be an integer from 1 to 256, got "/,
      );
    }
  });
});
