/**
 * An autoencoder: an encoder to a `latent`-sized code and a decoder back, trained to
 * reconstruct its input (Hinton & Salakhutdinov 2006). The reconstruction loss is binary
 * cross-entropy on logits (inputs in [0, 1], e.g. pixel intensities; the decoder's output
 * through a sigmoid is the reconstruction) or mean squared error (any inputs). Built-in
 * architectures: an MLP, or a convolutional one for images (conv-networks.ts); or any two models.
 */
import { noGrad } from '../autograd/grad-mode.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { oneOf } from '../backend/validate.js';
import { BCEWithLogitsLoss } from '../nn/losses/bce-with-logits.js';
import { MSELoss } from '../nn/losses/mse.js';
import { Model } from '../nn/model.js';
import { numel, shapeStr } from '../nn/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import { batchOf, checkUnit, slices } from './batch.js';
import { convDecoder, convEncoder } from './conv-networks.js';
import { mlpFrom, mlpTo } from './networks.js';
import {
  activation,
  checkOptions,
  exclusive,
  type HiddenActivation,
  modelOption,
  type OptimizerSpec,
  optimizerSpec,
  positive,
  seedOf,
  sizes,
} from './options.js';
import { subSeed } from './seeds.js';
import { recorded, scratch } from './tape.js';

/** The autoencoder's reconstruction loss: 'bce' (BCE on logits, inputs in [0, 1]) or 'mse'. */
export type ReconstructionLoss = 'bce' | 'mse';

/** Options of {@link Autoencoder}: a built-in architecture (`kind` and its sizes) or your own `encoder` and `decoder`. */
export interface AutoencoderOptions {
  /** 'mlp' (default) or 'conv' (images [C, H, W], H and W multiples of 4). */
  kind?: 'mlp' | 'conv';
  /** Shape of one sample (mlp default [784]; conv [1, 28, 28]). */
  inputShape?: readonly number[];
  /** Code size (default 32). */
  latent?: number;
  /** MLP hidden widths of the encoder; the decoder mirrors them (default [256, 128]). */
  hidden?: readonly number[];
  /** Conv channels of the two stride-2 stages (default [16, 32]). */
  channels?: readonly number[];
  /** Hidden-layer activation of the built-in networks (default 'relu'). */
  activation?: HiddenActivation;
  /** 'bce' (default; inputs in [0, 1]) or 'mse'. */
  loss?: ReconstructionLoss;
  /** Default { type: optim.Adam, lr: 1e-3 }. */
  optimizer?: OptimizerSpec;
  /** Seeds the initial weights (default 0). */
  seed?: number;
  /** Your own network sample → code (with `decoder`; then leave out the architecture options). */
  encoder?: Model;
  /** Your own network code → sample (logits for 'bce'), with `encoder`. */
  decoder?: Model;
}

const ARCH = ['kind', 'inputShape', 'latent', 'hidden', 'channels', 'activation'];
const KEYS = [...ARCH, 'loss', 'optimizer', 'seed', 'encoder', 'decoder'];

/**
 * An autoencoder (Hinton & Salakhutdinov 2006) with its own training step: an encoder to a
 * `latent`-sized code and a decoder back, trained to reconstruct the input with BCE on logits
 * (inputs in [0, 1]) or MSE. Built-in MLP or convolutional architectures, or any two models.
 */
export class Autoencoder {
  /** Sample → code network. */
  readonly encoder: Model;
  /** Code → sample network (logits for 'bce'). */
  readonly decoder: Model;
  /** The optimizer over the encoder's and decoder's parameters. */
  readonly optimizer: Optimizer<object>;
  /** Shape of one sample (without the batch axis). */
  readonly inputShape: readonly number[];
  /** Number of code values per sample. */
  readonly latent: number;
  /** The reconstruction loss. */
  readonly loss: ReconstructionLoss;
  /** Training steps taken. */
  steps = 0;
  private readonly criterion: BCEWithLogitsLoss | MSELoss;

  constructor(options: AutoencoderOptions = {}) {
    const fn = 'Autoencoder';
    checkOptions(fn, options, KEYS);
    const own = exclusive(fn, options, ['encoder', 'decoder'], ARCH);
    const loss = options.loss ?? 'bce';
    oneOf(fn, 'loss', loss, ['bce', 'mse'] as const);
    const seed = seedOf(fn, options.seed);
    const make = optimizerSpec(fn, 'optimizer', options.optimizer, { lr: 1e-3 });
    if (own) {
      const enc = modelOption(fn, 'encoder', options.encoder) as Model;
      const dec = modelOption(fn, 'decoder', options.decoder) as Model;
      if (enc === dec)
        throw new TypeError(`${fn}: encoder and decoder must be two different models`);
      const code = enc.outputShape;
      if (dec.inputShape.length !== code.length || dec.inputShape.some((d, i) => d !== code[i]))
        throw new RangeError(
          `${fn}: decoder must take the encoder's code ${shapeStr(code)}, got ${shapeStr(dec.inputShape)}`,
        );
      const out = dec.outputShape;
      const inp = enc.inputShape;
      if (out.length !== inp.length || out.some((d, i) => d !== inp[i]))
        throw new RangeError(
          `${fn}: decoder must give samples of the encoder's input shape ${shapeStr(inp)}, got ${shapeStr(out)}`,
        );
      this.encoder = enc;
      this.decoder = dec;
      this.inputShape = [...inp];
      this.latent = numel(code);
    } else {
      const kind = options.kind ?? 'mlp';
      oneOf(fn, 'kind', kind, ['mlp', 'conv'] as const);
      const conv = kind === 'conv';
      const other = conv ? 'hidden' : 'channels';
      if (options[other] !== undefined)
        throw new TypeError(`${fn}: ${other} is not an option of the ${kind} architecture`);
      const shape = sizes(fn, 'inputShape', options.inputShape, conv ? [1, 28, 28] : [784]);
      if (conv && (shape.length !== 3 || shape[1] % 4 !== 0 || shape[2] % 4 !== 0))
        throw new RangeError(
          `${fn}: the conv architecture takes images [C, H, W] with H and W multiples of 4 (two stride-2 stages), got inputShape ${shapeStr(shape)}`,
        );
      const latent = positive(fn, 'latent', options.latent, 32);
      const act = activation(fn, 'activation', options.activation, 'relu');
      const seeds = [{ seed: subSeed(seed, 1) }, { seed: subSeed(seed, 2) }];
      if (conv) {
        const ch = sizes(fn, 'channels', options.channels, [16, 32]);
        if (ch.length !== 2)
          throw new RangeError(
            `${fn}: channels must give the two stages' channel counts, got ${ch.length} (${ch.join(', ')})`,
          );
        const pair = ch as [number, number];
        this.encoder = new Model(convEncoder(shape, pair, latent, act), shape, seeds[0]);
        this.decoder = new Model(convDecoder(latent, pair, shape, act), [latent], seeds[1]);
      } else {
        const hidden = sizes(fn, 'hidden', options.hidden, [256, 128]);
        this.encoder = new Model(mlpFrom(shape, hidden, latent, act), shape, seeds[0]);
        this.decoder = new Model(
          mlpTo(latent, [...hidden].reverse(), shape, act),
          [latent],
          seeds[1],
        );
      }
      this.inputShape = shape;
      this.latent = latent;
    }
    this.loss = loss;
    this.criterion = loss === 'bce' ? new BCEWithLogitsLoss() : new MSELoss();
    this.optimizer = make([...this.encoder.parameters(), ...this.decoder.parameters()]);
  }

  private check(fn: string, x: unknown): Tensor {
    const t = batchOf(fn, 'x', x, this.inputShape);
    if (this.loss === 'bce') checkUnit(fn, 'x', t);
    return t;
  }

  /** The reconstruction loss of a batch on the tape (mean over every value). */
  lossOf(x: Tensor | TensorLike): Tensor {
    const t = this.check('Autoencoder.lossOf', x);
    return this.criterion.apply(
      this.decoder.forward(this.encoder.forward(t, { training: true }), { training: true }),
      t,
    );
  }

  /** One optimizer step on a batch [n, …inputShape]; returns its loss before the step. */
  step(x: Tensor | TensorLike): {
    /** The batch's mean reconstruction loss before the step. */
    loss: number;
  } {
    const t = this.check('Autoencoder.step', x);
    const train = { training: true };
    const { result, leaves } = recorded(
      () => this.criterion.apply(this.decoder.forward(this.encoder.forward(t, train), train), t),
      () => [],
    );
    const loss = result.item();
    this.optimizer.zeroGrad();
    result.backward();
    this.optimizer.step();
    for (const l of leaves) l._release();
    this.steps++;
    return { loss };
  }

  /** The mean reconstruction loss over a set [N, …inputShape], without training. */
  evaluate(
    x: Tensor | TensorLike,
    options: { batchSize?: number } = {},
  ): {
    /** Mean reconstruction loss over the set. */
    loss: number;
  } {
    const fn = 'Autoencoder.evaluate';
    checkOptions(fn, options, ['batchSize']);
    const size = positive(fn, 'batchSize', options.batchSize, 500);
    const t = this.check(fn, x);
    let sum = 0;
    noGrad(() => {
      for (const b of slices(t, size))
        scratch(() => {
          sum +=
            this.criterion.apply(this.decoder.forward(this.encoder.forward(b)), b).item() *
            b.shape[0];
        });
    });
    return { loss: sum / t.shape[0] };
  }

  /** Codes [n, …] of a batch, recording nothing. */
  encode(x: Tensor | TensorLike): Tensor {
    const t = batchOf('Autoencoder.encode', 'x', x, this.inputShape);
    return noGrad(() => this.encoder.forward(t));
  }

  /** Samples from codes: through a sigmoid for 'bce' (probabilities), as is for 'mse'. */
  decode(z: Tensor | TensorLike): Tensor {
    const t = batchOf('Autoencoder.decode', 'z', z, this.decoder.inputShape);
    return noGrad(() => {
      const y = this.decoder.forward(t);
      return this.loss === 'bce' ? y.sigmoid() : y;
    });
  }

  /** Reconstructions of a batch, `decode(encode(x))` (probabilities for 'bce'), recording nothing. */
  reconstruct(x: Tensor | TensorLike): Tensor {
    return this.decode(this.encode(x));
  }
}
