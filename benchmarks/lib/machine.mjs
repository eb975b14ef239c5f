// A description of the machine a benchmark ran on, saved next to its numbers: CPU model and
// cores, memory, OS, Node/rustc/cc versions, the native backend's SIMD level and threads, and
// the environment variables that change performance (OPENBLAS_*, DESCENT_*, *_NUM_THREADS).
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { firstLine } from './cref.mjs';

/** Cache sizes in bytes by level (from /sys on Linux; the largest per level), or {}. */
export function cacheSizes() {
  const out = {};
  try {
    const base = '/sys/devices/system/cpu/cpu0/cache';
    for (const d of readdirSync(base).filter((x) => x.startsWith('index'))) {
      const level = readFileSync(`${base}/${d}/level`, 'utf8').trim();
      const type = readFileSync(`${base}/${d}/type`, 'utf8').trim();
      const size = readFileSync(`${base}/${d}/size`, 'utf8').trim();
      const m = size.match(/^(\d+)([KMG]?)$/);
      if (!m || type === 'Instruction') continue;
      const bytes = Number(m[1]) * { '': 1, K: 1024, M: 2 ** 20, G: 2 ** 30 }[m[2]];
      const key = `L${level}`;
      out[key] = Math.max(out[key] ?? 0, bytes);
    }
  } catch {
    // not Linux
  }
  return out;
}

/** CPU model, logical/physical cores, flags of interest and cache sizes from /proc/cpuinfo. */
function cpu() {
  const cpus = os.cpus();
  const out = {
    model: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism?.() ?? cpus.length,
    physicalCores: null,
    mhz: cpus[0]?.speed ?? null,
    cache: null,
    flags: null,
  };
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const blocks = text.split(/\n\s*\n/).filter((b) => b.trim());
    const field = (b, k) => b.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
    if (blocks.length > 0) {
      out.model = field(blocks[0], 'model name') ?? out.model;
      out.cache = field(blocks[0], 'cache size') ?? null;
      const flags = new Set((field(blocks[0], 'flags') ?? '').split(/\s+/));
      out.flags = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_fp16']
        .filter((f) => flags.has(f))
        .join(' ');
      const cores = new Set(
        blocks.map(
          (b) => `${field(b, 'physical id') ?? 0}:${field(b, 'core id') ?? field(b, 'processor')}`,
        ),
      );
      out.physicalCores = cores.size;
    }
  } catch {
    // not Linux: os.cpus() is all there is
  }
  return out;
}

/** Environment variables that change what a benchmark measures. */
export function perfEnv(env = process.env) {
  const keep = (k) =>
    k.startsWith('OPENBLAS_') ||
    k.startsWith('DESCENT_') ||
    k.startsWith('RAYON_') ||
    k.endsWith('_NUM_THREADS') ||
    k === 'UV_THREADPOOL_SIZE' ||
    k === 'NODE_OPTIONS';
  return Object.fromEntries(
    Object.keys(env)
      .filter(keep)
      .sort()
      .map((k) => [k, env[k]]),
  );
}

/**
 * Describes the machine. `nativeInfo`: the native backend's `info()` (or null when it cannot
 * load; pass `{ error }` to record why).
 */
export function describeMachine({ nativeInfo = null, versions = {} } = {}) {
  const c = cpu();
  const caches = cacheSizes();
  const rustc = firstLine('rustc', ['--version']);
  const cc = firstLine(process.env.CC || 'cc', ['--version']);
  return {
    cpu: c.model,
    logicalCores: c.logicalCores,
    physicalCores: c.physicalCores,
    availableParallelism: c.availableParallelism,
    cpuMHz: c.mhz,
    cache: c.cache,
    cacheBytes: caches,
    cpuFlags: c.flags,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    freeMemoryGiB: +(os.freemem() / 2 ** 30).toFixed(1),
    loadAvg: os.loadavg().map((x) => +x.toFixed(2)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    hostname: os.hostname(),
    node: process.version,
    v8: process.versions.v8,
    rustc,
    cc,
    simd: nativeInfo && !nativeInfo.error ? nativeInfo.simd : null,
    detectedSimd: nativeInfo && !nativeInfo.error ? nativeInfo.detectedSimd : null,
    nativeThreads: nativeInfo && !nativeInfo.error ? nativeInfo.threads : null,
    nativeError: nativeInfo?.error ?? null,
    versions: {
      node: process.version,
      rustc,
      cc,
      ...versions,
    },
    env: perfEnv(),
    openblasEnv: Object.fromEntries(
      ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS'].map(
        (k) => [k, process.env[k] ?? null],
      ),
    ),
  };
}

/** A few human-readable lines for the top of a benchmark's output. */
export function formatMachine(m) {
  const env = Object.entries(m.env)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return [
    `CPU     ${m.cpu} — ${m.physicalCores ?? '?'} physical / ${m.logicalCores} logical cores${m.cache ? `, cache ${m.cache}` : ''}`,
    `Memory  ${m.memoryGiB} GiB (${m.freeMemoryGiB} free), load avg ${m.loadAvg.join(' ')}`,
    `OS      ${m.os}`,
    `Tools   node ${m.node}, ${m.rustc ?? 'rustc n/a'}, ${m.cc ?? 'cc n/a'}`,
    ...Object.entries(m.versions ?? {})
      .filter(([k]) => !['node', 'rustc', 'cc'].includes(k))
      .map(([k, v]) => `        ${k}: ${v ?? 'n/a'}`),
    `Native  ${m.nativeError ? `unavailable (${m.nativeError})` : `simd ${m.simd} (detected ${m.detectedSimd}), ${m.nativeThreads} threads`}`,
    `Env     ${env || '(no OPENBLAS_*/DESCENT_*/*_NUM_THREADS set)'}`,
  ].join('\n');
}
