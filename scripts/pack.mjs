#!/usr/bin/env node
// Packs descent the napi-rs way: the main package (TypeScript output, the napi-rs loader, the
// bundled data subset) with every per-platform package as an optional dependency, and the
// platform package of this machine holding the prebuilt addon from native/.
//
//   node scripts/pack.mjs [--out DIR] [--platform NAME]   (default: ./pack, this machine)
//
// Needs `npm run build` first (dist/ and native/descent.<platform>.node). Each package is
// staged in a temporary directory, so the repository's package.json is never rewritten and
// no lifecycle script runs. Prints one JSON line: { main, platform, platformName }.
// linux-arm64-gnu and linux-x64-musl can be cross-built here (scripts/cross.mjs); the other
// platforms' packages are built on their own machines: see the README's "Packaging" section.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: 'pack' }, platform: { type: 'string' } },
});
const out = resolve(values.out);

const fail = (msg) => {
  console.error(`pack: ${msg}`);
  process.exit(1);
};

/** napi-rs's name for this machine's platform (the suffix of its .node and package). */
function platformName() {
  const abi =
    process.platform === 'linux'
      ? process.report?.getReport?.().header?.glibcVersionRuntime
        ? '-gnu'
        : '-musl'
      : process.platform === 'win32'
        ? '-msvc'
        : '';
  return `${process.platform}-${process.arch}${abi}`;
}

function npmPack(dir) {
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', out], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) fail(`npm pack in ${dir} failed: ${r.stderr.trim().split('\n').at(-1)}`);
  return join(out, JSON.parse(r.stdout)[0].filename);
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
// --platform packs another platform's addon (native/descent.<platform>.node, cross-built by
// scripts/cross.mjs) instead of this machine's.
const plat = values.platform ?? platformName();
const addon = join(ROOT, 'native', `${pkg.napi.binaryName}.${plat}.node`);
const platDir = join(ROOT, 'npm', plat);
if (!existsSync(join(platDir, 'package.json'))) fail(`no npm/${plat}/package.json`);
if (!existsSync(join(ROOT, 'dist', 'index.js'))) fail('dist/ is missing: run `npm run build`');
if (!existsSync(addon)) fail(`${addon} is missing: run \`npm run build\` with a Rust toolchain`);

mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'descent-pack-'));
try {
  // the platform package: its package.json and README from npm/<platform>/, the addon
  const ps = join(stage, 'platform');
  mkdirSync(ps);
  for (const f of readdirSync(platDir)) copyFileSync(join(platDir, f), join(ps, f));
  copyFileSync(addon, join(ps, `${pkg.napi.binaryName}.${plat}.node`));
  const platPkg = JSON.parse(readFileSync(join(platDir, 'package.json'), 'utf8'));
  if (platPkg.version !== pkg.version)
    fail(`npm/${plat}/package.json is at ${platPkg.version}, descent at ${pkg.version}`);
  const platform = npmPack(ps);

  // the main package: `files` only, every platform package as an optional dependency
  const ms = join(stage, 'main');
  mkdirSync(ms);
  for (const f of pkg.files) {
    const src = join(ROOT, f);
    if (!existsSync(src)) fail(`${f} (listed in "files") is missing`);
    cpSync(src, join(ms, f), { recursive: true });
  }
  const optional = {};
  for (const d of readdirSync(join(ROOT, 'npm')).sort()) {
    const p = JSON.parse(readFileSync(join(ROOT, 'npm', d, 'package.json'), 'utf8'));
    optional[p.name] = pkg.version;
  }
  const { devDependencies: _dev, scripts, ...rest } = pkg;
  const published = {
    ...rest,
    scripts: { start: scripts.start },
    optionalDependencies: optional,
  };
  writeFileSync(join(ms, 'package.json'), `${JSON.stringify(published, null, 2)}\n`);
  const main = npmPack(ms);
  console.log(JSON.stringify({ main, platform, platformName: plat }));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
