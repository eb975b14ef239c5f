#!/usr/bin/env node
// Cross-builds the macOS addons (darwin-x64, darwin-arm64) on Linux with cargo-zigbuild and
// zig, then checks each artifact's Mach-O header, CPU type, minimum macOS and exported
// `_napi_register_module_v1`. Run by hand, not by `npm test`: zig, cargo-zigbuild and the
// rustup targets are not part of CI. Nothing here can run the binaries: they are checked, not
// loaded. Installs nothing; when something is missing it says what and exits 2:
//   pip install ziglang cargo-zigbuild   (or `cargo install cargo-zigbuild`)
//   rustup target add aarch64-apple-darwin x86_64-apple-darwin
//
//   node scripts/build-darwin.mjs   → npm/darwin-{x64,arm64}/descent.darwin-{x64,arm64}.node
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// `macos`: the oldest macOS that Node 20 (this package's `engines`) supports on that CPU, set
// as the deployment target: without it zig links for its own default (measured: minos 15.0).
const TARGETS = [
  {
    name: 'darwin-x64',
    triple: 'x86_64-apple-darwin',
    cpu: 'X86_64',
    file: 'x86_64',
    macos: '10.15',
  },
  {
    name: 'darwin-arm64',
    triple: 'aarch64-apple-darwin',
    cpu: 'ARM64',
    file: 'arm64',
    macos: '11.0',
  },
];

const run = (cmd, args, opts = {}) =>
  spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
const ok = (cmd, args) => {
  const r = run(cmd, args);
  return !r.error && r.status === 0 ? r.stdout : null;
};
/** The unversioned LLVM tool, else the newest `/usr/bin/<tool>-NN`. */
const llvm = (tool) => {
  if (ok(tool, ['--version']) !== null) return tool;
  const versioned = readdirSync('/usr/bin')
    .filter((f) => new RegExp(`^${tool}-\\d+$`).test(f))
    .sort((a, b) => Number(b.split('-').pop()) - Number(a.split('-').pop()));
  return versioned.length ? `/usr/bin/${versioned[0]}` : null;
};

// cargo-zigbuild finds zig on PATH, else through `python3 -m ziglang`.
const missing = [];
if (ok('zig', ['version']) === null && ok('python3', ['-m', 'ziglang', 'version']) === null)
  missing.push('zig (pip install ziglang)');
if (ok('cargo', ['zigbuild', '--help']) === null)
  missing.push('cargo-zigbuild (pip install cargo-zigbuild, or cargo install cargo-zigbuild)');
const installed = ok('rustup', ['target', 'list', '--installed']) ?? '';
for (const t of TARGETS)
  if (!installed.split('\n').includes(t.triple)) missing.push(`rustup target add ${t.triple}`);
const objdump = llvm('llvm-objdump');
const nm = llvm('llvm-nm');
if (!objdump || !nm) missing.push('llvm-objdump and llvm-nm (apt-get install llvm)');
if (ok('file', ['--version']) === null) missing.push('file (apt-get install file)');
if (missing.length) {
  for (const m of missing) console.error(`missing: ${m}`);
  process.exit(2);
}

const versionLE = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  return true;
};

let failed = false;
const check = (name, what, pass, detail) => {
  console.log(`${pass ? 'ok  ' : 'FAIL'} ${name} ${what}: ${detail}`);
  if (!pass) failed = true;
};

for (const t of TARGETS) {
  // Cargo's release profile strips debuginfo after linking by default (no `strip` in
  // Cargo.toml), which is known to break aarch64 darwin binaries: never strip here.
  const env = {
    ...process.env,
    CARGO_PROFILE_RELEASE_STRIP: 'false',
    MACOSX_DEPLOYMENT_TARGET: t.macos,
  };
  const args = ['zigbuild', '--release', '--target', t.triple, '-p', 'descent-node'];
  console.log(`cargo ${args.join(' ')}`);
  const b = run('cargo', args, { env, stdio: 'inherit' });
  if (b.error || b.status !== 0) {
    check(t.name, 'build', false, `cargo zigbuild exited ${b.status}`);
    continue;
  }
  const out = join(root, 'npm', t.name, `descent.${t.name}.node`);
  copyFileSync(join(root, 'target', t.triple, 'release', 'libdescent_node.dylib'), out);
  console.log(`${t.name}: ${out} (${statSync(out).size} bytes)`);

  const f = ok('file', ['-b', out]) ?? '';
  check(
    t.name,
    'file',
    f.startsWith(`Mach-O 64-bit ${t.file} dynamically linked shared library`),
    f.trim(),
  );

  const h = ok(objdump, ['--macho', '--private-headers', out]) ?? '';
  const header = h.match(/^\s*MH_MAGIC_64\s+(\S+)\s+\S+\s+\S+\s+(\S+)/m);
  check(
    t.name,
    'header',
    header?.[2] === 'DYLIB',
    header ? `MH_MAGIC_64 ${header[2]}` : 'no 64-bit Mach-O header',
  );
  check(t.name, 'cpu', header?.[1] === t.cpu, header?.[1] ?? 'unknown');
  const minos =
    h.match(/cmd LC_BUILD_VERSION[\s\S]*?\n\s*minos (\S+)/)?.[1] ??
    h.match(/cmd LC_VERSION_MIN_MACOSX[\s\S]*?\n\s*version (\S+)/)?.[1];
  check(
    t.name,
    'minos',
    minos !== undefined && versionLE(minos, t.macos),
    `${minos ?? 'none'} (≤ ${t.macos}, Node 20's minimum)`,
  );
  // macOS on arm64 loads only signed code: the linker's ad-hoc signature must be there.
  const signed = h.includes('cmd LC_CODE_SIGNATURE');
  if (t.cpu === 'ARM64') check(t.name, 'signature', signed, signed ? 'LC_CODE_SIGNATURE' : 'none');

  const sym = (ok(nm, ['--extern-only', '--defined-only', out]) ?? '')
    .split('\n')
    .find((l) => l.endsWith(' _napi_register_module_v1'));
  check(
    t.name,
    'export',
    /^[0-9a-f]+ T /.test(sym ?? ''),
    sym ?? '_napi_register_module_v1 not exported',
  );
}
process.exit(failed ? 1 : 0);
