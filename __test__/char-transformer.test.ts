/**
 * The README's character-level transformer, shortened: two causal pre-norm encoder blocks
 * learn the next character of the GPL-3 text that ships with Debian. On each backend the
 * mean loss of steps 61–80 must lie at least 1.3 nats below the first step's (ln 76 ≈ 4.3
 * nats for a uniform guess; a model that learns only character frequencies gets ≈ 3.3).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ag from '../src/autograd/index.js';
import type { Tensor } from '../src/autograd/tensor.js';
import { type BackendName, getBackend, setBackend } from '../src/backend/select.js';
import { Embedding } from '../src/nn/embedding.js';
import { Layer } from '../src/nn/layer.js';
import { LayerNorm } from '../src/nn/layernorm.js';
import { Linear } from '../src/nn/linear.js';
import { CrossEntropyLoss } from '../src/nn/losses/index.js';
import { Model } from '../src/nn/model.js';
import { TransformerEncoderLayer } from '../src/nn/transformer.js';
import { AdamW } from '../src/optim/index.js';
import { Rng } from '../src/random.js';

const text = readFileSync('/usr/share/common-licenses/GPL-3', 'utf8');
const chars = [...new Set(text)].sort();
const ids = Int32Array.from(text, (c) => chars.indexOf(c));
const [V, T, D, B] = [chars.length, 32, 32, 8];

class CharTransformer extends Layer {
  tok = new Embedding(V, D, { weightInit: { kind: 'normal', mean: 0, std: 0.02 } });
  pos = new Embedding(T, D, { weightInit: { kind: 'normal', mean: 0, std: 0.02 } });
  blocks = [0, 1].map(
    () =>
      new TransformerEncoderLayer(D, 4, {
        dimFeedforward: 4 * D,
        dropout: 0,
        activation: 'gelu',
        normFirst: true,
        batchFirst: true,
      }),
  );
  norm = new LayerNorm(D);
  head = new Linear(D, V);
  forward(x: Tensor<'int32'>): Tensor {
    const at = Int32Array.from({ length: T }, (_, i) => i);
    let h = this.tok.forward(x).add(this.pos.forward(ag.tensor(at, [T])));
    for (const block of this.blocks) h = block.forward(h, { isCausal: true });
    return this.head.forward(this.norm.forward(h));
  }
}

function train(steps: number): number[] {
  const model = new Model(new CharTransformer(), null, { seed: 1 });
  const opt = new AdamW(model.parameters(), { lr: 3e-3, weightDecay: 0.01 });
  const ce = new CrossEntropyLoss();
  const rng = new Rng(2);
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const x = new Int32Array(B * T);
    const y = new Int32Array(B * T);
    rng.uniform(B, 0, ids.length - T - 1).forEach((s, b) => {
      x.set(ids.subarray(s | 0, (s | 0) + T), b * T);
      y.set(ids.subarray((s | 0) + 1, (s | 0) + T + 1), b * T);
    });
    const logits = model.forward(ag.tensor(x, [B, T]));
    const loss = ce.apply(logits.reshape([B * T, V]), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    losses.push(loss.item());
  }
  return losses;
}

for (const be of ['js', 'native'] as BackendName[]) {
  describe(`character-level transformer (${be})`, () => {
    let prev: BackendName;
    beforeAll(() => {
      prev = getBackend().name;
      setBackend(be);
    });
    afterAll(() => setBackend(prev));

    it('the loss falls by at least 1.3 nats in 80 steps', () => {
      const losses = train(80);
      expect(losses[0]).toBeGreaterThan(Math.log(V) - 0.3); // starts near a uniform guess
      const last = losses.slice(60).reduce((a, b) => a + b, 0) / 20;
      expect(losses[0] - last).toBeGreaterThan(1.3);
    });
  });
}
