/**
 * The piecewise-linear activations of MobileNetV3 (Howard et al., 2019) with `torch.nn`
 * names: Hardswish, x·relu6(x + 3)/6, and Hardtanh, x clipped to [minVal, maxVal] (ReLU6 is
 * Hardtanh(0, 6)). Any input shape; autograd's `hardswish` and `hardtanh` (torch's gradients,
 * boundaries included).
 */
import { hardswish, hardtanh } from '../autograd/ops/activations.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, noMoreArgs } from '../backend/validate.js';
import { type ForwardOptions, Layer } from './layer.js';

abstract class Elementwise extends Layer {
  protected override computeShape(input: readonly number[]): readonly number[] {
    return input;
  }

  protected override acceptsShape(): boolean {
    return true;
  }
}

/** y = x·relu6(x + 3)/6 (`torch.nn.Hardswish`, MobileNetV3, Howard et al. 2019). Any input shape. */
export class Hardswish extends Elementwise {
  constructor(...rest: never[]) {
    super();
    noMoreArgs('Hardswish', rest, 'no arguments');
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    return hardswish(this.checkInput(x) as Tensor);
  }

  /** No constructor arguments. */
  config(): Record<string, unknown> {
    return {};
  }

  override describe(): string {
    return 'Hardswish';
  }
}

/** y = clamp(x, minVal, maxVal) (`torch.nn.Hardtanh`; ReLU6 is `new Hardtanh(0, 6)`). Any input shape. */
export class Hardtanh extends Elementwise {
  constructor(
    /** Lower clip value. Default −1. PyTorch: `min_val`. */
    readonly minVal = -1,
    /** Upper clip value (greater than minVal). Default 1. PyTorch: `max_val`. */
    readonly maxVal = 1,
    ...rest: never[]
  ) {
    super();
    noMoreArgs('Hardtanh', rest, 'two arguments (minVal, maxVal)');
    for (const [k, v] of [
      ['minVal', minVal],
      ['maxVal', maxVal],
    ] as const)
      if (typeof v !== 'number' || !Number.isFinite(v))
        throw new TypeError(`Hardtanh: ${k} must be a finite number, got ${describe(v)}`);
    if (!(minVal < maxVal))
      throw new RangeError(
        `Hardtanh: minVal must be less than maxVal, got minVal ${minVal}, maxVal ${maxVal}`,
      );
  }

  forward(x: TensorLike, _opts: ForwardOptions = {}): Tensor {
    return hardtanh(this.checkInput(x) as Tensor, this.minVal, this.maxVal);
  }

  /** The constructor arguments (checkpoint manifests describe the architecture with them). */
  config(): Record<string, unknown> {
    return { minVal: this.minVal, maxVal: this.maxVal };
  }

  override describe(): string {
    return `Hardtanh(${this.minVal}, ${this.maxVal})`;
  }
}
