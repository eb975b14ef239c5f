/**
 * What a comparison report tells its reader, without training: each condition's settings and
 * a finding that names settings differing beyond the compared one; what "±" is; "test" for
 * the held-out data; charts with integer epochs, seed bands and a log axis fitted to the
 * data; path plots that leave the frame across its edge and tell overlapping paths apart;
 * and a target loss chosen from the data when none is given.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { CurvePoint, RunResult, RunSpec } from '../src/cli/experiment.js';
import { runPaths } from '../src/cli/paths.js';
import { accuracyFinding, PRESETS } from '../src/cli/presets.js';
import {
  standardCharts,
  summarize,
  TABLE_HEADERS,
  tableRows,
  textReport,
  writeReport,
} from '../src/cli/results.js';
import { conditionSettings, confounds } from '../src/cli/settings.js';
import { autoTarget, ceil2, withTarget } from '../src/cli/target.js';
import { lineChart, logTicks, renderSvg } from '../src/report/charts.js';

const tmp = mkdtempSync(join(tmpdir(), 'descent-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A finished run of `spec` with a loss curve and per-epoch test accuracies. */
function result(spec: RunSpec, losses: number[], acc: number[]): RunResult {
  const curve: CurvePoint[] = losses.map((loss, i) => ({
    step: 10 * (i + 1),
    samples: 1280 * (i + 1),
    seconds: 0.1 * (i + 1),
    loss,
  }));
  return {
    spec,
    curve,
    epochs: acc.map((a, i) => ({
      epoch: i + 1,
      loss: losses[losses.length - 1],
      valLoss: 0.5,
      accuracy: a,
      valAccuracy: a,
      lr: spec.lr,
      seconds: 1,
      samplesPerSec: 1000,
    })),
    gradNorms: [],
    stepsToTarget: null,
    secondsToTarget: null,
    finalValAccuracy: acc[acc.length - 1],
    bestValAccuracy: Math.max(...acc),
    finalLoss: losses[losses.length - 1],
    samplesPerSec: 1000,
    trainSeconds: 1,
    stopped: null,
  };
}

/** The momentum preset's runs (SGD at lr 0.1, the momentum ones at 0.05), 2 seeds, 1 epoch. */
const momentumRuns = () => PRESETS.momentum.runs({ epochs: 1, seeds: [1, 2] });

/** Text labels of an SVG axis ('X' or 'Y') and its aria description (the one with labels). */
function axis(svg: string, which: 'X' | 'Y'): { aria: string; labels: string[] } {
  const groups = svg.split('class="mark-group role-axis"').slice(1);
  for (const g of groups) {
    const aria = /aria-label="([^"]*)"/.exec(g)?.[1] ?? '';
    if (!aria.startsWith(`${which}-axis`)) continue;
    const block = /class="mark-text role-axis-label"[^>]*>((?:<text[^>]*>[^<]*<\/text>)*)/.exec(g);
    const labels = [...(block?.[1] ?? '').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]);
    if (labels.length > 0) return { aria, labels };
  }
  return { aria: '', labels: [] };
}

describe('settings of each condition (item 10)', () => {
  it('a column shows what differs; the finding says the optimizers also differ in lr', () => {
    const runs = momentumRuns().map((s, i) => result(s, [2, 1.5, 1], [0.7 + 0.01 * i]));
    const s = summarize(runs);
    expect(TABLE_HEADERS.slice(0, 2)).toEqual(['condition', 'settings']);
    const rows = tableRows(s);
    expect(rows.map((r) => r[1])).toEqual([
      'SGD, lr 0.1',
      'SGD+Momentum, lr 0.05',
      'Nesterov, lr 0.05',
    ]);
    const specs = s.map((x) => x.runs[0].spec);
    expect(conditionSettings(specs).shared).toBe(
      'constant lr, batch 128, 1 epoch, MLP 784-256-128-10, relu, no batch norm, no dropout, no L2',
    );
    expect(
      confounds(
        s.map((x) => x.group),
        specs,
        PRESETS.momentum.compares,
      ),
    ).toBe(
      ' Besides the optimizer, the conditions differ in learning rate (SGD: lr 0.1; SGD+Momentum: lr 0.05; Nesterov: lr 0.05): see the settings column.',
    );
  });

  it('says nothing more when only the compared setting differs', () => {
    const runs = PRESETS.schedules
      .runs({ epochs: 1, seeds: [1] })
      .map((spec) => result(spec, [2, 1], [0.8]));
    const s = summarize(runs);
    const specs = s.map((x) => x.runs[0].spec);
    expect(
      confounds(
        s.map((x) => x.group),
        specs,
        PRESETS.schedules.compares,
      ),
    ).toBe('');
    expect(tableRows(s)[0][1]).toBe('constant lr');
  });
});

describe('"±" and the word for the held-out data (items 11, 12)', () => {
  it('the table says what ± is, the same half range the finding judges noise by', () => {
    const runs = momentumRuns().map((spec) => {
      const acc = { SGD: [0.8, 0.84], 'SGD+Momentum': [0.85, 0.87], Nesterov: [0.84, 0.9] }[
        spec.group
      ] as number[];
      return result(spec, [2, 1], [acc[spec.seed - 1]]);
    });
    const s = summarize(runs);
    const text = textReport(s);
    expect(text).toMatch(/82\.00 ± 2\.00/); // SGD: mean 82, half the range 2
    expect(text).toContain(
      'Each value is the mean over 2 seeds (1, 2) ± half their range, (max − min) / 2',
    );
    expect(text).toContain(
      'differ clearly when their means are further apart than their ± together',
    );
    // Nesterov 87 ± 3 vs SGD+Momentum 86 ± 1: 1 point apart, within 3 + 1
    expect(accuracyFinding(s)).toMatch(
      /^Nesterov reached the highest final test accuracy \(87\.0%\), within the seed spread \(±\) of SGD\+Momentum \(86\.0%\)/,
    );
  });

  it('calls it "test" in the table, the charts and the findings, never "val"', async () => {
    const runs = momentumRuns().map((spec) => result(spec, [2, 1.5, 1.2], [0.8, 0.85]));
    const out = join(tmp, 'words');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await writeReport(out, {
        title: 't',
        question: 'q',
        finding: accuracyFinding(summarize(runs)),
        command: 'descent compare',
        startedAt: '',
        seconds: 1,
        interrupted: false,
        dataset: { source: 'bundled', path: '/d', train: 6000, test: 1000 },
        model: 'MLP',
        backend: { name: 'js', simd: 'none', threads: 1 },
        targetLoss: 1.3,
        targetChosen: 'auto',
        runs,
        notes: [],
      });
    } finally {
      stdout.mockRestore();
    }
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    const visible = html.replace(/<svg[\s\S]*?<\/svg>/g, (svg) =>
      [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]).join(' '),
    );
    expect(visible).not.toMatch(/\bval\b|validation/i);
    expect(visible).toMatch(/final test acc %/);
    expect(visible).toMatch(/test accuracy \(%\)/);
    expect(visible).toMatch(/6000 training \/ 1000 test images/);
    expect(visible).toMatch(/reached the highest final test accuracy/);
    expect(visible).toMatch(/1\.3: chosen from the data/);
    expect(readFileSync(join(out, 'table.txt'), 'utf8')).not.toMatch(/\bval\b|validation/i);
  });
});

describe('charts (item 13)', () => {
  it('epochs are whole numbers, for one epoch or three', async () => {
    for (const n of [1, 3]) {
      const acc = Array.from({ length: n }, (_, i) => 0.7 + 0.05 * i);
      const s = summarize(momentumRuns().map((spec) => result(spec, [2, 1], acc)));
      const chart = standardCharts(s).find((c) => c.file === 'accuracy');
      const x = axis(await renderSvg(chart?.spec ?? {}), 'X');
      expect(x.labels).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
      expect(x.aria).toMatch(/discrete scale/);
    }
  });

  it('bands span the seeds, min to max, under the mean line', () => {
    const runs = momentumRuns().map((spec) =>
      result(spec, spec.seed === 1 ? [2, 1.6, 1.2] : [2.2, 1.8, 1.4], [0.8, 0.8 + spec.seed / 100]),
    );
    const [loss, , acc] = standardCharts(summarize(runs));
    const layers = loss.spec.layer as Array<{
      mark: { type: string };
      encoding: Record<string, { field: string }>;
    }>;
    expect(layers.map((l) => l.mark.type)).toEqual(['area', 'line']);
    expect(layers[0].encoding.y.field).toBe('lossMin');
    expect(layers[0].encoding.y2.field).toBe('lossMax');
    const values = (loss.spec.data as { values: Array<Record<string, number | string>> }).values;
    const last = values.filter((v) => v.condition === 'SGD' && v.step === 30)[0];
    expect(last.lossMin).toBe(1.2);
    expect(last.loss).toBeCloseTo(1.3, 12);
    expect(last.lossMax).toBe(1.4);
    const accValues = (acc.spec.data as { values: Array<Record<string, number | string>> }).values;
    const e2 = accValues.find((v) => v.condition === 'SGD' && v.epoch === 2);
    expect(e2?.accuracyMin).toBeCloseTo(81, 10);
    expect(e2?.accuracyMax).toBeCloseTo(82, 10);
  });

  it('a log loss axis spans the data with readable ticks, not the decade around it', async () => {
    const values = [2.3, 2.0, 1.7, 1.5, 1.3].map((loss, i) => ({ c: 'a', step: i, loss }));
    const spec = lineChart(values, {
      title: 't',
      x: { field: 'step', title: 'step' },
      y: { field: 'loss', title: 'loss', scale: 'log' },
      color: 'c',
    });
    const y = axis(await renderSvg(spec), 'Y');
    const ticks = y.labels.map(Number);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...ticks)).toBeGreaterThanOrEqual(1.3 / 1.05);
    expect(Math.max(...ticks)).toBeLessThanOrEqual(2.3 * 1.05);
    expect(y.aria).toMatch(/log scale with values from 1\.2\d* to 2\.4\d*/);
    expect(logTicks(0.05, 3)).toEqual([0.05, 0.1, 0.2, 0.5, 1, 2]);
  });

  it('paths leave the frame across its edge, with dashes, markers and one legend', async () => {
    const out = join(tmp, 'paths');
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await runPaths({ out, command: 'x', verbose: 0, signal: { stop: false }, seeds: null });
    } finally {
      stdout.mockRestore();
    }
    const spec = JSON.parse(readFileSync(join(out, 'paths-saddle.vl.json'), 'utf8'));
    const [line, points] = spec.layer[1].layer;
    expect(line.mark.clip).toBe(true);
    expect(line.encoding.strokeDash.field).toBe('optimizer');
    expect(points.encoding.shape.field).toBe('optimizer');
    // every path escapes the saddle along y: none runs along the frame's edge at y = ±1.2
    const onEdge = line.data.values.filter((q: { y: number }) => Math.abs(q.y) === 1.2);
    expect(onEdge).toEqual([]);
    expect(line.data.values.some((q: { y: number }) => Math.abs(q.y) > 1.2)).toBe(true);
    const svg = readFileSync(join(out, 'paths-saddle.svg'), 'utf8');
    expect(svg.match(/role-legend-title[\s\S]*?<text[^>]*>optimizer</g)).toHaveLength(1);
  });
});

describe('the target loss chosen from the data (item 14)', () => {
  it('is the lowest loss the worst run reached, rounded up, so every run reaches it', () => {
    expect(ceil2(0.4312)).toBe(0.44);
    expect(ceil2(1.3)).toBe(1.3);
    expect(ceil2(0.0999)).toBe(0.1);
    const specs = momentumRuns().filter((s) => s.seed === 1);
    const runs = [
      result(specs[0], [2.2, 1.9, 1.6, 1.41], [0.6]), // the worst: its lowest is 1.41
      result(specs[1], [2.0, 1.4, 1.0, 0.8], [0.7]),
      { ...result(specs[2], [2.0, 9, Number.NaN], [0.1]), stopped: 'diverged' as const },
    ];
    const t = autoTarget(runs);
    expect(t).toBe(1.5);
    const timed = runs.slice(0, 2).map((r) => withTarget(r, t as number));
    expect(timed.map((r) => r.stepsToTarget)).toEqual([40, 20]);
    expect(timed.map((r) => r.secondsToTarget)).toEqual([0.4, 0.2]);
  });
});
