#!/usr/bin/env node
// Cargo's runner for wasm32-wasip1 binaries (.cargo/config.toml): runs a test binary under
// Node's WASI, so the kernels' Rust tests execute on the wasm target with SIMD128
// (`cargo test -p descent-kernels --target wasm32-wasip1`). Exit code: the program's.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [file, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [file, ...args],
  env: process.env,
  preopens: { '/': '/' },
  returnOnExit: true,
});
const instance = await WebAssembly.instantiate(
  await WebAssembly.compile(readFileSync(file)),
  wasi.getImportObject(),
);
process.exitCode = wasi.start(instance);
