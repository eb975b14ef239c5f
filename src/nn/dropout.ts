/**
 * Dropout, `torch.nn.Dropout` (inverted dropout): in training each element is zeroed with
 * probability p and the survivors are scaled by 1/(1 − p), so eval needs no rescaling.
 *
 * - Training: the mask comes from this layer's own generator (the model hands every layer its
 *   seeded stream through `setRng`; a layer used without a model draws from `new Rng(0)`) via
 *   the `rngDropoutMask` kernel — identical draws on both backends — and belongs to the call's
 *   node (autograd's `dropout`). Backward multiplies dy by the same mask.
 * - Eval (and p = 0 in training): identity; forward returns the input tensor itself.
 */
import { dropout } from '../autograd/ops/dropout.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { Rng } from '../random.js';
import { type ForwardOptions, Layer } from './layer.js';

/**
 * Inverted dropout (`torch.nn.Dropout`, Srivastava et al. 2014): in training each element is
 * zeroed with probability `p` and the survivors are scaled by 1/(1 − p); in eval it is the
 * identity. Masks are drawn from the layer's own seeded stream, so runs are reproducible.
 */
export class Dropout extends Layer {
  /** This layer's random stream (set by the model through `setRng`; `new Rng(0)` if used without one). */
  protected rng: Rng | null = null;

  constructor(
    /** Probability of zeroing an element, in [0, 1]. Default 0.5. */
    readonly p = 0.5,
    ...extra: never[]
  ) {
    const what = 'Dropout: p must be a probability in [0, 1], got';
    if (typeof p !== 'number') throw new TypeError(`${what} ${describe(p)}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`${what} ${p}`);
    noMoreArgs('Dropout', extra, 'one argument (p)');
    super();
  }

  protected override computeShape(input: readonly number[]): readonly number[] {
    return input;
  }

  protected override acceptsShape(): boolean {
    return true;
  }

  override setRng(rng: Rng): void {
    this.rng = rng;
  }

  forward(x: TensorLike, opts: ForwardOptions = {}): Tensor {
    const t = this.checkInput(x) as Tensor;
    const training = this.isTraining(opts);
    if (training && this.p > 0) this.rng ??= new Rng(0);
    return dropout(t, this.p, this.rng as Rng, training);
  }

  override describe(): string {
    return `Dropout(p=${this.p})`;
  }
}
