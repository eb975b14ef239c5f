/**
 * dist/ for the tests that run the built package (the CLI, the README examples, child
 * processes): compiled with tsc only when some source is newer than its output. npm test builds
 * first, so there the four test files that used to run tsc each (several seconds apiece, twice
 * with the Node 22 pass) find it fresh; a lone `npx vitest run` still gets a current build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Whether some src/**.ts has no dist/**.js or one older than itself. */
export function distIsStale(): boolean {
  const src = join(root, 'src');
  return sources(src).some((file) => {
    const out = join(root, 'dist', relative(src, file).replace(/\.ts$/, '.js'));
    return !existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs;
  });
}

/** Builds dist/ when stale; throws (with tsc's output) when it could not. */
export function buildDist(): void {
  if (!distIsStale()) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  // Type errors elsewhere (other files being edited) still emit; only a missing build fails.
  if (
    !existsSync(join(root, 'dist', 'index.js')) ||
    !existsSync(join(root, 'dist', 'cli', 'main.js'))
  )
    throw new Error(`tsc did not build dist/: ${r.stdout}${r.stderr}`);
}
