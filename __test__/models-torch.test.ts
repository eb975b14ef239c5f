/**
 * The generative models against PyTorch (scripts/fixtures/gen_models.py), on both backends,
 * within 1e-5: the VAE's ELBO terms on a fixed batch with fixed noise (the reference from
 * torch.distributions) for a Bernoulli, a fixed-σ and a learned-variance Gaussian decoder,
 * with and without a KL weight, their gradients and one Adam step; two steps of the MLP GAN
 * and of the DCGAN (losses, D's probabilities, every parameter after each step, separate Adam
 * rates); one step of the MLP and of the convolutional autoencoder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { Autoencoder, GAN, VAE } from '../src/models/index.js';

const fx = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'models.json'), 'utf8'));

/** |a − b| ≤ 1e-5·|b| + 1e-6 elementwise (float32 against PyTorch's float32). */
function close(a: ArrayLike<number>, b: readonly number[], what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= 1e-5 * Math.abs(b[i]) + 1e-6))
      expect.fail(`${what}[${i}]: ${a[i]} vs torch ${b[i]}`);
}
const near = (a: number, b: number, what: string) => close([a], [b], what);

const data = (v: number[], shape: number[]) => ({ data: Float32Array.from(v), shape });
/** The two models' arenas, back to back. */
const both = (a: Float32Array, b: Float32Array) => [...a, ...b];

function load(first: { params: Float32Array }, second: { params: Float32Array }, v: number[]) {
  const n = first.params.length;
  expect(n + second.params.length).toBe(v.length);
  first.params.set(v.slice(0, n));
  second.params.set(v.slice(n));
}

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`generative models against PyTorch (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => {
      setBackend(prev);
    });

    for (const [name, c] of Object.entries(fx.vae) as [string, VaeCase][]) {
      it(`VAE ${name}: recon, KL, the loss with β = ${c.beta}, its gradients and an Adam step`, () => {
        const vae = new VAE({ ...c.options, optimizer: { lr: 0.01 } });
        load(vae.encoder, vae.decoder, c.params);
        const d = c.options.inputShape[0];
        const x = data(c.x, [c.x.length / d, d]);
        const noise = data(c.noise, [c.noise.length / c.options.latent, c.options.latent]);
        const n = x.shape[0];
        const t = vae.terms(x, { noise, beta: c.beta });
        near(t.recon.item(), c.recon, 'recon');
        near(t.kl.item(), c.kl, 'kl');
        near(t.loss.item(), c.loss, 'loss');
        near(-(t.recon.item() + t.kl.item()) / n, c.elbo, 'elbo');
        vae.optimizer.zeroGrad();
        t.loss.backward();
        close(both(vae.encoder.grads, vae.decoder.grads), c.grads, 'gradients');
        vae.optimizer.step();
        close(both(vae.encoder.params, vae.decoder.params), c.after, 'parameters after Adam');
      });
    }

    it('VAE.step reports the ELBO and its parts per sample, and steps as torch', () => {
      const c: VaeCase = fx.vae.bernoulli;
      const vae = new VAE({ ...c.options, optimizer: { lr: 0.01 } });
      load(vae.encoder, vae.decoder, c.params);
      const d = c.options.inputShape[0];
      const n = c.x.length / d;
      const r = vae.step(data(c.x, [n, d]), {
        noise: data(c.noise, [n, c.options.latent]),
      });
      near(r.recon, c.recon / n, 'recon per sample');
      near(r.kl, c.kl / n, 'kl per sample');
      near(r.elbo, c.elbo, 'elbo per sample');
      near(r.loss, c.loss, 'loss');
      expect(r.beta).toBe(1);
      close(both(vae.encoder.params, vae.decoder.params), c.after, 'parameters after the step');
    });

    for (const [name, key] of [
      ['the MLP GAN', 'gan'],
      ['the DCGAN (batch norm in training mode)', 'dcgan'],
    ] as const)
      it(`${name}: two steps (D on real and detached fakes, then G through the updated D), separate Adam rates`, () => {
        const c = fx[key];
        const gan = new GAN({
          ...c.options,
          optimizerG: c.optimizerG,
          optimizerD: c.optimizerD,
        });
        load(gan.generator, gan.discriminator, c.params);
        const shape: number[] = c.options.dataShape;
        const per = shape.reduce((a, d) => a * d, 1);
        for (const [i, s] of (c.steps as GanStep[]).entries()) {
          const n = s.real.length / per;
          const r = gan.step(data(s.real, [n, ...shape]), {
            noise: data(s.noise, [n, c.options.latent]),
          });
          near(r.lossD, s.lossD, `step ${i} lossD`);
          near(r.lossG, s.lossG, `step ${i} lossG`);
          near(r.dReal, s.dReal, `step ${i} D(x)`);
          near(r.dFake, s.dFake, `step ${i} D(G(z))`);
          close(
            both(gan.generator.params, gan.discriminator.params),
            s.after,
            `step ${i} parameters`,
          );
        }
      });

    for (const [name, key] of [
      ['MLP', 'ae'],
      ['convolutional', 'aeConv'],
    ] as const)
      it(`the ${name} autoencoder: one step of BCE reconstruction and Adam`, () => {
        const c = fx[key];
        const ae = new Autoencoder({ ...c.options, optimizer: { lr: 0.01 } });
        load(ae.encoder, ae.decoder, c.params);
        const shape: number[] = c.options.inputShape;
        const per = shape.reduce((a, d) => a * d, 1);
        const r = ae.step(data(c.x, [c.x.length / per, ...shape]));
        near(r.loss, c.loss, 'loss');
        close(both(ae.encoder.params, ae.decoder.params), c.after, 'parameters after the step');
      });
  });
}

interface VaeCase {
  options: {
    inputShape: number[];
    hidden: number[];
    latent: number;
    likelihood: 'bernoulli' | 'gaussian';
    outputStd?: number;
  };
  beta: number;
  x: number[];
  noise: number[];
  params: number[];
  recon: number;
  kl: number;
  elbo: number;
  loss: number;
  grads: number[];
  after: number[];
}

interface GanStep {
  real: number[];
  noise: number[];
  lossD: number;
  lossG: number;
  dReal: number;
  dFake: number;
  after: number[];
}
