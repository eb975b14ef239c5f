/**
 * The README's code examples (blocks after an `<!-- example: name -->` marker) run as they
 * are written, against the built package (`'descent-ml'` resolved to dist/), so the
 * documentation cannot drift from the API. Examples importing `'descent-ml/browser'` are
 * bundled with esbuild for the browser and run in a headless Chromium page instead.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, serve } from './helpers/chromium.js';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const examples = [...readme.matchAll(/<!-- example: ([\w-]+) -->\s*```js\n([\s\S]*?)```/g)].map(
  (m) => ({ name: m[1], code: m[2] }),
);
const tmp = mkdtempSync(join(tmpdir(), 'descent-readme-'));

beforeAll(() => buildDist());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Bundles `code` (its `'descent-ml/browser'` resolved to dist/browser.js) for the browser and
 * imports it in a page served from the repository root, the bundle at dist/ so that init()'s
 * default URL finds wasm/descent.wasm. Returns the page's console.log lines and its errors.
 */
async function runInPage(code: string): Promise<{ logs: string[]; errors: string[] }> {
  const r = await build({
    stdin: {
      contents: code.replace(
        /from 'descent-ml\/browser'/g,
        `from ${JSON.stringify(join(root, 'dist', 'browser.js'))}`,
      ),
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    logLevel: 'silent',
  });
  const server = await serve(root, {
    '/dist/readme-example.js': r.outputFiles[0].contents,
    '/page.html': '<!doctype html><meta charset="utf-8"><title>example</title>',
  });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    const logs: string[] = [];
    const errors: string[] = [];
    page.on('console', (m) => (m.type() === 'error' ? errors : logs).push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.route(
      (u) => !u.href.startsWith(server.url),
      (route) => {
        errors.push(`network request: ${route.request().url()}`);
        return route.abort();
      },
    );
    await page.goto(`${server.url}/page.html`);
    // A string, so that vitest does not rewrite the import() for Node.
    await page.evaluate("import('/dist/readme-example.js')");
    return { logs, errors };
  } finally {
    await browser.close();
    server.close();
  }
}

describe('README examples', () => {
  it('there are examples to run', () => {
    expect(examples.map((e) => e.name)).toEqual([
      'run-specs',
      'train',
      'resume',
      'vae',
      'gan',
      'models',
      'reptile',
      'char-transformer',
      'browser',
      'tfjs',
    ]);
  });

  for (const ex of examples.filter((e) => e.code.includes("from 'descent-ml/browser'"))) {
    it(`"${ex.name}" runs in Chromium`, async () => {
      const out = await runInPage(ex.code);
      expect(out.errors).toEqual([]);
      if (ex.name === 'browser')
        expect(out.logs.join('\n')).toMatch(/^validation accuracy 0\.[6-9]\d*$/m);
    });
  }

  for (const ex of examples.filter((e) => !e.code.includes("from 'descent-ml/browser'"))) {
    it(`"${ex.name}" runs`, () => {
      const dist = pathToFileURL(join(root, 'dist', 'index.js')).href;
      const distTfjs = pathToFileURL(join(root, 'dist', 'tfjs', 'index.js')).href;
      const tfjs = pathToFileURL(
        createRequire(join(root, 'package.json')).resolve('@tensorflow/tfjs'),
      );
      const file = join(tmp, `${ex.name}.mjs`);
      writeFileSync(
        file,
        ex.code
          .replace(/'descent-ml\/tfjs'/g, `'${distTfjs}'`)
          .replace(/from 'descent-ml'/g, `from '${dist}'`)
          .replace(/from '@tensorflow\/tfjs'/g, `from '${tfjs.href}'`),
      );
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      if (ex.name === 'train') expect(r.stdout).toMatch(/validation accuracy 0\.[6-9]\d*/);
      if (ex.name === 'run-specs')
        expect(r.stdout).toMatch(/^SGD test accuracy 0\.\d+\nAdam test accuracy 0\.\d+\n$/);
      if (ex.name === 'resume') expect(r.stdout).toMatch(/resume is exact: true/);
      if (ex.name === 'tfjs') expect(r.stdout).toMatch(/^descent test accuracy 0\.[7-9]\d*$/m);
      if (ex.name === 'gan') expect(r.stdout).toMatch(/modes covered: [78] of 8/);
      if (ex.name === 'models') {
        const elbo = [...r.stdout.matchAll(/test ELBO (-\d+\.\d) nats/g)].map((m) => Number(m[1]));
        expect(elbo).toHaveLength(2);
        expect(elbo[1]).toBeGreaterThan(elbo[0]);
        expect(r.stdout).toMatch(/GAN: [78] of 8 modes covered/);
      }
      if (ex.name === 'reptile') {
        const m = /MSE after adapting: (\d+\.\d+) → (\d+\.\d+)/.exec(r.stdout);
        expect(Number(m?.[2])).toBeLessThan(0.8 * Number(m?.[1]));
      }
      if (ex.name === 'char-transformer') {
        // the README states 2.98 nats over steps 1–100 and 1.66 over steps 501–600
        const loss = (steps: string) =>
          Number(r.stdout.match(new RegExp(`steps ${steps}: mean loss (\\d+\\.\\d+) nats`))?.[1]);
        expect(loss('1–100')).toBeGreaterThan(2.8);
        expect(loss('501–600')).toBeLessThan(1.76);
      }
    });
  }
});
