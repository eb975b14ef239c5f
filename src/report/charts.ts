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
  x: { field: string; title: string; scale?: 'linear' | 'log' };
  y: { field: string; title: string; scale?: 'linear' | 'log'; zero?: boolean };
  /** Series field (one line per value). */
  color: string;
  width?: number;
  height?: number;
}

export function lineChart(values: Record<string, unknown>[], o: LineChartOptions): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    width: o.width ?? 560,
    height: o.height ?? 320,
    background: 'white',
    data: { values },
    mark: { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: {
        field: o.x.field,
        type: 'quantitative',
        title: o.x.title,
        scale: { type: o.x.scale ?? 'linear' },
      },
      y: {
        field: o.y.field,
        type: 'quantitative',
        title: o.y.title,
        // A log scale has no zero; vega-lite warns if one is given.
        scale: o.y.scale === 'log' ? { type: 'log' } : { type: 'linear', zero: o.y.zero ?? false },
      },
      color: { field: o.color, type: 'nominal', title: o.color },
    },
  };
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
