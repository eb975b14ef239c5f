import type { Kernels } from '../backend/kernels.js';

/** Chooses the kernels for a call of `n` elements (tiny calls may go to JS, see routing). */
export type Pick = (n: number) => Kernels;
