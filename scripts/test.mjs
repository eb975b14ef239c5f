#!/usr/bin/env node
// Runs every check and test the project has, then prints one line: `N passed, N failed`.
// Steps: the Debian packages the tests need (scripts/system-deps.mjs: installed when this user
// can, else the run stops at once with the command to run), build (TS + native addon), strict
// type-check, Biome, cargo fmt, clippy, cargo test, cargo fuzz on the kernels, vitest on this
// Node, TensorFlow.js's tfjs-core test suite against the `descent` tfjs backend (and tfjs's cpu
// backend beside it), vitest again on Node 22. Each non-test check counts as one; cargo,
// vitest and the tfjs-core suite count their tests.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePackages } from './system-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let passed = 0;
let failed = 0;
const failures = [];

function run(label, cmd, args, opts = {}) {
  console.log(`\n── ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, {
    cwd: root,
    stdio: opts.capture ? ['inherit', 'pipe', 'inherit'] : 'inherit',
    ...opts,
  });
  if (opts.capture && r.stdout) process.stdout.write(r.stdout);
  return { status: r.error ? 127 : (r.status ?? 1), stdout: r.stdout ? r.stdout.toString() : '' };
}

function check(label, cmd, args) {
  const { status } = run(label, cmd, args);
  if (status === 0) passed++;
  else {
    failed++;
    failures.push(label);
  }
}

// First the Debian packages the tests need: installed when possible, else stop now.
{
  const { ok, lines } = ensurePackages();
  for (const l of lines) console.log(l);
  if (!ok) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

check('build', process.execPath, [join(root, 'scripts', 'build.mjs')]);
check('typecheck (tsc --noEmit, strict)', bin('tsc'), ['--noEmit', '-p', 'tsconfig.json']);
check('lint (biome)', bin('biome'), ['check', '.']);
check('cargo fmt --check', 'cargo', ['fmt', '--all', '--check']);
check('cargo clippy', 'cargo', [
  'clippy',
  '--workspace',
  '--all-targets',
  '--release',
  '--',
  '-D',
  'warnings',
]);

// cargo test: sum the "test result" lines.
{
  const { status, stdout } = run(
    'cargo test',
    'cargo',
    ['test', '--workspace', '--profile', 'release-test', '--color', 'never'],
    {
      capture: true,
    },
  );
  let p = 0;
  let f = 0;
  for (const m of stdout.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed/g)) {
    p += Number(m[1]);
    f += Number(m[2]);
  }
  if (status !== 0 && f === 0) f = 1; // did not compile or crashed
  passed += p;
  failed += f;
  if (f) failures.push('cargo test');
}

// Kernel fuzzing (cargo fuzz): saved regressions, then 20 s per target (`--no-fuzz` skips).
if (!process.argv.includes('--no-fuzz')) {
  check('cargo fuzz', process.execPath, [join(root, 'scripts', 'fuzz.mjs'), '--seconds', '20']);
}

// vitest: read its JSON report.
function vitest(label, node) {
  const dir = mkdtempSync(join(tmpdir(), 'descent-vitest-'));
  const out = join(dir, 'report.json');
  const { status } = run(label, node, [
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${out}`,
  ]);
  let p = 0;
  let f = 0;
  try {
    const report = JSON.parse(readFileSync(out, 'utf8'));
    p = report.numPassedTests;
    f = report.numFailedTests + (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    if (report.numFailedTestSuites && f === 0) f = report.numFailedTestSuites;
  } catch {
    f = 1;
  }
  if (status !== 0 && f === 0) f = 1;
  rmSync(dir, { recursive: true, force: true });
  passed += p;
  failed += f;
  if (f) failures.push(label);
}

vitest(`vitest (Node ${process.versions.node})`, process.execPath);

// tfjs-core's own specs against the `descent` backend on descent's native and js kernels, and
// against tfjs's cpu backend (scripts/tfjs-core-suite.mjs prints the counts side by side).
{
  const dir = mkdtempSync(join(tmpdir(), 'descent-tfjs-suite-'));
  const out = join(dir, 'counts.json');
  const { status } = run('tfjs-core suite (descent backend; cpu beside it)', process.execPath, [
    join(root, 'scripts', 'tfjs-core-suite.mjs'),
    '--json',
    out,
  ]);
  let p = 0;
  let f = 0;
  try {
    ({ passed: p, failed: f } = JSON.parse(readFileSync(out, 'utf8')));
  } catch {
    f = 1;
  }
  if (status !== 0 && f === 0) f = 1;
  rmSync(dir, { recursive: true, force: true });
  passed += p;
  failed += f;
  if (f) failures.push('tfjs-core suite');
}

// The whole suite again on Node 22, from the npm registry's binary package (`--node20-only`
// skips it). Failing to get Node 22 counts as a failure, not as a skip.
if (!process.argv.includes('--node20-only') && process.versions.node.split('.')[0] !== '22') {
  const node22 = installNode22();
  if (node22) vitest('vitest (Node 22)', node22);
  else {
    failed++;
    failures.push('Node 22 install');
  }
}

/** `node-<platform>-<arch>@22` installed under node_modules/.cache/node22; its binary's path. */
function installNode22() {
  const dir = join(root, 'node_modules', '.cache', 'node22');
  const pkg = `node-${process.platform}-${process.arch}`;
  const binary = join(
    dir,
    'node_modules',
    pkg,
    'bin',
    process.platform === 'win32' ? 'node.exe' : 'node',
  );
  const version = () => spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
  if (!version().startsWith('v22.')) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "name": "node22", "private": true }\n');
    const npm = process.env.npm_execpath?.endsWith('.js') ? process.env.npm_execpath : null;
    const [cmd, args] = npm
      ? [process.execPath, [npm]]
      : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
    run(
      'install Node 22',
      cmd,
      [...args, 'install', '--no-audit', '--no-fund', '--loglevel=error', `${pkg}@22`],
      { cwd: dir },
    );
  }
  const v = version();
  console.log(v.startsWith('v22.') ? `Node 22: ${binary} (${v})` : 'Node 22: not available');
  return v.startsWith('v22.') ? binary : null;
}

if (failures.length) console.log(`\nfailing: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
