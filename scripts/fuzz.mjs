#!/usr/bin/env node
// Runs the kernel fuzz targets (crates/kernels/fuzz): first every saved regression input once,
// then each target for `--seconds` (default 20) of coverage-guided fuzzing. cargo-fuzz is
// installed from crates.io into target/tools on first use. With a nightly toolchain the
// targets are built with AddressSanitizer; without one, on stable with `-s none` (libFuzzer's
// coverage guidance and the targets' own checks, no sanitizer), and the output says so.
// Usage: node scripts/fuzz.mjs [--seconds N] [--target NAME]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const crate = join(root, 'crates', 'kernels');
const TARGETS = ['optim_step', 'elementwise', 'gemm', 'window'];
const CARGO_FUZZ = '0.13.2';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '20' }, target: { type: 'string' } },
});
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 0) {
  console.error(`fuzz: --seconds must be a whole number ≥ 0, got ${values.seconds}`);
  process.exit(2);
}
if (values.target !== undefined && !TARGETS.includes(values.target)) {
  console.error(`fuzz: --target must be one of ${TARGETS.join(', ')}, got ${values.target}`);
  process.exit(2);
}
const targets = values.target ? [values.target] : TARGETS;

function run(cmd, args, env = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: crate, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.error ? 127 : (r.status ?? 1);
}

const tools = join(root, 'target', 'tools');
const bin = join(tools, 'bin', process.platform === 'win32' ? 'cargo-fuzz.exe' : 'cargo-fuzz');
if (!existsSync(bin)) {
  const args = ['install', '--locked', '--root', tools, 'cargo-fuzz', '--version', CARGO_FUZZ];
  if (run('cargo', args) !== 0) {
    console.error('fuzz: could not install cargo-fuzz from crates.io');
    process.exit(1);
  }
}

const nightly = spawnSync('rustup', ['run', 'nightly', 'rustc', '--version'], { encoding: 'utf8' });
const asan = nightly.status === 0;
const env = { RUSTUP_TOOLCHAIN: asan ? 'nightly' : 'stable' };
const sanitizer = asan ? [] : ['-s', 'none'];
console.log(
  asan
    ? `fuzz: ${nightly.stdout.trim()}, AddressSanitizer on`
    : 'fuzz: no nightly toolchain; stable with -s none (no AddressSanitizer)',
);

const failed = [];
if (run(bin, ['fuzz', 'build', ...sanitizer], env) !== 0) failed.push('build');
else {
  for (const t of targets) {
    const dir = join(crate, 'fuzz', 'regressions', t);
    const saved = existsSync(dir) ? readdirSync(dir).map((f) => join(dir, f)) : [];
    if (saved.length && run(bin, ['fuzz', 'run', ...sanitizer, t, ...saved], env) !== 0) {
      failed.push(`${t} regressions`);
    }
    const limits = [`-max_total_time=${seconds}`, '-print_final_stats=1'];
    if (seconds > 0 && run(bin, ['fuzz', 'run', ...sanitizer, t, '--', ...limits], env) !== 0) {
      failed.push(t);
    }
  }
}
console.log(
  failed.length ? `fuzz: failed: ${failed.join(', ')}` : `fuzz: ${targets.join(', ')} ok`,
);
process.exit(failed.length ? 1 : 0);
