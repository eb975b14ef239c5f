/**
 * xoshiro128** (Blackman & Vigna) and the random kernels built on it. Every operation here is
 * specified bit for bit so the Rust backend reproduces the exact same streams: integer steps
 * are uint32, and the normal sampler's logarithm (`detLn`) uses only + - * / on f64.
 */

// Working copy of the generator state (int32 views of the uint32 words) while a kernel runs.
let s0 = 0;
let s1 = 0;
let s2 = 0;
let s3 = 0;

function load(state: Uint32Array): void {
  s0 = state[0] | 0;
  s1 = state[1] | 0;
  s2 = state[2] | 0;
  s3 = state[3] | 0;
}

function save(state: Uint32Array): void {
  state[0] = s0 >>> 0;
  state[1] = s1 >>> 0;
  state[2] = s2 >>> 0;
  state[3] = s3 >>> 0;
}

/** Next xoshiro128** output as a uint32, advancing the module-level working state. */
function next(): number {
  const x = Math.imul(s1, 5);
  const r = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  return r;
}

/** Advances `state` by `count` outputs and returns them (test/debug helper). */
export function nextU32(state: Uint32Array, count: number): Uint32Array {
  const out = new Uint32Array(count);
  load(state);
  for (let i = 0; i < count; i++) out[i] = next();
  save(state);
  return out;
}

/** MurmurHash3 32-bit finalizer. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Expands an integer seed (0 <= seed < 2^53) into a xoshiro128** state (never all zero). */
export function seedState(seed: number): Uint32Array {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let x = (lo ^ fmix32(hi ^ 0x5bd1e995)) >>> 0;
  const state = new Uint32Array(4);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b9) >>> 0;
    state[i] = fmix32(x);
  }
  return state;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/**
 * Natural log of s in (0, 1) (s normal), using only + - * / so that it is reproducible
 * bit for bit in any IEEE-754 language: s = 2^e * m with m in [sqrt(1/2), sqrt(2)], then
 * ln m = 2 atanh(t), t = (m - 1)/(m + 1), summed as a Horner series through t^21.
 * Error is a few ulp.
 */
export function detLn(s: number): number {
  f64[0] = s;
  const hi = u32[1];
  let e = ((hi >>> 20) & 0x7ff) - 1023;
  u32[1] = (hi & 0x800fffff) | 0x3ff00000;
  let m = f64[0];
  if (m > Math.SQRT2) {
    m = m / 2;
    e = e + 1;
  }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  let p = 1 / 21;
  for (let k = 19; k >= 3; k -= 2) p = p * t2 + 1 / k;
  p = p * t2 + 1;
  return e * Math.LN2 + 2 * t * p;
}

const TWO_M24 = 1 / 16777216;
const TWO_M23 = 1 / 8388608;

/** Uniform draws in [lo, hi): u = (next >>> 8) * 2^-24; out = lo + (hi - lo) * u. */
export function rngUniform(state: Uint32Array, out: Float32Array, lo: number, hi: number): void {
  load(state);
  const n = out.length;
  const w = hi - lo;
  for (let i = 0; i < n; i++) out[i] = lo + w * ((next() >>> 8) * TWO_M24);
  save(state);
}

/** Normal draws by the Marsaglia polar method, filled in pairs (an odd tail discards one). */
export function rngNormal(state: Uint32Array, out: Float32Array, mean: number, std: number): void {
  load(state);
  const n = out.length;
  for (let i = 0; i < n; i += 2) {
    let u = 0;
    let v = 0;
    let s = 0;
    for (;;) {
      u = (next() >>> 8) * TWO_M23 - 1;
      v = (next() >>> 8) * TWO_M23 - 1;
      s = u * u + v * v;
      if (s < 1 && s > 0) break;
    }
    const f = Math.sqrt((-2 * detLn(s)) / s);
    out[i] = mean + std * (u * f);
    if (i + 1 < n) out[i + 1] = mean + std * (v * f);
  }
  save(state);
}

/** Inverted-dropout mask: 0 with probability p (r < floor(p * 2^24)), else 1 / (1 - p). */
export function rngDropoutMask(state: Uint32Array, out: Float32Array, p: number): void {
  load(state);
  const n = out.length;
  const threshold = Math.floor(p * 16777216);
  const scale = 1 / (1 - p);
  for (let i = 0; i < n; i++) out[i] = next() >>> 8 < threshold ? 0 : scale;
  save(state);
}
