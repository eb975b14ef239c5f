/** SWALR against torch 2.15 (the numbers below came from torch.optim.swa_utils.SWALR on SGD(lr=0.5), swa_lr=0.05). */
import { describe, expect, it } from 'vitest';
import { SWALR } from '../src/lr_scheduler/index.js';
import { SGD } from '../src/optim/index.js';

const TORCH: Record<string, number[]> = {
  'cos-5': [
    0.5, 0.45702882373436315, 0.34452882373436317, 0.20547117626563682, 0.09297117626563683, 0.05,
    0.05, 0.05,
  ],
  'linear-3': [0.5, 0.35000000000000003, 0.2, 0.05, 0.05, 0.05, 0.05, 0.05],
  'cos-0': [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05],
};

describe('SWALR', () => {
  for (const [key, want] of Object.entries(TORCH)) {
    it(`matches torch (${key})`, () => {
      const [strategy, epochs] = key.split('-');
      const opt = new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr: 0.5 });
      const s = new SWALR(opt, {
        swaLr: 0.05,
        annealEpochs: Number(epochs),
        annealStrategy: strategy as 'cos' | 'linear',
      });
      const got = [opt.paramGroups[0].lr];
      for (let i = 1; i < want.length; i++) {
        s.step();
        got.push(opt.paramGroups[0].lr);
      }
      got.forEach((v, i) =>
        expect(Math.abs(v - want[i])).toBeLessThanOrEqual(1e-12 * Math.abs(want[i])),
      );
    });
  }

  it('refuses bad options naming them', () => {
    const opt = new SGD([{ data: new Float32Array(1), grad: new Float32Array(1) }], { lr: 0.5 });
    expect(() => new SWALR(opt, { swaLr: 0.05, annealStrategy: 'exp' as 'cos' })).toThrow(
      /annealStrategy/,
    );
    expect(() => new SWALR(opt, { swaLr: 0.05, annealEpochs: -1 })).toThrow(/annealEpochs/);
    expect(() => new SWALR(opt, { swa_lr: 0.05 } as never)).toThrow(/swaLr/);
  });
});
