#!/usr/bin/env node
// Builds the TypeScript (always), the native addon in release mode and the wasm module
// (when cargo exists). Without a Rust toolchain the install still succeeds and the js
// backend is used. Flags: --native-only, --ts-only, --wasm-only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const bin = (name) => join(root, 'node_modules', '.bin', name);

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function haveCargo() {
  const r = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  return !r.error && r.status === 0;
}

let failed = false;

if (!args.has('--native-only') && !args.has('--wasm-only')) {
  if (!existsSync(bin('tsc'))) {
    console.error('descent build: TypeScript is not installed (run `npm install` first)');
    process.exit(1);
  }
  if (run(bin('tsc'), ['-p', 'tsconfig.build.json']) !== 0) {
    console.error('descent build: TypeScript compilation failed');
    process.exit(1);
  }
}

if (!args.has('--ts-only') && !args.has('--wasm-only')) {
  if (!haveCargo()) {
    console.warn(
      'descent build: cargo not found; skipping the native addon (the js backend will be used)',
    );
  } else if (!existsSync(bin('napi'))) {
    console.warn('descent build: @napi-rs/cli is not installed; skipping the native addon');
  } else {
    const status = run(bin('napi'), [
      'build',
      '--platform',
      '--release',
      '--manifest-path',
      'crates/node/Cargo.toml',
      '--package-json-path',
      'package.json',
      '--output-dir',
      'native',
      '--js',
      'binding.cjs',
      '--dts',
      'binding.d.ts',
    ]);
    if (status !== 0) {
      console.error(
        'descent build: the native addon failed to build (the js backend will be used)',
      );
      failed = args.has('--native-only');
    }
  }
}

// The wasm modules (crates/wasm, shipped in the main package): the backend of every platform
// without a native addon. wasm/descent.wasm (wasm32-unknown-unknown, own memory, arguments
// copied per call) and wasm/descent-mt.wasm (wasm32-wasip1-threads: a shared memory, where
// arenas live and are passed in place; used where shared memory works). Targets are added
// through rustup when missing (a no-op when present); flags (SIMD128, memory limits) are in
// .cargo/config.toml.
if (!args.has('--ts-only') && !args.has('--native-only')) {
  const builds = [
    ['wasm32-unknown-unknown', 'descent.wasm'],
    ['wasm32-wasip1-threads', 'descent-mt.wasm'],
  ];
  if (!haveCargo()) {
    console.warn('descent build: cargo not found; skipping the wasm modules');
  } else {
    for (const [target, file] of builds) {
      const rustup = spawnSync('rustup', ['target', 'add', target], {
        cwd: root,
        stdio: 'inherit',
      });
      if (rustup.error)
        console.warn(`descent build: rustup not found; assuming the ${target} target`);
      const status = run('cargo', [
        'build',
        '--release',
        '--package',
        'descent-wasm',
        '--lib',
        '--target',
        target,
      ]);
      if (status === 0) {
        mkdirSync(join(root, 'wasm'), { recursive: true });
        copyFileSync(
          join(root, 'target', target, 'release', 'descent_wasm.wasm'),
          join(root, 'wasm', file),
        );
      } else {
        console.error(
          `descent build: wasm/${file} failed to build (${file === 'descent.wasm' ? 'the js backend will be used' : 'the wasm backend copies its arguments per call'})`,
        );
        failed ||= args.has('--wasm-only');
      }
    }
  }
}

process.exit(failed ? 1 : 0);
