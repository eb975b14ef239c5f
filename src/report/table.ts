/** Plain-text tables for the terminal (and the HTML report's source). */

export interface Column<R> {
  title: string;
  value: (row: R) => string;
  align?: 'left' | 'right';
}

export function textTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, j) =>
    Math.max(c.title.length, ...cells.map((row) => row[j].length)),
  );
  const pad = (s: string, j: number) =>
    columns[j].align === 'left' ? s.padEnd(widths[j]) : s.padStart(widths[j]);
  const line = (row: string[]) => row.map(pad).join('  ');
  return [
    line(columns.map((c) => c.title)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...cells.map(line),
  ].join('\n');
}

/** `mean ± spread` (spread = half the range) or just the value for one sample. */
export function meanSpread(values: readonly number[], digits: number, scale = 1): string {
  const v = values.filter((x) => Number.isFinite(x)).map((x) => x * scale);
  if (v.length === 0) return '—';
  const mean = v.reduce((a, x) => a + x, 0) / v.length;
  if (v.length === 1) return mean.toFixed(digits);
  const spread = (Math.max(...v) - Math.min(...v)) / 2;
  return `${mean.toFixed(digits)} ± ${spread.toFixed(digits)}`;
}

/** `1 epoch`, `3 epochs`. */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
