/**
 * A generative adversarial network (Goodfellow et al. 2014) with the non-saturating generator
 * loss (their §3: maximise log D(G(z)) instead of minimising log(1 − D(G(z)))), a generator
 * and a discriminator with separate optimizers and learning rates (two-time-scale rates,
 * Heusel et al. 2017, are two specs). One step, as PyTorch's DCGAN example does it:
 *   D: BCE(D(x), 1) + BCE(D(G(z).detach()), 0), one optimizer step;
 *   G: BCE(D(G(z)), 1) through the updated discriminator, one optimizer step.
 * Built-in architectures: an MLP pair for vectors (the 8-Gaussian ring), and the DCGAN of
 * Radford et al. 2016 scaled to 28×28 images (conv-networks.ts); or any two models.
 */
import { randn } from '../autograd/create.js';
import { runBackward } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import { type Tensor, type TensorLike, wrap } from '../autograd/tensor.js';
import { describe, oneOf } from '../backend/validate.js';
import { LeakyReLU, ReLU, Sigmoid, Tanh } from '../nn/activation.js';
import type { Layer } from '../nn/layer.js';
import { BCEWithLogitsLoss } from '../nn/losses/bce-with-logits.js';
import { Model } from '../nn/model.js';
import { numel, shapeStr } from '../nn/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../random.js';
import { batchOf } from './batch.js';
import { dcganDiscriminator, dcganGenerator } from './conv-networks.js';
import { mlpFrom, mlpTo } from './networks.js';
import {
  checkOptions,
  exclusive,
  modelOption,
  type OptimizerSpec,
  optimizerSpec,
  positive,
  seedOf,
  sizes,
} from './options.js';
import { subSeed } from './seeds.js';
import { recorded } from './tape.js';

/** The generator's last activation: 'linear' (none), 'tanh' (data in [−1, 1]) or 'sigmoid' (data in [0, 1]). */
export type GeneratorOutput = 'linear' | 'tanh' | 'sigmoid';

/** Options of {@link GAN}: a built-in architecture (`kind` and its sizes) or your own `generator` and `discriminator`. */
export interface GANOptions {
  /** 'mlp' (default) or 'dcgan' (images [C, 28, 28]). */
  kind?: 'mlp' | 'dcgan';
  /** Shape of one sample (mlp default [2]; dcgan [1, 28, 28], or [C, 28, 28]). */
  dataShape?: readonly number[];
  /** Noise dimensions (mlp default 8, dcgan 64). */
  latent?: number;
  /** Hidden widths of both MLPs (default [128, 128]). */
  hidden?: readonly number[];
  /** DCGAN feature maps at 14×14 (default 32; 2·width at 7×7). */
  width?: number;
  /** The generator's last activation (mlp default 'linear'; dcgan 'tanh', data in [−1, 1]). */
  output?: GeneratorOutput;
  /** The generator's optimizer (default { type: optim.Adam, lr: 2e-4, betas: [0.5, 0.999] }). */
  optimizerG?: OptimizerSpec;
  /** The discriminator's (same default). */
  optimizerD?: OptimizerSpec;
  /** Seeds the initial weights and the noise (default 0). */
  seed?: number;
  /** Your own networks: noise [latent] → a sample … */
  generator?: Model;
  /** … and a sample → one logit ([1] or []). */
  discriminator?: Model;
}

/** One step's numbers. */
export interface GANStep {
  /** The discriminator's loss (BCE on real plus BCE on fake, each a batch mean). */
  lossD: number;
  /** The generator's non-saturating loss, through the updated discriminator. */
  lossG: number;
  /** Mean D(x) on the real batch, as a probability, before D's step. */
  dReal: number;
  /** Mean D(G(z)) on the fakes, as a probability, before D's step. */
  dFake: number;
}

const ARCH = ['kind', 'dataShape', 'latent', 'hidden', 'width', 'output'];
const KEYS = [...ARCH, 'optimizerG', 'optimizerD', 'seed', 'generator', 'discriminator'];
/** Radford et al. 2016, §4: Adam at 2e-4 with β₁ = 0.5. */
const DEFAULT_OPT: OptimizerSpec = { lr: 2e-4, betas: [0.5, 0.999] };
const OUTPUTS: Record<GeneratorOutput, () => Layer[]> = {
  linear: () => [],
  tanh: () => [new Tanh()],
  sigmoid: () => [new Sigmoid()],
};

/**
 * A generative adversarial network (Goodfellow et al. 2014) with the non-saturating generator
 * loss and separate optimizers for generator and discriminator; each `step` updates D on real
 * and fake data, then G through the updated D, as PyTorch's DCGAN example. Built-in MLP and
 * DCGAN (Radford et al. 2016, 28×28 images) architectures, or any two models.
 *
 * @example
 * ```ts
 * import { models } from 'descent-ml';
 *
 * const ring = new models.EightGaussians({ seed: 1 });
 * const gan = new models.GAN({ latent: 8, hidden: [128, 128], seed: 1 });
 * for (let i = 0; i < 2000; i++) gan.step(ring.sample(128));
 * const { modes, highQuality } = ring.coverage(gan.sample(1000));
 * console.log(`${modes}/8 modes covered, ${(100 * highQuality).toFixed(1)}% high quality`);
 * ```
 */
export class GAN {
  /** Noise [latent] → sample network. */
  readonly generator: Model;
  /** Sample → one logit (real vs fake) network. */
  readonly discriminator: Model;
  /** The generator's optimizer. */
  readonly optimizerG: Optimizer<object>;
  /** The discriminator's optimizer. */
  readonly optimizerD: Optimizer<object>;
  /** Shape of one sample (without the batch axis). */
  readonly dataShape: readonly number[];
  /** Number of noise values per sample. */
  readonly latent: number;
  /** Steps taken. */
  steps = 0;
  private readonly rng: Rng;
  private readonly bce = new BCEWithLogitsLoss();
  private readonly ownG: Set<Tensor>;
  private labels: { n: number; ones: Tensor; zeros: Tensor } | null = null;

  constructor(options: GANOptions = {}) {
    const fn = 'GAN';
    checkOptions(fn, options, KEYS);
    const own = exclusive(fn, options, ['generator', 'discriminator'], ARCH);
    const seed = seedOf(fn, options.seed);
    const makeG = optimizerSpec(fn, 'optimizerG', options.optimizerG, DEFAULT_OPT);
    const makeD = optimizerSpec(fn, 'optimizerD', options.optimizerD, DEFAULT_OPT);
    if (own) {
      const g = modelOption(fn, 'generator', options.generator) as Model;
      const d = modelOption(fn, 'discriminator', options.discriminator) as Model;
      if (g === d)
        throw new TypeError(`${fn}: generator and discriminator must be two different models`);
      if (g.inputShape.length !== 1)
        throw new RangeError(
          `${fn}: generator must take noise vectors [latent], got ${shapeStr(g.inputShape)}`,
        );
      const gs = g.outputShape;
      const ds = d.inputShape;
      if (gs.length !== ds.length || gs.some((v, i) => v !== ds[i]))
        throw new RangeError(
          `${fn}: the generator's samples ${shapeStr(gs)} must be what the discriminator takes, ${shapeStr(ds)}`,
        );
      if (numel(d.outputShape) !== 1)
        throw new RangeError(
          `${fn}: discriminator must output one logit per sample, got ${shapeStr(d.outputShape)}`,
        );
      this.generator = g;
      this.discriminator = d;
      this.latent = g.inputShape[0];
      this.dataShape = [...gs];
    } else {
      const kind = options.kind ?? 'mlp';
      oneOf(fn, 'kind', kind, ['mlp', 'dcgan'] as const);
      const dcgan = kind === 'dcgan';
      const other = dcgan ? 'hidden' : 'width';
      if (options[other] !== undefined)
        throw new TypeError(`${fn}: ${other} is not an option of the ${kind} architecture`);
      const shape = sizes(fn, 'dataShape', options.dataShape, dcgan ? [1, 28, 28] : [2]);
      if (dcgan && (shape.length !== 3 || shape[1] !== 28 || shape[2] !== 28))
        throw new RangeError(
          `${fn}: the dcgan architecture makes images [C, 28, 28], got dataShape ${shapeStr(shape)}`,
        );
      const latent = positive(fn, 'latent', options.latent, dcgan ? 64 : 8);
      const output = options.output ?? (dcgan ? 'tanh' : 'linear');
      oneOf(fn, 'output', output, Object.keys(OUTPUTS) as GeneratorOutput[]);
      const gSeed = { seed: subSeed(seed, 1) };
      const dSeed = { seed: subSeed(seed, 2) };
      if (dcgan) {
        const width = positive(fn, 'width', options.width, 32);
        this.generator = new Model(
          dcganGenerator(latent, shape[0], width, OUTPUTS[output]()),
          [latent],
          gSeed,
        );
        this.discriminator = new Model(dcganDiscriminator(shape[0], width), shape, dSeed);
      } else {
        const hidden = sizes(fn, 'hidden', options.hidden, [128, 128]);
        this.generator = new Model(
          mlpTo(latent, hidden, shape, () => new ReLU(), OUTPUTS[output]()),
          [latent],
          gSeed,
        );
        this.discriminator = new Model(
          mlpFrom(shape, hidden, 1, () => new LeakyReLU(0.2)),
          shape,
          dSeed,
        );
      }
      this.latent = latent;
      this.dataShape = shape;
    }
    this.optimizerG = makeG(this.generator.parameters());
    this.optimizerD = makeD(this.discriminator.parameters());
    this.ownG = new Set(this.generator.parameters().map((p) => p.tensor as Tensor));
    this.rng = new Rng(subSeed(seed, 3));
  }

  /** Targets 1 and 0 shaped as the discriminator's output for `n` samples (kept between steps). */
  private targets(n: number) {
    if (this.labels?.n !== n) {
      const shape = [n, ...this.discriminator.outputShape];
      this.labels = {
        n,
        ones: wrap(new Float32Array(n).fill(1), shape, 'float32'),
        zeros: wrap(new Float32Array(n), shape, 'float32'),
      };
    }
    return this.labels;
  }

  /**
   * One discriminator step, then one generator step, on a batch of real samples [n, …dataShape].
   * `noise` [n, latent] replaces the generator's input draw (for reproducing a step).
   */
  step(real: Tensor | TensorLike, options: { noise?: Tensor | TensorLike } = {}): GANStep {
    const fn = 'GAN.step';
    checkOptions(fn, options, ['noise']);
    const x = batchOf(fn, 'real', real, this.dataShape);
    const n = x.shape[0];
    const given =
      options.noise === undefined ? null : batchOf(fn, 'noise', options.noise, [this.latent]);
    if (given && given.shape[0] !== n)
      throw new RangeError(
        `${fn}: noise has ${given.shape[0]} rows, real has ${n} samples (${shapeStr(x.shape)})`,
      );
    const { ones, zeros } = this.targets(n);
    const train = { training: true };
    const G = this.generator;
    const D = this.discriminator;
    // The fake batch's graph is kept (through G) for the generator's step.
    const { result: fake, leaves: gLeaves } = recorded(
      () => G.forward(given ?? randn([n, this.latent], this.rng), train),
      (f) => [f],
    );
    const d = recorded(
      () => {
        const real = D.forward(x, train);
        const faked = D.forward(fake.detach(), train);
        return { real, faked, loss: this.bce.apply(real, ones).add(this.bce.apply(faked, zeros)) };
      },
      () => [],
    );
    const dReal = meanSigmoid(d.result.real);
    const dFake = meanSigmoid(d.result.faked);
    const lossD = d.result.loss.item();
    this.optimizerD.zeroGrad();
    d.result.loss.backward();
    this.optimizerD.step();
    const g = recorded(
      () => this.bce.apply(D.forward(fake, train), ones),
      () => [],
    );
    fake._internal = true;
    const lossG = g.result.item();
    this.optimizerG.zeroGrad();
    // The generator's parameters only: the discriminator's weight gradients are not computed.
    runBackward([g.result], [null], {
      fn: 'GAN.step',
      retainGraph: false,
      createGraph: false,
      accumulate: true,
      accumulateOnly: this.ownG,
      inputs: [],
    });
    this.optimizerG.step();
    for (const t of [...gLeaves, ...d.leaves, ...g.leaves]) t._release();
    this.steps++;
    return { lossD, lossG, dReal, dFake };
  }

  /** `n` samples [n, …dataShape] from noise drawn with `rng` (default the model's), recording nothing. */
  sample(n: number, rng?: Rng): Tensor {
    const m = positive('GAN.sample', 'n', n, 1);
    if (rng !== undefined && !(rng instanceof Rng))
      throw new TypeError(`GAN.sample: rng must be an Rng, got ${describe(rng)}`);
    return noGrad(() => this.generator.forward(randn([m, this.latent], rng ?? this.rng)));
  }

  /** The discriminator's probability that each sample [n, …dataShape] is real, recording nothing. */
  score(x: Tensor | TensorLike): Float32Array {
    const t = batchOf('GAN.score', 'x', x, this.dataShape);
    return noGrad(() => this.discriminator.forward(t).sigmoid().data as Float32Array);
  }
}

function meanSigmoid(logits: Tensor): number {
  const d = logits._d as Float32Array;
  let s = 0;
  for (let i = 0; i < d.length; i++) s += 1 / (1 + Math.exp(-d[i]));
  return s / d.length;
}
