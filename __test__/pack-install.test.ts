/**
 * Pack and install as a user would, with no toolchain: scripts/pack.mjs makes the main
 * tarball and this platform's; each is installed into an empty directory by npm running with
 * a PATH that holds only `node` (no cargo, rustc, cc or python3). With both tarballs,
 * `require('descent-ml')` and `import('descent-ml')` load the native backend and train bit for bit
 * as the repository does, on Node 20 and on Node 22 (from the npm registry's
 * node-<platform>-<arch> package); with the main tarball alone the wasm backend (the .wasm
 * ships inside it) takes over and the same run agrees within float32 tolerance. The published types are checked against a
 * program that uses the API (and against misuses that must not type-check). With
 * @tensorflow/tfjs-core and -backend-cpu installed beside it, `descent-ml/tfjs` registers the
 * `descent` backend from import and require; without them it fails naming the missing peer.
 * `descent-ml/browser` from the main tarball alone bundles with esbuild for the browser (no
 * polyfills), type-checks, and runs as installed in headless Chromium on the wasm it ships.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, serve } from './helpers/chromium.js';

const root = join(import.meta.dirname, '..');
const probe = join(root, '__test__', 'fixtures', 'pack-probe.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'descent-pack-test-'));
const bin = join(tmp, 'bin');
const npmCli = join(
  spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim(),
  'npm',
  'bin',
  'npm-cli.js',
);
// PATH with node alone; HOME kept for npm's cache, and what reaches the registry kept too: a
// machine behind a TLS-inspecting proxy needs its CA (a Node 22 from the npm registry does not
// read the system store, and npm retried the unknown optional packages until the timeout).
const NETWORK_VARS = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
];
const env = {
  ...Object.fromEntries(
    NETWORK_VARS.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
  ),
  PATH: bin,
  HOME: process.env.HOME ?? tmp,
  npm_config_update_notifier: 'false',
};

interface Probe {
  backend: string;
  simd: string;
  losses: number[];
  params: number[];
}

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeout = 240_000,
): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 1 << 26 });
}

function check(r: SpawnSyncReturns<string>, what: string): string {
  if (r.status !== 0)
    throw new Error(`${what} failed (${r.error?.message ?? r.status}): ${r.stderr.slice(-1500)}`);
  return r.stdout;
}

function install(name: string, tarballs: string[]): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), '{ "name": "probe", "private": true }\n');
  check(
    run(
      process.execPath,
      [
        npmCli,
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...tarballs,
      ],
      dir,
    ),
    `npm install ${name}`,
  );
  copyFileSync(probe, join(dir, 'probe.mjs'));
  return dir;
}

function probeIn(dir: string, mode: 'cjs' | 'esm', node = process.execPath): Probe {
  const out = check(run(node, ['probe.mjs', mode], dir, 60_000), `probe (${mode}) in ${dir}`);
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

let both: string;
let mainOnly: string;
let packedTarballs: string[];
let reference: Probe;
beforeAll(() => {
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  const packed = JSON.parse(
    check(
      spawnSync(process.execPath, [join(root, 'scripts', 'pack.mjs'), '--out', join(tmp, 'pack')], {
        cwd: root,
        encoding: 'utf8',
      }),
      'scripts/pack.mjs',
    ),
  );
  packedTarballs = [packed.main, packed.platform];
  both = install('both', packedTarballs);
  mainOnly = install('main-only', [packed.main]);
  reference = JSON.parse(
    check(
      spawnSync(process.execPath, [probe, 'esm', join(root, 'dist', 'index.js')], {
        encoding: 'utf8',
        env: { ...process.env, DESCENT_BACKEND: 'native' },
      }),
      'probe in the repository',
    ),
  );
}, 600_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('npm pack, then install without a toolchain', () => {
  it('installs with a PATH where cargo, rustc, cc, gcc and python3 cannot be found', () => {
    for (const tool of ['cargo', 'rustc', 'cc', 'gcc', 'python3']) {
      const r = run(tool, ['--version'], tmp);
      expect(r.error && (r.error as NodeJS.ErrnoException).code, tool).toBe('ENOENT');
    }
  });

  it('main + platform tarball: require and import load native and train as the repository', () => {
    expect(reference.backend).toBe('native');
    for (const mode of ['cjs', 'esm'] as const) {
      const p = probeIn(both, mode);
      expect(p.backend, mode).toBe('native');
      expect(p.losses, mode).toEqual(reference.losses);
      expect(p.params, mode).toEqual(reference.params);
    }
    expect(reference.losses.at(-1)).toBeLessThan(reference.losses[0] * 0.8);
  });

  it('main tarball alone: the wasm backend, the same API, results within float32 tolerance', () => {
    for (const mode of ['cjs', 'esm'] as const) {
      const p = probeIn(mainOnly, mode);
      expect(p.backend, mode).toBe('wasm');
      expect(p.simd, mode).toBe('simd128');
      expect(p.losses.length).toBe(reference.losses.length);
      for (let i = 0; i < p.losses.length; i++)
        expect(Math.abs(p.losses[i] - reference.losses[i]), `loss ${i}`).toBeLessThan(1e-4);
      const maxDiff = Math.max(...p.params.map((v, i) => Math.abs(v - reference.params[i])));
      expect(maxDiff).toBeLessThan(1e-4);
    }
  });

  it('the published types describe the runtime API (and refuse misuse)', () => {
    writeFileSync(
      join(both, 'typed.ts'),
      `import { getBackend, nn, optim, type BackendInfo } from 'descent-ml';
const model = new nn.Model(new nn.Sequential([new nn.Linear(4, 2)]), [4], { seed: 1 });
const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
const y: nn.Tensor = model.forward({ data: new Float32Array(8), shape: [2, 4] });
opt.step();
const info: BackendInfo = getBackend().info();
export const out: [number, string] = [y.data.length, info.simd];
// Token ids are int32, as Embedding takes them at run time.
const lm = new nn.Model(new nn.Sequential([new nn.Embedding(10, 3)]), [5], { seed: 1 });
export const emb: nn.Tensor = lm.forward({ data: new Int32Array(10), shape: [2, 5] });
// @ts-expect-error: a plain array is not tensor data (Float32Array or Int32Array)
lm.forward({ data: [1, 2, 3, 4, 5], shape: [1, 5] });
// @ts-expect-error: options are camelCase, PyTorch's snake_case is not an option
new optim.Adam(model.parameters(), { weight_decay: 0.1 });
// @ts-expect-error: lr is a number
new optim.SGD(model.parameters(), { lr: '0.1' });
// @ts-expect-error: no such layer
new nn.Linear2(4, 2);
`,
    );
    const compilerOptions = {
      noEmit: true,
      strict: true,
      skipLibCheck: true,
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: [],
    };
    writeFileSync(
      join(both, 'tsconfig.json'),
      JSON.stringify({ compilerOptions, files: ['typed.ts'] }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = run(process.execPath, [tsc, '-p', '.'], both);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('Node 22 (from the npm registry) loads both entry points and trains identically', () => {
    const dir = join(tmp, 'node22');
    mkdirSync(dir);
    writeFileSync(join(dir, 'package.json'), '{ "name": "node22", "private": true }\n');
    const pkg = `node-${process.platform}-${process.arch}@22`;
    check(
      run(
        process.execPath,
        [npmCli, 'install', '--no-audit', '--no-fund', '--loglevel=error', pkg],
        dir,
      ),
      `npm install ${pkg}`,
    );
    const node22 = join(
      dir,
      'node_modules',
      `node-${process.platform}-${process.arch}`,
      'bin',
      'node',
    );
    const v = check(run(node22, ['--version'], dir), 'node22 --version');
    expect(v).toMatch(/^v22\./);
    for (const mode of ['cjs', 'esm'] as const) {
      const p = probeIn(both, mode, node22);
      expect(p.backend, mode).toBe('native');
      expect(p.params, mode).toEqual(reference.params);
    }
    expect(dirname(node22)).not.toBe(dirname(process.execPath));
  });

  it('descent-ml/tfjs: with tfjs installed it registers the descent backend (import and require); without, it names the missing peer', () => {
    const dir = install('with-tfjs', [
      ...packedTarballs,
      '@tensorflow/tfjs-core@4.22.0',
      '@tensorflow/tfjs-backend-cpu@4.22.0',
    ]);
    const body = `await tf.setBackend(d.BACKEND_NAME);
      const y = tf.matMul(tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]]));
      console.log(JSON.stringify([tf.getBackend(), Array.from(y.dataSync()), d.DESCENT_KERNELS.length > 0]));`;
    writeFileSync(
      join(dir, 'tfjs.mjs'),
      `import * as tf from '@tensorflow/tfjs-core';\nimport * as d from 'descent-ml/tfjs';\n${body}\n`,
    );
    writeFileSync(
      join(dir, 'tfjs.cjs'),
      `const tf = require('@tensorflow/tfjs-core');\nconst d = require('descent-ml/tfjs');\n(async () => {\n${body}\n})();\n`,
    );
    for (const file of ['tfjs.mjs', 'tfjs.cjs']) {
      const out = check(run(process.execPath, [file], dir, 60_000), file);
      expect(JSON.parse(out.trim().split('\n').at(-1) as string), file).toEqual([
        'descent',
        [17, 39],
        true,
      ]);
    }
    const missing = run(
      process.execPath,
      ['--input-type=module', '-e', "await import('descent-ml/tfjs')"],
      mainOnly,
    );
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/Cannot find (package|module) '@tensorflow\/tfjs-/);
  });

  it('descent-ml/browser from the main tarball alone: bundles for the browser, type-checks, trains in Chromium', async () => {
    const pkg = join(mainOnly, 'node_modules', 'descent-ml');
    const r = await build({
      stdin: {
        contents: "import { init, nn } from 'descent-ml/browser';\nexport { init, nn };\n",
        resolveDir: mainOnly,
        loader: 'js',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    expect(r.errors).toEqual([]);
    writeFileSync(
      join(mainOnly, 'typed-browser.ts'),
      `import { type Backend, data, init, nn } from 'descent-ml/browser';
export const ready: Promise<Backend> = init({ wasm: new Uint8Array(8) });
export const idx: Promise<data.IdxReadResult> = data.parseIdxAsync(new ArrayBuffer(8));
export const layer = new nn.Linear(4, 2);
// @ts-expect-error: init takes an options object, not the bytes themselves
init(new Uint8Array(8));
`,
    );
    writeFileSync(
      join(mainOnly, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          noEmit: true,
          strict: true,
          skipLibCheck: true,
          target: 'es2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          types: [],
        },
        files: ['typed-browser.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const t = run(process.execPath, [tsc, '-p', '.'], mainOnly);
    expect(t.status, t.stdout + t.stderr).toBe(0);
    // The installed files as a page loads them, unbundled: init() finds wasm/descent.wasm.
    const server = await serve(pkg, { '/page.html': '<!doctype html><title>p</title>' });
    const browser = await launch();
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/page.html`);
      const out = await page.evaluate(`import('/dist/browser.js').then(async (d) => {
        const b = await d.init();
        const m = new d.nn.Model(new d.nn.Sequential([new d.nn.Linear(300, 2)]), [300], { seed: 1 });
        const y = m.forward({ data: new Float32Array(600).fill(1), shape: [2, 300] });
        return [b.name, b.info().simd, y.data.length, Number.isFinite(y.data[0])];
      })`);
      expect(errors).toEqual([]);
      expect(out).toEqual(['wasm', 'simd128', 4, true]);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
