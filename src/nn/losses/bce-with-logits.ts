/**
 * `torch.nn.BCEWithLogitsLoss`: sigmoid + binary cross-entropy on logits x against targets
 * y ∈ [0, 1] (a tensor of the logits' shape). Per element torch computes
 *   ℓ = w·((1 − y)·x + (1 + (pw − 1)·y)·softplus(−x));
 * the kernel evaluates the same function as w·((1 − y)·softplus(x) + pw·y·softplus(−x)) with
 * softplus(±x) = max(±x, 0) + log1p(e^−|x|), which never overflows and never subtracts
 * nearly equal terms (|x| = 100 gives ℓ = 100 or e^−100, the gradient ±1 or ±σ(−100), never
 * inf/NaN). 'mean' divides by the number of elements (weights do not renormalise, as torch).
 *
 * `weight` (a rescaling per element) and `posWeight` (the positive-class weight, torch's
 * pos_weight) are Float32Arrays of either the prediction's length or its last dimension
 * (broadcast over the leading axes — torch's broadcasting of a [classes] vector). One fused
 * kernel (`bceWithLogits`); a broadcast weight is expanded by one `biasAdd` into a buffer
 * reused across calls.
 */
import type { Kernels } from '../../backend/kernels.js';
import { getBackend } from '../../backend/select.js';
import type { Loss, Target } from '../loss.js';
import { Scratch, shapeStr, type Tensor } from '../tensor.js';
import {
  checkGrad,
  checkTensor,
  denseTarget,
  lossOptions,
  meanScale,
  optionalF32,
  type Reduction,
  type ReductionOptions,
  reductionOf,
} from './common.js';

export interface BCEWithLogitsLossOptions extends ReductionOptions {
  /** Per-element weight: the prediction's length, or its last dimension (broadcast). */
  weight?: Float32Array;
  /** Positive-class weight: the prediction's length, or its last dimension (broadcast). */
  posWeight?: Float32Array;
}

export class BCEWithLogitsLoss implements Loss {
  readonly name = 'BCEWithLogitsLoss';
  readonly reduction: Reduction;
  readonly weight: Float32Array | null;
  readonly posWeight: Float32Array | null;
  private readonly weightBuf = new Scratch();
  private readonly posWeightBuf = new Scratch();

  constructor(options?: BCEWithLogitsLossOptions) {
    const o = lossOptions(this.name, options, ['reduction', 'weight', 'posWeight']);
    this.reduction = reductionOf(this.name, o.reduction, ['mean', 'sum'] as const, 'mean');
    this.weight = optionalF32(this.name, 'weight', o.weight);
    this.posWeight = optionalF32(this.name, 'posWeight', o.posWeight);
  }

  /** `w` as a full-length array: itself, or broadcast over the leading axes into `buf`. */
  private expand(
    k: Kernels,
    name: string,
    w: Float32Array | null,
    pred: Tensor,
    buf: Scratch,
  ): Float32Array | null {
    if (w === null) return null;
    const n = pred.data.length;
    if (w.length === n) return w;
    const last = pred.shape.length > 0 ? pred.shape[pred.shape.length - 1] : 1;
    if (w.length !== last || last === 0) {
      throw new RangeError(
        `${this.name}: ${name} has length ${w.length}, expected the prediction's ${n} elements or its last dimension ${last} (prediction shape ${shapeStr(pred.shape)})`,
      );
    }
    const out = buf.get([n]).data;
    k.fill(out, 0);
    k.biasAdd(out, w, n / last, last, 1);
    return out;
  }

  forward(pred: Tensor, target: Target, grad?: Float32Array): number {
    checkTensor(this.name, 'pred', pred);
    const t = denseTarget(this.name, pred, target);
    checkGrad(this.name, pred, grad, [
      ['target', t.data],
      ['weight', this.weight],
      ['posWeight', this.posWeight],
    ]);
    const n = pred.data.length;
    const k = getBackend().kernelsFor(8 * n);
    const w = this.expand(k, 'weight', this.weight, pred, this.weightBuf);
    const pw = this.expand(k, 'posWeight', this.posWeight, pred, this.posWeightBuf);
    const scale = meanScale(this.reduction, n);
    return k.bceWithLogits(pred.data, t.data, w, pw, grad ?? null, scale) * scale;
  }
}
