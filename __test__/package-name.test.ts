/**
 * One npm name everywhere: package.json, every platform package (`<name>-<platform>`, the
 * napi-rs convention the generated loader requires), the loader itself and the README's
 * imports. `descent` on npm is someone else's parser generator, so a stray old name would
 * install the wrong package.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');
const pkg = JSON.parse(read('package.json'));
const name: string = pkg.name;
const platforms = readdirSync(join(root, 'npm')).sort();

describe('package name', () => {
  it('is descent-ml (free on the registry; `descent` is taken) and the command stays descent', () => {
    expect(name).toBe('descent-ml');
    expect(Object.keys(pkg.bin)).toEqual(['descent']);
  });

  it('every platform package is <name>-<platform> at the same version', () => {
    expect(platforms.length).toBeGreaterThan(0);
    for (const p of platforms) {
      const plat = JSON.parse(read(join('npm', p, 'package.json')));
      expect(plat.name).toBe(`${name}-${p}`);
      expect(plat.version).toBe(pkg.version);
      expect(read(join('npm', p, 'README.md'))).toContain(`\`${name}-${p}\``);
    }
  });

  it('the napi-rs loader requires the platform packages under that name', () => {
    const loader = read('native/binding.cjs');
    for (const p of platforms) expect(loader).toContain(`require('${name}-${p}')`);
    expect(loader).not.toMatch(/require\('descent-(?!ml-)/);
  });

  it('the README imports and installs that name, never the bare old one', () => {
    const readme = read('README.md');
    const imports = [...readme.matchAll(/(?:from|import) '([^'.][^']*)'/g)]
      .map((m) => m[1])
      .filter((i) => !i.startsWith('node:'));
    expect(imports.length).toBeGreaterThan(0);
    // descent-ml itself, its subpath exports, or TensorFlow.js (the tfjs backend's peer)
    const subpaths = Object.keys(pkg.exports)
      .filter((k) => k !== '.' && !k.endsWith('.json'))
      .map((k) => `${name}${k.slice(1)}`);
    for (const i of imports)
      expect([name, ...subpaths, '@tensorflow/tfjs'], `README import '${i}'`).toContain(i);
    expect(imports).toContain(name);
    expect(readme).not.toMatch(/(require|import)\(?\s*'descent(\/[^']*)?'/);
    expect(readme.split('\n')[0]).toBe(`# ${name}`);
  });
});
