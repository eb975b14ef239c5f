/**
 * ProgressBar: epoch, batch, running loss and metrics, samples/s and ETA on one line redrawn
 * with `\r` (at most every `interval` ms), then the epoch's final logs. With the run's verbose
 * 1 it draws on a TTY only; with verbose 2 it writes just the epoch lines, to any stream (logs,
 * CI); 0 is silent. `fit` adds one by itself unless verbose is 0.
 */
import { describe, finite, knownKeys, positiveInt } from '../../backend/validate.js';
import { nodeProcess } from '../../host.js';
import { BaseCallback, type Logs } from './callback.js';

/** Where the bar is drawn: a writable with `isTTY` (process.stdout by default). */
export interface ProgressStream {
  /** Writes a string (no newline added). */
  write(s: string): unknown;
  /** True on a terminal; with verbose 1 the bar is drawn only then. */
  isTTY?: boolean;
  /** Terminal width in characters, used to cut the line; unknown when absent. */
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Where to draw (default `process.stdout`; outside Node, lines to `console.log`). */
  stream?: ProgressStream;
  /** Minimum milliseconds between redraws (default 100). */
  interval?: number;
  /** Bar width in characters (default 24). */
  width?: number;
}

/** Outside Node (a page): whole lines to `console.log`, never a TTY, so verbose 1 is quiet. */
function consoleLines(): ProgressStream {
  return { write: (s: string) => console.log(s.replace(/^\r|\n$/g, '')) };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(3) : v.toFixed(4);
}

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.round(s - 60 * m)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A one-line progress bar per epoch (running loss and metrics, samples/s, ETA), like Keras's
 * verbose output; `fit` adds one unless `verbose` is 0.
 */
export class ProgressBar extends BaseCallback {
  private readonly stream: ProgressStream;
  private readonly interval: number;
  private readonly width: number;
  private active = false;
  private lines = false;
  private epoch = 0;
  private start = 0;
  private lastDraw = 0;
  private seen = 0;
  private lossSum = 0;
  private lastLen = 0;

  constructor(options: ProgressBarOptions = {}) {
    super();
    const fn = 'ProgressBar';
    if (options === null || typeof options !== 'object')
      throw new TypeError(`${fn}: options must be an object, got ${describe(options)}`);
    knownKeys(fn, 'option', options, ['stream', 'interval', 'width']);
    this.stream = options.stream ?? nodeProcess()?.stdout ?? consoleLines();
    if (!this.stream || typeof this.stream.write !== 'function')
      throw new TypeError(
        `${fn}: option stream must have a write method, got ${describe(options.stream)}`,
      );
    this.interval = options.interval ?? 100;
    this.width = options.width ?? 24;
    finite(fn, 'option interval (ms)', this.interval);
    if (this.interval < 0)
      throw new RangeError(`${fn}: option interval must be ≥ 0 ms, got ${this.interval}`);
    positiveInt(fn, 'option width', this.width);
  }

  /** Decides from the run's `verbose` whether to draw (1, on a TTY) or write epoch lines (2). */
  onTrainBegin(): void {
    const verbose = this.ctx().verbose;
    this.lines = verbose === 2;
    this.active = this.lines || (verbose === 1 && this.stream.isTTY === true);
  }

  /** Starts the epoch's timer and counters. */
  onEpochBegin(epoch: number): void {
    if (!this.active) return;
    this.epoch = epoch;
    this.start = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
    this.lossSum = 0;
  }

  private draw(text: string, end = false): void {
    const cols = this.stream.columns ?? 0;
    const line = cols > 1 && text.length >= cols ? `${text.slice(0, cols - 2)}…` : text;
    const pad = this.lastLen > line.length ? ' '.repeat(this.lastLen - line.length) : '';
    this.stream.write(`\r${line}${pad}${end ? '\n' : ''}`);
    this.lastLen = end ? 0 : line.length;
  }

  private bar(done: number, total: number): string {
    const f = total > 0 ? Math.min(1, done / total) : 1;
    const full = Math.floor(f * this.width);
    const head = full < this.width ? '>' : '';
    return `[${'='.repeat(full)}${head}${'.'.repeat(Math.max(0, this.width - full - head.length))}]`;
  }

  /** Redraws the bar (at most every `interval` ms). */
  onBatchEnd(batch: number, logs: Logs): void {
    if (!this.active || this.lines) return;
    const size = logs.size ?? 0;
    this.seen += size;
    this.lossSum += (logs.loss ?? 0) * size;
    const now = performance.now();
    const ctx = this.ctx();
    const last = batch + 1 >= ctx.steps;
    if (!last && now - this.lastDraw < this.interval) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = elapsed > 0 ? this.seen / elapsed : 0;
    const eta = rate > 0 ? (ctx.samples - this.seen) / rate : Number.POSITIVE_INFINITY;
    const parts = [
      `Epoch ${this.epoch + 1}/${ctx.epochs}`,
      `${String(batch + 1).padStart(String(ctx.steps).length)}/${ctx.steps}`,
      this.bar(batch + 1, ctx.steps),
      `loss ${fmt(this.seen > 0 ? this.lossSum / this.seen : 0)}`,
      ...ctx.metrics.filter((m) => typeof logs[m] === 'number').map((m) => `${m} ${fmt(logs[m])}`),
      `${Math.round(rate)} samples/s`,
      `ETA ${duration(eta)}`,
    ];
    this.draw(parts.join('  '));
  }

  /** Writes the epoch's final line with its logs. */
  onEpochEnd(_epoch: number, logs: Logs): void {
    if (!this.active) return;
    const ctx = this.ctx();
    const parts = [
      `Epoch ${this.epoch + 1}/${ctx.epochs}`,
      ...(this.lines ? [] : [this.bar(1, 1)]),
      ...Object.entries(logs)
        .filter(([k]) => k !== 'time' && k !== 'samplesPerSec')
        .map(([k, v]) => `${k} ${fmt(v)}`),
      `${Math.round(logs.samplesPerSec ?? 0)} samples/s`,
      duration(logs.time ?? 0),
    ];
    if (this.lines) this.stream.write(`${parts.join('  ')}\n`);
    else this.draw(parts.join('  '), true);
  }
}
