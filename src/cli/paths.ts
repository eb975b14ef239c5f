/**
 * Preset `paths`: optimizers on 2-D test functions — Rosenbrock (a curved valley), Beale (flat
 * plateaus, a sharp ridge) and a saddle x² − y² — with each trajectory drawn over the
 * function's contours. Uses the library's optimizers on a two-element parameter.
 */
import { join } from 'node:path';
import { renderSvg, svgToPng, type VegaLiteSpec } from '../report/charts.js';
import { writeFileAtomic } from '../report/files.js';
import { renderHtml } from '../report/html.js';
import { reportLine } from '../report/report-line.js';
import { textTable } from '../report/table.js';
import type { StopSignal } from './experiment.js';
import { OPTIMIZERS } from './registry.js';

interface TestFunction {
  name: string;
  f(x: number, y: number): number;
  grad(x: number, y: number): [number, number];
  start: [number, number];
  minimum: [number, number] | null;
  steps: number;
  domain: { x: [number, number]; y: [number, number] };
  lr: Record<string, number>;
}

const FUNCTIONS: TestFunction[] = [
  {
    name: 'Rosenbrock',
    f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
    grad: (x, y) => [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)],
    start: [-1.5, 2],
    minimum: [1, 1],
    steps: 2000,
    domain: { x: [-2, 2], y: [-1, 3] },
    lr: { sgd: 1e-3, momentum: 2e-4, nesterov: 2e-4, adagrad: 0.5, rmsprop: 0.01, adam: 0.05 },
  },
  {
    name: 'Beale',
    f: (x, y) =>
      (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2,
    grad: (x, y) => {
      const a = 1.5 - x + x * y;
      const b = 2.25 - x + x * y * y;
      const c = 2.625 - x + x * y ** 3;
      return [
        2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1),
        2 * a * x + 4 * b * x * y + 6 * c * x * y * y,
      ];
    },
    start: [1, 1.5],
    minimum: [3, 0.5],
    steps: 1000,
    domain: { x: [-1, 4], y: [-1.5, 2] },
    lr: { sgd: 5e-3, momentum: 1e-3, nesterov: 1e-3, adagrad: 0.3, rmsprop: 0.01, adam: 0.05 },
  },
  {
    name: 'Saddle x² − y²',
    f: (x, y) => x * x - y * y,
    grad: (x, y) => [2 * x, -2 * y],
    start: [1, 1e-3],
    minimum: null,
    steps: 200,
    domain: { x: [-1.2, 1.2], y: [-1.2, 1.2] },
    lr: { sgd: 0.05, momentum: 0.01, nesterov: 0.01, adagrad: 0.2, rmsprop: 0.01, adam: 0.05 },
  },
];

const NAMES = ['sgd', 'momentum', 'nesterov', 'adagrad', 'rmsprop', 'adam'];

interface Path {
  fn: string;
  optimizer: string;
  points: Array<{ step: number; x: number; y: number; f: number }>;
  final: number;
  distance: number | null;
  /** Steps until f < 1e-3 (minimisers) or |y| > 1 (saddle escape), null if never. */
  stepsToGoal: number | null;
}

function run(fn: TestFunction, name: string, signal: StopSignal): Path {
  const p = { data: Float32Array.from(fn.start), grad: new Float32Array(2) };
  const opt = OPTIMIZERS[name].make([p], fn.lr[name]);
  const points: Path['points'] = [];
  let stepsToGoal: number | null = null;
  for (let step = 0; step <= fn.steps && !signal.stop; step++) {
    const [x, y] = p.data;
    const f = fn.f(x, y);
    if (step % Math.max(1, Math.floor(fn.steps / 400)) === 0 || step === fn.steps)
      points.push({ step, x, y, f });
    const goal = fn.minimum ? f < 1e-3 : Math.abs(y) > 1;
    if (goal && stepsToGoal === null) stepsToGoal = step;
    if (!Number.isFinite(f) || Math.abs(x) > 1e3 || Math.abs(y) > 1e3) break;
    const [gx, gy] = fn.grad(x, y);
    p.grad[0] = gx;
    p.grad[1] = gy;
    opt.step();
  }
  const [x, y] = p.data;
  return {
    fn: fn.name,
    optimizer: OPTIMIZERS[name].label,
    points,
    final: fn.f(x, y),
    distance: fn.minimum ? Math.hypot(x - fn.minimum[0], y - fn.minimum[1]) : null,
    stepsToGoal,
  };
}

function contourSpec(fn: TestFunction, paths: Path[]): VegaLiteSpec {
  const grid: Array<{ x: number; y: number; logf: number }> = [];
  const n = 60;
  const [x0, x1] = fn.domain.x;
  const [y0, y1] = fn.domain.y;
  const fmin = fn.minimum ? 0 : -Infinity;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = x0 + ((i + 0.5) * (x1 - x0)) / n;
      const y = y0 + ((j + 0.5) * (y1 - y0)) / n;
      const f = fn.f(x, y);
      grid.push({ x, y, logf: fn.minimum ? Math.log10(f - fmin + 1e-3) : f });
    }
  }
  // The marks are clipped to the frame, so a path that leaves it exits across the edge.
  // Clamping at the frame drew runs along the edge instead; clamping a frame's width beyond
  // it keeps those runs out of sight and the coordinates small enough for the renderer.
  const wx = x1 - x0;
  const wy = y1 - y0;
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const lines = paths.flatMap((p) =>
    p.points.map((q) => ({
      optimizer: p.optimizer,
      step: q.step,
      x: clamp(q.x, x0 - wx, x1 + wx),
      y: clamp(q.y, y0 - wy, y1 + wy),
    })),
  );
  // Overlapping paths stay apart by dash pattern and by markers at every tenth of the run.
  const every = Math.max(1, Math.round(fn.steps / 10));
  const inside = (q: { x: number; y: number }) => q.x >= x0 && q.x <= x1 && q.y >= y0 && q.y <= y1;
  const markers = lines.filter((q) => q.step % every === 0 && inside(q));
  const series = {
    x: { field: 'x', type: 'quantitative', scale: { domain: [x0, x1] } },
    y: { field: 'y', type: 'quantitative', scale: { domain: [y0, y1] } },
    color: { field: 'optimizer', type: 'nominal', scale: { scheme: 'category10' } },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${fn.name}: optimizer paths over ${fn.minimum ? 'log₁₀ f' : 'f'}`,
    width: 460,
    height: 380,
    background: 'white',
    layer: [
      {
        data: { values: grid },
        mark: { type: 'rect' },
        encoding: {
          x: {
            field: 'x',
            type: 'quantitative',
            bin: { maxbins: n, extent: [x0, x1] },
            title: 'x',
          },
          y: {
            field: 'y',
            type: 'quantitative',
            bin: { maxbins: n, extent: [y0, y1] },
            title: 'y',
          },
          fill: {
            aggregate: 'mean',
            field: 'logf',
            type: 'quantitative',
            scale: { scheme: 'greys' },
            title: fn.minimum ? 'log₁₀ f' : 'f',
          },
        },
      },
      {
        // The contours use fill, the paths colour, dash and shape: one legend for all three.
        layer: [
          {
            data: { values: lines },
            mark: { type: 'line', strokeWidth: 2, clip: true },
            encoding: {
              ...series,
              strokeDash: { field: 'optimizer', type: 'nominal' },
              order: { field: 'step', type: 'quantitative' },
            },
          },
          {
            data: { values: markers },
            mark: { type: 'point', filled: true, size: 45, clip: true },
            encoding: { ...series, shape: { field: 'optimizer', type: 'nominal' } },
          },
        ],
      },
    ],
  };
}

export async function runPaths(o: {
  out: string;
  command: string;
  verbose: 0 | 1;
  signal: StopSignal;
  seeds: number[] | null;
}): Promise<number> {
  const started = performance.now();
  const all: Path[] = [];
  const charts: Array<{ title: string; svg: string }> = [];
  for (const fn of FUNCTIONS) {
    const paths = NAMES.map((n) => run(fn, n, o.signal));
    all.push(...paths);
    const spec = contourSpec(fn, paths);
    const svg = await renderSvg(spec);
    const file = fn.name.toLowerCase().split(' ')[0];
    writeFileAtomic(join(o.out, `paths-${file}.svg`), svg);
    writeFileAtomic(join(o.out, `paths-${file}.png`), svgToPng(svg));
    writeFileAtomic(join(o.out, `paths-${file}.vl.json`), JSON.stringify(spec));
    charts.push({ title: spec.title as string, svg });
  }
  const rows = all.map((p) => [
    p.fn,
    p.optimizer,
    p.final.toPrecision(4),
    p.distance === null ? '—' : p.distance.toPrecision(3),
    p.stepsToGoal === null ? 'never' : String(p.stepsToGoal),
  ]);
  const headers = ['function', 'optimizer', 'final f', 'distance to minimum', 'steps to goal'];
  const table = textTable(
    rows,
    headers.map((title, j) => ({
      title,
      value: (r: string[]) => r[j],
      align: j < 2 ? 'left' : 'right',
    })),
  );
  const best = (fn: string) =>
    all
      .filter((p) => p.fn === fn && p.stepsToGoal !== null)
      .sort((a, b) => (a.stepsToGoal as number) - (b.stepsToGoal as number))[0];
  const parts = FUNCTIONS.map((fn) => {
    const b = best(fn.name);
    return b
      ? `${fn.name}: ${b.optimizer} first (${b.stepsToGoal} steps)`
      : `${fn.name}: none reached the goal`;
  });
  const finding = `Fastest to the goal (f < 10⁻³, or |y| > 1 to escape the saddle) — ${parts.join('; ')}.`;
  writeFileAtomic(
    join(o.out, 'results.json'),
    `${JSON.stringify({ title: 'Optimizer paths on 2-D test functions', finding, command: o.command, paths: all }, null, 1)}\n`,
  );
  writeFileAtomic(join(o.out, 'table.txt'), `${table}\n`);
  writeFileAtomic(
    join(o.out, 'report.html'),
    renderHtml({
      title: 'Optimizer paths on 2-D test functions',
      finding,
      table: { headers, rows },
      charts,
      facts: [
        [
          'question',
          'How do the optimizers move through a curved valley (Rosenbrock), plateaus (Beale) and a saddle?',
        ],
        [
          'learning rates',
          FUNCTIONS.map((f) => `${f.name}: ${NAMES.map((n) => `${n} ${f.lr[n]}`).join(', ')}`).join(
            ' | ',
          ),
        ],
        ['time', `${((performance.now() - started) / 1000).toFixed(1)} s`],
        ['command', o.command],
      ],
      notes: o.seeds ? ['These runs are deterministic: --seeds does not change them.'] : [],
    }),
  );
  process.stdout.write(`\n${table}\n\n${finding}\n\n${reportLine(o.out, '')}\n`);
  return o.signal.stop ? 130 : 0;
}
