#!/usr/bin/env node
// What a maintainer checks before `npm publish`, without publishing:
//   - package.json has what a registry page needs (description, keywords, repository,
//     homepage, bugs, license, engines, types, exports for ESM and CommonJS, bin), a semver
//     version with a CHANGELOG.md entry, and every platform package at the same version;
//   - the main and this machine's platform tarball (scripts/pack.mjs) hold no tests,
//     benchmarks, results, build leftovers, or source maps whose sources are not in the package;
//   - `npm publish --dry-run` accepts both tarballs; their sizes are printed.
//
//   node scripts/release-check.mjs        (after `npm run build`; exit 1 on any problem)
//   node scripts/release-check.mjs --root DIR --manifest-only
//                                         (the package.json/CHANGELOG/platform checks of DIR)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { root: { type: 'string' }, 'manifest-only': { type: 'boolean', default: false } },
});
const ROOT = args.root
  ? resolve(args.root)
  : resolve(dirname(fileURLToPath(import.meta.url)), '..');
const problems = [];
const notes = [];
const fail = (msg) => problems.push(msg);
const read = (p) => readFileSync(join(ROOT, p), 'utf8');
const pkg = JSON.parse(read('package.json'));

// Semantic Versioning 2.0.0, the regular expression suggested at semver.org.
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

function checkManifest() {
  const nonEmpty = (k) => {
    if (typeof pkg[k] !== 'string' || pkg[k].trim() === '')
      fail(`package.json: "${k}" is missing or empty`);
  };
  for (const k of ['name', 'description', 'license', 'homepage', 'main', 'types']) nonEmpty(k);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(pkg.name ?? ''))
    fail(`package.json: name ${JSON.stringify(pkg.name)} is not a valid npm package name`);
  if (!SEMVER.test(pkg.version ?? ''))
    fail(`package.json: version ${JSON.stringify(pkg.version)} is not semver`);
  if (!Array.isArray(pkg.keywords) || pkg.keywords.length < 3)
    fail('package.json: "keywords" needs at least 3 entries (registry search)');
  const repo = pkg.repository;
  if (repo?.type !== 'git' || !/^(git\+)?https:\/\//.test(repo.url ?? ''))
    fail('package.json: "repository" must be { type: "git", url: "git+https://…" }');
  if (!/^https:\/\//.test(pkg.bugs?.url ?? ''))
    fail('package.json: "bugs" must be { url: "https://…" }');
  if (pkg.license !== 'MIT' || !existsSync(join(ROOT, 'LICENSE')))
    fail('package.json: license must be MIT with a LICENSE file (as the repository says)');
  if (typeof pkg.engines?.node !== 'string') fail('package.json: "engines.node" is missing');
  const dot = pkg.exports?.['.'];
  if (!dot || typeof dot !== 'object') fail('package.json: "exports" has no "." entry');
  else {
    if (!dot.types) fail('package.json: exports["."] has no "types" condition');
    const esm = dot.import ?? dot.default;
    const cjs = dot.require ?? dot.default;
    if (!esm || !cjs) fail('package.json: exports["."] must resolve for both import and require');
  }
  for (const [cmd, file] of Object.entries(pkg.bin ?? {})) {
    if (!pkg.files?.some((f) => file.replace(/^\.\//, '').startsWith(f)))
      fail(`package.json: bin ${cmd} → ${file} is not inside "files"`);
    else if (existsSync(join(ROOT, file)) && !read(file).startsWith('#!/usr/bin/env node'))
      fail(`bin ${cmd}: ${file} does not start with a node shebang`);
  }
  if (!pkg.bin?.descent) fail('package.json: the "descent" command is missing from "bin"');
}

function checkChangelog() {
  if (!existsSync(join(ROOT, 'CHANGELOG.md'))) return fail('CHANGELOG.md is missing');
  const heads = [...read('CHANGELOG.md').matchAll(/^## \[?([^\]\s]+)\]?/gm)].map((m) => m[1]);
  if (!heads.includes(pkg.version))
    fail(`CHANGELOG.md has no entry for ${pkg.version} (entries: ${heads.join(', ') || 'none'})`);
}

function checkPlatforms() {
  for (const d of readdirSync(join(ROOT, 'npm')).sort()) {
    const p = JSON.parse(read(join('npm', d, 'package.json')));
    if (p.version !== pkg.version)
      fail(`npm/${d}/package.json is at ${p.version}, the main package at ${pkg.version}`);
    if (p.name !== `${pkg.name}-${d}`)
      fail(`npm/${d}/package.json is named ${p.name}, expected ${pkg.name}-${d}`);
    for (const k of ['os', 'cpu', 'license', 'engines'])
      if (!p[k]) fail(`npm/${d}/package.json has no "${k}"`);
  }
}

/** Files of a .tgz (npm's `package/` prefix removed) and their contents on demand. */
function tarball(file, dir) {
  const x = spawnSync('tar', ['-xzf', file, '-C', dir], { encoding: 'utf8' });
  if (x.status !== 0) throw new Error(`tar -xzf ${file}: ${x.stderr}`);
  const root = join(dir, 'package');
  const files = [];
  const walk = (d, rel) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(join(d, e.name), r);
      else files.push(r);
    }
  };
  walk(root, '');
  return { root, files };
}

const FORBIDDEN = [
  [/(^|\/)__test__\//, 'a test file'],
  [/\.test\.[cm]?[jt]s$/, 'a test file'],
  [/(^|\/)benchmarks\//, 'a benchmark'],
  [/(^|\/)results\//, 'benchmark results'],
  [/\.tsbuildinfo$|\.tmp$|(^|\/)\.DS_Store$|\.orig$|\.rej$/, 'a build leftover'],
  [/(^|\/)(src|crates|target|scripts)\//, 'sources or build trees (the package ships dist/)'],
];

function checkTarball(label, file, work) {
  const { root, files } = tarball(file, work);
  for (const f of files)
    for (const [re, what] of FORBIDDEN) if (re.test(f)) fail(`${label}: ${f} is ${what}`);
  for (const f of files.filter((x) => x.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(join(root, f), 'utf8'));
    const inline =
      Array.isArray(map.sourcesContent) && map.sourcesContent.every((c) => typeof c === 'string');
    for (const s of map.sources ?? []) {
      const target = posix.join(posix.dirname(f), map.sourceRoot ?? '', s);
      if (!inline && !files.includes(target))
        fail(`${label}: source map ${f} points to ${target}, which is not in the package`);
    }
  }
  const size = statSync(file).size;
  const unpacked = files.reduce((a, f) => a + statSync(join(root, f)).size, 0);
  notes.push(
    `${label}: ${file.split('/').at(-1)} ${(size / 1024).toFixed(0)} KiB packed, ${(unpacked / 1024).toFixed(0)} KiB unpacked, ${files.length} files`,
  );
  const dry = spawnSync('npm', ['publish', '--dry-run', '--ignore-scripts', file], {
    encoding: 'utf8',
    cwd: work,
  });
  if (dry.status !== 0)
    fail(
      `${label}: npm publish --dry-run failed: ${(dry.stderr || dry.stdout).trim().split('\n').at(-1)}`,
    );
  return files;
}

/** Packs the main and platform packages into a temp dir and checks both tarballs. */
function checkPackages() {
  const work = mkdtempSync(join(tmpdir(), 'descent-release-'));
  try {
    const pack = spawnSync(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), '--out', work], {
      encoding: 'utf8',
    });
    if (pack.status !== 0) return fail(`scripts/pack.mjs failed: ${pack.stderr.trim()}`);
    const { main, platform } = JSON.parse(pack.stdout.trim().split('\n').at(-1));
    const files = checkTarball('main package', main, mkdtempSync(join(work, 'main-')));
    for (const need of [
      'dist/index.js',
      'README.md',
      'LICENSE',
      'package.json',
      'wasm/descent.wasm', // the backend of every platform without a prebuilt addon
      pkg.types.replace(/^\.\//, ''),
    ])
      if (!files.includes(need)) fail(`main package: ${need} is missing`);
    checkTarball('platform package', platform, mkdtempSync(join(work, 'plat-')));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

checkManifest();
checkChangelog();
checkPlatforms();
if (!args['manifest-only']) checkPackages();
for (const n of notes) console.log(n);
if (problems.length) {
  for (const p of problems) console.log(`✗ ${p}`);
  console.log(`release check: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
  process.exit(1);
}
console.log(`release check: ${pkg.name}@${pkg.version} is ready to publish (not published)`);
