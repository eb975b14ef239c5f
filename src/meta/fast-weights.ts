/**
 * Fast weights on a flat arena: a copy of a model's parameters in one Float32Array, laid out
 * as the model's arena, with a gradient arena beside it. Each parameter is a leaf tensor over
 * its view whose gradient accumulates straight into the gradient arena, and an optimizer
 * parameter `{data, grad}` over the same views, so an inner optimizer steps the whole copy in
 * one fused kernel call. The arenas are made once and reused for every task (copy θ in, adapt,
 * read the result), so an inner loop allocates nothing but the tape's pooled buffers.
 */
import { noteWrite } from '../autograd/storage.js';
import { bindArenaGrad, type Tensor, wrap } from '../autograd/tensor.js';
import { getBackend } from '../backend/select.js';
import { allocArena } from '../memory.js';
import type { Model } from '../nn/model.js';
import type { Param } from '../optim/optimizer.js';

/**
 * A copy of a model's parameters in one flat arena, with a gradient arena beside it, that the
 * meta-learners' inner loops adapt (as `params` and `grads` are laid out in `nn.Model`).
 */
export class FastWeights {
  /** The copied parameters, in the model's arena layout. */
  readonly params: Float32Array;
  /** Their gradients, same layout. */
  readonly grads: Float32Array;
  /** Leaf tensors over the views, in `model.parameters()` order (for withParameters). */
  readonly tensors: Tensor[];
  /** The same views as optimizer parameters. */
  readonly list: Param[];

  constructor(model: Model) {
    const n = model.paramCount;
    [this.params, this.grads] = allocArena([n, n], `FastWeights (${n} parameters)`);
    let o = 0;
    this.tensors = [];
    this.list = [];
    for (const p of model.parameters()) {
      const len = p.data.length;
      const data = this.params.subarray(o, o + len);
      const grad = this.grads.subarray(o, o + len);
      o += len;
      const t = wrap(data, [...p.shape], 'float32');
      t.requiresGrad = true;
      t.name = `fast ${p.name}`;
      bindArenaGrad(t, grad);
      this.tensors.push(t);
      this.list.push({ data, grad, shape: p.shape });
    }
  }

  /** Copies `src` (a model's parameter arena) in; graphs recorded on the old values refuse backward. */
  load(src: Float32Array): void {
    getBackend().kernelsFor(src.length).copy(this.params, src);
    for (const p of this.list) noteWrite(p.data);
  }

  /** Sets every gradient to 0. */
  zeroGrad(): void {
    getBackend().kernelsFor(this.grads.length).fill(this.grads, 0);
  }
}
