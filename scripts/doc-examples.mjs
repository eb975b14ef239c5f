#!/usr/bin/env node
// Type-checks the code in the doc comments: every ```ts block inside an @example of a file
// under src/ is written out as its own module (`'descent-ml'` resolved to src/index.ts) and
// compiled with the project's strict settings, so the reference cannot show code that does
// not compile. Prints one line per example with its file and line; exits 1 on any error.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');

/** The ```ts blocks of a source file's doc comments, with the line each starts on. */
export function extractExamples(text) {
  const out = [];
  const lines = text.split('\n');
  let block = null;
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*\*\s?(.*)$/.exec(lines[i]);
    if (!m) {
      block = null;
      continue;
    }
    const body = m[1];
    if (block === null && /^```(ts|typescript)\s*$/.test(body.trim()))
      block = { line: i + 2, code: [] };
    else if (block !== null && body.trim() === '```') {
      out.push({ line: block.line, code: `${block.code.join('\n')}\n` });
      block = null;
    } else if (block !== null) block.code.push(body);
  }
  return out;
}

function sources(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

function main() {
  const tmp = mkdtempSync(join(tmpdir(), 'descent-doc-examples-'));
  try {
    const files = [];
    for (const src of sources(join(root, 'src'))) {
      for (const ex of extractExamples(readFileSync(src, 'utf8'))) {
        const name = `${relative(join(root, 'src'), src).replace(/[/.]/g, '_')}_L${ex.line}.ts`;
        mkdirSync(join(tmp, 'ex'), { recursive: true });
        // `export {}` makes each example a module, so top-level names never collide.
        writeFileSync(join(tmp, 'ex', name), `${ex.code}export {};\n`);
        files.push({ name, where: `${relative(root, src)}:${ex.line}` });
      }
    }
    if (files.length === 0) {
      console.log('doc examples: none found');
      return 1;
    }
    const tsconfig = {
      extends: join(root, 'tsconfig.json'),
      compilerOptions: {
        noEmit: true,
        rootDir: '/',
        baseUrl: root,
        typeRoots: [join(root, 'node_modules', '@types')],
        paths: {
          'descent-ml': ['src/index.ts'],
          'descent-ml/tfjs': ['src/tfjs/index.ts'],
          'descent-ml/browser': ['src/browser.ts'],
        },
        moduleResolution: 'Bundler',
        module: 'ESNext',
      },
      include: [join(tmp, 'ex', '*.ts')],
    };
    writeFileSync(join(tmp, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(
      process.execPath,
      [tsc, '-p', join(tmp, 'tsconfig.json'), '--pretty', 'false'],
      {
        encoding: 'utf8',
      },
    );
    const errors = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /error TS/.test(l));
    for (const f of files) {
      const mine = errors.filter((l) => l.includes(f.name));
      console.log(`${mine.length ? 'FAIL' : 'ok  '} ${f.where}`);
      for (const e of mine) console.log(`     ${e.slice(e.indexOf(f.name) + f.name.length)}`);
    }
    const stray = errors.filter((l) => !files.some((f) => l.includes(f.name)));
    for (const e of stray) console.log(`     ${e}`);
    console.log(`doc examples: ${files.length} checked, ${errors.length} error(s)`);
    return r.status === 0 ? 0 : 1;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exit(main());
