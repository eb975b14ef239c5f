#!/usr/bin/env node
// Superseded by the suite: runs its optimizer and GEMM sections (node benchmarks/run.mjs
// --only bandwidth,optimizers,gemm …); the other arguments are passed on.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const run = join(dirname(fileURLToPath(import.meta.url)), 'run.mjs');
const r = spawnSync(
  process.execPath,
  [run, '--only', 'bandwidth,optimizers,gemm', ...process.argv.slice(2)],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
