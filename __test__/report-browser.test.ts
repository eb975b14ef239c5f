/// <reference lib="dom" />
/**
 * The HTML report opened in headless Chromium (Debian's `chromium`, no network): it renders
 * its charts without console errors, and a screenshot of it is not blank.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CHROMIUM, launch } from './helpers/chromium.js';
import { buildDist } from './helpers/dist.js';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'descent-browser-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('report.html in headless Chromium', () => {
  it('renders every chart without errors and the screenshot is not blank', async () => {
    expect(CHROMIUM, 'Debian chromium is installed (.ci/run installs it)').toBeDefined();
    buildDist();
    const out = join(tmp, 'report');
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'dist', 'cli', 'main.js'),
        'compare',
        '--optimizers',
        'sgd,adam',
        '--epochs',
        '1',
        '--seeds',
        '1',
        '--subset',
        '--out',
        out,
        '--quiet',
      ],
      { encoding: 'utf8', timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const browser = await launch();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(e.message));
      // Any request leaving the file (a CDN script, a font) would fail offline: refuse them all.
      await page.route(/^(?!file:)/, (route) => {
        errors.push(`network request: ${route.request().url()}`);
        return route.abort();
      });
      await page.goto(`file://${join(out, 'report.html')}`);
      const charts = await page.$$eval('figure.chart svg', (svgs) =>
        svgs.map((s) => {
          const b = (s as SVGSVGElement).getBBox();
          return { w: b.width, h: b.height, paths: s.querySelectorAll('path').length };
        }),
      );
      expect(charts).toHaveLength(3);
      for (const c of charts) {
        expect(c.w).toBeGreaterThan(200);
        expect(c.h).toBeGreaterThan(100);
        expect(c.paths).toBeGreaterThan(2);
      }
      expect(await page.$$eval('table tbody tr', (rows) => rows.length)).toBeGreaterThanOrEqual(2);
      const shot = await page.screenshot({ fullPage: true });
      expect(errors).toEqual([]);
      expect(shot.length).toBeGreaterThan(20_000);
      // Non-blank: rasterise each chart in the page and count the pixels that are not white.
      const inked = await page.$$eval('figure.chart svg', async (svgs) => {
        const out: number[] = [];
        for (const s of svgs) {
          const xml = new XMLSerializer().serializeToString(s);
          const img = new Image();
          img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(xml)}`;
          await img.decode();
          const c = document.createElement('canvas');
          c.width = img.width;
          c.height = img.height;
          const ctx = c.getContext('2d') as CanvasRenderingContext2D;
          ctx.fillStyle = 'white';
          ctx.fillRect(0, 0, c.width, c.height);
          ctx.drawImage(img, 0, 0);
          const d = ctx.getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 0; i < d.length; i += 4)
            if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) n++;
          out.push(n / (c.width * c.height));
        }
        return out;
      });
      for (const f of inked) expect(f).toBeGreaterThan(0.01);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
