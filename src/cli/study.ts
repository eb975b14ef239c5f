/**
 * Presets that run their own experiments rather than the classifier runs of experiment.ts
 * (`meta`, `gan`, `vae`): what they share. Each returns a report (table with mean ± half the
 * range over seeds, charts, PNG pictures, one-sentence finding, setup facts, raw results) that
 * is written here the way the other presets' are: results.json, table.txt, charts as SVG, PNG
 * and Vega-Lite JSON, pictures as PNG, and a self-contained report.html. They train on the main
 * thread and yield to the event loop every tenth of a second, so Ctrl-C is heard between steps
 * and the results so far are written.
 */
import { join } from 'node:path';
import { renderSvg, svgToPng } from '../report/charts.js';
import { writeFileAtomic } from '../report/files.js';
import { renderHtml } from '../report/html.js';
import { reportLine } from '../report/report-line.js';
import { textTable } from '../report/table.js';
import type { Interrupt } from './experiment.js';
import type { ChartSpec } from './results.js';

export interface StudyContext {
  out: string;
  command: string;
  verbose: 0 | 1;
  signal: Interrupt;
  /** --seeds, or null for the study's default. */
  seeds: number[] | null;
  /** --epochs, or null for the study's default. */
  epochs: number | null;
  /** --quick: a small budget (a smoke run, for tests and a first look). */
  quick: boolean;
  /** Where Fashion-MNIST comes from (--data, --subset). */
  data: { dir?: string; subset: boolean };
}

export interface StudyReport {
  title: string;
  question: string;
  /** One sentence: what the measurement found. */
  finding: string;
  table: { headers: string[]; rows: string[][]; note: string };
  charts: ChartSpec[];
  images: Array<{ file: string; title: string; png: Uint8Array }>;
  facts: Array<[string, string]>;
  notes: string[];
  /** Every number, for results.json. */
  results: Record<string, unknown>;
}

export type Study = (ctx: StudyContext) => Promise<StudyReport>;

export const mean = (v: readonly number[]) =>
  v.length ? v.reduce((a, x) => a + x, 0) / v.length : Number.NaN;
/** Half the range, (max − min) / 2: the reports' "±". */
export const spread = (v: readonly number[]) =>
  v.length > 1 ? (Math.max(...v) - Math.min(...v)) / 2 : 0;

/** The note under a table: what "±" is, for `n` seeds. */
export function seedNote(seeds: readonly number[]): string {
  if (seeds.length < 2)
    return 'One seed per condition: the values are single runs, no spread is measured.';
  return `Each value is the mean over ${seeds.length} seeds (${seeds.join(', ')}) ± half their range, (max − min) / 2; the charts' bands span min to max. Two conditions differ clearly when their means are further apart than their ± together.`;
}

/** Lets the event loop run (Ctrl-C, output) when a tenth of a second has passed since the last time. */
export class Pacer {
  private last = performance.now();

  async tick(): Promise<void> {
    const now = performance.now();
    if (now - this.last < 100) return;
    await new Promise<void>((r) => setImmediate(r));
    this.last = performance.now();
  }
}

/** Progress lines: a bar redrawn in place on a terminal, one line per finished run anywhere. */
export class Progress {
  constructor(private readonly verbose: 0 | 1) {}

  bar(label: string, done: number, total: number, text = ''): void {
    if (!this.verbose || !process.stdout.isTTY) return;
    const width = 24;
    const k = Math.min(width, Math.round((width * done) / Math.max(1, total)));
    const line = `  ${label} ${'█'.repeat(k)}${'░'.repeat(width - k)} ${text}`;
    process.stdout.write(`\r${line.slice(0, (process.stdout.columns ?? 120) - 1)}\x1b[K`);
  }

  line(text: string): void {
    if (!this.verbose) return;
    if (process.stdout.isTTY) process.stdout.write('\r\x1b[K');
    process.stdout.write(`${text}\n`);
  }
}

/** Runs a study and writes its report directory; prints the table and the finding. */
export async function runStudy(study: Study, ctx: StudyContext): Promise<number> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const r = await study(ctx);
  const seconds = (performance.now() - started) / 1000;
  const table = `${textTable(
    r.table.rows,
    r.table.headers.map((title, j) => ({
      title,
      value: (row: string[]) => row[j],
      align: j < 2 ? 'left' : 'right',
    })),
  )}\n\n${r.table.note}`;
  const charts: Array<{ title: string; svg: string }> = [];
  for (const c of r.charts) {
    const svg = await renderSvg(c.spec);
    writeFileAtomic(join(ctx.out, `${c.file}.svg`), svg);
    writeFileAtomic(join(ctx.out, `${c.file}.png`), svgToPng(svg));
    writeFileAtomic(join(ctx.out, `${c.file}.vl.json`), JSON.stringify(c.spec));
    charts.push({ title: c.title, svg });
  }
  for (const m of r.images) writeFileAtomic(join(ctx.out, `${m.file}.png`), m.png);
  const interrupted = ctx.signal.stop;
  const notes = [
    ...r.notes,
    ...(interrupted ? ['Interrupted: these are the partial results.'] : []),
  ];
  writeFileAtomic(
    join(ctx.out, 'results.json'),
    `${JSON.stringify(
      {
        title: r.title,
        question: r.question,
        finding: r.finding,
        command: ctx.command,
        startedAt,
        seconds,
        interrupted,
        table: r.table,
        notes,
        ...r.results,
      },
      null,
      1,
    )}\n`,
  );
  writeFileAtomic(join(ctx.out, 'table.txt'), `${table}\n`);
  writeFileAtomic(
    join(ctx.out, 'report.html'),
    renderHtml({
      title: r.title,
      finding: r.finding,
      table: r.table,
      charts,
      images: r.images.map((m) => ({ title: m.title, png: m.png })),
      facts: [
        ['question', r.question],
        ...r.facts,
        ['time', `${seconds.toFixed(1)} s, started ${startedAt}`],
        ['command', ctx.command],
      ],
      notes,
    }),
  );
  process.stdout.write(
    `\n${table}\n\n${r.finding}\n\n${reportLine(ctx.out, 'results.json, table.txt, charts as SVG and PNG, pictures as PNG')}\n`,
  );
  return interrupted ? 130 : 0;
}
