/** A self-contained HTML report: the finding, the table, the charts inline as SVG, pictures as PNG data URIs, the setup. */

export interface HtmlReport {
  title: string;
  /** One sentence stating what the run found. */
  finding: string;
  /** The table, and a note printed under it (what its ± means). */
  table: { headers: string[]; rows: string[][]; note?: string };
  charts: Array<{ title: string; svg: string }>;
  /** Pictures (image grids) as PNG, embedded as data URIs. */
  images?: Array<{ title: string; png: Uint8Array }>;
  /** Key/value facts about the run (dataset, model, backend, machine, command). */
  facts: Array<[string, string]>;
  notes?: string[];
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderHtml(r: HtmlReport): string {
  const table = `<table>
<thead><tr>${r.table.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${r.table.rows.map((row) => `<tr>${row.map((c, i) => `<td${i === 0 ? ' class="name"' : i === 1 && r.table.headers[1] === 'settings' ? ' class="settings"' : ''}>${esc(c)}</td>`).join('')}</tr>`).join('\n')}
</tbody>
</table>${r.table.note ? `\n<p class="note">${esc(r.table.note)}</p>` : ''}`;
  const charts = r.charts
    .map(
      (c) =>
        `<figure class="chart" data-title="${esc(c.title)}">${c.svg}<figcaption>${esc(c.title)}</figcaption></figure>`,
    )
    .join('\n');
  const images = (r.images ?? [])
    .map(
      (m) =>
        `<figure class="image"><img alt="${esc(m.title)}" src="data:image/png;base64,${Buffer.from(m.png).toString('base64')}"><figcaption>${esc(m.title)}</figcaption></figure>`,
    )
    .join('\n');
  const facts = r.facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('\n');
  const notes = (r.notes ?? []).map((n) => `<li>${esc(n)}</li>`).join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.title)}</title>
<style>
body { font-family: system-ui, -apple-system, "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1240px; color: #1b1f24; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
p.finding { font-size: 1.1rem; background: #f3f6fa; border-left: 4px solid #3b6fb6; padding: 0.6rem 0.9rem; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #d8dee4; text-align: right; }
td.name, td.settings, table.facts th { text-align: left; }
table.facts td { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
figure.chart, figure.image { margin: 0; }
figure.image img { image-rendering: pixelated; max-width: 100%; }
figcaption { font-size: 0.85rem; color: #57606a; }
p.note { font-size: 0.9rem; color: #57606a; margin-top: -0.5rem; }
</style>
</head>
<body>
<h1>${esc(r.title)}</h1>
<p class="finding">${esc(r.finding)}</p>
${table}
<div class="charts">
${charts}
</div>
${images ? `<h2>Pictures</h2>\n<div class="charts">\n${images}\n</div>` : ''}
${notes ? `<h2>Notes</h2><ul>${notes}</ul>` : ''}
<h2>Setup</h2>
<table class="facts">
${facts}
</table>
</body>
</html>
`;
}
