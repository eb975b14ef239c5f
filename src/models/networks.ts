/**
 * The built-in architectures of the generative models, as nn.Sequential stacks: MLPs over
 * flattened samples (any sample shape: flattened on the way in, reshaped on the way out).
 * The convolutional ones live in conv-networks.ts.
 */
import { Flatten } from '../nn/flatten.js';
import type { Layer } from '../nn/layer.js';
import { Linear } from '../nn/linear.js';
import { Reshape } from '../nn/reshape.js';
import { Sequential } from '../nn/sequential.js';
import { numel } from '../nn/tensor.js';

/** Linear layers of widths input → …hidden → output, `act()` after each hidden one, `last` after the output. */
export function mlp(
  input: number,
  hidden: readonly number[],
  output: number,
  act: () => Layer,
  last: Layer[] = [],
): Layer[] {
  const layers: Layer[] = [];
  let w = input;
  for (const h of hidden) {
    layers.push(new Linear(w, h), act());
    w = h;
  }
  layers.push(new Linear(w, output), ...last);
  return layers;
}

/** An MLP taking samples of `shape` (flattened first when not already flat). */
export function mlpFrom(
  shape: readonly number[],
  hidden: readonly number[],
  output: number,
  act: () => Layer,
  last: Layer[] = [],
): Sequential {
  const pre = shape.length > 1 ? [new Flatten()] : [];
  return new Sequential([...pre, ...mlp(numel(shape), hidden, output, act, last)]);
}

/** An MLP giving samples of `shape` (reshaped at the end when not flat). */
export function mlpTo(
  input: number,
  hidden: readonly number[],
  shape: readonly number[],
  act: () => Layer,
  last: Layer[] = [],
): Sequential {
  const post = shape.length > 1 ? [new Reshape(shape)] : [];
  return new Sequential([...mlp(input, hidden, numel(shape), act, last), ...post]);
}
