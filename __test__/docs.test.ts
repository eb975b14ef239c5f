/// <reference lib="dom" />
/**
 * The API reference as a checked property: every exported symbol, option and member has a doc
 * comment and every @example compiles (`npm run docs:check`), and the generated site opens in
 * headless Chromium (Debian's `chromium`, served from 127.0.0.1, no other network) without
 * console errors — the index and
 * one page per module, each listing its members.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'descent-docs-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** The site as a static server would publish it (Chromium refuses some loads from file:). */
function serve(dir: string): Promise<{ url: string; close: () => void }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(dir, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(dir) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    }),
  );
}

const MODULES = [
  'autograd',
  'data',
  'experiments',
  'lrScheduler',
  'meta',
  'models',
  'nn',
  'optim',
  'train',
];

describe('API reference', () => {
  it('documents every exported symbol, option and member, and its examples compile', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'docs.mjs'), '--check'], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.stdout).toMatch(/^docs check: 0 problem\(s\)/m);
    const examples = Number(/doc examples: (\d+) checked, 0 error\(s\)/.exec(r.stdout)?.[1]);
    expect(examples, r.stdout.slice(-3000)).toBeGreaterThanOrEqual(10);
    expect(r.status, r.stdout.slice(-3000)).toBe(0);
  }, 300_000);

  it('renders the index and one page per module in headless Chromium without errors', async () => {
    expect(CHROMIUM, 'Debian chromium is installed (.ci/run installs it)').toBeDefined();
    const site = join(tmp, 'site');
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'docs.mjs'), '--out', site], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const pages = readdirSync(join(site, 'modules'));
    for (const m of MODULES) expect(pages).toContain(`index.${m}.html`);
    expect(pages).toContain('tfjs.html');
    const server = await serve(site);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      await page.route(
        (u) => !u.href.startsWith(server.url),
        (route) => {
          errors.push(`network request: ${route.request().url()}`);
          return route.abort();
        },
      );
      const visit = async (file: string) => {
        await page.goto(`${server.url}/${file}`);
        await page.waitForLoadState('load');
        return {
          title: await page.title(),
          links: await page.$$eval('.col-content a', (as) => as.length),
        };
      };
      const index = await visit('index.html');
      expect(index.title).toContain('descent-ml');
      for (const m of MODULES) {
        const p = await visit(`modules/index.${m}.html`);
        expect(p.title).toContain(m);
        expect(p.links, `${m} lists its members`).toBeGreaterThan(3);
      }
      const tf = await visit('modules/tfjs.html');
      expect(tf.links).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      server.close();
    }
  }, 300_000);
});
