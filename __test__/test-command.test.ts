/**
 * `npm test` on a machine without the Debian packages the tests need: with the rights to (root,
 * or sudo without a password) it installs them with apt-get before anything else; without, it
 * stops at once with the one command to run. dpkg, apt-get and sudo are stand-ins on the PATH
 * that log their calls; dpkg keeps reporting dataset-fashion-mnist missing, so every run stops
 * before the build.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'descent-testcmd-'));
chmodSync(tmp, 0o755);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A bin directory with stand-in dpkg, apt-get and sudo (passwordless or not). */
function fakeBin(
  name: string,
  sudo: 'none' | 'password' | 'passwordless',
): { bin: string; log: string } {
  const bin = join(tmp, name);
  const log = join(bin, 'calls.log');
  mkdirSync(bin);
  writeFileSync(log, '');
  chmodSync(bin, 0o777);
  chmodSync(log, 0o666);
  const script = (file: string, body: string) => {
    writeFileSync(join(bin, file), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, file), 0o755);
  };
  script('dpkg', `[ "$1" = "-s" ] && [ "$2" = "dataset-fashion-mnist" ] && exit 1\nexit 0`);
  script('apt-get', `[ "$1" = "--version" ] && exit 0\necho "apt-get $*" >> ${log}\nexit 0`);
  if (sudo === 'password') script('sudo', `echo "sudo: a password is required" >&2\nexit 1`);
  if (sudo === 'passwordless')
    script('sudo', `echo "sudo $*" >> ${log}\n[ "$1" = "-n" ] && shift\nexec "$@"`);
  return { bin, log };
}

function npmTest(bin: string, uid?: number) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'test.mjs')], {
    encoding: 'utf8',
    env: { PATH: `${bin}:${dirname(process.execPath)}:/usr/bin:/bin`, HOME: tmp },
    timeout: 60_000,
    ...(uid === undefined ? {} : { uid, gid: uid }),
  });
  return { code: r.status, out: r.stdout, err: r.stderr, seconds: (performance.now() - t0) / 1000 };
}

// As root (CI), the unprivileged cases run as nobody; otherwise as this user.
const asRoot = process.getuid?.() === 0;
const user = asRoot ? 65534 : undefined;

describe('npm test on a machine without the packages', () => {
  it('with the rights: installs only what is missing, then stops if it is still missing', () => {
    // root, or (run by another user) passwordless sudo
    const { bin, log } = fakeBin('root', asRoot ? 'none' : 'passwordless');
    const r = npmTest(bin);
    const apt = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('apt-get'));
    expect(apt).toEqual([
      'apt-get update -qq',
      'apt-get install -y -qq --no-install-recommends dataset-fashion-mnist',
    ]);
    expect(r.out).toMatch(/system packages: installing dataset-fashion-mnist/);
    expect(r.out).toMatch(/still missing after apt-get: dataset-fashion-mnist/);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('0 passed, 1 failed');
    expect(r.out).not.toMatch(/── build/);
    expect(r.code).toBe(1);
  });

  it('a user without sudo rights: stops at once with the command to run', () => {
    const { bin, log } = fakeBin('user', 'password');
    const r = npmTest(bin, user);
    expect(r.err).toBe('');
    expect(r.out).toContain(
      'npm test needs the Debian package dataset-fashion-mnist, and this user cannot install them (not root, no passwordless sudo). Install it, then run npm test again:\n  sudo apt-get install -y dataset-fashion-mnist\n0 passed, 1 failed',
    );
    expect(readFileSync(log, 'utf8')).toBe('');
    expect(r.out).not.toMatch(/── build/);
    expect(r.code).toBe(1);
    expect(r.seconds).toBeLessThan(10);
  });

  it('a user with passwordless sudo: installs through sudo', () => {
    const { bin, log } = fakeBin('sudoer', 'passwordless');
    const r = npmTest(bin, user);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toContain(
      'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dataset-fashion-mnist',
    );
    expect(calls).toContain('apt-get install -y -qq --no-install-recommends dataset-fashion-mnist');
    expect(r.code).toBe(1); // the stand-in dpkg still reports it missing
    expect(r.out).not.toMatch(/── build/);
  });

  it('the real machine has them (the rest of the suite needs them)', () => {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'system-deps.mjs')], {
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/system packages: (all present|installed)/);
    expect(existsSync('/usr/share/datasets/fashion-mnist')).toBe(true);
    expect(r.status).toBe(0);
  });
});
