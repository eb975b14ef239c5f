/**
 * descent in the browser: `descent-ml/browser` (dist/browser.js) has no Node built-in in its
 * import graph — esbuild bundles it for `platform: 'browser'` with no polyfills and zero
 * errors, while the Node entry fails the same build — and headless Chromium (Debian's
 * `chromium`, a 127.0.0.1 server, no other network) trains the README's MLP for one full
 * epoch on the bundled Fashion-MNIST subset (all 6,000 training images, parsed from the
 * gzipped IDX bytes in the page) on the `wasm` backend, giving the same weights and
 * per-batch losses, bit for bit, as Node's `wasm` backend on the files read from disk. The
 * page loads both the esbuild bundle and the unbundled dist/ modules as shipped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildFailure, build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, type Served, serve } from './helpers/chromium.js';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'descent-browser-'));

/** esbuild's errors when bundling `entry` for browsers without Node polyfills ([] if none). */
async function bundleErrors(entry: string): Promise<{ errors: string[]; code?: Uint8Array }> {
  try {
    const r = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    return { errors: r.errors.map((e) => e.text), code: r.outputFiles[0].contents };
  } catch (e) {
    return { errors: (e as BuildFailure).errors.map((x) => x.text) };
  }
}

/** What the fixture returns, with the weights as base64 of their float32 bytes. */
interface Run {
  backend: string;
  simd: string;
  samples: number;
  params: string;
  batchLosses: number[];
  epochLoss: number[];
}

/** The page's side: import `mod`, init(), fetch the four IDX files, train; plain JS. */
const RUNNER = `
export async function run(mod) {
  const d = await import(mod);
  const before = d.wasmAvailable();
  await d.init();
  const get = async (f) => (await fetch('/data/fashion-mnist-subset/' + f + '-ubyte.gz')).arrayBuffer();
  const sets = await d.data.fashionMnistFromIdx(
    {
      trainImages: await get('train-images-idx3'),
      trainLabels: await get('train-labels-idx1'),
      testImages: await get('t10k-images-idx3'),
      testLabels: await get('t10k-labels-idx1'),
    },
    { flatten: true },
  );
  const { trainMlp } = await import('/__test__/fixtures/browser-mlp.mjs');
  const r = trainMlp(d, sets.train);
  const bytes = new Uint8Array(r.params.buffer, r.params.byteOffset, r.params.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { ...r, params: btoa(s), before, hasProcess: typeof globalThis.process !== 'undefined' };
}
`;

let bundle: Uint8Array | undefined;
let server: Served | undefined;

beforeAll(async () => {
  buildDist();
  const r = await bundleErrors(join(root, 'dist', 'browser.js'));
  bundle = r.code;
  // Served beside dist/browser.js, so init()'s default URL (../wasm/descent.wasm) holds too.
  server = await serve(root, {
    '/dist/browser.bundle.js': bundle ?? '',
    '/page.html': '<!doctype html><meta charset="utf-8"><title>descent</title>',
    '/run.mjs': RUNNER,
  });
});
afterAll(() => {
  server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The Node run: dist/index.js in a child process with DESCENT_BACKEND=wasm. */
function nodeRun(): Run {
  const file = join(tmp, 'node-run.mjs');
  writeFileSync(
    file,
    `const d = await import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'index.js')).href)});
const { trainMlp } = await import(${JSON.stringify(pathToFileURL(join(root, '__test__', 'fixtures', 'browser-mlp.mjs')).href)});
const { train } = d.data.loadFashionMnist({ subset: true, flatten: true });
const r = trainMlp(d, train);
const p = r.params;
process.stdout.write(JSON.stringify({ ...r, params: Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64') }));
`,
  );
  const r = spawnSync(process.execPath, [file], {
    encoding: 'utf8',
    env: { ...process.env, DESCENT_BACKEND: 'wasm' },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Run;
}

/** The page run: import `module`, init(), fetch the four IDX files, train. */
async function pageRun(module: string): Promise<Run & { before: unknown; hasProcess: boolean }> {
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const origin = server!.url;
    await page.route(
      (u) => !u.href.startsWith(origin),
      (route) => {
        errors.push(`network request: ${route.request().url()}`);
        return route.abort();
      },
    );
    await page.goto(`${origin}/page.html`);
    // A string, not a function: vitest would rewrite a function's import() for Node.
    const run = (await page.evaluate(
      `import('/run.mjs').then((m) => m.run(${JSON.stringify(module)}))`,
    )) as Run & { before: unknown; hasProcess: boolean };
    expect(errors).toEqual([]);
    return run;
  } finally {
    await browser.close();
  }
}

/** Index of the first float32 that differs, or -1. */
function firstDiff(a: Buffer, b: Buffer): number {
  const x = new Float32Array(a.buffer, a.byteOffset, a.length / 4);
  const y = new Float32Array(b.buffer, b.byteOffset, b.length / 4);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

const f64 = (v: number[]) => Buffer.from(new Float64Array(v).buffer);

describe('descent-ml/browser', () => {
  it('bundles with esbuild for the browser, no Node polyfills, zero errors', async () => {
    const ok = await bundleErrors(join(root, 'dist', 'browser.js'));
    expect(ok.errors).toEqual([]);
    expect(ok.code?.length).toBeGreaterThan(100_000);
    // The check can fail: the Node entry, bundled the same way, trips on its node: imports.
    const node = await bundleErrors(join(root, 'dist', 'index.js'));
    expect(node.errors.length).toBeGreaterThan(0);
    expect(node.errors.join('\n')).toMatch(/Could not resolve "node:/);
  });

  let fromNode: Run | undefined;
  const node = () => (fromNode ??= nodeRun());

  for (const [what, module] of [
    ['the esbuild bundle', '/dist/browser.bundle.js'],
    ['the unbundled dist/ modules', '/dist/browser.js'],
  ] as const) {
    it(`Chromium trains the MLP for an epoch on wasm (${what}), equal bit for bit to Node's wasm`, async () => {
      const page = await pageRun(module);
      expect(page.hasProcess).toBe(false);
      expect(page.before).toEqual({
        ok: false,
        reason: "no module given: call init() from 'descent-ml/browser' first",
      });
      expect(page.backend).toBe('wasm');
      expect(page.simd).toBe('simd128');
      expect(page.samples).toBe(6000);
      expect(page.batchLosses).toHaveLength(Math.ceil(6000 / 64));
      // It learned something (so equal weights are not equal initial weights).
      expect(page.batchLosses.at(-1)!).toBeLessThan(0.5 * page.batchLosses[0]);

      const n = node();
      expect(n.backend).toBe('wasm');
      expect(n.samples).toBe(6000);
      const a = Buffer.from(page.params, 'base64');
      const b = Buffer.from(n.params, 'base64');
      expect(a.length).toBe(4 * (784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10));
      expect(firstDiff(a, b), 'first float32 where the weights differ').toBe(-1);
      expect(a.equals(b)).toBe(true);
      expect(f64(page.batchLosses).equals(f64(n.batchLosses))).toBe(true);
      expect(f64(page.epochLoss).equals(f64(n.epochLoss))).toBe(true);
    }, 120_000);
  }
});

describe('descent-ml/browser in Node: bad input, IDX bytes', () => {
  it('init refuses bad options before loading anything, then loads given bytes', async () => {
    const b = await import('../src/browser.js');
    await expect(b.init(null as never)).rejects.toThrow(/^init: options must be an object/);
    await expect(b.init({ wasm: 42 as never })).rejects.toThrow(
      /^init: option wasm must be bytes, a URL, a Response or a WebAssembly.Module, got number/,
    );
    await expect(b.init({ wsam: 1 } as never)).rejects.toThrow(/init: unknown option "?wsam/);
    await expect(b.init({ wasm: new Uint8Array([0, 97, 115, 109]) })).rejects.toThrow();
    const { readFileSync } = await import('node:fs');
    const backend = await b.init({ wasm: readFileSync(join(root, 'wasm', 'descent.wasm')) });
    expect(backend.name).toBe('wasm');
    expect(b.getBackend().name).toBe('wasm');
  });

  it('parses IDX bytes: plain synchronously, gzipped asynchronously, as the Node reader', async () => {
    const { data } = await import('../src/browser.js');
    const node = await import('../src/data/idx.js');
    const { readFileSync } = await import('node:fs');
    const gz = readFileSync(
      join(root, 'data', 'fashion-mnist-subset', 'train-labels-idx1-ubyte.gz'),
    );
    const want = node.parseIdx(gz);
    const got = await data.parseIdxAsync(gz.buffer.slice(gz.byteOffset, gz.byteOffset + gz.length));
    expect(got).toEqual(want);
    const plain = node.encodeIdx(want);
    expect(data.parseIdx(plain)).toEqual(want);
    expect(() => data.parseIdx(gz, 'labels')).toThrow(
      /^parseIdx: labels is gzipped, and a browser inflates only asynchronously: use await parseIdxAsync/,
    );
    expect(() => data.parseIdx('x' as never)).toThrow(
      /^parseIdx: bytes must be an ArrayBuffer or a Uint8Array, got/,
    );
    await expect(data.parseIdxAsync(gz, 'labels', { maxBytes: 100 })).rejects.toThrow(
      /^IDX labels: (declared shape \[6000\] of uint8 needs 6000 bytes, more than the limit of 100 bytes|decompresses to more than the limit of 100 bytes)/,
    );
    const corrupt = Uint8Array.from(gz);
    corrupt.fill(0xff, 20, 200);
    await expect(data.parseIdxAsync(corrupt, 'labels')).rejects.toThrow(
      /^IDX labels: gzip data is corrupt/,
    );
    await expect(
      data.fashionMnistFromIdx({ trainImages: gz } as never, { flatten: true }),
    ).rejects.toThrow(/^fashionMnistFromIdx/);
  });
});
