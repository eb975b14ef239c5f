/**
 * The shipped addon must not call SIMD intrinsics as functions: every intrinsic has to be
 * inlined into a `#[target_feature]` body, or each vector operation becomes a call with its
 * operands passed through memory (this happened once, making Adam 12× slower than C).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '..', 'native');

describe('native addon machine code', () => {
  it('has no out-of-line calls to core::arch intrinsics (feature detection aside)', () => {
    const addon = readdirSync(dir).find((f) => f.endsWith('.node'));
    expect(addon, 'native addon built').toBeDefined();
    const r = spawnSync('objdump', ['-d', '--no-show-raw-insn', join(dir, addon as string)], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    expect(r.error, 'objdump (binutils) is installed').toBeUndefined();
    const calls = r.stdout
      .split('\n')
      .filter((l) => /call.*core_arch/.test(l) && !/xgetbv|cpuid/.test(l));
    expect(calls.slice(0, 5), `${calls.length} calls to intrinsics`).toEqual([]);
  });
});
