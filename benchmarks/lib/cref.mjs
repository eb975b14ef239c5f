// External implementations the suite measures beside descent: C programs compiled at
// benchmark time (`cc -O3 -march=native -fno-math-errno`, from benchmarks/c/) and child
// processes (the descent worker with DESCENT_THREADS=1, OpenBLAS with its own environment).
//
// Every such child is persistent and line-oriented, so it takes part in the suite's
// interleaved rounds: the suite writes one command per line on its stdin, it answers with one
// JSON object per line on stdout ({"error": "..."} when it cannot). All of them understand
//   init ...       set up one case (arguments depend on the program)
//   run <iters>    run `iters` steps/calls back to back, answer {"iters", "sec"} (mean s/op,
//                  timed inside the child with a monotonic clock)
//   quit
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const C_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'c');
export const C_FLAGS = ['-O3', '-march=native', '-fno-math-errno'];

let buildDir = null;
const children = new Set();

function cleanup() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
  if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  buildDir = null;
}
process.once('exit', cleanup);

function dir() {
  buildDir ??= mkdtempSync(join(os.tmpdir(), 'descent-bench-'));
  return buildDir;
}

/**
 * Compiles benchmarks/c/<file> into a temp dir. Never throws: returns
 * { ok: true, bin, cmd, source } or { ok: false, cmd, error }. `cmd` is the command line.
 */
export function compileC(
  file,
  { name, flags = C_FLAGS, extra = [], libs = ['-lm'], cc = process.env.CC || 'cc' } = {},
) {
  const src = join(C_DIR, file);
  let out;
  try {
    out = join(dir(), name ?? file.replace(/\.c$/, ''));
  } catch (e) {
    return { ok: false, cmd: null, error: `cannot create a temp dir: ${e.message}` };
  }
  const args = [...flags, ...extra, '-o', out, src, ...libs];
  const cmd = [cc, ...args].join(' ');
  try {
    const r = spawnSync(cc, args, { encoding: 'utf8', timeout: 120_000 });
    if (r.error) return { ok: false, cmd, error: r.error.message };
    if (r.status !== 0) {
      const lines = (r.stderr || r.stdout || '').trim().split('\n');
      const msg = (lines.find((l) => /error/i.test(l)) ?? lines[0] ?? '').replace(
        /^.*?error: /,
        '',
      );
      return { ok: false, cmd, error: `exit ${r.status}: ${msg}` };
    }
    return { ok: true, bin: out, cmd, source: src };
  } catch (e) {
    return { ok: false, cmd, error: e.message };
  }
}

/** A running child speaking the line protocol above. */
export class LineProcess {
  /**
   * @param {string} bin executable
   * @param {string[]} args
   * @param {{ env?: Record<string, string | undefined>, label?: string }} opts `env` replaces
   *   the environment (undefined values remove a variable)
   */
  constructor(bin, args = [], { env, label } = {}) {
    this.label = label ?? bin;
    const changed = Object.entries(env ? diffEnv(env) : {}).map(([k, v]) =>
      v === undefined ? `-u ${k}` : `${k}=${v}`,
    );
    this.command = [...(changed.length ? ['env', ...changed] : []), bin, ...args].join(' ');
    const childEnv = env
      ? Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined))
      : process.env;
    this.child = spawn(bin, args, { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv });
    children.add(this.child);
    this.pending = [];
    this.stderr = '';
    this.exited = null;
    this.child.stderr.on('data', (d) => {
      this.stderr = (this.stderr + d).slice(-4000);
    });
    this.child.stdin.on('error', () => {}); // reported through 'exit'
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const p = this.pending.shift();
      if (!p) return;
      try {
        const v = JSON.parse(line);
        if (v.error) p.reject(new Error(`${this.label}: ${v.error}`));
        else p.resolve(v);
      } catch {
        p.reject(new Error(`${this.label}: bad answer ${JSON.stringify(line.slice(0, 200))}`));
      }
    });
    const fail = (why) => {
      this.exited = why;
      children.delete(this.child);
      const err = this.stderr.trim().split('\n').slice(-3).join(' | ');
      for (const p of this.pending.splice(0))
        p.reject(new Error(`${this.label} ${why}${err ? `: ${err}` : ''}`));
    };
    this.child.on('error', (e) => fail(`failed to start (${e.message})`));
    this.child.on('exit', (code, sig) => fail(`exited (${sig ?? code})`));
  }

  /** Sends one command line; resolves with the parsed JSON answer. */
  request(line) {
    if (this.exited) return Promise.reject(new Error(`${this.label} ${this.exited}`));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** Mean seconds per op of `iters` back-to-back ops, timed by the child. */
  async run(iters) {
    return (await this.request(`run ${iters}`)).sec;
  }

  close() {
    if (!this.exited) this.child.stdin.end('quit\n');
  }
}

/** The variables of `env` that differ from this process's environment (for command lines). */
function diffEnv(env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) if (process.env[k] !== v) out[k] = v;
  for (const k of Object.keys(process.env)) if (!(k in env)) out[k] = undefined;
  return out;
}

/** `cmd args` → its first output line, or null. */
export function firstLine(cmd, args) {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
    if (r.error || r.status !== 0) return null;
    return (r.stdout || r.stderr).split('\n')[0].trim() || null;
  } catch {
    return null;
  }
}
