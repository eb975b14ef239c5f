// ============================================================================================
// HOOK: training benchmarks — not implemented yet.
//
// The layers/training code (src/nn, src/train) is being written now; a later pass fills this
// section in. What it should measure, beside the other sections' conventions (interleaved
// rounds, medians ± half IQR, every implementation present in the JSON with `available` and a
// `reason` when it cannot run):
//   - MLP 784-256-128-10, ReLU, softmax cross-entropy, batch 128, Adam (lr 1e-3): training
//     samples/s and ms per step (forward + backward + optimizer step), on synthetic MNIST-shaped
//     data (or src/data/idx.ts readers on a small generated file);
//   - a small CNN (e.g. conv 5×5×32 → pool → conv 5×5×64 → pool → dense 10) the same way;
//   - implementations: descent native (all threads and DESCENT_THREADS=1 via ctx.peers.worker,
//     which needs an `init train …` command in lib/worker.mjs), descent js, tfjs cpu and wasm
//     (tf.sequential + model.trainOnBatch, or tf.variableGrads for a like-for-like step), and
//     PyTorch when `python3 -c "import torch"` works (a small script in benchmarks/py/ run as
//     a line-protocol child like the C references; otherwise available: false with the reason).
//
// Contract with run.mjs: `runTraining(ctx)` returns a JSON-able object with at least
// { available, reason, rows: [...] } (rows like the optimizer section's: { model, batch,
// impls: { name: { available, samplesSec, secPerOp, samplesPerSec, ... } }, ratios }), and
// `printTraining(result, out)` prints its table. ctx carries lib, cfg (mode, rounds,
// sampleSec, warmSec, caseBudgetSec), log, notes, machine and peers (native, worker, tfjs).
// Use lib/measure.mjs `measure()` for the timing loop.
// ============================================================================================

export const TRAINING_PLAN = {
  models: [
    {
      id: 'mlp',
      description: 'MLP 784-256-128-10, ReLU, softmax cross-entropy',
      batch: 128,
      optimizer: 'Adam lr 1e-3',
    },
    {
      id: 'cnn',
      description: 'small CNN (2 conv + pool, dense 10) on 28×28×1',
      batch: 128,
      optimizer: 'Adam lr 1e-3',
    },
  ],
  impls: ['native', 'native-1t', 'js', 'tfjs-cpu', 'tfjs-wasm', 'pytorch (optional)'],
};

export async function runTraining(ctx) {
  void ctx;
  return {
    available: false,
    reason:
      'not implemented yet: the layers/training API is being written; see the HOOK comment in benchmarks/sections/training.mjs',
    plan: TRAINING_PLAN,
    rows: [],
  };
}

export function printTraining(res, out) {
  out('Training (MLP 784-256-128-10 and a small CNN, batch 128, Adam): descent vs tfjs vs PyTorch');
  out(`  ${res.available ? '' : 'pending — '}${res.reason ?? ''}`);
}
