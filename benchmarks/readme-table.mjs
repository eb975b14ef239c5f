#!/usr/bin/env node
// Regenerates README.md's performance section (between `<!-- bench:start -->` and
// `<!-- bench:end -->`, appended at the end when the markers are absent) from the newest suite
// results in benchmarks/results/ (smoke runs excluded), or from the JSON file given. A section
// the newest run did not measure (`--only`) comes from the newest earlier run of the same mode
// that did, and the section says so.
//
//   node benchmarks/readme-table.mjs [results.json] [--stdout] [--readme <path>]
import { readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
export const START = '<!-- bench:start -->';
export const END = '<!-- bench:end -->';

/** The newest non-smoke suite result in `dir` (by the date in its name, then mtime). */
export function newestResult(dir = join(HERE, 'results')) {
  const files = readdirSync(dir)
    .filter((f) => /^suite-(full|quick)-.*\.json$/.test(f))
    .map((f) => ({
      f,
      stamp: f.replace(/^suite-(full|quick)-/, ''),
      mtime: statSync(join(dir, f)).mtimeMs,
    }))
    .sort((a, b) => (a.stamp === b.stamp ? a.mtime - b.mtime : a.stamp < b.stamp ? -1 : 1));
  return files.length ? join(dir, files.at(-1).f) : null;
}

const SECTIONS = ['bandwidth', 'optimizers', 'gemm', 'boundary', 'training', 'autograd'];

/**
 * `res` with each section it did not measure taken from the newest earlier result of the same
 * mode in `dir` that did; `borrowed` lists them as { section, file, startedAt }.
 */
export function withOlderSections(res, file, dir = join(HERE, 'results')) {
  const merged = { ...res };
  const borrowed = [];
  const older = readdirSync(dir)
    .filter((f) => f.startsWith(`suite-${res.mode}-`) && f.endsWith('.json'))
    .map((f) => join(dir, f))
    .filter((f) => resolve(f) !== resolve(file))
    .map((f) => ({ f, r: JSON.parse(readFileSync(f, 'utf8')) }))
    .filter(({ r }) => r.benchmark === 'suite' && r.startedAt < res.startedAt)
    .sort((a, b) => (a.r.startedAt < b.r.startedAt ? 1 : -1));
  for (const sec of SECTIONS) {
    if (res[sec]?.available) continue;
    const from = older.find(({ r }) => r[sec]?.available);
    if (!from) continue;
    merged[sec] = from.r[sec];
    borrowed.push({
      section: sec,
      file: from.f,
      startedAt: from.r.startedAt,
      machine: from.r.machine,
    });
  }
  return { res: merged, borrowed };
}

const fmtN = (n) =>
  n >= 1 << 20 && n % (1 << 20) === 0
    ? `${n / (1 << 20)}M`
    : n >= 1024 && n % 1024 === 0
      ? `${n / 1024}K`
      : `${n}`;

function num(m, key, digits) {
  if (!m?.available) return '–';
  const v = m[key].median;
  const d = digits ?? (v < 10 ? 2 : v < 100 ? 1 : 0);
  const sp = m[key].spread;
  return `${v.toFixed(d)}${Number.isFinite(sp) && m[key].n > 1 ? ` ±${((sp / 2) * 100).toFixed(0)}%` : ''}`;
}
const ratio = (v, d = 2) => (v === null || v === undefined ? '–' : `${v.toFixed(d)}×`);

function mdTable(header, rows, align) {
  const a = align ?? header.map((_, i) => (i === 0 ? 'l' : 'r'));
  return [
    `| ${header.join(' | ')} |`,
    `| ${a.map((x) => (x === 'r' ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

/** The markdown of the performance section (without the markers). */
export function renderSection(res, source, borrowed = []) {
  const m = res.machine;
  const v = m.versions ?? {};
  const lines = [];
  lines.push('## Performance');
  lines.push('');
  lines.push(
    `Measured by \`npm run bench\` (\`benchmarks/run.mjs\`${res.mode === 'full' ? '' : ` --${res.mode}`}) on ${res.startedAt.slice(0, 10)}: ${m.cpu}, ${m.logicalCores} cores${m.cacheBytes?.L3 ? ` (L3 ${Math.round(m.cacheBytes.L3 / 2 ** 20)} MiB)` : ''}, ${m.memoryGiB} GiB, native SIMD ${m.simd ?? 'n/a'}; Node ${v.node}, ${v.rustc ?? 'rustc n/a'}, tfjs ${v.tfjs ?? 'n/a'}, OpenBLAS ${v.openblas ?? 'n/a'}. ` +
      `Medians of ${res.method.rounds} interleaved rounds, ± half the interquartile range. Source: \`${source}\`; regenerate with \`node benchmarks/readme-table.mjs\`.`,
  );
  const byFile = new Map();
  for (const x of borrowed) byFile.set(x.file, [...(byFile.get(x.file) ?? []), x]);
  for (const [file, secs] of byFile) {
    const bm = secs[0].machine;
    const same = bm?.cpu === m.cpu && bm?.logicalCores === m.logicalCores;
    lines.push('');
    lines.push(
      `The ${secs.map((x) => x.section).join(', ')} section${secs.length > 1 ? 's are' : ' is'} from the earlier run \`${relative(ROOT, file)}\` (${secs[0].startedAt.slice(0, 10)}${same ? ', the same machine' : `: ${bm?.cpu}, ${bm?.logicalCores} cores`}), which this run did not repeat.`,
    );
  }
  if (res.mode !== 'full') {
    lines.push('');
    lines.push(
      `> ${res.mode} mode (${res.method.rounds} rounds of ~${res.method.sampleSeconds * 1e3} ms samples${m.loadAvg ? `, load average ${m.loadAvg[0]} at the start${m.loadAvgEnd ? `, ${m.loadAvgEnd[0]} at the end` : ''} on ${m.logicalCores} cores${Math.max(m.loadAvg[0], m.loadAvgEnd?.[0] ?? 0) > 1.5 ? ': the machine was shared with other work, so the figures are noisy and mostly low' : ''}` : ''}): indicative only; \`npm run bench\` without flags gives the figures to quote.`,
    );
  }
  renderComparison(res.comparison, lines);

  // bandwidth
  const bw = res.bandwidth;
  if (bw?.available) {
    const g = (x) => (x?.available ? `${x.gbs.median.toFixed(1)}` : 'n/a');
    const parts = bw.sizes.map((s) => {
      const all = Object.keys(s.impls).find((k) => k !== '1t');
      return `${s.label}: triad ${g(s.impls['1t'])} / ${g(s.impls[all])} GB/s, in-place ${g(s.inplace?.['1t'])} / ${g(s.inplace?.[all])} GB/s (1 / ${all?.replace('t', '')} threads)`;
    });
    lines.push('');
    lines.push(
      `Memory bandwidth (C, OpenMP; triad a = b + s·c counted as STREAM does, 24 B/element; in-place a += b + s·c, 32 B/element, the optimizers' access pattern): ${parts.join('; ')}.`,
    );
  }

  // optimizers
  const op = res.optimizers;
  if (op?.available && op.rows?.length) {
    const sizes = op.sizes;
    const small = sizes[0];
    const mid = sizes[Math.min(1, sizes.length - 1)];
    const big = sizes.at(-1);
    const ids = [...new Set(op.rows.map((r) => r.optimizer))];
    const get = (id, n) => op.rows.find((r) => r.optimizer === id && r.n === n);
    lines.push('');
    lines.push('### Optimizer step (M parameters/s, higher is better)');
    lines.push('');
    lines.push(
      `\`optimizer.step()\` on one fp32 parameter tensor. native: ${m.nativeThreads ?? '?'} threads; C: the same update as a plain C loop (\`cc -O3 -march=native\`), 1 thread; native / C: descent on ${m.nativeThreads ?? '?'} threads / on 1 thread, each over the one-thread C loop; tfjs: \`tf.train\` optimizers where tfjs has them.`,
    );
    lines.push('');
    lines.push(
      mdTable(
        [
          'optimizer',
          `native ${fmtN(small)}`,
          `native ${fmtN(mid)}`,
          `native ${fmtN(big)}`,
          `native 1 thread ${fmtN(big)}`,
          `C ${fmtN(big)}`,
          ...sizes.map((n) => `native / C ${fmtN(n)}`),
          `js ${fmtN(mid)}`,
          `tfjs wasm ${fmtN(mid)}`,
          `tfjs cpu ${fmtN(mid)}`,
        ],
        ids.map((id) => {
          const rs = get(id, small);
          const rm = get(id, mid);
          const rb = get(id, big);
          return [
            rb?.label ?? rs?.label ?? id,
            num(rs?.impls.native, 'mParamsPerSec'),
            num(rm?.impls.native, 'mParamsPerSec'),
            num(rb?.impls.native, 'mParamsPerSec'),
            num(rb?.impls['native-1t'], 'mParamsPerSec'),
            num(rb?.impls.c, 'mParamsPerSec'),
            ...sizes.map((n) => {
              const r = get(id, n);
              return `${ratio(r?.ratios.nativeOverC)} / ${ratio(r?.ratios.native1tOverC)}`;
            }),
            num(rm?.impls.js, 'mParamsPerSec'),
            num(rm?.impls['tfjs-wasm'], 'mParamsPerSec'),
            num(rm?.impls['tfjs-cpu'], 'mParamsPerSec'),
          ];
        }),
      ),
    );
  }

  // gemm
  const ge = res.gemm;
  if (ge?.available && ge.rows?.length) {
    const t = ge.threads;
    lines.push('');
    lines.push('### GEMM (GFLOPS, higher is better)');
    lines.push('');
    const refs = [
      ...new Set(
        ge.rows
          .flatMap((r) => [r.ratios.openblasReference, r.ratios.openblasReference1t])
          .filter(Boolean),
      ),
    ];
    lines.push(
      `C = A·B, fp32, row-major. OpenBLAS: \`cblas_sgemm\` (${ge.openblas.available ? `${ge.openblas.debianPackage ?? ''}; ${ge.openblas.coretype}; the fastest CORETYPE variant shown, ${refs.join(', ') || 'n/a'}` : `not measured: ${ge.openblas.reason}`}).`,
    );
    lines.push('');
    const obBest = (r, suffix) => {
      const k = suffix === '1t' ? r.ratios.openblasReference1t : r.ratios.openblasReference;
      return k ? num(r.impls[k], 'gflops') : '–';
    };
    const variants = Object.entries(ge.openblas.variants ?? {}).filter(
      ([k, x]) => x.available && k.endsWith(`-${t}t`),
    );
    const last = ge.rows.at(-1);
    if (variants.length && last) {
      lines.push(
        `OpenBLAS by kernel at ${last.m}×${last.k}×${last.n}, ${t} threads: ${variants
          .map(
            ([k, x]) =>
              `${x.label.replace(/, \d+ threads?$/, '')} → ${x.corename}: ${num(last.impls[k], 'gflops')}`,
          )
          .join('; ')} GFLOPS.`,
      );
      lines.push('');
    }
    lines.push(
      mdTable(
        [
          'm×k×n',
          `native ${t} threads`,
          'native 1 thread',
          `OpenBLAS ${t} threads`,
          'OpenBLAS 1 thread',
          'native / OpenBLAS',
          'js',
          'tfjs wasm',
          'tfjs cpu',
        ],
        ge.rows.map((r) => [
          `${r.m}×${r.k}×${r.n}`,
          num(r.impls.native, 'gflops'),
          num(r.impls['native-1t'], 'gflops'),
          obBest(r, `${t}t`),
          obBest(r, '1t'),
          ratio(r.ratios.nativeOverOpenblas),
          num(r.impls.js, 'gflops'),
          num(r.impls['tfjs-wasm'], 'gflops'),
          num(r.impls['tfjs-cpu'], 'gflops'),
        ]),
      ),
    );
  }

  // boundary
  const bd = res.boundary;
  if (bd?.available) {
    lines.push('');
    lines.push('### N-API boundary');
    lines.push('');
    const tiny = bd.tiny.find((x) => x.op === 'add' && x.n === 1);
    lines.push(
      `One native call on a 1-element array costs ${tiny ? `${(tiny.native.median * 1e9).toFixed(0)} ns (js: ${(tiny.js.median * 1e9).toFixed(0)} ns)` : 'n/a'}. ` +
        `Measured crossovers (native faster from n on): ${bd.perOp.map((p) => `${p.op} ${p.measuredCrossover ?? `> ${bd.sizes.at(-1)}`}`).join(', ')}.`,
    );
    lines.push('');
    lines.push(`**Routing check:** ${bd.verdict.text}`);
  }

  // training
  lines.push('');
  lines.push('### Training');
  lines.push('');
  const tr = res.training;
  if (!tr?.available) lines.push(`Not measured: ${tr?.reason ?? 'not run'}.`);
  else {
    lines.push(
      `Samples/s of one training step (gather the batch, forward, loss, backward, Adam) on Fashion-MNIST (${tr.data.source}, ${tr.data.train} images), median ±half IQR. ${Object.entries(
        tr.nets,
      )
        .map(([k, d]) => `${k}: ${d}`)
        .join('; ')}.`,
    );
    const pk = tr.gemmPeak;
    if (pk?.byThreads) {
      lines.push('');
      lines.push(
        `GFLOP/s: the step's useful work (forward and backward GEMMs and convolutions as im2col GEMMs, 2 FLOPs per multiply-add, no input-layer dX, nothing for elementwise work; \`benchmarks/lib/flops.mjs\`) per second, and in brackets its fraction of descent's own GEMM peak on as many threads: the native GEMM at ${tr.rows[0]?.gemmPeak?.shape ?? 'n/a'}, sampled in the same interleaved rounds as the steps and divided round by round, so that load from other work falls on both (the gemm section's best, not interleaved: ${Object.entries(
          pk.byThreads,
        )
          .map(
            ([t, p]) =>
              `${t} thread${t === '1' ? '' : 's'}: ${p.gflops.toFixed(0)} GFLOP/s at ${p.shape}`,
          )
          .join(
            ', ',
          )}). PyTorch: ${tr.pytorch?.threads ?? 2} threads and 1 thread, each in its own process; native / PyTorch is against the faster of the two. js and tfjs-cpu run at the default batch only.`,
      );
    }
    const peakCell = (r, k) =>
      r.gemmPeak?.[k]?.available ? r.gemmPeak[k].gflops.median.toFixed(0) : '–';
    const gf = (x) =>
      x?.available && x.gflops
        ? `${x.gflops.median.toFixed(0)}${x.fractionOfPeak === null || x.fractionOfPeak === undefined ? '' : ` (${(x.fractionOfPeak * 100).toFixed(0)}%)`}`
        : '–';
    lines.push('');
    lines.push(
      mdTable(
        [
          'net',
          'batch',
          ...tr.impls,
          'native GFLOP/s (of peak)',
          'native-1t GFLOP/s (of peak)',
          'GEMM peak GFLOP/s (2 threads / 1)',
          'native / tfjs-wasm',
          'native / PyTorch',
          'js / tfjs-wasm',
        ],
        tr.rows.map((r) => [
          r.label,
          String(r.batch),
          ...tr.impls.map((k) => num(r.impls[k], 'samplesPerSec', 0)),
          gf(r.impls.native),
          gf(r.impls['native-1t']),
          `${peakCell(r, 'gemm-peak')} / ${peakCell(r, 'gemm-peak-1t')}`,
          ratio(r.ratios.nativeOverTfjsWasm, 1),
          `${ratio(r.ratios.nativeOverPytorch, 2)}${r.ratios.pytorchReference === 'pytorch-1t' ? ' (1 thread)' : ''}`,
          ratio(r.ratios.jsOverTfjsWasm, 2),
        ]),
      ),
    );
    if (!tr.pytorch?.available) lines.push('', `PyTorch: ${tr.pytorch?.reason ?? 'not run'}.`);
    const acc = tr.accuracy.filter((a) => a.available);
    if (acc.length) {
      lines.push('');
      lines.push(
        `Time to ${(tr.target * 100).toFixed(0)}% test accuracy, each run in a fresh process (train + evaluate every epoch), and its memory:`,
      );
      lines.push('');
      lines.push(
        mdTable(
          [
            'run',
            'reached',
            'epochs',
            'seconds',
            'best accuracy',
            'peak RSS',
            'RSS growth, epoch 2 → last',
          ],
          acc.map((a) => [
            `${a.impl} ${a.net}`,
            a.reached ? 'yes' : `no (${a.stoppedBy})`,
            String(a.epochsToTarget ?? a.epochs.length),
            a.reached ? a.secondsToTarget.toFixed(1) : `> ${a.epochs.at(-1).cumSec.toFixed(0)}`,
            `${(a.bestAccuracy * 100).toFixed(2)}%`,
            `${a.memory.peakRssMB} MB`,
            a.memory.growthFromEpoch2MB === null
              ? '–'
              : `${a.memory.growthFromEpoch2MB} MB (${a.memory.growthFromEpoch2Pct}%)`,
          ]),
        ),
      );
    }
    renderLayers(tr.layers, lines, m);
  }

  // models (older results have no such section)
  const md = res.models;
  if (md?.available) {
    lines.push('');
    lines.push('### Meta-learning and generative models (ms per step, lower is better)');
    lines.push('');
    const ms = (s) =>
      s ? `${s.median.toFixed(1)}${s.n > 1 ? ` ±${((s.spread / 2) * 100).toFixed(0)}%` : ''}` : '–';
    const rows = md.maml.rows.map((r) => [
      `${r.label} meta-step (sine, ${md.maml.set.tasks} tasks, ${md.maml.set.steps} inner steps)`,
      ms(r.descentMs),
      ms(r.pytorchMs),
      ratio(r.ratio, 2),
    ]);
    const d = md.dcgan;
    if (d)
      rows.push([
        `DCGAN step, 28×28 (batch ${d.batch}, latent ${d.latent}, width ${d.width})`,
        ms(d.descentMs),
        ms(d.pytorchMs),
        ratio(d.ratio, 2),
      ]);
    lines.push(mdTable(['step', 'descent native', 'PyTorch CPU', 'descent / PyTorch'], rows));
    if (!md.pytorch?.available) lines.push('', `PyTorch: ${md.pytorch?.reason ?? 'not run'}.`);
    else
      lines.push(
        '',
        `PyTorch ${md.pytorch.torch}: the MAML step on ${md.pytorch.threads} thread(s) in its fastest eager form (hand-written F.linear forward)${d?.pytorch?.available ? `, the DCGAN step on ${d.pytorch.threads} (the faster of one thread and all)` : ''}.`,
      );
  }
  return lines.join('\n');
}

/** The comparison with the previous results of the same mode (lib/compare.mjs), when stored. */
function renderComparison(cmp, lines) {
  if (!cmp?.baselines?.length) return;
  const files = [...new Set(cmp.baselines.map((b) => b.file))];
  const ours = cmp.slower.filter((x) => x.ours);
  const pct = (v) => `${(v * 100).toFixed(0)}%`;
  lines.push('');
  lines.push(
    `Against the previous ${files.length > 1 ? 'results' : 'result'} of this mode (${files
      .map((f) => {
        const b = cmp.baselines.find((x) => x.file === f);
        return `\`${relative(ROOT, resolve(ROOT, f))}\` of ${b.startedAt.slice(0, 16).replace('T', ' ')} UTC for ${cmp.baselines
          .filter((x) => x.file === f)
          .map((x) => x.section)
          .join(', ')}`;
      })
      .join(
        '; ',
      )}): ${cmp.compared} figures compared, ${cmp.slower.length} slower beyond the noise (${ours.length} of descent's own), ${cmp.faster.length} faster. Slower means the ±half-IQR bands do not overlap and the loss exceeds 5%.${
      ours.length
        ? ` descent's: ${ours
            .slice(0, 12)
            .map((x) => `${x.key} ${pct(x.change)}`)
            .join(
              ', ',
            )}${ours.length > 12 ? `, and ${ours.length - 12} more (the JSON's \`comparison\`)` : ''}.`
        : ''
    }`,
  );
}

/** The TensorFlow.js part of the training section (sections/training-layers.mjs). */
function renderLayers(ly, lines, m) {
  lines.push('');
  lines.push('#### TensorFlow.js programs on tfjs backends');
  lines.push('');
  if (!ly?.available) {
    lines.push(`Not measured: ${ly?.reason ?? 'not run'}.`);
    return;
  }
  lines.push(
    `The same two networks as tfjs-layers models (\`tf.sequential\`, \`compile\` with \`tf.train.adam(1e-3)\` and \`'categoricalCrossentropy'\`, metrics \`['accuracy']\`), the same code on each tfjs backend: \`descent\` is \`import 'descent-ml/tfjs'\` on descent's native kernels (${m.nativeThreads ?? '?'} threads), \`descent-js\` on its js kernels; \`cpu\` and \`wasm\` are tfjs's (one thread each). \`wasm-manual\` is wasm's fastest way to train these nets (variables, custom gradients around wasm's slow and missing kernels, \`optimizer.minimize\`; \`benchmarks/lib/tfjs-train.mjs\`) and the only one for the CNN: tfjs-backend-wasm has no Conv2DBackpropFilter kernel, so \`model.fit\` cannot train a conv2d layer on it. Samples/s of \`model.fit\`, median ±half IQR:`,
  );
  lines.push('');
  lines.push(
    mdTable(
      ['net', 'batch', ...ly.impls, 'descent / wasm', 'descent / wasm-manual', 'descent-js / cpu'],
      ly.fit.map((r) => [
        r.label,
        String(r.batch),
        ...ly.impls.map((k) => num(r.impls[k], 'samplesPerSec', 0)),
        ratio(r.ratios.descentOverWasm, 1),
        ratio(r.ratios.descentOverWasmManual, 1),
        ratio(r.ratios.descentJsOverCpu, 1),
      ]),
    ),
  );
  const pi = ly.impls.filter((k) => k !== 'wasm-manual');
  lines.push('');
  lines.push(
    `\`model.predict\` samples/s on test images (batchSize ${ly.predictBatch}, output read back):`,
  );
  lines.push('');
  lines.push(
    mdTable(
      ['net', ...pi, 'descent / wasm', 'descent / cpu'],
      ly.predict.map((r) => [
        r.label,
        ...pi.map((k) => num(r.impls[k], 'samplesPerSec', 0)),
        ratio(r.ratios.descentOverWasm, 1),
        ratio(r.ratios.descentOverCpu, 1),
      ]),
    ),
  );
  const nets = [...new Set(ly.accuracy.map((a) => a.net))];
  const rows = nets.map((net) => {
    const acc = ly.accuracy.filter((a) => a.net === net && a.available);
    const ours = acc.filter((a) => a.impl === 'descent');
    const pct = (v) => (v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
    const spread =
      ours.length > 1
        ? Math.max(...ours.map((a) => a.accuracy)) - Math.min(...ours.map((a) => a.accuracy))
        : null;
    const first = acc[0] ?? ly.accuracy.find((a) => a.net === net);
    return [
      net,
      `${first.rows} × ${first.epochs}`,
      pct(ours.find((a) => a.seed === 1)?.accuracy),
      pct(acc.find((a) => a.impl === 'cpu')?.accuracy),
      pct(acc.find((a) => a.impl === 'wasm')?.accuracy),
      spread === null ? '–' : `${(spread * 100).toFixed(2)} points (${ours.length} seeds)`,
    ];
  });
  lines.push('');
  lines.push(
    "Test accuracy after equal epochs of `model.fit` from the same initial weights and batch order (seed 1), and the spread of descent's accuracy over seeds:",
  );
  lines.push('');
  lines.push(
    mdTable(
      ['net', 'training images × epochs', 'descent', 'cpu', 'wasm', 'descent, spread over seeds'],
      rows,
    ),
  );
}

/** `readme` text with the section between the markers replaced (or appended). */
export function spliceSection(readme, section) {
  const block = `${START}\n${section}\n${END}`;
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a >= 0 && b > a) return `${readme.slice(0, a)}${block}${readme.slice(b + END.length)}`;
  return `${readme.replace(/\s*$/, '')}\n\n${block}\n`;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const { values, positionals } = parseArgs({
    options: {
      stdout: { type: 'boolean', default: false },
      readme: { type: 'string', default: join(ROOT, 'README.md') },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(
      'usage: node benchmarks/readme-table.mjs [results.json] [--stdout] [--readme <path>]',
    );
    process.exit(0);
  }
  const file = positionals[0] ? resolve(positionals[0]) : newestResult();
  if (!file) {
    console.error(
      'readme-table: no benchmarks/results/suite-{full,quick}-*.json yet; run `npm run bench` first',
    );
    process.exit(1);
  }
  const res = JSON.parse(readFileSync(file, 'utf8'));
  if (res.benchmark !== 'suite') {
    console.error(`readme-table: ${file} is not a suite result`);
    process.exit(1);
  }
  const { res: merged, borrowed } = positionals[0]
    ? { res, borrowed: [] }
    : withOlderSections(res, file);
  const section = renderSection(merged, relative(ROOT, file), borrowed);
  if (values.stdout) {
    console.log(section);
  } else {
    const readme = readFileSync(values.readme, 'utf8');
    const next = spliceSection(readme, section);
    const tmp = `${values.readme}.${process.pid}.tmp`;
    writeFileSync(tmp, next);
    renameSync(tmp, values.readme);
    console.log(
      `updated ${relative(process.cwd(), values.readme) || values.readme} from ${relative(process.cwd(), file)}`,
    );
  }
}
