/** Checked fused optimizer steps over flat parameter groups. */
import type { AdamStepOptions, SgdStepOptions } from '../backend/kernels.js';
import { adamStep, sgdStep } from '../backend/optim-steps.js';
import {
  bool,
  f32,
  inRange,
  knownKeys,
  lengthIs,
  noOverlap,
  options,
} from '../backend/validate.js';
import type { Pick } from './pick.js';

const SGD_KEYS = [
  'lr',
  'momentum',
  'dampening',
  'weightDecay',
  'nesterov',
  'maximize',
  'firstStep',
] as const;
const ADAM_KEYS = [
  'lr',
  'beta1',
  'beta2',
  'eps',
  'weightDecay',
  'decoupled',
  'amsgrad',
  'maximize',
  'step',
] as const;
const BIG = Number.MAX_VALUE;

/** Every pair among the buffers must be disjoint. */
function disjointAll(fn: string, bufs: [string, Float32Array][]): void {
  for (let i = 0; i < bufs.length; i++) {
    f32(fn, bufs[i][0], bufs[i][1]);
    lengthIs(fn, bufs[i][0], bufs[i][1], bufs[0][1].length, `the length of ${bufs[0][0]}`);
    for (let j = 0; j < i; j++)
      noOverlap(fn, bufs[i][0], bufs[i][1], bufs[j][0], bufs[j][1], false);
  }
}

export function optimOps(pick: Pick) {
  return {
    /** One in-place SGD step (torch.optim.SGD semantics) over a flat parameter group. */
    sgdStep(
      params: Float32Array,
      grads: Float32Array,
      momentumBuf: Float32Array | null,
      o: SgdStepOptions,
    ): void {
      const fn = 'sgdStep';
      options(fn, 'options', o);
      knownKeys(fn, 'option', o, SGD_KEYS);
      inRange(fn, 'lr', o.lr, 0, BIG);
      inRange(fn, 'momentum', o.momentum, 0, BIG);
      inRange(fn, 'dampening', o.dampening, -BIG, BIG);
      inRange(fn, 'weightDecay', o.weightDecay, 0, BIG);
      bool(fn, 'nesterov', o.nesterov);
      bool(fn, 'maximize', o.maximize);
      bool(fn, 'firstStep', o.firstStep);
      if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
        throw new RangeError(`${fn}: nesterov requires momentum > 0 and dampening = 0`);
      }
      const bufs: [string, Float32Array][] = [
        ['params', params],
        ['grads', grads],
      ];
      if (momentumBuf !== null && momentumBuf !== undefined) f32(fn, 'momentumBuf', momentumBuf);
      if (o.momentum !== 0) {
        if (momentumBuf === null || momentumBuf === undefined) {
          throw new TypeError(
            `${fn}: momentumBuf must be a Float32Array when momentum ≠ 0, got ${momentumBuf}`,
          );
        }
        bufs.push(['momentumBuf', momentumBuf]);
      }
      disjointAll(fn, bufs);
      sgdStep(pick(params.length), params, grads, momentumBuf, o);
    },

    /** One in-place Adam/AdamW step (torch.optim semantics) over a flat parameter group. */
    adamStep(
      params: Float32Array,
      grads: Float32Array,
      expAvg: Float32Array,
      expAvgSq: Float32Array,
      maxExpAvgSq: Float32Array | null,
      o: AdamStepOptions,
    ): void {
      const fn = 'adamStep';
      options(fn, 'options', o);
      knownKeys(fn, 'option', o, ADAM_KEYS);
      inRange(fn, 'lr', o.lr, 0, BIG);
      inRange(fn, 'beta1', o.beta1, 0, 1, { hiOpen: true });
      inRange(fn, 'beta2', o.beta2, 0, 1, { hiOpen: true });
      inRange(fn, 'eps', o.eps, 0, BIG, { loOpen: true });
      inRange(fn, 'weightDecay', o.weightDecay, 0, BIG);
      inRange(fn, 'step', o.step, 1, 2 ** 53);
      if (!Number.isInteger(o.step))
        throw new TypeError(`${fn}: step must be an integer, got ${o.step}`);
      bool(fn, 'decoupled', o.decoupled);
      bool(fn, 'amsgrad', o.amsgrad);
      bool(fn, 'maximize', o.maximize);
      const bufs: [string, Float32Array][] = [
        ['params', params],
        ['grads', grads],
        ['expAvg', expAvg],
        ['expAvgSq', expAvgSq],
      ];
      if (maxExpAvgSq !== null && maxExpAvgSq !== undefined) f32(fn, 'maxExpAvgSq', maxExpAvgSq);
      if (o.amsgrad) {
        if (maxExpAvgSq === null || maxExpAvgSq === undefined) {
          throw new TypeError(
            `${fn}: maxExpAvgSq must be a Float32Array when amsgrad is set, got ${maxExpAvgSq}`,
          );
        }
        bufs.push(['maxExpAvgSq', maxExpAvgSq]);
      }
      disjointAll(fn, bufs);
      adamStep(pick(params.length), params, grads, expAvg, expAvgSq, maxExpAvgSq, o);
    },
  };
}
