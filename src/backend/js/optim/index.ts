/**
 * The optimizer-step kernels of the JS backend, dispatched by kind. Hyperparameter layouts
 * match the native kernels (crates/kernels/src/optim) and `OPTIM_KINDS` in kernels.ts.
 */
import type { Kernels, OptimKind } from '../../kernels.js';
import { adabeliefStep } from './adabelief.js';
import { adadeltaStep } from './adadelta.js';
import { adagradStep } from './adagrad.js';
import { adamaxStep } from './adamax.js';
import { adanStep } from './adan.js';
import { asgdStep } from './asgd.js';
import { lambStep } from './lamb.js';
import { larsStep } from './lars.js';
import { lionStep } from './lion.js';
import { nadamStep } from './nadam.js';
import { radamStep } from './radam.js';
import { rmspropStep } from './rmsprop.js';
import { rpropStep } from './rprop.js';
import { scheduleFreeStep, scheduleFreeSwap } from './schedule-free.js';
import { adamStep, sgdStep } from './sgd-adam.js';
import { yogiStep } from './yogi.js';

type Step = (
  p: Float32Array,
  g: Float32Array,
  s: readonly (Float32Array | null)[],
  h: Float64Array,
  segments: Uint32Array | null,
) => void;

function need(
  s: readonly (Float32Array | null)[],
  i: number,
  kind: string,
  name: string,
): Float32Array {
  const b = s[i];
  if (!b) throw new Error(`${kind}: state ${name} is required`);
  return b;
}

const STEPS: Record<OptimKind, Step> = {
  sgd: (p, g, s, h) =>
    sgdStep(p, g, h[1] !== 0 ? need(s, 0, 'sgd', 'momentum_buffer') : null, {
      lr: h[0],
      momentum: h[1],
      dampening: h[2],
      weightDecay: h[3],
      nesterov: h[4] !== 0,
      maximize: h[5] !== 0,
      firstStep: h[6] !== 0,
    }),
  adam: (p, g, s, h) =>
    adamStep(
      p,
      g,
      need(s, 0, 'adam', 'exp_avg'),
      need(s, 1, 'adam', 'exp_avg_sq'),
      h[6] !== 0 ? need(s, 2, 'adam', 'max_exp_avg_sq') : null,
      {
        lr: h[0],
        beta1: h[1],
        beta2: h[2],
        eps: h[3],
        weightDecay: h[4],
        decoupled: h[5] !== 0,
        amsgrad: h[6] !== 0,
        maximize: h[7] !== 0,
        step: h[8],
      },
    ),
  lion: (p, g, s, h) => lionStep(p, g, need(s, 0, 'lion', 'exp_avg'), h),
  adabelief: (p, g, s, h) =>
    adabeliefStep(
      p,
      g,
      need(s, 0, 'adabelief', 'exp_avg'),
      need(s, 1, 'adabelief', 'exp_avg_var'),
      h,
    ),
  yogi: (p, g, s, h) =>
    yogiStep(p, g, need(s, 0, 'yogi', 'exp_avg'), need(s, 1, 'yogi', 'exp_avg_sq'), h),
  adan: (p, g, s, h) =>
    adanStep(
      p,
      g,
      need(s, 0, 'adan', 'exp_avg'),
      need(s, 1, 'adan', 'exp_avg_diff'),
      need(s, 2, 'adan', 'exp_avg_sq'),
      need(s, 3, 'adan', 'prev_grad'),
      h,
    ),
  lamb: (p, g, s, h, seg) =>
    lambStep(p, g, need(s, 0, 'lamb', 'exp_avg'), need(s, 1, 'lamb', 'exp_avg_sq'), h, seg),
  lars: (p, g, s, h, seg) =>
    larsStep(p, g, h[1] !== 0 ? need(s, 0, 'lars', 'trace') : null, h, seg),
  scheduleFree: (p, g, s, h) =>
    scheduleFreeStep(
      p,
      g,
      need(s, 0, 'schedule_free', 'z'),
      h[4] !== 0 ? need(s, 1, 'schedule_free', 'exp_avg_sq') : null,
      h,
    ),
  scheduleFreeSwap: (p, z, _s, h) => scheduleFreeSwap(p, z, h),
  adagrad: (p, g, s, h) => adagradStep(p, g, need(s, 0, 'adagrad', 'sum'), h),
  adadelta: (p, g, s, h) =>
    adadeltaStep(
      p,
      g,
      need(s, 0, 'adadelta', 'square_avg'),
      need(s, 1, 'adadelta', 'acc_delta'),
      h,
    ),
  rmsprop: (p, g, s, h) =>
    rmspropStep(
      p,
      g,
      need(s, 0, 'rmsprop', 'square_avg'),
      h[5] !== 0 ? need(s, 1, 'rmsprop', 'grad_avg') : null,
      h[4] > 0 ? need(s, 2, 'rmsprop', 'momentum_buffer') : null,
      h,
    ),
  adamax: (p, g, s, h) =>
    adamaxStep(p, g, need(s, 0, 'adamax', 'exp_avg'), need(s, 1, 'adamax', 'exp_inf'), h),
  nadam: (p, g, s, h) =>
    nadamStep(p, g, need(s, 0, 'nadam', 'exp_avg'), need(s, 1, 'nadam', 'exp_avg_sq'), h),
  radam: (p, g, s, h) =>
    radamStep(p, g, need(s, 0, 'radam', 'exp_avg'), need(s, 1, 'radam', 'exp_avg_sq'), h),
  rprop: (p, g, s, h) =>
    rpropStep(p, g, need(s, 0, 'rprop', 'prev'), need(s, 1, 'rprop', 'step_size'), h),
  asgd: (p, g, s, h) => asgdStep(p, g, need(s, 0, 'asgd', 'ax'), h),
};

export const optimStep: Kernels['optimStep'] = (kind, p, g, s, h, segments) =>
  STEPS[kind](p, g, s, h, segments);
