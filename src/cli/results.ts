/**
 * Summaries and the report directory of a comparison: results.json (every number), a text
 * table (also printed), loss and accuracy charts as SVG and PNG, and report.html. The held-out
 * data is called "test" throughout; "±" is half the range over seeds, in the table, the
 * charts' bands (min to max) and the finding's noise verdicts alike.
 */
import { join } from 'node:path';
import { lineChart, renderSvg, svgToPng, type VegaLiteSpec } from '../report/charts.js';
import { writeFileAtomic } from '../report/files.js';
import { renderHtml } from '../report/html.js';
import { meanSpread, textTable } from '../report/table.js';
import type { RunResult } from './experiment.js';
import { conditionSettings } from './settings.js';

export interface ComparisonResults {
  title: string;
  /** The question the comparison answers. */
  question: string;
  /** One sentence: what the measurement found. */
  finding: string;
  command: string;
  startedAt: string;
  seconds: number;
  interrupted: boolean;
  dataset: { source: string; path: string; train: number; test: number };
  model: string;
  /** Native threads per run. */
  backend: { name: string; simd: string; threads: number };
  /** Runs at once (--jobs), or the number of queue workers' slots seen; absent before --jobs. */
  jobs?: number;
  /** The target of steps/seconds to target; null when none could be chosen. */
  targetLoss: number | null;
  /** 'given' by --target-loss, or 'auto': chosen from the runs (see target.ts). */
  targetChosen: 'given' | 'auto';
  runs: RunResult[];
  notes: string[];
}

export interface Summary {
  group: string;
  runs: RunResult[];
  finalValAccuracy: number[];
  bestValAccuracy: number[];
  finalLoss: number[];
  stepsToTarget: number[];
  secondsToTarget: number[];
  /** Runs that never reached the target loss. */
  missedTarget: number;
  samplesPerSec: number[];
}

export function summarize(runs: readonly RunResult[]): Summary[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of runs) groups.set(r.spec.group, [...(groups.get(r.spec.group) ?? []), r]);
  return [...groups].map(([group, rs]) => ({
    group,
    runs: rs,
    finalValAccuracy: rs.map((r) => r.finalValAccuracy),
    bestValAccuracy: rs.map((r) => r.bestValAccuracy),
    finalLoss: rs.map((r) => r.finalLoss),
    stepsToTarget: rs.flatMap((r) => (r.stepsToTarget === null ? [] : [r.stepsToTarget])),
    secondsToTarget: rs.flatMap((r) => (r.secondsToTarget === null ? [] : [r.secondsToTarget])),
    missedTarget: rs.filter((r) => r.stepsToTarget === null).length,
    samplesPerSec: rs.map((r) => r.samplesPerSec),
  }));
}

const mean = (v: readonly number[]) =>
  v.length ? v.reduce((a, x) => a + x, 0) / v.length : Number.NaN;
const spread = (v: readonly number[]) => (v.length > 1 ? (Math.max(...v) - Math.min(...v)) / 2 : 0);

/** What "±" means, for under the table (the same measure the finding's verdicts use). */
export function spreadNote(summaries: readonly Summary[]): string {
  const seeds = [...new Set(summaries.flatMap((s) => s.runs.map((r) => r.spec.seed)))];
  const n = Math.max(0, ...summaries.map((s) => s.runs.length));
  if (n < 2) return 'One seed per condition: the values are single runs, no spread is measured.';
  return `Each value is the mean over ${n} seeds (${seeds.join(', ')}) ± half their range, (max − min) / 2; the charts' bands span min to max. Two conditions differ clearly when their means are further apart than their ± together.`;
}

/** Whether two groups' values differ by more than their combined spreads (half ranges). */
export function distinguishable(a: readonly number[], b: readonly number[]): boolean {
  return Math.abs(mean(a) - mean(b)) > spread(a) + spread(b);
}

function toTarget(s: Summary, v: number[], digits: number): string {
  if (v.length === 0) return 'not reached';
  const t = meanSpread(v, digits);
  return s.missedTarget ? `${t} (${s.missedTarget} missed)` : t;
}

/** The condition's name, and any runs that failed (threw or diverged) with their message. */
function withFailures(s: Summary): string {
  const failed = s.runs.filter((r) => r.stopped === 'failed' || r.stopped === 'diverged');
  if (failed.length === 0) return s.group;
  const message = (r: RunResult) =>
    r.stopped === 'diverged' ? 'diverged (the training loss became NaN or infinite)' : r.error;
  const why = [...new Set(failed.map((r) => message(r) ?? 'no message'))].join('; ');
  return `${s.group} — ${failed.length === s.runs.length ? 'failed' : `${failed.length} of ${s.runs.length} runs failed`}: ${why}`;
}

export const TABLE_HEADERS = [
  'condition',
  'settings',
  'final test acc %',
  'best test acc %',
  'final loss',
  'steps to target',
  's to target',
  'samples/s',
];

export function tableRows(summaries: readonly Summary[]): string[][] {
  const { rows } = conditionSettings(summaries.map((s) => s.runs[0].spec));
  return summaries.map((s, i) => [
    withFailures(s),
    rows[i],
    meanSpread(s.finalValAccuracy, 2, 100),
    meanSpread(s.bestValAccuracy, 2, 100),
    meanSpread(s.finalLoss, 4),
    toTarget(s, s.stepsToTarget, 0),
    toTarget(s, s.secondsToTarget, 2),
    meanSpread(s.samplesPerSec, 0),
  ]);
}

/** The table with its note on "±" below it. */
export function textReport(summaries: readonly Summary[]): string {
  const rows = tableRows(summaries);
  const table = textTable(
    rows,
    TABLE_HEADERS.map((title, j) => ({
      title,
      value: (r: string[]) => r[j],
      align: j < 2 ? 'left' : 'right',
    })),
  );
  return `${table}\n\n${spreadNote(summaries)}`;
}

/** Mean, min and max over seeds of each group's curves, point by point (seeds share steps). */
function meanCurves(summaries: readonly Summary[]) {
  return summaries.flatMap((s) => {
    const n = Math.min(...s.runs.map((r) => r.curve.length));
    return Array.from({ length: n }, (_, i) => {
      const losses = s.runs.map((r) => r.curve[i].loss);
      return {
        condition: s.group,
        step: s.runs[0].curve[i].step,
        seconds: mean(s.runs.map((r) => r.curve[i].seconds)),
        loss: mean(losses),
        lossMin: Math.min(...losses),
        lossMax: Math.max(...losses),
      };
    });
  });
}

function accuracyPoints(summaries: readonly Summary[]) {
  return summaries.flatMap((s) => {
    const n = Math.min(...s.runs.map((r) => r.epochs.length));
    return Array.from({ length: n }, (_, i) => {
      const acc = s.runs.map((r) => 100 * r.epochs[i].valAccuracy);
      return {
        condition: s.group,
        epoch: i + 1,
        accuracy: mean(acc),
        accuracyMin: Math.min(...acc),
        accuracyMax: Math.max(...acc),
      };
    });
  });
}

export interface ChartSpec {
  file: string;
  title: string;
  spec: VegaLiteSpec;
}

/**
 * The standard charts: training loss by step and by seconds (log scale fitted to the data),
 * test accuracy by epoch; lines are means over seeds, bands span their min to max.
 */
export function standardCharts(summaries: readonly Summary[]): ChartSpec[] {
  const curves = meanCurves(summaries);
  const band = { lo: 'lossMin', hi: 'lossMax' };
  return [
    {
      file: 'loss',
      title: 'Training loss (moving average) by step; bands: min to max over seeds',
      spec: lineChart(curves, {
        title: 'Training loss by step',
        x: { field: 'step', title: 'optimizer step' },
        y: { field: 'loss', title: 'training loss (EMA)', scale: 'log' },
        color: 'condition',
        band,
      }),
    },
    {
      file: 'loss-time',
      title: 'Training loss by wall-clock seconds; bands: min to max over seeds',
      spec: lineChart(curves, {
        title: 'Training loss by time',
        x: { field: 'seconds', title: 'seconds' },
        y: { field: 'loss', title: 'training loss (EMA)', scale: 'log' },
        color: 'condition',
        band,
      }),
    },
    {
      file: 'accuracy',
      title: 'Test accuracy by epoch; bands: min to max over seeds',
      spec: lineChart(accuracyPoints(summaries), {
        title: 'Test accuracy',
        x: { field: 'epoch', title: 'epoch', integer: true },
        y: { field: 'accuracy', title: 'test accuracy (%)' },
        color: 'condition',
        band: { lo: 'accuracyMin', hi: 'accuracyMax' },
        points: true,
      }),
    },
  ];
}

/** Writes the report directory; returns the text table. */
export async function writeReport(
  dir: string,
  r: ComparisonResults,
  extra: ChartSpec[] = [],
): Promise<string> {
  const summaries = summarize(r.runs);
  const table = textReport(summaries);
  const charts: Array<{ title: string; svg: string }> = [];
  for (const c of [...standardCharts(summaries), ...extra]) {
    const svg = await renderSvg(c.spec);
    writeFileAtomic(join(dir, `${c.file}.svg`), svg);
    writeFileAtomic(join(dir, `${c.file}.png`), svgToPng(svg));
    writeFileAtomic(join(dir, `${c.file}.vl.json`), JSON.stringify(c.spec));
    charts.push({ title: c.title, svg });
  }
  writeFileAtomic(
    join(dir, 'results.json'),
    `${JSON.stringify({ ...r, summary: summaries.map(({ runs: _r, ...s }) => s) }, null, 1)}\n`,
  );
  writeFileAtomic(join(dir, 'table.txt'), `${table}\n`);
  const shared = conditionSettings(summaries.map((s) => s.runs[0].spec)).shared;
  const target =
    r.targetLoss === null
      ? 'none (no run recorded a usable loss curve)'
      : r.targetChosen === 'auto'
        ? `${r.targetLoss}: chosen from the data, the lowest training loss (moving average) the worst run reached, rounded up; --target-loss sets it`
        : `${r.targetLoss} (moving average of the training loss)`;
  const html = renderHtml({
    title: r.title,
    finding: r.finding,
    table: { headers: TABLE_HEADERS, rows: tableRows(summaries), note: spreadNote(summaries) },
    charts,
    facts: [
      ['question', r.question],
      [
        'dataset',
        `Fashion-MNIST (${r.dataset.source}: ${r.dataset.path}), ${r.dataset.train} training / ${r.dataset.test} test images`,
      ],
      ['model', r.model],
      ...(shared ? [['shared settings', shared] as [string, string]] : []),
      ['target loss', target],
      [
        'backend',
        `${r.backend.name}, ${r.backend.simd}, ${r.backend.threads} threads${r.jobs && r.jobs > 1 ? ` per run, ${r.jobs} runs at once` : ''}`,
      ],
      ['runs', String(r.runs.length)],
      ['time', `${r.seconds.toFixed(1)} s, started ${r.startedAt}`],
      ['command', r.command],
    ],
    notes: [...r.notes, ...(r.interrupted ? ['Interrupted: these are the partial results.'] : [])],
  });
  writeFileAtomic(join(dir, 'report.html'), html);
  return table;
}
