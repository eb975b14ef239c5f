/**
 * The environment variables the native addon reads when its pool starts, checked first so that
 * a mistyped value is reported instead of being ignored by the Rust side.
 */
import { envVar } from '../host.js';

const CHECKS: ReadonlyArray<[name: string, ok: (v: string) => boolean, expected: string]> = [
  ['DESCENT_THREADS', (v) => /^[1-9]\d{0,3}$/.test(v), 'an integer from 1 to 9999'],
  ['DESCENT_FLUSH_DENORMAL', (v) => v === '0' || v === '1', '0 or 1'],
  ['DESCENT_SPIN_US', (v) => /^\d{1,7}$/.test(v), 'an integer of microseconds from 0 to 9999999'],
];

/** The first bad variable as a message naming it, or null when all are unset or valid. */
export function nativeEnvError(): string | null {
  for (const [name, ok, expected] of CHECKS) {
    const v = envVar(name);
    if (v === undefined || v.trim() === '') continue;
    if (!ok(v.trim())) return `${name} must be ${expected}, got ${JSON.stringify(v)}`;
  }
  return null;
}
