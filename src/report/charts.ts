/**
 * Charts as Vega-Lite specs rendered to SVG by `vega` in Node and to PNG by `@resvg/resvg-js`
 * (system fonts). Specs are kept in the report so a reader can re-render them.
 */
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';

export type VegaLiteSpec = Record<string, unknown>;

export interface LineChartOptions {
  title: string;
  /** `integer`: whole-number ticks only (epochs), as a discrete axis. */
  x: { field: string; title: string; scale?: 'linear' | 'log'; integer?: boolean };
  /** A log scale is fitted to the data (its domain and ticks), not widened to powers of 10. */
  y: { field: string; title: string; scale?: 'linear' | 'log'; zero?: boolean };
  /** Series field (one line per value). */
  color: string;
  /** Fields bounding a band drawn under each line (the spread over seeds: min and max). */
  band?: { lo: string; hi: string };
  /** Mark each point (short series such as per-epoch values). */
  points?: boolean;
  width?: number;
  height?: number;
}

/**
 * Tick values for a log axis over [lo, hi]: 1-2-5 per decade over a wide range; over a narrow
 * one (less than three such ticks, e.g. losses from 1.3 to 2.3) evenly spaced round values.
 */
export function logTicks(lo: number, hi: number): number[] {
  const round = (v: number) => Number(v.toPrecision(6));
  const decades: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++)
    for (const m of [1, 2, 5]) {
      const v = round(m * 10 ** k);
      if (v >= lo && v <= hi) decades.push(v);
    }
  if (decades.length >= 3) return decades;
  // The largest round step that still gives four or more intervals.
  const raw = (hi - lo) / 4;
  const unit = 10 ** Math.floor(Math.log10(raw));
  const step = [5, 2, 1].map((m) => m * unit).find((s) => s <= raw) ?? unit;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi; v += step) out.push(round(v));
  return out;
}

/** The y scale and axis: a log scale spans the data (padded 5%), with readable ticks. */
function yScale(values: Record<string, unknown>[], o: LineChartOptions) {
  if (o.y.scale !== 'log') return { scale: { type: 'linear', zero: o.y.zero ?? false } };
  const fields = o.band ? [o.y.field, o.band.lo, o.band.hi] : [o.y.field];
  const ys = values
    .flatMap((v) => fields.map((f) => v[f]))
    .filter((v): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v));
  if (ys.length === 0) return { scale: { type: 'log' } };
  const lo = Math.min(...ys) / 1.05;
  const hi = Math.max(...ys) * 1.05;
  return {
    scale: { type: 'log', domain: [lo, hi], nice: false },
    axis: { values: logTicks(lo, hi), format: '~g' },
  };
}

export function lineChart(values: Record<string, unknown>[], o: LineChartOptions): VegaLiteSpec {
  const x = o.x.integer
    ? { field: o.x.field, type: 'ordinal', title: o.x.title, axis: { labelAngle: 0 } }
    : {
        field: o.x.field,
        type: 'quantitative',
        title: o.x.title,
        scale: { type: o.x.scale ?? 'linear' },
      };
  const y = { field: o.y.field, type: 'quantitative', title: o.y.title, ...yScale(values, o) };
  // Opaque legend symbols, whether the legend takes them from a line or from a band.
  const color = { field: o.color, type: 'nominal', title: o.color, legend: { symbolOpacity: 1 } };
  const line = {
    mark: { type: 'line', strokeWidth: 1.8, ...(o.points ? { point: true } : {}) },
    encoding: { x, y, color },
  };
  const base = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 320,
    background: 'white',
    data: { values },
  };
  if (!o.band) return { ...base, ...line };
  const band = {
    mark: { type: 'area', opacity: 0.18 },
    encoding: {
      x,
      y: { ...y, field: o.band.lo },
      y2: { field: o.band.hi },
      color,
    },
  };
  return { ...base, layer: [band, line] };
}

/** SVG markup of a Vega-Lite spec. */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

/** PNG bytes of an SVG, at `width` pixels. */
export function svgToPng(svg: string, width = 1200): Uint8Array {
  const r = new Resvg(svg, {
    fitTo: { mode: 'width', value: width },
    font: { loadSystemFonts: true },
  });
  return r.render().asPng();
}
