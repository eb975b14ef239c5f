/**
 * The loss contract: a loss compares a batch of predictions with targets and returns the
 * reduced loss; given a gradient buffer it also writes dL/dpred there in the same pass (the
 * softmax–cross-entropy pair is one fused kernel). `apply` is the same loss on the tape.
 */
import type { Tensor as TapeTensor } from '../autograd/tensor.js';
import type { Tensor } from './tensor.js';

/** Class indices (one per sample) or a dense target with the prediction's shape. */
export type Target = Int32Array | Tensor;

/**
 * What every loss class implements (`nn.losses.*`): `forward` for the reduced value (and
 * dL/dpred), `apply` for the loss on the autograd tape.
 */
export interface Loss {
  /** Name used in error messages. */
  readonly name: string;
  /**
   * Loss of `pred` against `target` (reduced as the loss was configured, 'mean' by default);
   * when `grad` is given (same length as pred.data), writes dL/dpred into it.
   */
  forward(pred: Tensor, target: Target, grad?: Float32Array): number;
  /** The loss as a tensor on the tape (`loss.backward()` reaches the parameters). */
  apply?(pred: Tensor, target: Target): TapeTensor;
}
