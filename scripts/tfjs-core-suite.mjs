#!/usr/bin/env node
// Runs TensorFlow.js's own tfjs-core test suite (the `dist/**/*_test.js` files of
// @tensorflow/tfjs-core, as tfjs's backends run them) against the `descent` backend — once
// with descent's native kernels, once with its js kernels — and against tfjs's cpu backend,
// each in a fresh process, and prints the counts side by side.
//
//   node scripts/tfjs-core-suite.mjs [--backends descent-native,descent-js,cpu]
//                                    [--filter TEXT] [--json FILE] [--list-failures]
//
// The test files are bundled with the setup module (__test__/tfjs-core-suite/entry.mjs) by
// esbuild (--main-fields=module,main keeps one copy of tfjs-core; --ignore-annotations keeps
// the test files tfjs-core's `sideEffects` list would drop) and run by jasmine 3.99 (jasmine-core
// 7 refuses jasmine_util's deep require). A spec failing on descent counts as a failure unless
// __test__/tfjs-core-suite/known-failures.json lists it with its reason AND the cpu backend
// fails it too in the same run. Exit status 0 when nothing counts as failed. `--json` writes
// { passed, failed, backends: {...} } for scripts/test.mjs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE_DIR = join(ROOT, '__test__', 'tfjs-core-suite');
const require = createRequire(import.meta.url);
const ALL = ['descent-native', 'descent-js', 'cpu'];

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: ALL.join(',') },
    filter: { type: 'string' },
    json: { type: 'string' },
    'list-failures': { type: 'boolean', default: false },
    child: { type: 'string' },
    bundle: { type: 'string' },
    out: { type: 'string' },
  },
});

if (values.child) await child(values.child, values.bundle, values.out, values.filter);
else process.exit(await main());

/** Parent: bundle once, run each backend in its own process, compare, print. */
async function main() {
  const backends = values.backends.split(',');
  for (const b of backends)
    if (!ALL.includes(b)) throw new RangeError(`--backends: unknown backend ${b} (${ALL})`);
  // under node_modules, so that the bundle's one external (jasmine-core) resolves
  const cache = join(ROOT, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, 'tfjs-core-suite-'));
  try {
    const bundle = join(tmp, 'suite.cjs');
    const t0 = performance.now();
    await buildBundle(bundle);
    console.log(
      `tfjs-core ${tfjsCoreVersion()} test suite bundled in ${((performance.now() - t0) / 1e3).toFixed(1)} s`,
    );
    const results = {};
    for (const b of backends) results[b] = runChild(b, bundle, join(tmp, `${b}.json`));
    return report(results);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function tfjsCoreVersion() {
  return JSON.parse(readFileSync(require.resolve('@tensorflow/tfjs-core/package.json'), 'utf8'))
    .version;
}

async function buildBundle(outfile) {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [join(SUITE_DIR, 'entry.mjs')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    mainFields: ['module', 'main'],
    ignoreAnnotations: true,
    // descent's native loader resolves the addon from import.meta.url (DESCENT_NATIVE_PATH is
    // set for the child instead); jasmine-core is the runner's own, not a bundled copy.
    define: { 'import.meta.url': '__descentBundleUrl' },
    banner: { js: 'const __descentBundleUrl = require("url").pathToFileURL(__filename).href;' },
    external: ['jasmine-core', 'jasmine-core/*'],
    logLevel: 'error',
  });
}

function runChild(backend, bundle, out) {
  const env = { ...process.env, TFJS_SUITE_BACKEND: backend === 'cpu' ? 'cpu' : 'descent' };
  if (backend.startsWith('descent-')) {
    env.DESCENT_BACKEND = backend.slice('descent-'.length);
    env.DESCENT_NATIVE_PATH = join(ROOT, 'native', 'binding.cjs');
  }
  const args = [fileURLToPath(import.meta.url), '--child', backend, '--bundle', bundle];
  args.push('--out', out);
  if (values.filter) args.push('--filter', values.filter);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
    timeout: 20 * 60_000,
  });
  const seconds = (performance.now() - t0) / 1e3;
  try {
    return { ...JSON.parse(readFileSync(out, 'utf8')), seconds, status: r.status };
  } catch {
    const why = (r.error?.message ?? r.stderr ?? '').trim().split('\n').slice(-5).join('\n');
    return { crashed: `exit ${r.status}: ${why}`, specs: [], seconds, status: r.status };
  }
}

/** Child: run the bundle under jasmine, write every spec's outcome to `out`. */
async function child(backend, bundle, out, filter) {
  const Jasmine = require('jasmine');
  const runner = new Jasmine();
  runner.exitOnCompletion = false;
  runner.env.clearReporters();
  const specs = [];
  const suiteErrors = [];
  runner.env.addReporter({
    specDone: (r) =>
      specs.push({
        name: r.fullName,
        status: r.status,
        message: r.failedExpectations?.[0]?.message?.split('\n')[0],
      }),
    suiteDone: (r) => {
      for (const e of r.failedExpectations ?? [])
        suiteErrors.push(`${r.fullName}: ${e.message.split('\n')[0]}`);
    },
    jasmineDone: (r) => {
      for (const e of r.failedExpectations ?? [])
        suiteErrors.push(`(top level): ${e.message.split('\n')[0]}`);
    },
  });
  runner.env.configure({ random: false });
  // tfjs prints its greetings and deprecation notes: keep stdout for the parent's table
  for (const k of ['log', 'info', 'warn']) console[k] = () => {};
  runner.loadConfig({ spec_files: [bundle] });
  await runner.execute(undefined, filter);
  const backendInfo = backend.startsWith('descent-')
    ? `descent (${globalThis.__descentSuiteBackend()})`
    : backend;
  const kernels = globalThis.__descentSuiteStats?.() ?? null;
  writeFileSync(out, JSON.stringify({ backend: backendInfo, specs, suiteErrors, kernels }));
  process.exit(0);
}

function loadKnownFailures() {
  const list = JSON.parse(readFileSync(join(SUITE_DIR, 'known-failures.json'), 'utf8'));
  return new Map(list.failures.map((f) => [f.spec, f]));
}

function report(results) {
  const known = loadKnownFailures();
  const cpuFailed = new Set(
    (results.cpu?.specs ?? []).filter((s) => s.status === 'failed').map((s) => s.name),
  );
  const rows = [];
  let passed = 0;
  let failed = 0;
  const summary = {};
  for (const [b, r] of Object.entries(results)) {
    const count = (st) => r.specs.filter((s) => s.status === st).length;
    const fails = r.specs.filter((s) => s.status === 'failed');
    // a known failure is accepted only when the cpu backend fails it too, in this run
    const accepted = b.startsWith('descent-')
      ? fails.filter((s) => known.has(s.name) && cpuFailed.has(s.name))
      : [];
    const counted = fails.length - accepted.length + r.suiteErrors?.length + (r.crashed ? 1 : 0);
    passed += count('passed');
    failed += counted;
    summary[b] = {
      backend: r.backend ?? b,
      specs: r.specs.length,
      passed: count('passed'),
      failed: fails.length,
      acceptedKnownFailures: accepted.length,
      skipped: count('pending') + count('excluded'),
      suiteErrors: r.suiteErrors ?? [],
      crashed: r.crashed ?? null,
      seconds: Number(r.seconds.toFixed(1)),
      failures: fails.map((s) => ({ spec: s.name, message: s.message })),
      kernels: r.kernels ?? null,
    };
    rows.push([
      r.backend ?? b,
      r.specs.length,
      count('passed'),
      fails.length,
      accepted.length,
      count('pending') + count('excluded'),
      r.seconds.toFixed(1),
    ]);
  }
  const head = ['backend', 'specs', 'passed', 'failed', 'known (cpu too)', 'skipped', 'seconds'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
  for (const [b, s] of Object.entries(summary)) {
    if (s.crashed) console.log(`${b}: the run crashed: ${s.crashed}`);
    for (const e of s.suiteErrors) console.log(`${b}: suite error: ${e}`);
    const show = values['list-failures'] ? s.failures : s.failures.slice(0, 20);
    for (const f of show)
      console.log(
        `${b}: FAILED ${f.spec}${known.has(f.spec) ? ' [known]' : ''}\n    ${f.message ?? ''}`,
      );
    if (show.length < s.failures.length)
      console.log(`${b}: … ${s.failures.length - show.length} more (--list-failures)`);
  }
  const stats = Object.values(summary).find((s) => s.kernels)?.kernels;
  if (stats) {
    const ran = Object.entries(stats).map(([k, s]) => `${k} ${s.descent}/${s.descent + s.cpu}`);
    console.log(
      `descent's kernels (calls it ran / calls, the rest went to tfjs cpu):\n  ${ran.join(', ')}`,
    );
  }
  console.log(`tfjs-core suite: ${passed} passed, ${failed} failed`);
  if (values.json)
    writeFileSync(values.json, JSON.stringify({ passed, failed, backends: summary }));
  return failed ? 1 : 0;
}
