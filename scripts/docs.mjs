#!/usr/bin/env node
// The API reference: `npm run docs` writes the TypeDoc site to docs/api (not committed);
// `--check` builds nothing and fails when an exported symbol, option or member lacks a doc
// comment, a {@link} points nowhere or a public type refers to one that is not exported
// (TypeDoc's validation with warnings as errors), or an @example does not compile
// (scripts/doc-examples.mjs). `--only PATH` lists only the gaps under PATH; `--out DIR` writes
// the site elsewhere.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;
const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');

const outDir = args.includes('--out') ? args[args.indexOf('--out') + 1] : join(root, 'docs', 'api');
const argv = [typedoc, '--options', join(root, 'typedoc.json')];
if (check) argv.push('--emit', 'none', '--treatWarningsAsErrors');
else argv.push('--out', outDir);
// TypeDoc ends with process.exit, which drops what is still queued on a pipe: log to a file.
const dir = mkdtempSync(join(tmpdir(), 'descent-docs-'));
const log = join(dir, 'typedoc.log');
const fd = openSync(log, 'w');
const r = spawnSync(process.execPath, argv, {
  cwd: root,
  stdio: ['ignore', fd, fd],
  env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
});
closeSync(fd);
if (r.error) throw r.error;
const out = readFileSync(log, 'utf8');
rmSync(dir, { recursive: true, force: true });
const lines = out.split('\n').filter((l) => l.trim() !== '');
const gaps = lines.filter(
  (l) => /\[warning\]|\[error\]/.test(l) && !/^\[(warning|error)\] Found \d+ errors/.test(l),
);
const shown = only ? gaps.filter((l) => l.includes(only)) : gaps;
for (const l of shown) console.log(l);
if (check) {
  const undocumented = gaps.filter((l) => l.includes('does not have any documentation')).length;
  console.log(
    `docs check: ${gaps.length} problem(s) (${undocumented} undocumented)${only ? `, ${shown.length} under ${only}` : ''}`,
  );
  // The code in @example blocks compiles against the real API.
  const ex = spawnSync(process.execPath, [join(root, 'scripts', 'doc-examples.mjs')], {
    stdio: 'inherit',
  });
  process.exit(r.status === 0 && ex.status === 0 ? 0 : 1);
} else if (r.status === 0) console.log(`docs: written to ${outDir}`);
process.exit(r.status ?? 1);
