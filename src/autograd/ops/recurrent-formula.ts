/**
 * The recurrent cells' equations in differentiable tensor operations (torch.nn.RNN/LSTM/GRU's
 * documented formulas), used only when a backward pass creates a graph: recomputing the layer
 * this way and differentiating it gives the fused node's gradient as a function of its inputs,
 * so second-order gradients flow through recurrent layers. Same inputs and outputs as
 * `recurrentLayer`; slower (a few operations per gate and step), exact to float32 rounding.
 *
 *   RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh)
 *   LSTM: i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh);
 *         c' = f⊙c + i⊙g, h' = o⊙tanh(c')
 *   GRU:  r, z = σ(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z}),
 *         n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h
 */
import { zeros } from '../create.js';
import type { Tensor } from '../tensor.js';
import { add, mul, sub } from './elementwise.js';
import { linear } from './matmul.js';
import type {
  CellKind,
  DirectionWeights,
  RecurrentLayerOptions,
  RecurrentLayerResult,
} from './recurrent.js';
import { catAxis, narrowAxis } from './recurrent-shape.js';
import { reshape, unsqueeze } from './shape.js';
import { relu, sigmoid, tanh } from './unary.js';

export function recurrentFormula(
  cell: CellKind,
  x: Tensor,
  dirs: readonly DirectionWeights[],
  h0: Tensor | null,
  c0: Tensor | null,
  o: RecurrentLayerOptions,
): RecurrentLayerResult {
  const tAxis = o.batchFirst ? 1 : 0;
  const n = x.shape[1 - tAxis];
  const T = x.shape[tAxis];
  const H = dirs[0].whh.shape[1];
  const lstm = cell === 'lstm';
  const state = (s: Tensor | null, d: number) =>
    s ? reshape(narrowAxis(s, 0, d, 1), [n, H]) : zeros([n, H]);
  const ys: Tensor[] = [];
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  dirs.forEach((w, d) => {
    const xp = linear(x, w.wih, w.bih);
    const gh = w.wih.shape[0];
    let h = state(h0, d);
    let c = lstm ? state(c0, d) : null;
    const steps = new Array<Tensor>(T);
    for (let i = 0; i < T; i++) {
      const t = d === 0 ? i : T - 1 - i;
      const xt = reshape(narrowAxis(xp, tAxis, t, 1), [n, gh]);
      const hp = linear(h, w.whh, w.bhh);
      const gate = (p: Tensor, k: number) => narrowAxis(p, 1, k * H, H);
      if (cell === 'lstm') {
        const pre = add(xt, hp);
        const ig = sigmoid(gate(pre, 0));
        const fg = sigmoid(gate(pre, 1));
        const gg = tanh(gate(pre, 2));
        const og = sigmoid(gate(pre, 3));
        c = add(mul(fg, c as Tensor), mul(ig, gg));
        h = mul(og, tanh(c));
      } else if (cell === 'gru') {
        const r = sigmoid(add(gate(xt, 0), gate(hp, 0)));
        const z = sigmoid(add(gate(xt, 1), gate(hp, 1)));
        const nn = tanh(add(gate(xt, 2), mul(r, gate(hp, 2))));
        h = add(nn, mul(z, sub(h, nn)));
      } else {
        const pre = add(xt, hp);
        h = cell === 'rnnRelu' ? relu(pre) : tanh(pre);
      }
      steps[t] = h;
    }
    if (o.sequence)
      ys.push(
        catAxis(
          steps.map((s) => unsqueeze(s, tAxis)),
          tAxis,
        ),
      );
    hs.push(unsqueeze(h, 0));
    if (c) cs.push(unsqueeze(c, 0));
  });
  return {
    y: o.sequence ? catAxis(ys, 2) : null,
    h: catAxis(hs, 0),
    c: lstm ? catAxis(cs, 0) : null,
  };
}
