/**
 * Headless Chromium for tests (Debian's `chromium`, installed by scripts/system-deps.mjs;
 * driven by playwright-core) and a static server on 127.0.0.1 to open pages from — the same
 * launch flags as the docs and report tests.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium, or undefined when it is not installed. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) =>
  existsSync(p),
);

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
};

/** A running static server: its origin and how to stop it. */
export interface Served {
  url: string;
  close: () => void;
}

/**
 * Serves `dir` (read-only; paths outside it are 404) plus `extra`, in-memory files by URL
 * path (e.g. a bundle built for the test), which win over the directory.
 */
export function serve(
  dir: string,
  extra: Record<string, string | Uint8Array> = {},
): Promise<Served> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    if (path in extra) {
      res.writeHead(200, { 'content-type': type }).end(extra[path]);
      return;
    }
    const file = join(dir, path);
    if (!file.startsWith(dir) || !existsSync(file) || path.endsWith('/')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, close: () => server.close() });
    }),
  );
}

/** Launches headless Chromium (throws when it is not installed). */
export function launch(): Promise<Browser> {
  if (!CHROMIUM) throw new Error('Debian chromium is not installed (scripts/system-deps.mjs)');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}
