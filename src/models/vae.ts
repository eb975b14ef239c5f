/**
 * A variational autoencoder (Kingma & Welling 2014): a Gaussian encoder q(z|x) = N(μ, diag σ²)
 * giving [μ, log σ²], a decoder p(x|z) that is Bernoulli (logits; pixel intensities in [0, 1])
 * or Gaussian (a mean with a fixed σ, or a mean and a log-variance per output, K&W appendix
 * C.2), and the prior N(0, I). One training step maximises the ELBO
 *   E_q[log p(x|z)] − KL(q(z|x) ‖ p(z))
 * with one reparameterised sample z = μ + σ·ε (K&W §2.4), the KL in closed form
 * (appendix B: ½Σ(μ² + σ² − log σ² − 1)). The two parts are reported apart, per sample, in
 * nats. KL warm-up (Bowman et al. 2016; Sønderby et al. 2016) scales the KL term by
 * β = min(1, steps / klWarmup) while training; the ELBO reported is always the true one (β = 1).
 */

import { randn } from '../autograd/create.js';
import { noGrad } from '../autograd/grad-mode.js';
import { chunk } from '../autograd/ops/slice.js';
import type { Tensor, TensorLike } from '../autograd/tensor.js';
import { describe, oneOf } from '../backend/validate.js';
import { BCEWithLogitsLoss } from '../nn/losses/bce-with-logits.js';
import { MSELoss } from '../nn/losses/mse.js';
import { Model } from '../nn/model.js';
import { numel, shapeStr } from '../nn/tensor.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Rng } from '../random.js';
import { batchOf, checkUnit, slices } from './batch.js';
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
  positiveNumber,
  seedOf,
  sizes,
} from './options.js';
import { subSeed } from './seeds.js';
import { recorded, scratch } from './tape.js';

/** The decoder's distribution p(x|z): 'bernoulli' (logits, data in [0, 1]) or 'gaussian'. */
export type Likelihood = 'bernoulli' | 'gaussian';

/** Options of {@link VAE}: the built-in MLP's sizes or your own `encoder` and `decoder`, the likelihood and KL warm-up. */
export interface VAEOptions {
  /** Shape of one sample (default [784]). */
  inputShape?: readonly number[];
  /** Latent dimensions (default 16). */
  latent?: number;
  /** Hidden widths of the MLP encoder; the decoder mirrors them (default [256]). */
  hidden?: readonly number[];
  /** Hidden-layer activation of the built-in MLPs (default 'relu'). */
  activation?: HiddenActivation;
  /** The decoder's distribution (default 'bernoulli'). */
  likelihood?: Likelihood;
  /** Gaussian likelihood only: a fixed σ; without it the decoder also outputs log σ² per value. */
  outputStd?: number;
  /** Steps over which the KL weight β rises linearly from 0 to 1 (default 0: β = 1 throughout). */
  klWarmup?: number;
  /** Default { type: optim.Adam, lr: 1e-3 }. */
  optimizer?: OptimizerSpec;
  /** Seeds the initial weights and the sampling noise (default 0). */
  seed?: number;
  /** Your own networks instead of the MLPs: sample → [2·latent] (μ, log σ²) … */
  encoder?: Model;
  /** … and [latent] → the sample's values (Bernoulli logits or Gaussian means), or twice as many (means, then log σ²) for a learned Gaussian. */
  decoder?: Model;
}

/** One step's numbers, per sample, in nats. */
export interface VAEStep {
  /** The evidence lower bound, E[log p(x|z)] − KL (negative; higher is better). */
  elbo: number;
  /** The reconstruction term −E[log p(x|z)]. */
  recon: number;
  /** KL(q(z|x) ‖ p(z)). */
  kl: number;
  /** The KL weight this step used (warm-up). */
  beta: number;
  /** What the step minimised: recon + β·kl. */
  loss: number;
}

/** The VAE objective on a batch as tensors on the tape (what `VAE.terms` returns). */
export interface VAETerms {
  /** (recon + β·kl) / n: what a step minimises. */
  loss: Tensor;
  /** The reconstruction term −log p(x|z), summed over the batch. */
  recon: Tensor;
  /** KL(q(z|x) ‖ p(z)), summed over the batch. */
  kl: Tensor;
}

const ARCH = ['inputShape', 'latent', 'hidden', 'activation'];
const KEYS = [
  ...ARCH,
  'likelihood',
  'outputStd',
  'klWarmup',
  'optimizer',
  'seed',
  'encoder',
  'decoder',
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * A variational autoencoder (Kingma & Welling 2014) with its own training step: a Gaussian
 * encoder q(z|x), a Bernoulli or Gaussian decoder p(x|z) and the prior N(0, I), trained on the
 * ELBO with one reparameterised sample and the closed-form KL; optional KL warm-up (Bowman et
 * al. 2016). ELBO, reconstruction and KL are reported per sample in nats.
 */
export class VAE {
  /** Sample → [2·latent] network (μ, then log σ²). */
  readonly encoder: Model;
  /** [latent] → the sample's values (logits or means; also log σ² for a learned Gaussian). */
  readonly decoder: Model;
  /** The optimizer over the encoder's and decoder's parameters. */
  readonly optimizer: Optimizer<object>;
  /** Shape of one sample (without the batch axis). */
  readonly inputShape: readonly number[];
  /** Number of latent dimensions. */
  readonly latent: number;
  /** The decoder's distribution. */
  readonly likelihood: Likelihood;
  /** The fixed σ of a Gaussian likelihood, or null (learned, or Bernoulli). */
  readonly outputStd: number | null;
  /** Steps over which the KL weight β rises linearly from 0 to 1 (0: β = 1 throughout). */
  readonly klWarmup: number;
  /** Training steps taken; the KL warm-up follows it (set it when resuming from a checkpoint). */
  steps = 0;
  private readonly rng: Rng;
  private readonly size: number;
  private readonly bce = new BCEWithLogitsLoss({ reduction: 'sum' });
  private readonly mse = new MSELoss({ reduction: 'sum' });

  constructor(options: VAEOptions = {}) {
    const fn = 'VAE';
    checkOptions(fn, options, KEYS);
    const own = exclusive(fn, options, ['encoder', 'decoder'], ARCH);
    const likelihood = options.likelihood ?? 'bernoulli';
    oneOf(fn, 'likelihood', likelihood, ['bernoulli', 'gaussian'] as const);
    if (options.outputStd !== undefined && likelihood !== 'gaussian')
      throw new TypeError(
        `${fn}: outputStd is the σ of a Gaussian likelihood; likelihood is ${likelihood}`,
      );
    const outputStd =
      options.outputStd === undefined
        ? null
        : positiveNumber(fn, 'outputStd', options.outputStd, 1);
    const klWarmup = options.klWarmup ?? 0;
    if (typeof klWarmup !== 'number' || !Number.isInteger(klWarmup))
      throw new TypeError(
        `${fn}: klWarmup must be a whole number of steps, got ${describe(klWarmup)}`,
      );
    if (klWarmup < 0) throw new RangeError(`${fn}: klWarmup must be ≥ 0 steps, got ${klWarmup}`);
    const seed = seedOf(fn, options.seed);
    const make = optimizerSpec(fn, 'optimizer', options.optimizer, { lr: 1e-3 });
    const outputs = (d: number) => (likelihood === 'gaussian' && outputStd === null ? 2 * d : d);
    if (own) {
      const enc = modelOption(fn, 'encoder', options.encoder) as Model;
      const dec = modelOption(fn, 'decoder', options.decoder) as Model;
      if (enc === dec)
        throw new TypeError(`${fn}: encoder and decoder must be two different models`);
      const eo = numel(enc.outputShape);
      if (eo % 2 !== 0)
        throw new RangeError(
          `${fn}: encoder must output 2·latent values (μ then log σ²), got ${shapeStr(enc.outputShape)} (${eo}, odd)`,
        );
      this.latent = eo / 2;
      if (dec.inputShape.length !== 1 || dec.inputShape[0] !== this.latent)
        throw new RangeError(
          `${fn}: decoder must take [${this.latent}] (the latent size, half the encoder's ${shapeStr(enc.outputShape)}), got ${shapeStr(dec.inputShape)}`,
        );
      this.inputShape = [...enc.inputShape];
      const d = numel(this.inputShape);
      if (numel(dec.outputShape) !== outputs(d))
        throw new RangeError(
          `${fn}: decoder must output ${outputs(d)} values per sample (${likelihood === 'gaussian' && outputStd === null ? 'means then log σ² of' : 'one per value of'} a sample ${shapeStr(this.inputShape)}), got ${shapeStr(dec.outputShape)}`,
        );
      this.encoder = enc;
      this.decoder = dec;
    } else {
      const shape = sizes(fn, 'inputShape', options.inputShape, [784]);
      const latent = positive(fn, 'latent', options.latent, 16);
      const hidden = sizes(fn, 'hidden', options.hidden, [256]);
      const act = activation(fn, 'activation', options.activation, 'relu');
      const d = numel(shape);
      this.inputShape = [...shape];
      this.latent = latent;
      this.encoder = new Model(mlpFrom(shape, hidden, 2 * latent, act), shape, {
        seed: subSeed(seed, 1),
      });
      this.decoder = new Model(mlpTo(latent, [...hidden].reverse(), [outputs(d)], act), [latent], {
        seed: subSeed(seed, 2),
      });
    }
    this.likelihood = likelihood;
    this.outputStd = outputStd;
    this.klWarmup = klWarmup;
    this.size = numel(this.inputShape);
    this.optimizer = make([...this.encoder.parameters(), ...this.decoder.parameters()]);
    this.rng = new Rng(subSeed(seed, 3));
  }

  /** The KL weight of the next step. */
  get beta(): number {
    return this.klWarmup > 0 ? Math.min(1, this.steps / this.klWarmup) : 1;
  }

  /**
   * The objective on a batch, on the tape: recon and kl summed over the batch, loss =
   * (recon + β·kl)/n. `noise`: ε of the reparameterisation [n, latent] (default drawn from
   * the model's generator); `beta` (default the warm-up's current one).
   */
  terms(
    x: Tensor | TensorLike,
    options: { noise?: Tensor | TensorLike; beta?: number } = {},
  ): VAETerms {
    const fn = 'VAE.terms';
    checkOptions(fn, options, ['noise', 'beta']);
    const t = this.batch(fn, x);
    const beta = options.beta ?? this.beta;
    if (typeof beta !== 'number' || !(beta >= 0) || !Number.isFinite(beta))
      throw new RangeError(`${fn}: beta must be a finite number ≥ 0, got ${describe(beta)}`);
    const eps = this.noiseFor(fn, options.noise, t.shape[0]);
    return this.objective(t, eps, beta, { training: true });
  }

  /** A batch of samples, checked (values in [0, 1] for a Bernoulli likelihood). */
  private batch(fn: string, x: unknown): Tensor {
    const t = batchOf(fn, 'x', x, this.inputShape);
    if (this.likelihood === 'bernoulli') checkUnit(fn, 'x', t);
    return t;
  }

  /** Given noise [n, latent], checked, or null (drawn in the objective). */
  private noiseFor(fn: string, noise: unknown, n: number): Tensor | null {
    if (noise === undefined) return null;
    const eps = batchOf(fn, 'noise', noise, [this.latent]);
    if (eps.shape[0] !== n)
      throw new RangeError(`${fn}: noise has ${eps.shape[0]} rows for a batch of ${n} samples`);
    return eps;
  }

  private objective(
    t: Tensor,
    eps: Tensor | null,
    beta: number,
    opts: { training: boolean },
  ): VAETerms {
    const n = t.shape[0];
    const [mu, logvar] = chunk(this.encoder.forward(t, opts).reshape([n, 2 * this.latent]), 2, 1);
    const noise = eps ?? randn([n, this.latent], this.rng);
    const z = mu.add(logvar.mul(0.5).exp().mul(noise));
    const out = this.decoder.forward(z, opts).reshape([n, -1]);
    const flat = t.reshape([n, this.size]);
    const recon = this.reconstruction(out, flat);
    const kl = mu.square().add(logvar.exp()).sub(logvar).sub(1).sum().mul(0.5);
    const loss = recon.add(kl.mul(beta)).div(n);
    return { loss, recon, kl };
  }

  /** −log p(x|z) summed over the batch. */
  private reconstruction(out: Tensor, x: Tensor): Tensor {
    if (this.likelihood === 'bernoulli') return this.bce.apply(out, x);
    const nd = x.size;
    if (this.outputStd !== null) {
      const s = this.outputStd;
      return this.mse
        .apply(out, x)
        .mul(0.5 / (s * s))
        .add(nd * (Math.log(s) + HALF_LOG_2PI));
    }
    const [mean, logvar] = chunk(out, 2, 1);
    return logvar
      .add(mean.sub(x).square().mul(logvar.neg().exp()))
      .sum()
      .mul(0.5)
      .add(nd * HALF_LOG_2PI);
  }

  /**
   * One optimizer step on a batch [n, …inputShape]. `noise` [n, latent] replaces the
   * reparameterisation draw (for reproducing a step).
   */
  step(x: Tensor | TensorLike, options: { noise?: Tensor | TensorLike } = {}): VAEStep {
    const fn = 'VAE.step';
    checkOptions(fn, options, ['noise']);
    const t = this.batch(fn, x);
    const n = t.shape[0];
    const eps = this.noiseFor(fn, options.noise, n);
    const beta = this.beta;
    const { result, leaves } = recorded(
      () => this.objective(t, eps, beta, { training: true }),
      () => [],
    );
    const r = result.recon.item() / n;
    const k = result.kl.item() / n;
    const l = result.loss.item();
    this.optimizer.zeroGrad();
    result.loss.backward();
    this.optimizer.step();
    for (const leaf of leaves) leaf._release();
    this.steps++;
    return { elbo: -(r + k), recon: r, kl: k, beta, loss: l };
  }

  /**
   * The ELBO and its parts per sample over a whole set [N, …inputShape], in batches, without
   * training; one noise draw per sample from a generator seeded with `seed` (default 0), so
   * two models are scored on the same draws.
   */
  evaluate(
    x: Tensor | TensorLike,
    options: { batchSize?: number; seed?: number } = {},
  ): {
    /** Mean ELBO per sample (nats; higher is better). */
    elbo: number;
    /** Mean reconstruction term −E[log p(x|z)] per sample. */
    recon: number;
    /** Mean KL(q(z|x) ‖ p(z)) per sample. */
    kl: number;
  } {
    const fn = 'VAE.evaluate';
    checkOptions(fn, options, ['batchSize', 'seed']);
    const size = positive(fn, 'batchSize', options.batchSize, 500);
    const rng = new Rng(seedOf(fn, options.seed));
    const t = this.batch(fn, x);
    let r = 0;
    let k = 0;
    noGrad(() => {
      for (const b of slices(t, size))
        scratch(() => {
          const eps = randn([b.shape[0], this.latent], rng);
          const { recon, kl } = this.objective(b, eps, 1, { training: false });
          r += recon.item();
          k += kl.item();
        });
    });
    const n = t.shape[0];
    return { elbo: -(r + k) / n, recon: r / n, kl: k / n };
  }

  /** q(z|x): μ and log σ² [n, latent] (recording nothing). */
  encode(x: Tensor | TensorLike): {
    /** Posterior means μ [n, latent]. */
    mu: Tensor;
    /** Posterior log-variances log σ² [n, latent]. */
    logvar: Tensor;
  } {
    const t = batchOf('VAE.encode', 'x', x, this.inputShape);
    return noGrad(() => {
      const [mu, logvar] = chunk(
        this.encoder.forward(t).reshape([t.shape[0], 2 * this.latent]),
        2,
        1,
      );
      return { mu, logvar };
    });
  }

  /** The decoder's mean for latents [n, latent]: probabilities (Bernoulli) or means, [n, …inputShape]. */
  decode(z: Tensor | TensorLike): Tensor {
    const t = batchOf('VAE.decode', 'z', z, [this.latent]);
    return noGrad(() => this.mean(this.decoder.forward(t), t.shape[0]));
  }

  private mean(out: Tensor, n: number): Tensor {
    const flat = out.reshape([n, -1]);
    const m =
      this.likelihood === 'bernoulli'
        ? flat.sigmoid()
        : this.outputStd === null
          ? chunk(flat, 2, 1)[0]
          : flat;
    return m.reshape([n, ...this.inputShape]);
  }

  /** Reconstructions: the decoder's mean at z = μ(x). */
  reconstruct(x: Tensor | TensorLike): Tensor {
    const { mu } = this.encode(x);
    return this.decode(mu);
  }

  /** `n` samples of the model: the decoder's mean at z ~ N(0, I) (from `rng`, default the model's). */
  sample(n: number, rng?: Rng): Tensor {
    const m = positive('VAE.sample', 'n', n, 1);
    if (rng !== undefined && !(rng instanceof Rng))
      throw new TypeError(`VAE.sample: rng must be an Rng, got ${describe(rng)}`);
    return this.decode(randn([m, this.latent], rng ?? this.rng));
  }
}
