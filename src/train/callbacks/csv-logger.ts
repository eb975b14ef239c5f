/**
 * CSVLogger (Keras): one row per epoch — `epoch` then every log key, in the order of the first
 * epoch's logs — appended to `path`. Each row is one `write` to the file opened for appending,
 * then fsync and close, so a crash leaves whole rows only and the file stays valid CSV. With
 * `append`, an existing file's header is kept (its columns are used) and rows go after it.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { describe, knownKeys } from '../../backend/validate.js';
import { BaseCallback, type Logs } from './callback.js';

/** Options of {@link CSVLogger}. */
export interface CSVLoggerOptions {
  /** Field separator (default ','). Keras: `separator`. */
  separator?: string;
  /** Append to an existing file instead of overwriting it (default false). Keras: `append`. */
  append?: boolean;
}

function field(v: string, sep: string): string {
  return v.includes(sep) || v.includes('"') || v.includes('\n') || v.includes('\r')
    ? `"${v.replaceAll('"', '""')}"`
    : v;
}

/** Splits a header line (quoted fields allowed). */
function parseHeader(line: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (line.startsWith(sep, i)) {
      out.push(cur);
      cur = '';
      i += sep.length - 1;
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * Streams each epoch's logs to a CSV file, one row per epoch (Keras's `CSVLogger`); each row
 * is written and fsynced on its own, so a crash leaves whole rows only.
 */
export class CSVLogger extends BaseCallback {
  /** The CSV file written. */
  readonly path: string;
  /** Field separator. */
  readonly separator: string;
  /** Whether rows are appended to an existing file (its header's columns are kept). */
  readonly append: boolean;
  private columns: string[] | null = null;
  private pendingNewline = false;

  constructor(path: string, options: CSVLoggerOptions = {}) {
    super();
    const fn = 'CSVLogger';
    if (typeof path !== 'string' || path.length === 0)
      throw new TypeError(`${fn}: path must be a non-empty string, got ${describe(path)}`);
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    knownKeys(fn, 'option', options, ['separator', 'append']);
    this.path = path;
    this.separator = options.separator ?? ',';
    if (
      typeof this.separator !== 'string' ||
      this.separator.length === 0 ||
      /["\r\n]/.test(this.separator)
    )
      throw new TypeError(
        `${fn}: option separator must be a non-empty string without quotes or newlines, got ${describe(options.separator)}`,
      );
    this.append = options.append ?? false;
    if (typeof this.append !== 'boolean')
      throw new TypeError(
        `${fn}: option append must be a boolean, got ${describe(options.append)}`,
      );
  }

  /** Truncates the file, or with `append` reads the existing header. */
  onTrainBegin(): void {
    this.columns = null;
    this.pendingNewline = false;
    if (this.append && existsSync(this.path)) {
      const text = readFileSync(this.path, 'utf8');
      const first = text.split(/\r?\n/, 1)[0];
      if (first) this.columns = parseHeader(first, this.separator);
      // A file cut mid-row (no final newline) gets one, so the next row starts on its own line.
      this.pendingNewline = text.length > 0 && !text.endsWith('\n');
    } else {
      writeFileSync(this.path, '');
    }
  }

  /** One row: opened for appending, one write, fsync, closed (no descriptor kept open). */
  private writeLine(cells: string[]): void {
    const line = `${this.pendingNewline ? '\n' : ''}${cells.map((c) => field(c, this.separator)).join(this.separator)}\n`;
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, line);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.pendingNewline = false;
  }

  /** Writes one row: `epoch` then every log value (the header first, from the first epoch's keys). */
  onEpochEnd(epoch: number, logs: Logs): void {
    if (this.columns === null) {
      this.columns = ['epoch', ...Object.keys(logs)];
      this.writeLine(this.columns);
    }
    const row = this.columns.map((c) => {
      if (c === 'epoch') return String(epoch);
      const v = logs[c];
      return v === undefined ? '' : String(v);
    });
    this.writeLine(row);
  }
}
