/**
 * The convolutional architectures of the generative models, as nn.Sequential stacks:
 * - the autoencoder's encoder: two stride-2 3×3 convolutions (H → H/2 → H/4), a linear map to
 *   the code; its decoder mirrors it with two stride-2 4×4 transposed convolutions (H/4 → H/2
 *   → H), the usual upsampling block;
 * - the DCGAN of Radford et al. 2016 scaled to 28×28 (two resolutions, 7 → 14 → 28, as the
 *   common MNIST versions): generator z → linear → [2w, 7, 7] → ConvTranspose 4×4/2 → [w, 14,
 *   14] → ConvTranspose 4×4/2 → [C, 28, 28], batch norm and ReLU between, tanh at the end;
 *   discriminator Conv 4×4/2 → LeakyReLU 0.2 → Conv 4×4/2 → batch norm → LeakyReLU 0.2 →
 *   linear to one logit; weights N(0, 0.02) (§4 of the paper), no bias where batch norm follows.
 */
import { LeakyReLU, ReLU } from '../nn/activation.js';
import { BatchNorm1d, BatchNorm2d } from '../nn/batchnorm.js';
import { Conv2d } from '../nn/conv2d.js';
import { ConvTranspose2d } from '../nn/convtranspose2d.js';
import { Flatten } from '../nn/flatten.js';
import type { Init } from '../nn/init.js';
import type { Layer } from '../nn/layer.js';
import { Linear } from '../nn/linear.js';
import { Reshape } from '../nn/reshape.js';
import { Sequential } from '../nn/sequential.js';

/** The autoencoder's encoder for images [C, H, W] (H and W multiples of 4). */
export function convEncoder(
  shape: readonly number[],
  channels: readonly [number, number],
  latent: number,
  act: () => Layer,
): Sequential {
  const [c, h, w] = shape;
  const [c1, c2] = channels;
  return new Sequential([
    new Conv2d(c, c1, 3, { stride: 2, padding: 1 }),
    act(),
    new Conv2d(c1, c2, 3, { stride: 2, padding: 1 }),
    act(),
    new Flatten(),
    new Linear(c2 * (h / 4) * (w / 4), latent),
  ]);
}

/** The autoencoder's decoder back to images [C, H, W]. */
export function convDecoder(
  latent: number,
  channels: readonly [number, number],
  shape: readonly number[],
  act: () => Layer,
): Sequential {
  const [c, h, w] = shape;
  const [c1, c2] = channels;
  return new Sequential([
    new Linear(latent, c2 * (h / 4) * (w / 4)),
    act(),
    new Reshape([c2, h / 4, w / 4]),
    new ConvTranspose2d(c2, c1, 4, { stride: 2, padding: 1 }),
    act(),
    new ConvTranspose2d(c1, c, 4, { stride: 2, padding: 1 }),
  ]);
}

const DCGAN_INIT: Init = { kind: 'normal', mean: 0, std: 0.02 };

export function dcganGenerator(latent: number, c: number, w: number, last: Layer[]): Sequential {
  return new Sequential([
    new Linear(latent, 2 * w * 7 * 7, { bias: false, weightInit: DCGAN_INIT }),
    new BatchNorm1d(2 * w * 7 * 7),
    new ReLU(),
    new Reshape([2 * w, 7, 7]),
    new ConvTranspose2d(2 * w, w, 4, {
      stride: 2,
      padding: 1,
      bias: false,
      weightInit: DCGAN_INIT,
    }),
    new BatchNorm2d(w),
    new ReLU(),
    new ConvTranspose2d(w, c, 4, { stride: 2, padding: 1, weightInit: DCGAN_INIT }),
    ...last,
  ]);
}

export function dcganDiscriminator(c: number, w: number): Sequential {
  return new Sequential([
    new Conv2d(c, w, 4, { stride: 2, padding: 1, weightInit: DCGAN_INIT }),
    new LeakyReLU(0.2),
    new Conv2d(w, 2 * w, 4, { stride: 2, padding: 1, bias: false, weightInit: DCGAN_INIT }),
    new BatchNorm2d(2 * w),
    new LeakyReLU(0.2),
    new Flatten(),
    new Linear(2 * w * 7 * 7, 1, { weightInit: DCGAN_INIT }),
  ]);
}
