/**
 * scripts/release-check.mjs: passes on the repository as it is (packing both tarballs), and
 * each manifest fault in a copy of the metadata is reported by name.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const script = join(root, 'scripts', 'release-check.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'descent-release-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const run = (args: string[]) =>
  spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 240_000 });

/** A copy of the release metadata with `edit` applied to package.json (and CHANGELOG). */
function tampered(
  name: string,
  edit: (pkg: Record<string, unknown>) => void,
  changelog?: string,
): string {
  const dir = join(tmp, name);
  for (const f of ['package.json', 'CHANGELOG.md', 'LICENSE', 'npm'])
    cpSync(join(root, f), join(dir, f), { recursive: true });
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  edit(pkg);
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg));
  if (changelog !== undefined) writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  return dir;
}

describe('release check', () => {
  it('passes on the repository: both tarballs pack, dry-run publish, no stray files', () => {
    const r = run([]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/main package: descent-ml-\d+\.\d+\.\d+\.tgz \d+ KiB packed/);
    expect(r.stdout).toMatch(/platform package: descent-ml-linux-x64-gnu-/);
    expect(r.stdout).toMatch(/is ready to publish \(not published\)/);
  });

  const faults: Array<[string, (p: Record<string, unknown>) => void, RegExp, string?]> = [
    ['a version that is not semver', (p) => (p.version = '1.0'), /version "1\.0" is not semver/],
    [
      'a version without a changelog entry',
      (p) => (p.version = '9.9.9'),
      /CHANGELOG\.md has no entry for 9\.9\.9/,
    ],
    ['no repository', (p) => delete p.repository, /"repository" must be/],
    ['no keywords', (p) => delete p.keywords, /"keywords" needs at least 3 entries/],
    [
      'exports without types',
      (p) => (p.exports = { '.': { default: './dist/index.js' } }),
      /exports\["\."\] has no "types"/,
    ],
    ['no descent command', (p) => (p.bin = {}), /the "descent" command is missing/],
    [
      'a platform package left at another version',
      (p) => (p.version = '0.1.1'),
      /npm\/linux-x64-gnu\/package\.json is at 0\.1\.0, the main package at 0\.1\.1/,
      '## 0.1.1\n',
    ],
  ];
  for (const [what, edit, message, changelog] of faults) {
    it(`reports ${what}`, () => {
      const r = run([
        '--root',
        tampered(what.replace(/\W+/g, '-'), edit, changelog),
        '--manifest-only',
      ]);
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(message);
    });
  }
});
