/**
 * The models' API without training to an outcome: construction refusing bad arguments (unknown
 * keys with a did-you-mean, wrong types, out-of-range values, mismatched networks) before any
 * network is built; steps refusing bad batches and changing nothing; the KL warm-up schedule;
 * shapes of samples, codes and reconstructions; evaluation leaving the weights alone; steady-
 * state steps taking no pooled buffer; the 8-Gaussian ring's draws and its coverage criteria.
 */
import { describe, expect, it } from 'vitest';
import { poolStats } from '../src/autograd/index.js';
import { Autoencoder, EightGaussians, GAN, VAE } from '../src/models/index.js';
import { LeakyReLU, ReLU } from '../src/nn/activation.js';
import { Linear } from '../src/nn/linear.js';
import { Model } from '../src/nn/model.js';
import { Sequential } from '../src/nn/sequential.js';
import { Adam, LBFGS, RMSprop, SGD } from '../src/optim/index.js';
import { Rng } from '../src/random.js';

const mlp = (i: number, o: number, seed = 0) =>
  new Model(new Sequential([new Linear(i, 5), new ReLU(), new Linear(5, o)]), [i], { seed });
const batch = (n: number, d: number, v = 0.5) => ({
  data: new Float32Array(n * d).fill(v),
  shape: [n, d],
});

describe('construction refuses bad arguments, naming them', () => {
  const cases: Array<[string, () => unknown, RegExp, ErrorConstructor]> = [
    [
      'VAE misspelt key',
      () => new VAE({ latnet: 4 } as never),
      /VAE: unknown option "latnet" \(did you mean "latent"\?\)/,
      TypeError,
    ],
    [
      'VAE latent type',
      () => new VAE({ latent: '4' as never }),
      /VAE: latent must be an integer, got string "4"/,
      TypeError,
    ],
    [
      'VAE latent 0',
      () => new VAE({ latent: 0 }),
      /VAE: latent must be at least 1, got 0/,
      RangeError,
    ],
    [
      'VAE hidden entry',
      () => new VAE({ hidden: [8, 0] }),
      /VAE: hidden\[1\] must be at least 1, got 0/,
      RangeError,
    ],
    [
      'VAE hidden type',
      () => new VAE({ hidden: 8 as never }),
      /VAE: hidden must be a non-empty array of positive integers, got number 8/,
      TypeError,
    ],
    [
      'VAE likelihood',
      () => new VAE({ likelihood: 'bernouli' as never }),
      /VAE: likelihood must be one of bernoulli, gaussian, got string "bernouli" \(did you mean "bernoulli"\?\)/,
      TypeError,
    ],
    [
      'VAE outputStd with Bernoulli',
      () => new VAE({ outputStd: 0.1 }),
      /VAE: outputStd is the σ of a Gaussian likelihood; likelihood is bernoulli/,
      TypeError,
    ],
    [
      'VAE outputStd 0',
      () => new VAE({ likelihood: 'gaussian', outputStd: 0 }),
      /VAE: outputStd must be > 0, got 0/,
      RangeError,
    ],
    [
      'VAE klWarmup',
      () => new VAE({ klWarmup: -5 }),
      /VAE: klWarmup must be ≥ 0 steps, got -5/,
      RangeError,
    ],
    [
      'VAE klWarmup fraction',
      () => new VAE({ klWarmup: 2.5 }),
      /VAE: klWarmup must be a whole number of steps, got number 2.5/,
      TypeError,
    ],
    [
      'VAE activation',
      () => new VAE({ activation: 'rleu' as never }),
      /VAE: activation must be one of relu, leakyrelu, tanh, elu, silu, got string "rleu" \(did you mean "relu"\?\)/,
      TypeError,
    ],
    [
      'VAE optimizer option',
      () => new VAE({ optimizer: { lr: 1e-3, beta: [0.5, 0.9] } }),
      /VAE: optimizer: .*unknown option "beta".*betas/,
      TypeError,
    ],
    [
      'VAE optimizer lr',
      () => new VAE({ optimizer: { lr: -1 } }),
      /VAE: optimizer: .*lr/,
      RangeError,
    ],
    [
      'VAE optimizer instance',
      () =>
        new VAE({
          optimizer: {
            type: new Adam([{ data: new Float32Array(1), grad: new Float32Array(1) }]) as never,
          },
        }),
      /VAE: optimizer.type must be an optimizer class such as optim.Adam, not an instance/,
      TypeError,
    ],
    [
      'VAE optimizer closure',
      () => new VAE({ optimizer: { type: LBFGS } }),
      /VAE: optimizer.type: LBFGS needs a closure/,
      TypeError,
    ],
    [
      'VAE optimizer not a class',
      () => new VAE({ optimizer: { type: 'adam' as never } }),
      /VAE: optimizer.type must be an optimizer class of this library/,
      TypeError,
    ],
    [
      'VAE encoder alone',
      () => new VAE({ encoder: mlp(4, 6) }),
      /VAE: give encoder and decoder together \(decoder is missing\)/,
      TypeError,
    ],
    [
      'VAE encoder with hidden',
      () => new VAE({ encoder: mlp(4, 6), decoder: mlp(3, 4), hidden: [8] }),
      /VAE: hidden describes the built-in architecture; with your own encoder and decoder leave it out/,
      TypeError,
    ],
    [
      'VAE encoder odd output',
      () => new VAE({ encoder: mlp(4, 5), decoder: mlp(3, 4) }),
      /VAE: encoder must output 2·latent values \(μ then log σ²\), got \[5\] \(5, odd\)/,
      RangeError,
    ],
    [
      'VAE decoder input',
      () => new VAE({ encoder: mlp(4, 6), decoder: mlp(2, 4) }),
      /VAE: decoder must take \[3\] \(the latent size, half the encoder's \[6\]\), got \[2\]/,
      RangeError,
    ],
    [
      'VAE decoder output',
      () => new VAE({ encoder: mlp(4, 6), decoder: mlp(3, 4), likelihood: 'gaussian' }),
      /VAE: decoder must output 8 values per sample \(means then log σ² of a sample \[4\]\), got \[4\]/,
      RangeError,
    ],
    [
      'VAE encoder not a model',
      () => new VAE({ encoder: {} as never, decoder: mlp(3, 4) }),
      /VAE: encoder must be an nn.Model, got Object/,
      TypeError,
    ],
    [
      'GAN kind',
      () => new GAN({ kind: 'mpl' as never }),
      /GAN: kind must be one of .*got string "mpl" \(did you mean "mlp"\?\)/,
      TypeError,
    ],
    [
      'GAN misspelt key',
      () => new GAN({ optimiserG: {} } as never),
      /GAN: unknown option "optimiserG" \(did you mean "optimizerG"\?\)/,
      TypeError,
    ],
    [
      'GAN latent',
      () => new GAN({ latent: 1.5 }),
      /GAN: latent must be an integer, got number 1.5/,
      TypeError,
    ],
    [
      'GAN dataShape',
      () => new GAN({ dataShape: [2, -1] }),
      /GAN: dataShape\[1\] must be in \[0, 2\^53\), got -1/,
      RangeError,
    ],
    [
      'GAN output',
      () => new GAN({ output: 'softmax' as never }),
      /GAN: output must be one of linear, tanh, sigmoid, got string "softmax"/,
      TypeError,
    ],
    [
      'GAN optimizerD option',
      () => new GAN({ optimizerD: { type: RMSprop, lr: 1e-3, betas: [0.5, 0.9] } }),
      /GAN: optimizerD: .*unknown option "betas"/,
      TypeError,
    ],
    [
      'GAN optimizerG not an object',
      () => new GAN({ optimizerG: 0.001 as never }),
      /GAN: optimizerG must be an object, got number 0.001/,
      TypeError,
    ],
    [
      'GAN models mismatch',
      () => new GAN({ generator: mlp(3, 4), discriminator: mlp(5, 1) }),
      /GAN: the generator's samples \[4\] must be what the discriminator takes, \[5\]/,
      RangeError,
    ],
    [
      'GAN discriminator output',
      () => new GAN({ generator: mlp(3, 4), discriminator: mlp(4, 2) }),
      /GAN: discriminator must output one logit per sample, got \[2\]/,
      RangeError,
    ],
    [
      'GAN same model',
      () => {
        const m = mlp(4, 4);
        return new GAN({ generator: m, discriminator: m });
      },
      /GAN: generator and discriminator must be two different models/,
      TypeError,
    ],
    [
      'Autoencoder loss',
      () => new Autoencoder({ loss: 'bc' as never }),
      /Autoencoder: loss must be one of bce, mse, got string "bc" \(did you mean "bce"\?\)/,
      TypeError,
    ],
    [
      'Autoencoder decoder shape',
      () => new Autoencoder({ encoder: mlp(6, 3), decoder: mlp(3, 5) }),
      /Autoencoder: decoder must give samples of the encoder's input shape \[6\], got \[5\]/,
      RangeError,
    ],
    [
      'Autoencoder options',
      () => new Autoencoder(null as never),
      /Autoencoder: options must be an object, got null/,
      TypeError,
    ],
    [
      'GAN width for an MLP',
      () => new GAN({ width: 16 }),
      /GAN: width is not an option of the mlp architecture/,
      TypeError,
    ],
    [
      'GAN hidden for a DCGAN',
      () => new GAN({ kind: 'dcgan', hidden: [8] }),
      /GAN: hidden is not an option of the dcgan architecture/,
      TypeError,
    ],
    [
      'GAN dcgan image size',
      () => new GAN({ kind: 'dcgan', dataShape: [1, 32, 32] }),
      /GAN: the dcgan architecture makes images \[C, 28, 28\], got dataShape \[1, 32, 32\]/,
      RangeError,
    ],
    [
      'Autoencoder channels for an MLP',
      () => new Autoencoder({ channels: [8, 16] }),
      /Autoencoder: channels is not an option of the mlp architecture/,
      TypeError,
    ],
    [
      'Autoencoder conv image size',
      () => new Autoencoder({ kind: 'conv', inputShape: [1, 30, 28] }),
      /Autoencoder: the conv architecture takes images \[C, H, W\] with H and W multiples of 4 \(two stride-2 stages\), got inputShape \[1, 30, 28\]/,
      RangeError,
    ],
    [
      'Autoencoder conv channels',
      () => new Autoencoder({ kind: 'conv', channels: [8, 16, 32] }),
      /Autoencoder: channels must give the two stages' channel counts, got 3 \(8, 16, 32\)/,
      RangeError,
    ],
    [
      'EightGaussians std',
      () => new EightGaussians({ std: 0.5 }),
      /EightGaussians: std 0.5 is too large for radius 2/,
      RangeError,
    ],
    [
      'EightGaussians key',
      () => new EightGaussians({ sd: 0.1 } as never),
      /EightGaussians: unknown option "sd" \(did you mean "std"\?\)/,
      TypeError,
    ],
  ];
  for (const [name, make, msg, E] of cases)
    it(name, () => {
      expect(make).toThrow(E);
      expect(make).toThrow(msg);
    });

  it('before building any network: a bad option beside a huge architecture is refused at once', () => {
    // built first, these layers would take 40 GB (allocArena's own RangeError)
    const t0 = performance.now();
    expect(() => new VAE({ hidden: [100_000, 100_000], optimizer: { lr: -1 } })).toThrow(
      /VAE: optimizer: .*lr/,
    );
    expect(() => new GAN({ hidden: [100_000, 100_000], optimizerD: { typo: 1 } })).toThrow(
      /GAN: optimizerD: .*unknown option "typo"/,
    );
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('steps refuse bad batches and change nothing', () => {
  it('VAE: shape, Bernoulli range, noise rows', () => {
    const vae = new VAE({ inputShape: [6], hidden: [5], latent: 2, seed: 1 });
    const before = Float32Array.from(vae.encoder.params);
    expect(() => vae.step(batch(3, 7))).toThrow(
      /VAE.step: x must have shape \[n, 6\] \(a batch of samples \[6\]\), got \[3, 7\]/,
    );
    expect(() => vae.step(batch(3, 6, 1.5))).toThrow(
      /VAE.step: x must hold values in \[0, 1\] for a Bernoulli likelihood .*got 1.5 at flat index 0/,
    );
    expect(() => vae.step(batch(3, 6), { noise: batch(4, 2) })).toThrow(
      /VAE.step: noise has 4 rows for a batch of 3 samples/,
    );
    expect(() => vae.step(batch(3, 6), { nosie: batch(3, 2) } as never)).toThrow(
      /VAE.step: unknown option "nosie" \(did you mean "noise"\?\)/,
    );
    expect(() => vae.terms(batch(3, 6), { beta: -1 })).toThrow(/VAE.terms: beta must be/);
    expect(() => vae.step({ data: new Float32Array(0), shape: [0, 6] })).toThrow(
      /VAE.step: x holds no samples/,
    );
    expect(vae.encoder.params).toEqual(before);
    expect(vae.steps).toBe(0);
  });

  it('GAN: shape and noise', () => {
    const gan = new GAN({ hidden: [4], seed: 1 });
    const g = Float32Array.from(gan.generator.params);
    const d = Float32Array.from(gan.discriminator.params);
    expect(() => gan.step(batch(5, 3))).toThrow(
      /GAN.step: real must have shape \[n, 2\] \(a batch of samples \[2\]\), got \[5, 3\]/,
    );
    expect(() => gan.step(batch(5, 2), { noise: batch(5, 7) })).toThrow(
      /GAN.step: noise must have shape \[n, 8\]/,
    );
    expect(() => gan.step(batch(5, 2), { noise: batch(4, 8) })).toThrow(
      /GAN.step: noise has 4 rows, real has 5 samples/,
    );
    expect(() => gan.sample(0)).toThrow(/GAN.sample: n must be at least 1, got 0/);
    expect(gan.generator.params).toEqual(g);
    expect(gan.discriminator.params).toEqual(d);
  });

  it('Autoencoder: shape and range', () => {
    const ae = new Autoencoder({ inputShape: [6], hidden: [4], latent: 2 });
    expect(() => ae.step(batch(2, 5))).toThrow(/Autoencoder.step: x must have shape \[n, 6\]/);
    expect(() => ae.step(batch(2, 6, -0.1))).toThrow(
      /Autoencoder.step: x must hold values in \[0, 1\]/,
    );
    expect(() =>
      new Autoencoder({ inputShape: [6], loss: 'mse' }).step(batch(2, 6, -3)),
    ).not.toThrow();
  });
});

describe('behaviour', () => {
  it('KL warm-up: β = steps / klWarmup, capped at 1; the ELBO reported uses β = 1', () => {
    const vae = new VAE({ inputShape: [6], hidden: [5], latent: 2, klWarmup: 4, seed: 2 });
    const x = batch(8, 6, 0.3);
    const betas = [];
    for (let i = 0; i < 6; i++) {
      const r = vae.step(x);
      betas.push(r.beta);
      expect(r.elbo).toBeCloseTo(-(r.recon + r.kl), 4);
      expect(r.loss).toBeCloseTo(r.recon + r.beta * r.kl, 4);
    }
    expect(betas).toEqual([0, 0.25, 0.5, 0.75, 1, 1]);
    expect(new VAE({ inputShape: [6], hidden: [5], latent: 2 }).beta).toBe(1);
  });

  it('shapes: samples, codes, reconstructions (sample shape kept), probabilities for Bernoulli', () => {
    const vae = new VAE({ inputShape: [2, 3], hidden: [5], latent: 4, seed: 3 });
    expect(vae.sample(7).shape).toEqual([7, 2, 3]);
    const r = vae.reconstruct({ data: new Float32Array(6 * 5).fill(0.2), shape: [5, 2, 3] });
    expect(r.shape).toEqual([5, 2, 3]);
    expect(Math.min(...r.data)).toBeGreaterThan(0);
    expect(Math.max(...r.data)).toBeLessThan(1);
    const { mu, logvar } = vae.encode({ data: new Float32Array(6).fill(0.2), shape: [1, 2, 3] });
    expect(mu.shape).toEqual([1, 4]);
    expect(logvar.shape).toEqual([1, 4]);
    const g = new VAE({ inputShape: [3], hidden: [5], latent: 2, likelihood: 'gaussian' });
    expect(g.decoder.outputShape).toEqual([6]); // means and log-variances
    expect(g.sample(2).shape).toEqual([2, 3]);
    const gan = new GAN({ dataShape: [2, 2], hidden: [6], latent: 3, output: 'tanh' });
    const s = gan.sample(9, new Rng(4));
    expect(s.shape).toEqual([9, 2, 2]);
    expect(Math.max(...s.data.map(Math.abs))).toBeLessThan(1);
    expect(gan.score(s).length).toBe(9);
    const dc = new GAN({ kind: 'dcgan', width: 4, latent: 6 });
    const img = dc.sample(3);
    expect(img.shape).toEqual([3, 1, 28, 28]);
    expect(Math.max(...img.data.map(Math.abs))).toBeLessThanOrEqual(1); // tanh
    const cae = new Autoencoder({
      kind: 'conv',
      inputShape: [2, 8, 12],
      channels: [3, 4],
      latent: 5,
    });
    const xi = { data: new Float32Array(2 * 2 * 8 * 12).fill(0.5), shape: [2, 2, 8, 12] };
    expect(cae.encode(xi).shape).toEqual([2, 5]);
    expect(cae.reconstruct(xi).shape).toEqual([2, 2, 8, 12]);
    const ae = new Autoencoder({ inputShape: [2, 3], hidden: [4], latent: 2 });
    expect(ae.encode({ data: new Float32Array(18), shape: [3, 2, 3] }).shape).toEqual([3, 2]);
    expect(
      ae.reconstruct({ data: new Float32Array(18).fill(0.5), shape: [3, 2, 3] }).shape,
    ).toEqual([3, 2, 3]);
  });

  it('evaluate scores a set in batches without touching the weights; the same seed gives the same draws', () => {
    const vae = new VAE({ inputShape: [6], hidden: [5], latent: 2, seed: 5 });
    const x = { data: new Rng(1).uniform(6 * 23), shape: [23, 6] };
    const p = Float32Array.from(vae.encoder.params);
    const a = vae.evaluate(x, { batchSize: 5 });
    const b = vae.evaluate(x, { batchSize: 5 });
    expect(a).toEqual(b);
    expect(a.elbo).toBeCloseTo(-(a.recon + a.kl), 6);
    expect(vae.encoder.params).toEqual(p);
    expect(vae.encoder.grads.every((v) => v === 0)).toBe(true);
    const ae = new Autoencoder({ inputShape: [6], hidden: [4], latent: 2 });
    const whole = ae.evaluate(x).loss;
    expect(ae.evaluate(x, { batchSize: 4 }).loss).toBeCloseTo(whole, 6);
  });

  it('a custom encoder/decoder pair and generator/discriminator pair train', () => {
    const enc = new Model(new Sequential([new Linear(4, 6), new ReLU(), new Linear(6, 4)]), [4], {
      seed: 1,
    });
    const dec = new Model(new Sequential([new Linear(2, 6), new ReLU(), new Linear(6, 4)]), [2], {
      seed: 2,
    });
    const vae = new VAE({ encoder: enc, decoder: dec, optimizer: { type: SGD, lr: 0.05 } });
    expect(vae.latent).toBe(2);
    const x = { data: new Rng(2).uniform(4 * 16), shape: [16, 4] };
    const first = vae.evaluate(x).elbo;
    for (let i = 0; i < 50; i++) vae.step(x);
    expect(vae.evaluate(x).elbo).toBeGreaterThan(first);
    const G = new Model(new Sequential([new Linear(3, 4)]), [3]);
    const D = new Model(
      new Sequential([new Linear(4, 4), new LeakyReLU(0.2), new Linear(4, 1)]),
      [4],
    );
    const gan = new GAN({ generator: G, discriminator: D });
    expect(gan.latent).toBe(3);
    const r = gan.step(batch(6, 4, 1));
    expect(Number.isFinite(r.lossD) && Number.isFinite(r.lossG)).toBe(true);
  });
});

describe('buffers', () => {
  it('a steady-state step of each model takes no new pooled buffer (the graph gives its own back)', () => {
    const x = { data: new Rng(1).uniform(8 * 36), shape: [8, 36] };
    const img = { data: new Rng(2).uniform(4 * 784, -1, 1), shape: [4, 1, 28, 28] };
    const ring = new EightGaussians();
    const vae = new VAE({ inputShape: [36], hidden: [12], latent: 3 });
    const gaussian = new VAE({ inputShape: [36], hidden: [12], latent: 3, likelihood: 'gaussian' });
    const gan = new GAN({ hidden: [8] });
    const dcgan = new GAN({ kind: 'dcgan', width: 2, latent: 4 });
    const ae = new Autoencoder({ inputShape: [36], hidden: [12], latent: 3 });
    for (const [name, step] of [
      ['VAE', () => vae.step(x)],
      ['Gaussian VAE', () => gaussian.step(x)],
      ['GAN', () => gan.step(ring.sample(16))],
      ['DCGAN', () => dcgan.step(img)],
      ['Autoencoder', () => ae.step(x)],
    ] as const) {
      for (let i = 0; i < 3; i++) step();
      const before = poolStats().allocations;
      for (let i = 0; i < 5; i++) step();
      expect(poolStats().allocations - before, name).toBe(0);
    }
  });
});

describe('8-Gaussian ring', () => {
  it('draws from the eight modes; its own samples cover all of them', () => {
    const ring = new EightGaussians({ seed: 3 });
    const s = ring.sample(4000);
    expect(s.shape).toEqual([4000, 2]);
    const c = ring.coverage(s);
    expect(c.modes).toBe(8);
    expect(c.highQuality).toBeGreaterThan(0.98); // 3σ of a 2-D Gaussian holds 98.9%
    for (const n of c.counts) expect(Math.abs(n - 500)).toBeLessThan(100);
  });

  it('a collapsed generator covers one mode; points off the ring cover none', () => {
    const ring = new EightGaussians();
    const one = new Float32Array(200);
    for (let i = 0; i < 100; i++) one.set([2.01, -0.02], 2 * i);
    expect(ring.coverage({ data: one, shape: [100, 2] })).toEqual({
      modes: 1,
      counts: [100, 0, 0, 0, 0, 0, 0, 0],
      highQuality: 1,
    });
    const off = ring.coverage({ data: new Float32Array(20), shape: [10, 2] });
    expect(off.modes).toBe(0);
    expect(off.highQuality).toBe(0);
    // a mode needs minShare of the samples: 1 point in 200 is not coverage at 1%
    const few = new Float32Array(400);
    few.set([0, 2], 0);
    for (let i = 1; i < 200; i++) few.set([2, 0], 2 * i);
    expect(ring.coverage({ data: few, shape: [200, 2] }).modes).toBe(1);
    expect(ring.coverage({ data: few, shape: [200, 2] }, { minShare: 0.005 }).modes).toBe(2);
    expect(() => ring.coverage({ data: new Float32Array(6), shape: [2, 3] })).toThrow(
      /EightGaussians.coverage: points must have shape \[n, 2\] with n ≥ 1, got \[2, 3\]/,
    );
  });
});
