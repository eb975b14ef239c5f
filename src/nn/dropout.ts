/**
 * Dropout, `torch.nn.Dropout` (inverted dropout): in training each element is zeroed with
 * probability p and the survivors are scaled by 1/(1 − p), so eval needs no rescaling.
 *
 * - Training: the mask comes from this layer's own generator (the model hands every layer its
 *   seeded stream through `setRng`; a layer used without a model draws from `new Rng(0)`) via
 *   the `rngDropoutMask` kernel — identical draws on both backends — and is multiplied in with
 *   the binary `mul` kernel. Backward multiplies dy by the same mask.
 * - Eval (and p = 0 in training): identity. forward returns the input tensor ITSELF (no copy,
 *   no draw) and backward returns dy itself; callers must not write into them expecting a
 *   private buffer.
 */
import { getBackend } from '../backend/select.js';
import { describe } from '../backend/validate.js';
import { Rng } from '../random.js';
import { type ForwardOptions, Layer } from './layer.js';
import { Scratch, type Tensor } from './tensor.js';

export class Dropout extends Layer {
  protected rng: Rng | null = null;
  private readonly maskBuf = new Scratch();
  private readonly yBuf = new Scratch();
  private readonly dxBuf = new Scratch();
  /** The mask of the last training forward (null after an identity forward). */
  private mask: Tensor | null = null;
  private out: Tensor | null = null;

  constructor(readonly p = 0.5) {
    super();
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new RangeError(`Dropout: p must be a probability in [0, 1], got ${describe(p)}`);
    }
  }

  protected computeShape(input: readonly number[]): readonly number[] {
    return input;
  }

  override setRng(rng: Rng): void {
    this.rng = rng;
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    this.checkInput(x);
    if (!opts.training || this.p === 0) {
      this.mask = null;
      this.out = x;
      return x;
    }
    this.rng ??= new Rng(0);
    const n = x.data.length;
    const mask = this.maskBuf.get(x.shape);
    const y = this.yBuf.get(x.shape);
    // The mask kernel counts as transcendental-weight work (a generator step per element).
    getBackend()
      .kernelsFor(8 * n)
      .rngDropoutMask(this.rng.state, mask.data, this.p);
    getBackend().kernelsFor(n).binary('mul', y.data, x.data, mask.data);
    this.mask = mask;
    this.out = y;
    return y;
  }

  backward(dy: Tensor): Tensor {
    this.checkGrad(dy, this.out);
    const mask = this.mask;
    if (!mask) return dy;
    const dx = this.dxBuf.get(dy.shape);
    getBackend().kernelsFor(dy.data.length).binary('mul', dx.data, dy.data, mask.data);
    return dx;
  }

  override describe(): string {
    return `Dropout(p=${this.p})`;
  }
}
