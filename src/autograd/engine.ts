/**
 * Reverse-mode differentiation over the recorded nodes: gradients flow from the roots to the
 * leaves in reverse topological order, each node's backward sees the summed gradient of its
 * outputs. Leaves that require grad accumulate into `.grad` (PyTorch's `backward`), and/or the
 * gradients of chosen tensors are returned (`torch.autograd.grad`). Unless the graph is
 * retained, every node is freed afterwards and internal intermediates go back to the pool.
 */
import { getBackend } from '../backend/select.js';
import { isGradEnabled, setGradEnabled, withGradMode } from './grad-mode.js';
import type { BackwardCtx, Node } from './node.js';
import { add as addTensors, mul } from './ops/elementwise.js';
import { beginCollect, endCollect } from './scope.js';
import { emptyTensor, shapeStr, type Tensor } from './tensor.js';

export interface EngineOptions {
  /** Keep the graph for another backward (default false: free it). */
  retainGraph: boolean;
  /** Record the backward pass so the gradients are differentiable (default false). */
  createGraph: boolean;
  /** Accumulate into the `.grad` of every leaf that requires grad. */
  accumulate: boolean;
  /** With `accumulate`: only these leaves (a model's own parameters), the rest untouched. */
  accumulateOnly?: ReadonlySet<Tensor>;
  /** Tensors whose gradients to return (in order; null where no gradient reached them). */
  inputs: readonly Tensor[];
  /** Name used in error messages ('backward', 'grad', …). */
  fn: string;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Nodes reachable from `roots`, inputs before consumers (post-order). */
function topoOrder(roots: readonly Tensor[]): Node[] {
  const order: Node[] = [];
  const seen = new Set<Node>();
  const stack: Array<{ node: Node; next: number }> = [];
  const visit = (node: Node) => {
    if (seen.has(node)) return;
    seen.add(node);
    stack.push({ node, next: 0 });
  };
  for (const r of roots) if (r._node) visit(r._node);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const inputs = top.node.inputs;
    if (top.next < inputs.length) {
      const n = inputs[top.next++]._node;
      if (n) visit(n);
    } else {
      stack.pop();
      order.push(top.node);
    }
  }
  return order;
}

export function runBackward(
  roots: readonly Tensor[],
  rootGrads: readonly (Tensor | null)[],
  opts: EngineOptions,
): (Tensor | null)[] {
  const { fn, createGraph, accumulate } = opts;
  const order = topoOrder(roots);
  const wanted = new Set(opts.inputs);
  const only = opts.accumulateOnly;
  const accumulates = (t: Tensor) =>
    accumulate && t._node === null && t._requiresGrad && (!only || only.has(t));
  const isTarget = (t: Tensor) => wanted.has(t) || accumulates(t) || t._retainGrad;

  // Which nodes lead to a target; refuse stale inputs before anything is written.
  const needed = new Set<Node>();
  for (const node of order) {
    if (node.inputs.some((i) => isTarget(i) || (i._node !== null && needed.has(i._node))))
      needed.add(node);
  }
  for (const node of needed) {
    if (node.freed)
      throw new Error(
        `${fn}: the graph through ${node.name} was already freed by an earlier backward(); pass { retainGraph: true } to the first backward to go through it twice, or run the forward again`,
      );
    node.inputs.forEach((t, i) => {
      if (t._storage.version !== node.versions[i])
        throw new Error(
          `${fn}: ${t.label()}, saved by ${node.name} for the backward pass, was modified in place after the forward pass (an optimizer step?); run the forward again after changing it`,
        );
    });
  }

  const k = () => getBackend().kernelsFor(0);
  const grads = new Map<Tensor, Tensor>();
  const results = new Map<Tensor, Tensor>();
  const hold = (t: Tensor) => {
    t._held++;
    return t;
  };
  const unhold = (t: Tensor) => {
    if (--t._held === 0 && t._temp) t._release();
  };

  /** Adds g to the gradient entry of a non-leaf (or returned) tensor `x`. */
  const addEntry = (x: Tensor, g: Tensor) => {
    const cur = grads.get(x);
    if (!cur) {
      grads.set(x, hold(g));
    } else if (!createGraph && exclusive(cur)) {
      kernelsFor(cur).axpy(1, g._d, cur._d);
    } else {
      const sum = withGradMode(createGraph, () => addTensors(cur, g));
      if (!createGraph) sum._temp = true;
      unhold(cur);
      grads.set(x, hold(sum));
    }
  };

  /** Adds g into a leaf's `.grad` (its arena view for parameters). */
  const addLeaf = (x: Tensor, g: Tensor) => {
    const buf = leafGradBuf(x);
    kernelsFor(g).axpy(1, g._d, buf);
    if (createGraph)
      x._gradGraph = withGradMode(true, () => (x._gradGraph ? addTensors(x._gradGraph, g) : g));
  };

  const accumulatesInLeaf = (t: Tensor) => accumulates(t) && !wanted.has(t);

  // Seed the roots.
  roots.forEach((r, i) => {
    let g = rootGrads[i];
    if (!g) {
      g = emptyTensor(r.shape);
      k().fill(g._d, 1);
      if (!createGraph) g._temp = true;
    }
    if (accumulatesInLeaf(r)) addLeaf(r, g);
    else addEntry(r, g);
  });

  /** Moves a finished entry of `t` to where it belongs (result, retained grad, or dropped). */
  const settle = (t: Tensor) => {
    const g = grads.get(t);
    if (!g) return;
    grads.delete(t);
    if (wanted.has(t) || t._retainGrad) {
      // What the caller receives must be theirs alone (not a node's saved buffer, not shared).
      let own = g;
      if (!g._temp || g._held > 1 || g._storage.refs > 1) {
        own = withGradMode(createGraph, () => cloneOf(g));
        unhold(g);
      }
      own._temp = false;
      if (wanted.has(t)) results.set(t, own);
      else t._retained = own;
    } else {
      unhold(g);
    }
  };

  // One context for the whole pass, pointed at the node being run (no closures per node).
  let node = order[0];
  let ins: readonly Tensor[] = [];
  let dys: (Tensor | null)[] = [];
  const ctx: BackwardCtx = {
    createGraph,
    dy: (j = 0) => dys[j] ?? null,
    needs: (i) => {
      const t = ins[i];
      return isTarget(t) || (t._node !== null && needed.has(t._node));
    },
    give: (i, g) => {
      const x = ins[i];
      if (!sameShape(g.shape, x.shape))
        throw new Error(
          `${fn}: internal error: ${node.name} gave a gradient of shape ${shapeStr(g.shape)} for an input of shape ${shapeStr(x.shape)}`,
        );
      if (accumulatesInLeaf(x)) addLeaf(x, g);
      else addEntry(x, g);
    },
    target: (i) => {
      if (createGraph)
        throw new Error(`${fn}: internal error: ${node.name} used target() while creating a graph`);
      const x = ins[i];
      if (accumulatesInLeaf(x)) return { data: leafGradBuf(x), accumulate: true };
      const cur = grads.get(x);
      if (!cur) {
        const t = emptyTensor(x.shape);
        t._temp = true;
        grads.set(x, hold(t));
        return { data: t._d, accumulate: false };
      }
      if (exclusive(cur)) return { data: cur._d, accumulate: true };
      const copy = emptyTensor(x.shape);
      copy._temp = true;
      k().copy(copy._d, cur._d);
      unhold(cur);
      grads.set(x, hold(copy));
      return { data: copy._d, accumulate: true };
    },
  };

  for (let oi = order.length - 1; oi >= 0; oi--) {
    node = order[oi];
    const outs = node.outputs;
    if (!needed.has(node)) {
      for (const o of outs) settle(o);
      continue;
    }
    dys = outs.map((o) => grads.get(o) ?? null);
    if (dys.every((d) => d === null)) continue;
    ins = node.inputs;
    if (createGraph) node.createdGraph = true;
    const made = beginCollect();
    const mode = isGradEnabled();
    setGradEnabled(createGraph);
    try {
      node.spec.backward(ctx);
    } finally {
      setGradEnabled(mode);
      endCollect(made);
    }
    if (!createGraph) {
      for (const t of made) {
        t._temp = true;
        if (t._held === 0) t._release();
      }
    }
    for (const o of outs) settle(o);
  }
  // Entries left: leaves reached (returned) and roots without nodes.
  for (const t of [...grads.keys()]) settle(t);

  // Like PyTorch, free what this pass went through; parts it did not need stay usable.
  if (!opts.retainGraph) for (const node of needed) node.free();
  return opts.inputs.map((t) => results.get(t) ?? null);
}

/** Whether the engine alone holds `t` and its buffer (so it may add into it in place). */
function exclusive(t: Tensor): boolean {
  return t._temp && t._held === 1 && t._storage.refs === 1 && !t._storage.escaped;
}

/** Kernels sized for `t` on the backend that computed it. */
function kernelsFor(t: Tensor) {
  return getBackend().kernelsFor(t.size);
}

/** A leaf's gradient buffer, allocated (zeroed, caller-owned) on first use. */
function leafGradBuf(x: Tensor): Float32Array {
  if (!x._gradBuf) x._gradBuf = new Float32Array(x.size);
  return x._gradBuf;
}

/** A copy of `t` (recorded when grad mode is on, so a created graph stays connected). */
function cloneOf(t: Tensor): Tensor {
  return mul(t, 1);
}
