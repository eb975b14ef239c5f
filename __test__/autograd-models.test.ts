/**
 * Whole models on the tape, written the way PyTorch users write them: the GAN step (one
 * discriminator called on real and fake batches, one backward) against PyTorch's numbers, a
 * Hessian-vector product against torch.autograd.functional.hvp, custom layers with several
 * inputs and shared sublayers, a hand-written training loop over plain tensors, the errors
 * that replace silently wrong numbers, and a steady-state step that allocates nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ag from '../src/autograd/index.js';
import { applyLoss, type Tensor } from '../src/autograd/index.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { LeakyReLU, ReLU, Tanh } from '../src/nn/activation.js';
import { Layer } from '../src/nn/layer.js';
import { Linear } from '../src/nn/linear.js';
import { BCEWithLogitsLoss, CrossEntropyLoss, MSELoss } from '../src/nn/losses/index.js';
import { Model } from '../src/nn/model.js';
import { Sequential } from '../src/nn/sequential.js';
import { Adam, SGD } from '../src/optim/index.js';
import { Rng } from '../src/random.js';

const fx = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'autograd-models.json'), 'utf8'),
);

/** |a − b| ≤ 1e-5·|b| + 1e-6 elementwise (float32 against PyTorch's float32). */
function close(a: ArrayLike<number>, b: readonly number[], what: string): void {
  expect(a.length, what).toBe(b.length);
  for (let i = 0; i < b.length; i++)
    if (!(Math.abs(a[i] - b[i]) <= 1e-5 * Math.abs(b[i]) + 1e-6))
      expect.fail(`${what}[${i}]: ${a[i]} vs torch ${b[i]}`);
}

const t = (data: readonly number[], shape: number[]) =>
  ag.tensor(Float32Array.from(data), shape) as Tensor;

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`models on the tape (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => {
      setBackend(prev);
    });

    function gan() {
      const D = new Model(
        new Sequential([new Linear(4, 5), new LeakyReLU(0.2), new Linear(5, 1)]),
        [4],
      );
      const G = new Model(new Sequential([new Linear(3, 4), new Tanh()]), [3]);
      D.params.set(fx.gan.dParams);
      G.params.set(fx.gan.gParams);
      return { D, G, real: t(fx.gan.real, [6, 4]), z: t(fx.gan.z, [6, 3]) };
    }

    it('the GAN step: one discriminator on real and fake, one backward, gives PyTorch numbers', () => {
      const { D, G, real, z } = gan();
      const bce = new BCEWithLogitsLoss();
      const fake = G.forward(z);
      const outR = D.forward(real);
      const outF = D.forward(fake);
      expect(outR.data).not.toBe(outF.data);
      const lossR = applyLoss(bce, outR, ag.ones([6, 1]));
      const lossF = applyLoss(bce, outF, ag.zeros([6, 1]));
      lossR.add(lossF).backward();
      close([lossR.item()], [fx.gan.dStep.lossReal], 'loss on real');
      close([lossF.item()], [fx.gan.dStep.lossFake], 'loss on fake');
      close(D.grads, fx.gan.dStep.dGrads, "D's gradients");
      close(G.grads, fx.gan.dStep.gGrads, "G's gradients");
      // the generator's non-saturating step
      D.zeroGrad();
      G.zeroGrad();
      const lossG = applyLoss(bce, D.forward(G.forward(z)), ag.ones([6, 1]));
      lossG.backward();
      close([lossG.item()], [fx.gan.gStep.lossG], 'generator loss');
      close(G.grads, fx.gan.gStep.gGrads, "G's gradients (generator step)");
    });

    it('Model.backward(dy) after two live forwards is refused, not answered for the wrong one', () => {
      const { D, real, z } = gan();
      D.forward(real);
      D.forward(z.matmul(ag.ones([3, 4])));
      expect(() => D.backward(ag.ones([6, 1]))).toThrow(
        /ambiguous; call backward on the output tensor/,
      );
      expect(Array.from(D.grads).every((v) => v === 0)).toBe(true);
    });

    it('a graph recorded before an optimizer step refuses backward (stale weights)', () => {
      const { D, real } = gan();
      const opt = new SGD(D.parameters(), { lr: 0.1 });
      const a = D.forward(real).sum();
      const b = D.forward(real).sum();
      a.backward();
      opt.step();
      expect(() => b.backward()).toThrow(/modified in place after the forward pass/);
    });

    it('a Hessian-vector product of an MLP loss equals torch.autograd.functional.hvp', () => {
      const h = fx.hvp;
      const x = t(h.x, [4, 5]);
      const y = t(h.y, [4, 3]);
      const sizes = h.shapes.map((s: number[]) => s.reduce((a, d) => a * d, 1));
      const split = (flat: number[]) => {
        let o = 0;
        return h.shapes.map((s: number[], i: number) => {
          const part = flat.slice(o, o + sizes[i]);
          o += sizes[i];
          return t(part, s);
        });
      };
      const params: Tensor[] = split(h.params);
      const vs: Tensor[] = split(h.v);
      const lossOf = (w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) =>
        ag
          .linear(ag.linear(x, w1, b1).tanh(), w2, b2)
          .sub(y)
          .square()
          .mean();
      // H·v for all parameters at once: d/dθ ⟨∇θ L, v⟩
      const leaves = params.map(
        (p) => ag.tensor(p.data, [...p.shape], { requiresGrad: true }) as Tensor,
      );
      const L = lossOf(leaves[0], leaves[1], leaves[2], leaves[3]);
      close([L.item()], [h.loss], 'loss');
      const g = ag.gradients(L, leaves, { createGraph: true });
      const dot = g.map((gi, i) => gi.mul(vs[i]).sum()).reduce((a, b) => a.add(b));
      const hv = ag.gradients(dot, leaves);
      const flat = hv.flatMap((x2) => Array.from(x2.data));
      for (let i = 0; i < flat.length; i++)
        if (!(Math.abs(flat[i] - h.hvp[i]) <= 1e-4 * (1 + Math.abs(h.hvp[i]))))
          expect.fail(`hvp[${i}]: ${flat[i]} vs torch ${h.hvp[i]}`);
      // and the one-argument transform agrees on the first weight
      const hv0 = ag.hvp(
        (w: Tensor) => lossOf(w, params[1], params[2], params[3]),
        params[0],
        vs[0],
      );
      expect(hv0.shape).toEqual([7, 5]);
    });

    it('second-order MAML through withParameters equals PyTorch (and first-order differs as it should)', () => {
      const m = fx.maml;
      const model = new Model(
        new Sequential([new Linear(1, 8), new Tanh(), new Linear(8, 1)]),
        [1],
      );
      model.params.set(m.theta);
      const xs = t(m.xs, [10, 1]);
      const ys = t(m.ys, [10, 1]);
      const xq = t(m.xq, [10, 1]);
      const yq = t(m.yq, [10, 1]);
      const mse = (p: Tensor, y: Tensor) => p.sub(y).square().mean();
      const metaGrad = (createGraph: boolean) => {
        model.zeroGrad();
        let fast = model.parameters().map((p) => p.tensor as Tensor);
        for (let k = 0; k < 2; k++) {
          const loss = model.withParameters(fast, () => mse(model.forward(xs), ys));
          const g = ag.gradients(loss, fast, { createGraph });
          fast = fast.map((w, i) => w.sub(g[i].mul(0.3)));
        }
        const q = model.withParameters(fast, () => mse(model.forward(xq), yq));
        q.backward();
        return { q: q.item(), grads: Float32Array.from(model.grads) };
      };
      const second = metaGrad(true);
      close([second.q], [m.queryLoss], 'query loss');
      close(second.grads, m.secondOrder, 'second-order meta-gradient');
      const first = metaGrad(false);
      close(first.grads, m.firstOrder, 'first-order meta-gradient');
      expect(first.grads).not.toEqual(second.grads);
      // the model's own parameters are back in place
      expect(model.parameters()[0].tensor?.data).toBe(model.parameters()[0].data);
    });

    it('custom layers: fields are children, several inputs, a shared sublayer is one set of weights', () => {
      class Siamese extends Layer {
        readonly encoder = new Sequential([new Linear(3, 4), new ReLU()]);
        readonly head = new Linear(8, 1);
        forward(a: Tensor, b: Tensor): Tensor {
          const ea = this.encoder.forward(a);
          const eb = this.encoder.forward(b);
          return this.head.forward(
            ea
              .sub(eb)
              .abs()
              .matmul(ag.ones([4, 8])),
          );
        }
      }
      const net = new Siamese();
      const m = new Model(net, null, { seed: 3 });
      expect(m.parameters().map((p) => p.name)).toEqual([
        '0.0.weight',
        '0.0.bias',
        '1.weight',
        '1.bias',
      ]);
      const a = t([0.1, 0.2, 0.3, -0.4, 0.5, -0.6], [2, 3]);
      const b = t([0.3, -0.2, 0.1, 0.4, 0.1, 0.2], [2, 3]);
      const y = net.forward(a, b);
      y.sum().backward();
      const g1 = Float32Array.from(m.grads);
      expect(g1.some((v) => v !== 0)).toBe(true);
      // the same gradient by finite differences on one encoder weight
      const w = m.parameters()[0].data;
      const f = () => ag.noGrad(() => net.forward(a, b).sum().item());
      const h = 1e-2;
      const v0 = w[1];
      w[1] = v0 + h;
      const up = f();
      w[1] = v0 - h;
      const down = f();
      w[1] = v0;
      expect(Math.abs((up - down) / (2 * h) - g1[1])).toBeLessThan(2e-3);
    });

    it('a layer already in one model is refused by another', () => {
      const lin = new Linear(2, 2);
      new Model(lin, [2]);
      expect(() => new Model(new Sequential([lin]), [2])).toThrow(
        /already belongs to another Model/,
      );
    });

    it('a PyTorch-style loop over plain tensors trains (optimizers take tensors)', () => {
      const rng = new Rng(5);
      const X = ag.randn([32, 2], rng);
      const w = ag.tensor([0.1, -0.2], [2, 1], { requiresGrad: true }) as Tensor;
      const b = ag.tensor([0], [1], { requiresGrad: true }) as Tensor;
      const yTrue = X.matmul(ag.tensor([2, -3], [2, 1]) as Tensor).add(0.5);
      const opt = new Adam([w, b], { lr: 0.1 });
      let first = 0;
      let last = 0;
      for (let step = 0; step < 200; step++) {
        opt.zeroGrad();
        const loss = X.matmul(w).add(b).sub(yTrue).square().mean();
        loss.backward();
        opt.step();
        if (step === 0) first = loss.item();
        last = loss.item();
      }
      expect(last).toBeLessThan(first * 1e-3);
      expect(() => new SGD([ag.tensor([1, 2]) as Tensor], { lr: 0.1 })).toThrow(
        /not a float32 leaf requiring grad/,
      );
    });

    it('a VAE trains with the reparameterisation trick and an analytic KL, no hand-written gradient', () => {
      const rng = new Rng(7);
      const enc = new Model(new Sequential([new Linear(6, 8), new Tanh(), new Linear(8, 4)]), [6], {
        seed: 1,
      });
      const dec = new Model(new Sequential([new Linear(2, 8), new Tanh(), new Linear(8, 6)]), [2], {
        seed: 2,
      });
      const opt = new Adam([...enc.parameters(), ...dec.parameters()], { lr: 0.01 });
      const x = ag.rand([16, 6], new Rng(9)).sub(0.5);
      const mse = new MSELoss({ reduction: 'sum' });
      const losses: number[] = [];
      for (let step = 0; step < 150; step++) {
        enc.zeroGrad();
        dec.zeroGrad();
        const h = enc.forward(x);
        const mu = h.matmul(ag.tensor([1, 0, 0, 1, 0, 0, 0, 0], [4, 2]) as Tensor);
        const logvar = h.matmul(ag.tensor([0, 0, 0, 0, 1, 0, 0, 1], [4, 2]) as Tensor);
        const zz = mu.add(
          logvar
            .mul(0.5)
            .exp()
            .mul(ag.randn([16, 2], rng)),
        );
        const recon = applyLoss(mse, dec.forward(zz), x);
        const kl = logvar.add(1).sub(mu.square()).sub(logvar.exp()).sum().mul(-0.5);
        const loss = recon.add(kl).div(16);
        loss.backward();
        opt.step();
        losses.push(loss.item());
      }
      const early = losses.slice(0, 10).reduce((a, v) => a + v) / 10;
      const late = losses.slice(-10).reduce((a, v) => a + v) / 10;
      expect(late).toBeLessThan(early * 0.7);
    });

    it('a steady-state training step allocates no new buffers', () => {
      const m = new Model(
        new Sequential([new Linear(20, 32), new ReLU(), new Linear(32, 5)]),
        [20],
        { seed: 1 },
      );
      const opt = new SGD(m.parameters(), { lr: 0.01 });
      const ce = new CrossEntropyLoss();
      const x = { data: new Rng(1).uniform(64 * 20, -1, 1), shape: [64, 20] };
      const y = Int32Array.from({ length: 64 }, (_, i) => i % 5);
      const step = () => {
        m.zeroGrad();
        const out = m.forward(x, { training: true });
        const loss = applyLoss(ce, out, y);
        out._internal = true; // as fit does: nothing outside the step keeps them
        loss._internal = true;
        loss.backward();
        opt.step();
      };
      for (let i = 0; i < 3; i++) step();
      const before = ag.poolStats().allocations;
      for (let i = 0; i < 50; i++) step();
      expect(ag.poolStats().allocations).toBe(before);
    });
  });
}
