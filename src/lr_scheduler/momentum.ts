/**
 * Momentum cycling shared by CyclicLR and OneCycleLR: the optimizer's `momentum`, or the
 * first of Adam-style `betas` (torch's `use_beta1`, chosen when the optimizer's defaults, or
 * lacking those its first group, have `betas`).
 */
import { describe } from '../backend/validate.js';
import type { Group, SchedulableOptimizer } from './scheduler.js';

/** Whether momentum cycling drives `betas[0]` (true) or `momentum` (false); throws if neither. */
export function momentumKind(fn: string, optimizer: SchedulableOptimizer): boolean {
  const probe = (optimizer.defaults ?? optimizer.paramGroups[0]) as Record<string, unknown>;
  if (!('momentum' in probe) && !('betas' in probe)) {
    throw new TypeError(
      `${fn}: cycleMomentum needs an optimizer with momentum or betas (SGD, Adam, …); pass cycleMomentum: false`,
    );
  }
  const useBeta1 = 'betas' in probe;
  (optimizer.paramGroups as unknown as Group[]).forEach((g, i) => {
    if (useBeta1 ? !Array.isArray(g.betas) : typeof g.momentum !== 'number') {
      throw new TypeError(
        `${fn}: cycleMomentum needs paramGroups[${i}].${useBeta1 ? 'betas to be an array' : 'momentum to be a number'}, got ${describe(useBeta1 ? g.betas : g.momentum)}`,
      );
    }
  });
  return useBeta1;
}

/** Sets a group's momentum (or betas[0], in a new array as torch builds a new tuple). */
export function setMomentum(group: Group, useBeta1: boolean, m: number): void {
  if (useBeta1) group.betas = [m, ...(group.betas as number[]).slice(1)];
  else group.momentum = m;
}
