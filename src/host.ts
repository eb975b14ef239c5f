/**
 * What the host offers, reached without importing a Node built-in, so that modules on the
 * training path load in a browser too. In Node, built-ins come from
 * `process.getBuiltinModule` (Node ≥ 20.16; the package needs ≥ 20.19), which Node added for
 * exactly this: code that also runs where `import 'node:fs'` would fail to resolve.
 */

/** Node's `process`, or undefined outside Node (a browser page). */
export function nodeProcess(): NodeJS.Process | undefined {
  const p = (globalThis as { process?: NodeJS.Process }).process;
  return typeof p?.getBuiltinModule === 'function' ? p : undefined;
}

/** `node:fs` in Node; undefined elsewhere. */
export function nodeFs(): typeof import('node:fs') | undefined {
  return nodeProcess()?.getBuiltinModule('node:fs');
}

/** `node:module` in Node; undefined elsewhere. */
export function nodeModule(): typeof import('node:module') | undefined {
  return nodeProcess()?.getBuiltinModule('node:module');
}

/** An environment variable in Node; undefined elsewhere. */
export function envVar(name: string): string | undefined {
  return nodeProcess()?.env[name];
}

/** A one-line notice: stderr in Node, `console.warn` elsewhere. */
export function warn(line: string): void {
  const p = nodeProcess();
  if (p) p.stderr.write(`${line}\n`);
  else console.warn(line);
}
