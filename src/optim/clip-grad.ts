/**
 * Gradient clipping with `torch.nn.utils.clip_grad_norm_` / `clip_grad_value_` semantics.
 * Norms come from the backend's reductions (p = 1, 2, ∞); other p use a JS loop.
 */
import { getBackend } from '../backend/select.js';
import { bool, describe, optionsOf } from '../backend/validate.js';
import type { Param } from './optimizer.js';

/** Options of {@link clipGradNorm} (`torch.nn.utils.clip_grad_norm_`'s keyword arguments). */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any number > 0, or Infinity (default 2). */
  normType?: number;
  /** Throw when the total norm is NaN or infinite (default false: clip anyway, as torch). */
  errorIfNonfinite?: boolean;
}

function grads(fn: string, params: readonly Param[] | Param): Float32Array[] {
  const list = Array.isArray(params) ? params : [params as Param];
  return list.flatMap((p, i) => {
    if (p === null || typeof p !== 'object')
      throw new TypeError(`${fn}: params[${i}] must be {data, grad}, got ${describe(p)}`);
    if (p.grad === null || p.grad === undefined) return [];
    if (!(p.grad instanceof Float32Array))
      throw new TypeError(
        `${fn}: params[${i}].grad must be a Float32Array or null, got ${describe(p.grad)}`,
      );
    return [p.grad];
  });
}

/** The p-norm of all gradients together, as torch computes it (norm of per-tensor norms). */
export function gradNorm(params: readonly Param[] | Param, normType = 2): number {
  const fn = 'gradNorm';
  if (typeof normType !== 'number' || Number.isNaN(normType) || normType <= 0) {
    throw new RangeError(
      `${fn}: normType must be a number > 0 or Infinity, got ${describe(normType)}`,
    );
  }
  const b = getBackend();
  const gs = grads(fn, params);
  if (normType === Number.POSITIVE_INFINITY) {
    let m = 0;
    for (const g of gs) {
      const v = b.kernelsFor(g.length).maxAbs(g);
      if (Number.isNaN(v)) return Number.NaN;
      m = Math.max(m, v);
    }
    return m;
  }
  let total = 0;
  for (const g of gs) {
    const k = b.kernelsFor(g.length);
    if (normType === 2) total += k.sumSquares(g);
    else if (normType === 1) total += k.sumAbs(g);
    else for (const v of g) total += Math.abs(v) ** normType;
  }
  return normType === 1 ? total : total ** (1 / normType);
}

/**
 * Scales all gradients in place so that their joint norm is at most `maxNorm`:
 * g ← g · min(1, maxNorm/(‖g‖ + 1e-6)). Returns the norm before clipping.
 */
export function clipGradNorm(
  params: readonly Param[] | Param,
  maxNorm: number,
  options: ClipGradNormOptions = {},
): number {
  const fn = 'clipGradNorm';
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0) || !Number.isFinite(maxNorm)) {
    throw new RangeError(`${fn}: maxNorm must be a finite number ≥ 0, got ${describe(maxNorm)}`);
  }
  const { normType = 2, errorIfNonfinite = false } = optionsOf(fn, options, [
    'normType',
    'errorIfNonfinite',
  ]);
  bool(fn, 'errorIfNonfinite', errorIfNonfinite);
  const total = gradNorm(params, normType);
  if (errorIfNonfinite && !Number.isFinite(total)) {
    throw new RangeError(
      `${fn}: the total norm of order ${normType} of the gradients is non-finite (${total}); set errorIfNonfinite: false to clip anyway`,
    );
  }
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  const b = getBackend();
  for (const g of grads(fn, params)) b.kernelsFor(g.length).binaryScalar('mul', g, g, coef);
  return total;
}

/** Clamps every gradient element to [−clipValue, clipValue] in place. */
export function clipGradValue(params: readonly Param[] | Param, clipValue: number): void {
  const fn = 'clipGradValue';
  if (typeof clipValue !== 'number' || !Number.isFinite(clipValue) || clipValue < 0) {
    throw new RangeError(
      `${fn}: clipValue must be a finite number ≥ 0, got ${describe(clipValue)}`,
    );
  }
  const b = getBackend();
  for (const g of grads(fn, params)) b.kernelsFor(g.length).clamp(g, g, -clipValue, clipValue);
}
