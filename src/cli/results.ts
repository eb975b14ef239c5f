/**
 * Summaries and the report directory of a comparison: results.json (every number), a text
 * table (also printed), loss and accuracy charts as SVG and PNG, and report.html.
 */
import { join } from 'node:path';
import { lineChart, renderSvg, svgToPng, type VegaLiteSpec } from '../report/charts.js';
import { writeFileAtomic } from '../report/files.js';
import { renderHtml } from '../report/html.js';
import { meanSpread, textTable } from '../report/table.js';
import type { RunResult } from './experiment.js';

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
  backend: { name: string; simd: string; threads: number };
  targetLoss: number;
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

/** Whether two groups' values differ by more than their combined spreads. */
export function distinguishable(a: readonly number[], b: readonly number[]): boolean {
  return Math.abs(mean(a) - mean(b)) > spread(a) + spread(b);
}

function toTarget(s: Summary, v: number[], digits: number): string {
  if (v.length === 0) return 'not reached';
  const t = meanSpread(v, digits);
  return s.missedTarget ? `${t} (${s.missedTarget} missed)` : t;
}

export const TABLE_HEADERS = [
  'condition',
  'final val acc %',
  'best val acc %',
  'final loss',
  'steps to target',
  's to target',
  'samples/s',
];

export function tableRows(summaries: readonly Summary[]): string[][] {
  return summaries.map((s) => [
    s.group,
    meanSpread(s.finalValAccuracy, 2, 100),
    meanSpread(s.bestValAccuracy, 2, 100),
    meanSpread(s.finalLoss, 4),
    toTarget(s, s.stepsToTarget, 0),
    toTarget(s, s.secondsToTarget, 2),
    meanSpread(s.samplesPerSec, 0),
  ]);
}

export function textReport(summaries: readonly Summary[]): string {
  const rows = tableRows(summaries);
  return textTable(
    rows,
    TABLE_HEADERS.map((title, j) => ({
      title,
      value: (r: string[]) => r[j],
      align: j === 0 ? 'left' : 'right',
    })),
  );
}

/** Mean of each group's curves, point by point (seeds share the same steps). */
function meanCurves(summaries: readonly Summary[]) {
  return summaries.flatMap((s) => {
    const n = Math.min(...s.runs.map((r) => r.curve.length));
    return Array.from({ length: n }, (_, i) => ({
      condition: s.group,
      step: s.runs[0].curve[i].step,
      seconds: mean(s.runs.map((r) => r.curve[i].seconds)),
      loss: mean(s.runs.map((r) => r.curve[i].loss)),
    }));
  });
}

function accuracyPoints(summaries: readonly Summary[]) {
  return summaries.flatMap((s) => {
    const n = Math.min(...s.runs.map((r) => r.epochs.length));
    return Array.from({ length: n }, (_, i) => ({
      condition: s.group,
      epoch: i + 1,
      accuracy: 100 * mean(s.runs.map((r) => r.epochs[i].valAccuracy)),
    }));
  });
}

export interface ChartSpec {
  file: string;
  title: string;
  spec: VegaLiteSpec;
}

/** The standard charts: training loss by step and by seconds, validation accuracy by epoch. */
export function standardCharts(summaries: readonly Summary[]): ChartSpec[] {
  const curves = meanCurves(summaries);
  return [
    {
      file: 'loss',
      title: 'Training loss (moving average) by step',
      spec: lineChart(curves, {
        title: 'Training loss by step',
        x: { field: 'step', title: 'optimizer step' },
        y: { field: 'loss', title: 'training loss (EMA)', scale: 'log' },
        color: 'condition',
      }),
    },
    {
      file: 'loss-time',
      title: 'Training loss by wall-clock seconds',
      spec: lineChart(curves, {
        title: 'Training loss by time',
        x: { field: 'seconds', title: 'seconds' },
        y: { field: 'loss', title: 'training loss (EMA)', scale: 'log' },
        color: 'condition',
      }),
    },
    {
      file: 'accuracy',
      title: 'Validation accuracy by epoch',
      spec: {
        ...lineChart(accuracyPoints(summaries), {
          title: 'Validation accuracy',
          x: { field: 'epoch', title: 'epoch' },
          y: { field: 'accuracy', title: 'validation accuracy (%)' },
          color: 'condition',
        }),
        mark: { type: 'line', point: true, strokeWidth: 1.8 },
      },
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
  const html = renderHtml({
    title: r.title,
    finding: r.finding,
    table: { headers: TABLE_HEADERS, rows: tableRows(summaries) },
    charts,
    facts: [
      ['question', r.question],
      [
        'dataset',
        `Fashion-MNIST (${r.dataset.source}: ${r.dataset.path}), ${r.dataset.train} training / ${r.dataset.test} test images`,
      ],
      ['model', r.model],
      ['target loss', `${r.targetLoss} (moving average of the training loss)`],
      ['backend', `${r.backend.name}, ${r.backend.simd}, ${r.backend.threads} threads`],
      ['runs', String(r.runs.length)],
      ['time', `${r.seconds.toFixed(1)} s, started ${r.startedAt}`],
      ['command', r.command],
    ],
    notes: [...r.notes, ...(r.interrupted ? ['Interrupted: these are the partial results.'] : [])],
  });
  writeFileAtomic(join(dir, 'report.html'), html);
  return table;
}
