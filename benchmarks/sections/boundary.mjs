// The N-API boundary: what one native call costs on tiny arrays, where each elementwise op's
// native kernel starts beating the JS one, and whether the library's routing threshold
// (DEFAULT_MIN_NATIVE_LENGTH, in weighted elements: src/backend/select.ts) agrees with those
// crossovers. Calls the raw (unchecked) `kernels` of each backend, so routing itself is not
// involved in the timings.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from '../lib/measure.mjs';
import { fmtSpread, pairedRatio, table } from '../lib/timing.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BINARY = new Set(['add', 'sub', 'mul', 'div', 'max', 'min']);
const OPS = ['add', 'mul', 'relu', 'sigmoid', 'gelu', 'tanh'];
/** Worst slowdown routing may cause at any tested length of an op, for the verdict. */
const LOSS_TOL = 1.25;

/**
 * How the library weighs unary ops when routing (src/ops/unary.ts: cheap ops count n
 * elements, the others `weight`·n). Read from the source when it is there, so that the check
 * follows the code; the values as of writing otherwise.
 */
export function routingWeights() {
  const fallback = {
    source: 'built-in (src/ops/unary.ts not found)',
    cheap: ['neg', 'abs', 'square', 'relu', 'leakyRelu', 'hardSigmoid', 'reciprocal', 'sqrt'],
    weight: 8,
  };
  try {
    const src = readFileSync(join(ROOT, 'src', 'ops', 'unary.ts'), 'utf8');
    const set = src.match(/const CHEAP[^=]*=\s*new Set\(\[([^\]]*)\]/);
    const w = src.match(/CHEAP\.has\(op\)\s*\?\s*n\s*:\s*(\d+)\s*\*\s*n/);
    if (!set || !w) return { ...fallback, source: 'built-in (could not parse src/ops/unary.ts)' };
    return {
      source: 'src/ops/unary.ts',
      cheap: [...set[1].matchAll(/'([^']+)'/g)].map((m) => m[1]),
      weight: Number(w[1]),
    };
  } catch {
    return fallback;
  }
}

function randomArray(n, seed) {
  const a = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    a[i] = ((x >>> 0) / 2 ** 32) * 6 - 3; // [-3, 3): both branches of every activation
  }
  return a;
}

function makeCall(k, op, n) {
  const a = randomArray(n, 1);
  const b = randomArray(n, 2);
  const out = new Float32Array(n);
  if (BINARY.has(op)) return () => k.binary(op, out, a, b);
  if (op === 'fill') return () => k.fill(out, 0.5);
  return () => k.unary(op, out, a, 0, 0);
}

async function point(nk, jk, op, n, cfg) {
  const calls = { native: makeCall(nk, op, n), js: makeCall(jk, op, n) };
  const impls = Object.entries(calls).map(([name, f]) => ({
    name,
    sample: (iters) => {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < iters; i++) f();
      return Number(process.hrtime.bigint() - t0) / 1e9 / iters;
    },
  }));
  const r = await measure(impls, cfg);
  return {
    n,
    iters: { native: r.native.iters, js: r.js.iters },
    native: r.native.secPerOp,
    js: r.js.secPerOp,
    // js time / native time per round: > 1 means native is faster
    speedup: pairedRatio(r.js.samplesSec, r.native.samplesSec),
  };
}

/** Smallest tested n from which native is faster at every larger tested n (null: never). */
function crossover(rows) {
  let c = null;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (rows[i].speedup.median > 1) c = rows[i].n;
    else break;
  }
  return c;
}

export async function runBoundary(ctx) {
  const { lib, cfg, log, peers } = ctx;
  const { DEFAULT_MIN_NATIVE_LENGTH } = lib;
  if (!peers.native) {
    return {
      available: false,
      reason: peers.nativeReason,
      threshold: DEFAULT_MIN_NATIVE_LENGTH,
      verdict: { consistent: null, text: `not checked: ${peers.nativeReason}` },
    };
  }
  const nk = peers.native.kernels;
  const jk = lib.backend('js').kernels;
  const bcfg = {
    ...cfg,
    rounds: cfg.boundaryRounds,
    sampleSec: cfg.boundarySampleSec,
    warmSec: cfg.boundaryWarmSec,
    caseBudgetSec: 10,
  };
  const weights = routingWeights();

  log('boundary: tiny calls…');
  const tiny = [];
  for (const [op, n] of [
    ['fill', 1],
    ['add', 1],
    ['sigmoid', 1],
    ['add', 16],
    ['sigmoid', 16],
  ])
    tiny.push({ op, ...(await point(nk, jk, op, n, bcfg)) });

  const sweep = {};
  for (const op of OPS) {
    log(`boundary: sweep ${op}…`);
    sweep[op] = [];
    for (const n of cfg.boundarySizes) sweep[op].push(await point(nk, jk, op, n, bcfg));
  }
  const cross = Object.fromEntries(OPS.map((op) => [op, crossover(sweep[op])]));

  /** Routing with threshold T and weight W: per-op and overall cost vs always-fastest. */
  const cost = (T, W) => {
    let logSum = 0;
    let count = 0;
    let worst = { loss: 1, op: null, n: null };
    const perOp = {};
    for (const op of OPS) {
      const w = BINARY.has(op) || weights.cheap.includes(op) ? 1 : W;
      let opWorst = { loss: 1, n: null };
      for (const r of sweep[op]) {
        const chosen = w * r.n >= T ? r.native.median : r.js.median;
        const loss = chosen / Math.min(r.js.median, r.native.median);
        logSum += Math.log(loss);
        count++;
        if (loss > worst.loss) worst = { loss, op, n: r.n };
        if (loss > opWorst.loss) opWorst = { loss, n: r.n };
      }
      perOp[op] = { weight: w, switchAt: Math.ceil(T / w), worst: opWorst };
    }
    return { T, W, geomeanLoss: Math.exp(logSum / Math.max(1, count)), worst, perOp };
  };
  const T0 = DEFAULT_MIN_NATIVE_LENGTH;
  const current = cost(T0, weights.weight);
  const candidatesT = [0, ...cfg.boundarySizes, 2 * cfg.boundarySizes.at(-1)];
  const sameWeight = candidatesT.map((T) => cost(T, weights.weight));
  const bestT = sameWeight.reduce((a, b) => (b.geomeanLoss < a.geomeanLoss ? b : a));
  const anyWeight = [1, 2, 4, 8, 16, 32].flatMap((W) => candidatesT.map((T) => cost(T, W)));
  const bestTW = anyWeight.reduce((a, b) => (b.geomeanLoss < a.geomeanLoss ? b : a));

  const perOp = OPS.map((op) => {
    const p = current.perOp[op];
    return {
      op,
      weight: p.weight,
      routedNativeFrom: p.switchAt,
      measuredCrossover: cross[op],
      worstLoss: p.worst.loss,
      worstAt: p.worst.n,
      // the switch point within one tested size step of the crossover, or cheap mistakes
      withinFactor2:
        cross[op] !== null && cross[op] <= 2 * p.switchAt && p.switchAt <= 2 * cross[op],
      ok:
        p.worst.loss <= LOSS_TOL ||
        (cross[op] !== null && cross[op] <= 2 * p.switchAt && p.switchAt <= 2 * cross[op]),
    };
  });
  const consistent = perOp.every((p) => p.ok);
  const pct = (x) => `${((x - 1) * 100).toFixed(0)}%`;
  const text = consistent
    ? `CONSISTENT: DEFAULT_MIN_NATIVE_LENGTH = ${T0} with transcendental ops weighted ${weights.weight}× switches every measured op to native within a factor 2 of its measured crossover or where the wrong choice costs at most ${pct(LOSS_TOL)} (mean cost vs always-fastest ${pct(current.geomeanLoss)}, worst ${pct(current.worst.loss)}${current.worst.op ? ` at ${current.worst.op} n=${current.worst.n}` : ''}; best single T here: ${bestT.T}, mean ${pct(bestT.geomeanLoss)}).`
    : `INCONSISTENT: DEFAULT_MIN_NATIVE_LENGTH = ${T0} (weight ${weights.weight}×) switches ${perOp
        .filter((p) => !p.ok)
        .map(
          (p) =>
            `${p.op} at n=${p.routedNativeFrom} but it crosses at ${p.measuredCrossover ?? `none ≤ ${cfg.boundarySizes.at(-1)}`} (${pct(p.worstLoss)} slower at n=${p.worstAt})`,
        )
        .join(
          ', ',
        )}; here T = ${bestT.T} would cost ${pct(bestT.geomeanLoss)} on average (worst ${pct(bestT.worst.loss)}), T = ${bestTW.T} with weight ${bestTW.W}× ${pct(bestTW.geomeanLoss)} (current ${pct(current.geomeanLoss)}).`;

  return {
    available: true,
    method: {
      rounds: bcfg.rounds,
      sampleSeconds: bcfg.sampleSec,
      api: "backend('native').kernels vs backend('js').kernels (unchecked, no routing)",
      speedup: 'paired per round: js time / native time (> 1: native faster)',
      crossover: 'smallest tested n from which native is faster at every larger tested n',
      verdictRule: `for every op: the routed switch point ceil(T / weight) is within a factor 2 of the measured crossover, or the worst routing loss (routed time / faster time) at any tested n is ≤ ${LOSS_TOL}`,
    },
    threshold: T0,
    routingWeights: weights,
    sizes: cfg.boundarySizes,
    tiny,
    sweep,
    crossover: cross,
    perOp,
    current,
    bestThresholdSameWeight: bestT,
    bestThresholdAndWeight: bestTW,
    thresholdCosts: sameWeight.map((c) => ({ T: c.T, geomeanLoss: c.geomeanLoss, worst: c.worst })),
    verdict: { consistent, text },
  };
}

export function printBoundary(res, out) {
  out('N-API boundary: raw kernels, native vs js');
  if (!res.available) {
    out(`  unavailable: ${res.reason}`);
    return;
  }
  const ns = (s) => (s * 1e9).toFixed(1);
  out(
    table(
      ['call', 'n', 'native ns', 'js ns', 'native − js'],
      res.tiny.map((r) => [
        r.op === 'fill'
          ? 'fill(out, 0.5)'
          : BINARY.has(r.op)
            ? `binary('${r.op}')`
            : `unary('${r.op}')`,
        String(r.n),
        `${ns(r.native.median)} ${fmtSpread(r.native.spread)}`,
        `${ns(r.js.median)} ${fmtSpread(r.js.spread)}`,
        ns(r.native.median - r.js.median),
      ]),
    ),
  );
  out('');
  out('js time / native time per length (> 1: native faster)');
  out(
    table(
      ['n', ...OPS],
      res.sizes.map((n, i) => [
        String(n),
        ...OPS.map((op) => `${res.sweep[op][i].speedup.median.toFixed(2)}×`),
      ]),
    ),
  );
  out('');
  out(
    `Routing check (weights from ${res.routingWeights.source}: cheap ops ×1, others ×${res.routingWeights.weight})`,
  );
  out(
    table(
      ['op', 'weight', 'routed native from n', 'measured crossover', 'worst routing loss'],
      res.perOp.map((p) => [
        p.op,
        `${p.weight}×`,
        String(p.routedNativeFrom),
        p.measuredCrossover === null ? `none ≤ ${res.sizes.at(-1)}` : String(p.measuredCrossover),
        `${((p.worstLoss - 1) * 100).toFixed(0)}%${p.worstAt !== null ? ` @ n=${p.worstAt}` : ''}${p.ok ? '' : ' !'}`,
      ]),
    ),
  );
  out(`VERDICT: ${res.verdict.text}`);
}
