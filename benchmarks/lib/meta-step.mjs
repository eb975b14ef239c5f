// One MAML meta-step on sine regression, the case benchmarks/meta.mjs and the suite's models
// section both time: the MAML paper's MLP 1-40-40-1 (ReLU), `tasks` fixed sine tasks of `k`
// support and `q` query points, `steps` inner SGD steps at lr 0.01, outer Adam at 1e-3; second
// order (maml2) or first order (maml1). descent's side is built here; PyTorch's is
// benchmarks/py/meta_bench.py (the same loops with torch.autograd.grad(create_graph=True) and
// torch.optim.SGD), started by `startTorchMeta`.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineProcess } from './cref.mjs';
import { errText, unavailable } from './measure.mjs';

export const META_PY = join(dirname(fileURLToPath(import.meta.url)), '..', 'py', 'meta_bench.py');
export const META_CASES = { maml2: 'MAML (second order)', maml1: 'first-order MAML' };
/** PyTorch's two forms of the forward: through the nn.Module, and hand-written F.linear calls. */
export const TORCH_STYLES = { call: 'functional_call', linear: 'F.linear' };

/** A descent learner on fixed tasks on backend `be`; returns a function running one meta-step. */
export function descentMetaStep(lib, c, be, set) {
  const { meta, nn, optim } = lib;
  lib.setBackend(be);
  const model = new nn.Model(
    new nn.Sequential([
      new nn.Linear(1, 40),
      new nn.ReLU(),
      new nn.Linear(40, 40),
      new nn.ReLU(),
      new nn.Linear(40, 1),
    ]),
    [1],
    { seed: 1 },
  );
  const learner = new meta.MAML(model, {
    loss: new nn.losses.MSELoss(),
    outerOptimizer: new optim.Adam(model.parameters(), { lr: 1e-3 }),
    innerLr: 0.01,
    innerSteps: set.steps,
    firstOrder: c === 'maml1',
  });
  const tasks = new meta.SineTasks({ shots: set.k, queries: set.q, seed: 2 }).sample(set.tasks);
  return () => {
    lib.setBackend(be);
    learner.step(tasks);
  };
}

/**
 * PyTorch children, one per forward style in `styles` (each keeps its case warm between
 * samples): { children: { style: LineProcess }, pytorch: info or unavailable(reason) }.
 */
export async function startTorchMeta(styles, { py, threads, disabled }) {
  const children = {};
  if (disabled) return { children, pytorch: unavailable('disabled (--without torch)') };
  if (spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0)
    return { children, pytorch: unavailable(`${py} cannot import torch`) };
  let pytorch;
  try {
    for (const style of styles) {
      children[style] = new LineProcess(py, [META_PY], {
        env: { ...process.env, DESCENT_BENCH_TORCH_THREADS: threads },
        label: `PyTorch meta child (${style})`,
      });
      pytorch = {
        available: true,
        ...(await children[style].request('info')),
        command: children[style].command,
      };
    }
  } catch (e) {
    for (const c of Object.values(children)) c.close();
    return { children: {}, pytorch: unavailable(errText(e)) };
  }
  return { children, pytorch };
}

/** The `init` line of meta_bench.py for case `c` in `style`, warming up for `warmSec`. */
export const torchInit = (c, set, style, warmSec) =>
  `init ${c} ${set.steps} ${set.tasks} ${set.k} ${set.q} ${style} ${warmSec}`;
