/**
 * SGD and Adam steps in the named-options form, packed into the `optimStep` kernel's
 * hyperparameter layout (see OPTIM_KINDS).
 */
import type { AdamStepOptions, Kernels, SgdStepOptions } from './kernels.js';

export function sgdHyper(o: SgdStepOptions): Float64Array {
  return Float64Array.of(
    o.lr,
    o.momentum,
    o.dampening,
    o.weightDecay,
    +o.nesterov,
    +o.maximize,
    +o.firstStep,
  );
}

export function adamHyper(o: AdamStepOptions): Float64Array {
  return Float64Array.of(
    o.lr,
    o.beta1,
    o.beta2,
    o.eps,
    o.weightDecay,
    +o.decoupled,
    +o.amsgrad,
    +o.maximize,
    o.step,
  );
}

/** One SGD step through `k.optimStep`; `momentumBuf` is ignored when momentum is 0. */
export function sgdStep(
  k: Kernels,
  params: Float32Array,
  grads: Float32Array,
  momentumBuf: Float32Array | null,
  o: SgdStepOptions,
): void {
  k.optimStep('sgd', params, grads, [o.momentum !== 0 ? momentumBuf : null], sgdHyper(o), null);
}

/** One Adam/AdamW step through `k.optimStep`; `maxExpAvgSq` is used only with amsgrad. */
export function adamStep(
  k: Kernels,
  params: Float32Array,
  grads: Float32Array,
  expAvg: Float32Array,
  expAvgSq: Float32Array,
  maxExpAvgSq: Float32Array | null,
  o: AdamStepOptions,
): void {
  k.optimStep(
    'adam',
    params,
    grads,
    [expAvg, expAvgSq, o.amsgrad ? maxExpAvgSq : null],
    adamHyper(o),
    null,
  );
}
