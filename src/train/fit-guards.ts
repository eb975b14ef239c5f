/**
 * What fit checks and says beyond argument validation: that the optimizer steps this model's
 * parameters, and where (and why) the loss first stopped being finite.
 */
import type { Batch } from '../data/dataset.js';
import { emitWarning } from '../host.js';
import type { Model } from '../nn/model.js';
import type { OptimizerLike } from '../optim/optimizer.js';
import { few, paramCoverage } from './param-coverage.js';

/**
 * An optimizer built on another model's parameters would step memory that backward never
 * writes, and the loss would stay constant: refused. One that leaves some of this model's
 * parameters out (frozen layers) is allowed, with a warning naming them.
 */
export function checkOptimizer(fn: string, model: Model, optimizer: OptimizerLike): void {
  const { missing, foreign } = paramCoverage([{ name: '', model }], optimizer);
  if (foreign.length > 0)
    throw new RangeError(
      `${fn}: option optimizer updates parameters that are not this model's: ${few(foreign)}${missing.length > 0 ? `; it leaves out the model's ${few(missing)}` : ''} (build the optimizer on model.parameters() of the model you fit)`,
    );
  if (missing.length > 0)
    emitWarning(
      `${fn}: the optimizer does not update the model's ${few(missing)}: they keep their values (intended if those layers are frozen)`,
      { code: 'DESCENT_FROZEN_PARAMS' },
    );
}

/**
 * Says once where the loss first stopped being finite and why: the batch, the parameters (an
 * earlier step), or neither (the forward pass overflowed). Called before the step.
 */
export function warnNonFinite(
  fn: string,
  loss: number,
  model: Model,
  b: Batch,
  where: { epoch: number; epochs: number; batch: number; steps: number },
): void {
  const count = (a: ArrayLike<number>) => {
    let n = 0;
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) n++;
    return n;
  };
  const inputs = count(b.x.data);
  const targets = b.y instanceof Int32Array ? 0 : count(b.y.data);
  const params = inputs + targets > 0 ? 0 : count(model.params);
  const why =
    inputs + targets > 0
      ? `the batch holds non-finite values (${inputs} in the inputs, ${targets} in the targets)`
      : params > 0
        ? `the batch is finite but ${params} of the model's parameters are not: an earlier step made them so (a non-finite value in an earlier batch, or an overflowing gradient)`
        : 'the batch and the parameters are finite, so the forward pass overflowed: training is diverging (try a lower learning rate)';
  emitWarning(
    `${fn}: the loss is ${loss} at epoch ${where.epoch + 1}/${where.epochs}, batch ${where.batch + 1}/${where.steps}, the first non-finite loss: ${why}. Training goes on; add the TerminateOnNaN callback to stop there`,
    { code: 'DESCENT_NONFINITE_LOSS' },
  );
}
