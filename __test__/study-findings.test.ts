/**
 * The one-sentence findings of the meta, gan and vae presets, without training: what they say
 * when the measurement goes one way or the other, when a difference is within the seed spread,
 * with one seed, and with diverged runs.
 */
import { describe, expect, it } from 'vitest';
import { ganFinding } from '../src/cli/study-gan.js';
import { type MetaRun, metaFinding } from '../src/cli/study-meta.js';
import { vaeFinding } from '../src/cli/study-vae.js';

const EQ = "first-order MAML, MAML's time";

/** Sine K = 5 runs with these one-step MSEs (one per seed) and step times; Fashion 5-shot accuracies. */
function metaRuns(
  mse: Record<string, number[]>,
  ms: Record<string, number>,
  acc: Record<string, number[]> = {},
): MetaRun[] {
  const runs: MetaRun[] = [];
  for (const [method, v] of Object.entries(mse))
    v.forEach((m, i) =>
      runs.push({
        problem: 'sine',
        shots: 5,
        method: method as MetaRun['method'],
        seed: i + 1,
        loss: [5, m, ...new Array(9).fill(m)],
        accuracy: null,
        msPerMetaStep: ms[method] ?? 0,
        metaSteps: method === EQ ? 2500 : 1000,
        trainSeconds: 1,
      }),
    );
  for (const [method, v] of Object.entries(acc))
    v.forEach((a, i) =>
      runs.push({
        problem: 'fashion',
        shots: 5,
        method: method as MetaRun['method'],
        seed: i + 1,
        loss: new Array(11).fill(1),
        accuracy: new Array(11).fill(a / 100),
        msPerMetaStep: 1,
        metaSteps: 100,
        trainSeconds: 1,
      }),
    );
  return runs;
}

describe('meta finding: is second-order MAML worth its cost?', () => {
  const ms = { MAML: 6, 'first-order MAML': 2.4, [EQ]: 2.4 };

  it('worth it when it beats first-order MAML given the same time, beyond the seed spread', () => {
    const t = metaFinding(
      metaRuns({ MAML: [1.0, 1.1], 'first-order MAML': [1.9, 2.0], [EQ]: [1.5, 1.6] }, ms),
    );
    expect(t).toMatch(
      /^On 5-shot sine, second-order MAML's query MSE after one adaptation step was 1\.05 ± 0\.05 against first-order MAML's 1\.95 ± 0\.05/,
    );
    expect(t).toMatch(/its meta-step cost 2\.5× as much \(6\.0 vs 2\.4 ms\)/);
    expect(t).toMatch(
      /given MAML's training time \(2500 meta-steps\) first-order MAML reached 1\.55 ± 0\.05: second order is worth its cost here \(32% lower error in the same time\)/,
    );
  });

  it('not worth it when first order does better in the same time, or within the spread', () => {
    const worse = metaFinding(
      metaRuns({ MAML: [1.4, 1.5], 'first-order MAML': [1.9, 2.0], [EQ]: [1.2, 1.25] }, ms),
    );
    expect(worse).toMatch(
      /second order is not worth its cost here \(first order does better in the same time\)/,
    );
    const tie = metaFinding(
      metaRuns({ MAML: [1.4, 1.6], 'first-order MAML': [1.9, 2.0], [EQ]: [1.3, 1.6] }, ms),
    );
    expect(tie).toMatch(/within the seed spread, so second order is not worth its cost here/);
    const one = metaFinding(metaRuns({ MAML: [1.0], 'first-order MAML': [2.0], [EQ]: [1.5] }, ms));
    expect(one).toMatch(/: on one seed, second order is worth its cost here/);
  });

  it('says when meta-training did not transfer to the unseen Fashion-MNIST classes', () => {
    const base = { MAML: [1.0, 1.1], 'first-order MAML': [1.9, 2.0], [EQ]: [1.5, 1.6] };
    const none = metaFinding(
      metaRuns(base, ms, { MAML: [70, 72], Reptile: [74, 74.4], 'no meta-training': [77, 77.8] }),
    );
    expect(none).toMatch(
      /On Fashion-MNIST 5-way 5-shot no meta-learner beat fine-tuning the un-meta-trained weights beyond the seed spread \(77\.4% ± 0\.4 after 10 steps; best Reptile 74\.2% ± 0\.2\): across the disjoint class split meta-training did not transfer/,
    );
    const some = metaFinding(metaRuns(base, ms, { MAML: [85, 86], 'no meta-training': [77, 78] }));
    expect(some).toMatch(
      /On Fashion-MNIST 5-way 5-shot, MAML reached the best accuracy after 10 steps \(85\.5% ± 0\.5\), above fine-tuning the initial weights \(77\.5% ± 0\.5\)/,
    );
  });

  it('an interrupted run says so', () => {
    expect(metaFinding([])).toBe('Interrupted before the sine comparison finished.');
  });
});

describe('gan finding', () => {
  const ring = (name: string, modes: number[], late = modes, diverged = 0) => ({
    name,
    modes,
    lowestLate: late,
    highQuality: modes.map(() => 80),
    diverged,
  });
  const fm = (name: string, score: number[], diverged = 0) => ({
    name,
    confidence: score.map(() => 60),
    classes: score.map(() => 6),
    score,
    diverged,
  });

  it('names the best and worst on both problems, ties within the spread, late oscillation and divergence', () => {
    const t = ganFinding(
      [
        ring('Adam β₁ 0.5', [8, 8, 8]),
        ring('Adam β₁ 0.9', [8, 7, 6], [5, 4, 3]),
        ring('SGD+Momentum', [0, 0, 0], [0, 0, 0], 1),
      ],
      [fm('Adam β₁ 0.5', [2.5, 2.7]), fm('Adam β₁ 0.9', [1.1, 1.2]), fm('SGD+Momentum', [], 2)],
      { confidence: 0.83, classes: 10, score: 6.2 },
    );
    expect(t).toMatch(
      /^On the 8-Gaussian ring Adam β₁ 0\.5 covered the most modes \(8\.0 ± 0\.0 of 8, 80% of samples within 3σ of a mode; Adam β₁ 0\.9 within the seed spread, 80% of samples within 3σ of a mode\), SGD\+Momentum the fewest \(0\.0 ± 0\.0, 1 run diverged\)/,
    );
    expect(t).toMatch(/coverage oscillated late in training with Adam β₁ 0\.9/);
    expect(t).toMatch(
      /On Fashion-MNIST the samples of Adam β₁ 0\.5 scored best with descent's classifier \(score 2\.60, confidence 60\.0%, 6\.0 ± 0\.0 of 10 classes; real images: 6\.20, 83\.0%\), those of Adam β₁ 0\.9 worst \(score 1\.15\); on Fashion-MNIST SGD\+Momentum diverged\.$/,
    );
  });
});

describe('vae finding', () => {
  const s = (
    name: string,
    optimizer: string,
    warmup: boolean,
    elbo: number[],
    active = [16, 16],
  ) => ({
    name,
    optimizer,
    warmup,
    elbo,
    active,
    diverged: 0,
  });

  it('best optimizer with the noise verdict; what warm-up changed, per optimizer', () => {
    const t = vaeFinding([
      s('SGD', 'SGD', false, [-256, -255]),
      s('SGD, warm-up', 'SGD', true, [-255.2, -255.0], [15, 16]),
      s('Adam', 'Adam', false, [-250, -249.8]),
      s('Adam, warm-up', 'Adam', true, [-250.5, -250.3]),
    ]);
    expect(t).toMatch(
      /^Adam reached the best test ELBO \(-249\.9 ± 0\.1 nats\), clearly ahead of Adam, warm-up \(-250\.4 ± 0\.1\); SGD was lowest \(-255\.5 ± 0\.5\)/,
    );
    expect(t).toMatch(
      /KL warm-up changed the final test ELBO by −0\.5 to \+0\.4 nats \(beyond the seed spread for 1 of 2 optimizers\) and the active latent units by −0\.5 to \+0\.0\.$/,
    );
  });

  it('one seed: no noise verdict claimed', () => {
    const t = vaeFinding([
      s('A', 'A', false, [-250], [16]),
      s('A, warm-up', 'A', true, [-251], [16]),
    ]);
    expect(t).toMatch(
      /ahead of A, warm-up \(-251\.0; one seed each, so seed-to-seed noise is not measured\)/,
    );
    expect(t).toMatch(/\(one seed each\); every run kept 16 active latent units\.$/);
  });
});
