/**
 * The optimizer-step kernels of the JS backend, dispatched by kind. Hyperparameter layouts
 * match the native kernels (crates/kernels/src/optim) and `OPTIM_KINDS` in kernels.ts.
 */
import type { Kernels, OptimKind } from '../../kernels.js';
import { adamStep, sgdStep } from './sgd-adam.js';

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
};

export const optimStep: Kernels['optimStep'] = (kind, p, g, s, h, segments) =>
  STEPS[kind](p, g, s, h, segments);
