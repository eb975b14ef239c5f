/**
 * The environment variables of the native pool: a bad value is an error that names the
 * variable (the addon would ignore it), and the pool thread that spins between kernel calls
 * (DESCENT_SPIN_US) stops once calls stop, so an idle process does not burn a core.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nativeUnderTest } from './helpers/backends.js';

const root = join(import.meta.dirname, '..');
const lib = pathToFileURL(join(root, 'dist', 'index.js')).href;

function node(code: string, env: Record<string, string>): string {
  const {
    DESCENT_THREADS: _t,
    DESCENT_SPIN_US: _s,
    DESCENT_FLUSH_DENORMAL: _f,
    ...base
  } = process.env;
  return execFileSync(process.execPath, ['--input-type=module', '-e', code], {
    env: { ...base, ...env },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const select = `const d = await import(${JSON.stringify(lib)});
try { console.log(d.getBackend().name); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }`;

describe('native environment variables', () => {
  it.each([
    ['DESCENT_THREADS', 'abc', 'an integer from 1 to 9999'],
    ['DESCENT_THREADS', '0', 'an integer from 1 to 9999'],
    ['DESCENT_SPIN_US', '-5', 'an integer of microseconds'],
    ['DESCENT_FLUSH_DENORMAL', 'yes', '0 or 1'],
  ])('%s=%s is refused by name, not ignored', (name, value, expected) => {
    const out = node(select, { [name]: value });
    expect(out).toContain(`RangeError: descent: ${name} must be ${expected}`);
    expect(out).toContain(JSON.stringify(value));
  });

  it('valid values select the native backend', () => {
    nativeUnderTest(); // a missing addon fails here with the loader's reason
    const env = { DESCENT_THREADS: '2', DESCENT_SPIN_US: '0', DESCENT_FLUSH_DENORMAL: '0' };
    expect(node(select, env).trim()).toBe('native');
  });

  it('the spinning pool thread stops once kernel calls stop', () => {
    nativeUnderTest();
    const script = join(root, '__test__', 'fixtures', 'native-idle.mjs');
    const out = execFileSync(process.execPath, [script, lib], {
      env: { ...process.env, DESCENT_THREADS: '2', DESCENT_SPIN_US: '2000' },
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim()) as { threads: number; idleCpuMs: number };
    expect(r.threads).toBe(2);
    // a spinner that never stopped would use about the whole 400 ms
    expect(r.idleCpuMs).toBeLessThan(150);
  });
});
