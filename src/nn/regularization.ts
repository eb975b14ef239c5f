/**
 * Weight regularisation applied outside the loss: an L1/L2 penalty added into the gradients
 * after `backward` (before the optimizer step), and a max-norm constraint applied to the
 * weights after the step. Both act on the parameters marked `regularize: true` (weights, not
 * biases) unless told otherwise, and run entirely through kernels.
 *
 * L2 convention: the penalty is (λ₂/2)·‖w‖², whose gradient λ₂·w is what is added — exactly
 * PyTorch's coupled `weight_decay = λ₂` (SGD/Adam add weight_decay·p to the gradient). Keras'
 * `regularizers.L2(l2)` instead penalises l2·‖w‖² (gradient 2·l2·w): Keras l2 = λ₂/2 here.
 * L1: penalty λ₁·‖w‖₁, gradient λ₁·sign(w) (0 at w = 0, torch's sign convention).
 */
import { getBackend } from '../backend/select.js';
import { describe, f32, finite, knownKeys, options } from '../backend/validate.js';
import type { LayerParam } from './layer.js';
import { numel, Scratch, shapeStr } from './tensor.js';

/** Penalty coefficients (each ≥ 0; a missing one is 0, or inherited in an override). */
export interface PenaltyCoefficients {
  l1?: number;
  l2?: number;
}

export interface L1L2Options extends PenaltyCoefficients {
  /**
   * Overrides by parameter name (`'0.weight'`) or layer path (`'0'`, `'2.conv1'`, applying to
   * the parameters under it); the longest matching key wins, and its missing fields inherit
   * the global `l1`/`l2`. A key naming a `regularize: false` parameter exactly (a bias, say)
   * regularises it too; layer-path keys only reach `regularize: true` parameters. A key that
   * matches no parameter is an error (a typo would otherwise silently do nothing).
   */
  overrides?: Record<string, PenaltyCoefficients>;
  /** Add the penalty's gradient into each parameter's `grad` (default true). */
  addGrad?: boolean;
}

const scratch = new Scratch();
const factorBuf = new Scratch();
const normBuf = new Scratch();

function checkParams(fn: string, params: readonly LayerParam[]): void {
  if (!Array.isArray(params))
    throw new TypeError(`${fn}: params must be an array of LayerParam, got ${describe(params)}`);
  params.forEach((p, i) => {
    if (p === null || typeof p !== 'object')
      throw new TypeError(`${fn}: params[${i}] must be a LayerParam, got ${describe(p)}`);
    f32(fn, `params[${i}].data`, p.data);
    f32(fn, `params[${i}].grad`, p.grad);
    if (p.grad.length !== p.data.length) {
      throw new RangeError(
        `${fn}: params[${i}] (${p.name}) has ${p.data.length} values but ${p.grad.length} gradients`,
      );
    }
  });
}

function coefficient(fn: string, name: string, v: unknown): number {
  if (v === undefined) return 0;
  finite(fn, name, v);
  if (v < 0) throw new RangeError(`${fn}: ${name} must be non-negative, got ${v}`);
  return v;
}

/**
 * Adds the L1/L2 penalty's gradient λ₁·sign(w) + λ₂·w into each regularised parameter's
 * `grad` and returns the penalty Σ λ₁·‖w‖₁ + (λ₂/2)·‖w‖² (for reporting; add it to the loss
 * if you log the total objective).
 */
export function l1l2Penalty(params: readonly LayerParam[], opts: L1L2Options): number {
  const fn = 'l1l2Penalty';
  checkParams(fn, params);
  options(fn, 'options', opts);
  knownKeys(fn, 'option', opts, ['l1', 'l2', 'overrides', 'addGrad']);
  const l1 = coefficient(fn, 'l1', opts.l1);
  const l2 = coefficient(fn, 'l2', opts.l2);
  const addGrad = opts.addGrad ?? true;
  if (typeof addGrad !== 'boolean')
    throw new TypeError(`${fn}: addGrad must be a boolean, got ${describe(addGrad)}`);
  const overrides = new Map<string, { l1: number; l2: number }>();
  if (opts.overrides !== undefined) {
    options(fn, 'overrides', opts.overrides);
    for (const [key, o] of Object.entries(opts.overrides)) {
      options(fn, `overrides[${JSON.stringify(key)}]`, o);
      knownKeys(fn, `key of overrides[${JSON.stringify(key)}]`, o, ['l1', 'l2']);
      overrides.set(key, {
        l1: o.l1 === undefined ? l1 : coefficient(fn, `overrides[${JSON.stringify(key)}].l1`, o.l1),
        l2: o.l2 === undefined ? l2 : coefficient(fn, `overrides[${JSON.stringify(key)}].l2`, o.l2),
      });
    }
  }
  const used = new Set<string>();
  // Resolve every parameter's coefficients before touching any gradient.
  const plan: Array<{ p: LayerParam; l1: number; l2: number }> = [];
  for (const p of params) {
    let best: string | undefined;
    for (const key of overrides.keys()) {
      const matches = p.name === key || (p.regularize && p.name.startsWith(`${key}.`));
      if (matches && (best === undefined || key.length > best.length)) best = key;
    }
    for (const key of overrides.keys())
      if (p.name === key || p.name.startsWith(`${key}.`)) used.add(key);
    if (!p.regularize && best !== p.name) continue;
    const c = best === undefined ? { l1, l2 } : (overrides.get(best) as { l1: number; l2: number });
    if (c.l1 !== 0 || c.l2 !== 0) plan.push({ p, ...c });
  }
  for (const key of overrides.keys()) {
    if (!used.has(key)) {
      throw new RangeError(
        `${fn}: overrides key ${JSON.stringify(key)} matches no parameter (names: ${params.map((p) => p.name).join(', ')})`,
      );
    }
  }
  let penalty = 0;
  for (const { p, l1: a, l2: b } of plan) {
    const n = p.data.length;
    const k = getBackend().kernelsFor(n);
    if (b !== 0) {
      penalty += 0.5 * b * k.sumSquares(p.data);
      if (addGrad) k.axpy(b, p.data, p.grad);
    }
    if (a !== 0) {
      penalty += a * k.sumAbs(p.data);
      if (addGrad) {
        // s = λ₁·sign(w) as abs's backward with dy = λ₁ (in place on dy), then grad += s.
        const s = scratch.get([n]).data;
        k.fill(s, a);
        k.unaryBackward('abs', s, p.data, s, 0, 0);
        k.binary('add', p.grad, p.grad, s);
      }
    }
  }
  return penalty;
}

export interface MaxNormOptions {
  /**
   * The axis indexing the units whose sub-tensors are constrained (default 0: for a Linear
   * weight [out, in] each output unit's incoming weights, for a conv weight
   * [out, in, kh, kw] each output channel's filter); negative counts from the end.
   */
  dim?: number;
  /** Added to the norm in the rescale factor (default 1e-7, Keras' `backend.epsilon()`). */
  eps?: number;
}

/**
 * Max-norm constraint with Keras `constraints.MaxNorm(max_value, axis)` semantics
 * (keras/src/constraints/constraints.py): for every unit j, with n_j the L2 norm of its
 * sub-tensor, w_j ← w_j·min(n_j, maxNorm)/(eps + n_j). Keras' `axis` lists the axes reduced
 * over; its Dense kernel is [in, out] with axis 0, which is `dim = 0` on this library's
 * [out, in] weights (torch's `renorm(p=2, dim, maxnorm)` convention for `dim`). Note the
 * Keras formula rescales every unit, by n/(n + eps) ≈ 1 for those within the bound.
 * Call after the optimizer step. Acts on `regularize: true` parameters only (weights).
 * Returns the number of units whose norm exceeded `maxNorm`.
 *
 * Kernels: squares (one `binary`), per-unit sums (`biasGrad` over [outer, units, inner]), the
 * per-unit factors broadcast by `biasAdd`, and one `binary` multiply.
 */
export function maxNormConstraint(
  params: readonly LayerParam[],
  maxNorm: number,
  opts: MaxNormOptions = {},
): number {
  const fn = 'maxNormConstraint';
  checkParams(fn, params);
  finite(fn, 'maxNorm', maxNorm);
  if (maxNorm < 0) throw new RangeError(`${fn}: maxNorm must be non-negative, got ${maxNorm}`);
  options(fn, 'options', opts);
  knownKeys(fn, 'option', opts, ['dim', 'eps']);
  const dim = opts.dim ?? 0;
  if (!Number.isSafeInteger(dim))
    throw new TypeError(`${fn}: dim must be an integer, got ${describe(dim)}`);
  const eps = opts.eps ?? 1e-7;
  finite(fn, 'eps', eps);
  if (eps < 0) throw new RangeError(`${fn}: eps must be non-negative, got ${eps}`);
  const targets = params.filter((p) => p.regularize);
  const layouts = targets.map((p) => {
    const nd = p.shape.length;
    const d = dim < 0 ? dim + nd : dim;
    if (d < 0 || d >= nd) {
      throw new RangeError(
        `${fn}: dim ${dim} is out of range for parameter ${p.name} of shape ${shapeStr(p.shape)}`,
      );
    }
    return {
      outer: numel(p.shape.slice(0, d)),
      units: p.shape[d],
      inner: numel(p.shape.slice(d + 1)),
    };
  });
  let clipped = 0;
  targets.forEach((p, i) => {
    const { outer, units, inner } = layouts[i];
    const n = p.data.length;
    if (n === 0) return;
    const k = getBackend().kernelsFor(n);
    const sq = scratch.get([n]).data;
    k.binary('mul', sq, p.data, p.data);
    const norms = normBuf.get([units]).data;
    k.biasGrad(norms, sq, outer, units, inner, false);
    const f = factorBuf.get([units]).data;
    for (let j = 0; j < units; j++) {
      const nj = Math.sqrt(norms[j]);
      if (nj > maxNorm) clipped++;
      f[j] = nj === 0 ? 0 : Math.min(nj, maxNorm) / (eps + nj);
    }
    k.fill(sq, 0);
    k.biasAdd(sq, f, outer, units, inner);
    k.binary('mul', p.data, p.data, sq);
  });
  return clipped;
}
