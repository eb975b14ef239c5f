// Saving benchmark results: default result paths, the command line that produced them, and an
// atomic JSON write (temp file in the same directory, then rename).
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** An ISO timestamp usable in file names on every OS (no colons, no milliseconds). */
export function fileStamp(date = new Date()) {
  return date
    .toISOString()
    .replace(/:/g, '-')
    .replace(/\.\d+Z$/, 'Z');
}

/** `benchmarks/results/<name>-<ISO date>.json`, or `explicit` resolved against the cwd. */
export function resultPath(name, date, explicit) {
  return resolve(explicit ?? join(RESULTS_DIR, `${name}-${fileStamp(date)}.json`));
}

/** The command line of this process, as one could retype it from the cwd. */
export function commandLine(scriptUrl, argv = process.argv.slice(2)) {
  const quote = (a) => (/^[\w./:=@+,-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  const env = Object.entries(process.env)
    .filter(([k]) => k.startsWith('DESCENT_') || k.endsWith('_NUM_THREADS'))
    .map(([k, v]) => `${k}=${quote(v)}`);
  const script = relative(process.cwd(), fileURLToPath(scriptUrl)) || fileURLToPath(scriptUrl);
  return [...env, 'node', script, ...argv.map(quote)].join(' ');
}

/** Writes `data` as JSON to `path` atomically (creating the directory). Returns the path. */
export function writeJsonAtomic(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return path;
}
