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

/** A warning: `process.emitWarning` in Node (so `--no-warnings` and listeners apply), else `console.warn`. */
export function emitWarning(message: string, options?: { type?: string; code?: string }): void {
  const p = nodeProcess();
  if (p) p.emitWarning(message, options);
  else
    console.warn(
      `${options?.type ?? 'Warning'}${options?.code ? ` [${options.code}]` : ''}: ${message}`,
    );
}

type NodeBuffer = typeof import('node:buffer').Buffer;
const nodeBuffer = (): NodeBuffer | undefined => (globalThis as { Buffer?: NodeBuffer }).Buffer;

/** Standard base64 (RFC 4648) of `bytes`: Node's Buffer, else `btoa`. */
export function toBase64(bytes: Uint8Array): string {
  const B = nodeBuffer();
  if (B) return B.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The bytes of a base64 string: Node's Buffer, else `atob` (which refuses non-base64 text). */
export function fromBase64(text: string): Uint8Array {
  const B = nodeBuffer();
  if (B) return B.from(text, 'base64');
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** How many bytes a base64 string decodes to, without decoding (as Node's `Buffer.byteLength`). */
export function base64Length(text: string): number {
  const B = nodeBuffer();
  if (B) return B.byteLength(text, 'base64');
  let n = text.length;
  if (n > 0 && text[n - 1] === '=') n--;
  if (n > 1 && text[n - 1] === '=') n--;
  return (n * 3) >>> 2;
}
