#!/usr/bin/env node
// The Debian packages the tests need (the full Fashion-MNIST for the accuracy tests, Chromium
// for the HTML report, objdump for the addon's machine code, redis-server for the queue tests,
// which start their own on a free port), checked before any other step of `npm test`:
// installed with apt-get when this user can (root, or sudo without a password), otherwise the
// run stops at once with the one command to run, not twenty minutes later.
// Run alone (`node scripts/system-deps.mjs`) it does the same and exits 0 or 1.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PACKAGES = ['dataset-fashion-mnist', 'chromium', 'binutils', 'redis-server'];

const quiet = { stdio: 'ignore' };

/** Which of `packages` dpkg does not report installed; null when there is no dpkg. */
export function missingPackages(packages = PACKAGES) {
  const probe = spawnSync('dpkg', ['--version'], quiet);
  if (probe.error) return null;
  return packages.filter((p) => spawnSync('dpkg', ['-s', p], quiet).status !== 0);
}

/** How this user runs apt-get: [] as root, ['sudo', '-n'] with passwordless sudo, else null. */
function privilege() {
  if (process.getuid?.() === 0) return [];
  const sudo = spawnSync('sudo', ['-n', 'true'], quiet);
  return !sudo.error && sudo.status === 0 ? ['sudo', '-n'] : null;
}

/**
 * Makes sure the packages are there. Returns { ok, lines }: what to print, and whether the
 * run may go on (a system without dpkg goes on with a note: nothing to check there).
 */
export function ensurePackages(packages = PACKAGES) {
  const missing = missingPackages(packages);
  if (missing === null)
    return {
      ok: true,
      lines: [
        `system packages: no dpkg here (not Debian); the tests expect what ${packages.join(', ')} provide on Debian`,
      ],
    };
  if (missing.length === 0)
    return { ok: true, lines: [`system packages: all present (${packages.join(', ')})`] };
  const command = `sudo apt-get install -y ${missing.join(' ')}`;
  const how = privilege();
  const hasApt = !spawnSync('apt-get', ['--version'], quiet).error;
  if (how === null || !hasApt)
    return {
      ok: false,
      lines: [
        `npm test needs the Debian package${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, and ${hasApt ? 'this user cannot install them (not root, no passwordless sudo)' : 'apt-get is not available'}. Install ${missing.length > 1 ? 'them' : 'it'}, then run npm test again:`,
        `  ${command}`,
      ],
    };
  const lines = [`system packages: installing ${missing.join(', ')}`];
  const [cmd, ...pre] = [...how, 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get'];
  const apt = (args) => spawnSync(cmd, [...pre, ...args], { stdio: 'inherit' }).status === 0;
  if (
    !apt(['update', '-qq']) ||
    !apt(['install', '-y', '-qq', '--no-install-recommends', ...missing])
  )
    return {
      ok: false,
      lines: [...lines, 'apt-get failed; install them yourself:', `  ${command}`],
    };
  const still = missingPackages(missing) ?? [];
  if (still.length > 0)
    return {
      ok: false,
      lines: [
        ...lines,
        `still missing after apt-get: ${still.join(', ')}; install them yourself:`,
        `  sudo apt-get install -y ${still.join(' ')}`,
      ],
    };
  return { ok: true, lines: [...lines, `system packages: installed ${missing.join(', ')}`] };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { ok, lines } = ensurePackages();
  for (const l of lines) console.log(l);
  process.exit(ok ? 0 : 1);
}
