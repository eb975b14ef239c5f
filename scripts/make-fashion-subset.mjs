#!/usr/bin/env node
// Builds data/fashion-mnist-subset/ from the full Fashion-MNIST (by default the Debian package
// dataset-fashion-mnist in /usr/share/datasets/fashion-mnist).
//
// Rule (deterministic): walk each file in its original order and keep a sample while its class
// has fewer than PER_CLASS kept samples: the first 600 images of each class of the training set
// (6,000) and the first 100 of each class of the test set (1,000), in their original order.
// Output: the four IDX files, gzipped at level 9 (Node's zlib, gzip header mtime 0), so a rerun
// on the same data writes the same bytes.
//
// Usage: node scripts/make-fashion-subset.mjs [SOURCE_DIR] [OUT_DIR]
//
// It uses the project's own IDX reader/writer (src/data/idx.ts), compiled on its own into a
// temporary folder with the project's TypeScript (idx.ts depends only on node: modules).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(process.argv[2] ?? '/usr/share/datasets/fashion-mnist');
const out = resolve(process.argv[3] ?? join(root, 'data', 'fashion-mnist-subset'));
const TRAIN_PER_CLASS = 600;
const TEST_PER_CLASS = 100;

// A small build: just src/data/idx.ts.
const build = mkdtempSync(join(tmpdir(), 'descent-idx-'));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const r = spawnSync(
  process.execPath,
  [
    tsc,
    join(root, 'src', 'data', 'idx.ts'),
    '--outDir',
    build,
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--target',
    'es2022',
    '--types',
    'node',
    '--skipLibCheck',
    '--strict',
  ],
  { stdio: 'inherit', cwd: root },
);
if (r.status !== 0) {
  rmSync(build, { recursive: true, force: true });
  console.error('make-fashion-subset: compiling src/data/idx.ts failed');
  process.exit(1);
}
const { readIdx, writeIdx } = await import(pathToFileURL(join(build, 'idx.js')).href);
rmSync(build, { recursive: true, force: true });

function find(base) {
  for (const name of [`${base}.gz`, base]) {
    const p = join(source, name);
    if (existsSync(p)) return p;
  }
  console.error(
    `make-fashion-subset: ${base}[.gz] not found in ${source} (apt-get install dataset-fashion-mnist, or pass SOURCE_DIR)`,
  );
  process.exit(1);
}

/** First `perClass` samples of each class, in file order. */
function subset(imagesBase, labelsBase, perClass) {
  const images = readIdx(find(imagesBase));
  const labels = readIdx(find(labelsBase));
  const [n, h, w] = images.shape;
  const counts = new Array(10).fill(0);
  const keep = [];
  for (let i = 0; i < n; i++) {
    const c = labels.data[i];
    if (counts[c] < perClass) {
      counts[c]++;
      keep.push(i);
    }
  }
  if (counts.some((c) => c < perClass)) {
    console.error(`make-fashion-subset: ${imagesBase} has fewer than ${perClass} of some class`);
    process.exit(1);
  }
  const px = h * w;
  const x = new Uint8Array(keep.length * px);
  const y = new Uint8Array(keep.length);
  keep.forEach((s, i) => {
    x.set(images.data.subarray(s * px, (s + 1) * px), i * px);
    y[i] = labels.data[s];
  });
  return { x: { shape: [keep.length, h, w], data: x }, y: { shape: [keep.length], data: y }, keep };
}

mkdirSync(out, { recursive: true });
const sets = [
  ['train', TRAIN_PER_CLASS],
  ['t10k', TEST_PER_CLASS],
];
for (const [prefix, perClass] of sets) {
  const s = subset(`${prefix}-images-idx3-ubyte`, `${prefix}-labels-idx1-ubyte`, perClass);
  for (const [name, arr] of [
    [`${prefix}-images-idx3-ubyte.gz`, s.x],
    [`${prefix}-labels-idx1-ubyte.gz`, s.y],
  ]) {
    const p = join(out, name);
    writeIdx(p, arr, { gzip: true });
    const bytes = readFileSync(p);
    const sha = createHash('sha256').update(bytes).digest('hex');
    console.log(`${name}: shape [${arr.shape.join(', ')}], ${bytes.length} bytes, sha256 ${sha}`);
  }
  console.log(
    `  ${prefix}: ${s.keep.length} samples, source indices ${s.keep[0]}..${s.keep[s.keep.length - 1]}`,
  );
}
