// OpenBLAS as the GEMM reference: benchmarks/c/gemm_openblas.c compiled against Debian's
// libopenblas-dev (installed here with apt-get when missing and running as root, unless
// --no-install), started once per environment variant so that OPENBLAS_NUM_THREADS and
// OPENBLAS_CORETYPE take effect at library load.
import { spawnSync } from 'node:child_process';
import { compileC, firstLine } from './cref.mjs';

const INSTALL_CMD = ['apt-get', ['install', '-y', 'libopenblas-dev']];

function sh(cmd, args, timeout = 600_000) {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const tail = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  return { ok: !r.error && r.status === 0, status: r.status, error: r.error?.message, tail };
}

function pkgConfigFlags() {
  const r = spawnSync('pkg-config', ['--cflags', '--libs', 'openblas'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) return null;
  return r.stdout.trim().split(/\s+/).filter(Boolean);
}

function build() {
  const pc = pkgConfigFlags();
  const tries = [];
  if (pc) tries.push(pc);
  tries.push(['-lopenblas'], ['-I/usr/include/openblas', '-lopenblas']);
  let last;
  for (const flags of tries) {
    const libs = [...flags.filter((f) => !f.startsWith('-I')), '-lm'];
    const extra = flags.filter((f) => f.startsWith('-I'));
    last = compileC('gemm_openblas.c', { name: 'gemm_openblas', extra, libs });
    if (last.ok) return last;
  }
  return last;
}

/** The Debian package version of the OpenBLAS runtime, if dpkg knows it. */
function debVersion() {
  for (const p of [
    'libopenblas0-pthread',
    'libopenblas0-openmp',
    'libopenblas0',
    'libopenblas-dev',
  ]) {
    const v = firstLine('dpkg-query', ['-W', '-f', '$' + '{Version}', p]);
    if (v) return `${p} ${v}`;
  }
  return null;
}

/**
 * Builds the harness, installing libopenblas-dev first when it is missing and `install` is
 * allowed and we are root. Returns { available, reason?, bin, compile, install, debianPackage }.
 */
export function prepareOpenBlas({ install = true, log = () => {} } = {}) {
  let b = build();
  const res = { available: false, reason: null, bin: null, compile: b.cmd, install: null };
  if (!b.ok) {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const hint = `install it with \`${isRoot ? '' : 'sudo '}apt-get install -y libopenblas-dev\` (Debian/Ubuntu)`;
    if (!install) {
      res.reason = `OpenBLAS headers/library not found (${b.error}); installation disabled (--no-install); ${hint}`;
      return res;
    }
    if (!isRoot) {
      res.reason = `OpenBLAS headers/library not found (${b.error}); not root, so not installing; ${hint}`;
      return res;
    }
    log('OpenBLAS missing: apt-get install -y libopenblas-dev …');
    let r = sh(...INSTALL_CMD);
    let cmd = INSTALL_CMD.flat().join(' ');
    if (!r.ok) {
      log('  install failed; apt-get update, then again …');
      sh('apt-get', ['update']);
      r = sh(...INSTALL_CMD);
      cmd = `apt-get update && ${cmd}`;
    }
    res.install = { cmd, ok: r.ok, output: r.tail };
    if (!r.ok) {
      res.reason = `apt-get install libopenblas-dev failed (${r.error ?? `exit ${r.status}`}: ${r.tail})`;
      return res;
    }
    b = build();
    res.compile = b.cmd;
    if (!b.ok) {
      res.reason = `libopenblas-dev installed but the harness does not build: ${b.error}`;
      return res;
    }
  }
  res.available = true;
  res.bin = b.bin;
  res.debianPackage = debVersion();
  return res;
}

/**
 * The OPENBLAS_CORETYPE variants to run: the machine's setting as it is, and the other case
 * (unset when it is set; Haswell, the older AVX2 kernel, when it is unset). Each with the
 * environment to start the harness with (OPENBLAS_NUM_THREADS is added per thread count).
 */
export function coretypeVariants(env = process.env, { avx512 = false } = {}) {
  const set = env.OPENBLAS_CORETYPE;
  // With AVX-512, also the SkylakeX kernel: OpenBLAS builds older than the CPU fall back to a
  // generic kernel when they do not recognise it (0.3.21 picks Prescott on some Xeons), which
  // would make "OpenBLAS" look slower than it can be here.
  const skx =
    avx512 && !/^skylakex$/i.test(set ?? '')
      ? [
          {
            id: 'skylakex',
            label: 'CORETYPE=SkylakeX (AVX-512 kernel)',
            env: { ...env, OPENBLAS_CORETYPE: 'SkylakeX' },
          },
        ]
      : [];
  if (set !== undefined && set !== '') {
    const unset = { ...env };
    delete unset.OPENBLAS_CORETYPE;
    delete unset.OPENBLAS_L2_SIZE; // set together on the machines that set them
    return {
      machineSetting: `OPENBLAS_CORETYPE=${set} (set on this machine)`,
      variants: [
        { id: 'asset', label: `CORETYPE=${set} (as set)`, env: { ...env } },
        { id: 'unset', label: 'CORETYPE unset (auto-detect)', env: unset },
        ...skx,
      ],
    };
  }
  return {
    machineSetting: 'OPENBLAS_CORETYPE is not set on this machine (OpenBLAS auto-detects the CPU)',
    variants: [
      { id: 'auto', label: 'CORETYPE unset (auto-detect)', env: { ...env } },
      {
        id: 'haswell',
        label: 'CORETYPE=Haswell (older AVX2 kernel)',
        env: { ...env, OPENBLAS_CORETYPE: 'Haswell' },
      },
      ...skx,
    ],
  };
}
