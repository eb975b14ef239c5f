/** Checked random fills driven by an explicit xoshiro128** state. */
import { f32, finite, inRange, lengthIs, noOverlap, u32 } from '../backend/validate.js';
import type { Pick } from './pick.js';

export function randomOps(pick: Pick) {
  function state(fn: string, s: Uint32Array, out: Float32Array): void {
    u32(fn, 'state', s);
    lengthIs(fn, 'state', s, 4, 'xoshiro128** has four words');
    if (s[0] === 0 && s[1] === 0 && s[2] === 0 && s[3] === 0) {
      throw new RangeError(`${fn}: state must not be all zeros (xoshiro128** would stay at zero)`);
    }
    f32(fn, 'out', out);
    noOverlap(fn, 'out', out, 'state', s, false);
  }
  return {
    /** Fills `out` with uniform draws in [lo, hi), advancing `state`. */
    rngUniform(s: Uint32Array, out: Float32Array, lo = 0, hi = 1): Float32Array {
      state('rngUniform', s, out);
      finite('rngUniform', 'lo', lo);
      finite('rngUniform', 'hi', hi);
      if (!(hi >= lo))
        throw new RangeError(`rngUniform: hi must be ≥ lo, got lo = ${lo}, hi = ${hi}`);
      pick(Number.POSITIVE_INFINITY).rngUniform(s, out, lo, hi);
      return out;
    },
    /** Fills `out` with normal draws of the given mean and standard deviation. */
    rngNormal(s: Uint32Array, out: Float32Array, mean = 0, std = 1): Float32Array {
      state('rngNormal', s, out);
      finite('rngNormal', 'mean', mean);
      inRange('rngNormal', 'std', std, 0, Number.MAX_VALUE);
      pick(Number.POSITIVE_INFINITY).rngNormal(s, out, mean, std);
      return out;
    },
    /** Inverted-dropout mask: 0 with probability p, else 1/(1−p). */
    rngDropoutMask(s: Uint32Array, out: Float32Array, p: number): Float32Array {
      state('rngDropoutMask', s, out);
      inRange('rngDropoutMask', 'p', p, 0, 1);
      pick(Number.POSITIVE_INFINITY).rngDropoutMask(s, out, p);
      return out;
    },
  };
}
