// The suite's measurement loop: warm up and calibrate every implementation of one case, then
// take interleaved rounds (one sample of each implementation per round, in an order rotated
// every round) so that drift on a shared machine hits all of them alike. A sample is the mean
// time of one operation over a batch of back-to-back operations, timed in-process or by the
// child process that runs the implementation.
import { itersFor, stats } from './timing.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * @typedef {object} Impl
 * @property {string} name
 * @property {(iters: number) => number | Promise<number>} sample mean seconds per op of a batch
 * @property {number} [settleMs] pause after each of its samples (children whose threads spin
 *   after a call, so that they do not steal cycles from the next implementation)
 * @property {object} [meta] copied into the result (threads, api, command, …)
 * @property {number} [estimateSec] expected seconds per op (e.g. scaled from a smaller size):
 *   when over the budget the implementation is skipped without running it
 *
 * @typedef {object} MeasureConfig
 * @property {number} rounds interleaved rounds
 * @property {number} sampleSec target duration of one sample
 * @property {number} warmSec warm-up duration before calibration
 * @property {number} caseBudgetSec the most sampling time one implementation may take in one
 *   case: fewer rounds when it is slow, skipped when a single op takes longer than this
 */

/**
 * Measures `impls` interleaved. Returns { [name]: result }, where a result is either
 * { available: true, iters, rounds, samplesSec, secPerOp: stats, ...meta } or
 * { available: false, reason, ...meta }. Never throws for a failing implementation.
 *
 * @param {Impl[]} impls
 * @param {MeasureConfig} cfg
 */
export async function measure(impls, cfg, { log = () => {} } = {}) {
  const out = {};
  const live = [];
  for (const im of impls) {
    const meta = im.meta ?? {};
    const overBudget = (sec, how) => ({
      available: false,
      reason: `one op ${how} ~${fmtSec(sec)}, over the per-case budget of ${cfg.caseBudgetSec} s${cfg.mode === 'full' ? '' : ` (--${cfg.mode}; the full run measures it)`}`,
      estimatedSecPerOp: sec,
      ...meta,
    });
    if (im.estimateSec > cfg.caseBudgetSec) {
      out[im.name] = overBudget(im.estimateSec, 'would take (scaled from a smaller size)');
      continue;
    }
    try {
      // First op: page faults, JIT, thread start-up; and a first estimate.
      const first = await im.sample(1);
      if (first > cfg.caseBudgetSec) {
        out[im.name] = overBudget(first, 'takes');
        continue;
      }
      let per = first;
      if (cfg.warmSec > 0 && first < cfg.warmSec) {
        const w = itersFor(first, cfg.warmSec, { min: 1 });
        per = await im.sample(w);
      }
      const iters = itersFor(per, cfg.sampleSec, { min: 1 });
      const rounds = Math.max(
        1,
        Math.min(cfg.rounds, Math.floor(cfg.caseBudgetSec / (per * iters))),
      );
      if (im.settleMs) await sleep(im.settleMs);
      live.push({ im, iters, rounds, samples: [] });
    } catch (e) {
      out[im.name] = { available: false, reason: errText(e), ...meta };
    }
  }
  const maxRounds = Math.max(0, ...live.map((l) => l.rounds));
  for (let r = 0; r < maxRounds; r++) {
    for (let j = 0; j < live.length; j++) {
      const l = live[(r + j) % live.length];
      if (l.failed || l.samples.length >= l.rounds) continue;
      try {
        l.samples.push(await l.im.sample(l.iters));
        if (l.im.settleMs) await sleep(l.im.settleMs);
      } catch (e) {
        l.failed = errText(e);
      }
    }
  }
  for (const l of live) {
    const meta = l.im.meta ?? {};
    if (l.failed && l.samples.length === 0) {
      out[l.im.name] = { available: false, reason: l.failed, ...meta };
      continue;
    }
    out[l.im.name] = {
      available: true,
      iters: l.iters,
      rounds: l.samples.length,
      samplesSec: l.samples,
      secPerOp: stats(l.samples),
      ...(l.failed ? { partial: l.failed } : {}),
      ...meta,
    };
    if (l.samples.length < cfg.rounds && !l.failed)
      log(`  ${l.im.name}: ${l.samples.length} of ${cfg.rounds} rounds (per-case budget)`);
  }
  // keep the caller's order
  return Object.fromEntries(impls.map((im) => [im.name, out[im.name]]));
}

export function errText(e) {
  return String(e?.message ?? e)
    .split('\n')[0]
    .slice(0, 300);
}

export function fmtSec(s) {
  if (!Number.isFinite(s)) return 'n/a';
  if (s < 1e-6) return `${(s * 1e9).toFixed(0)} ns`;
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)} µs`;
  if (s < 1) return `${(s * 1e3).toFixed(1)} ms`;
  return `${s.toFixed(2)} s`;
}

/** An implementation that is not there: kept in the results with the reason. */
export function unavailable(reason, meta = {}) {
  return { available: false, reason, ...meta };
}
