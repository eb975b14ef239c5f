/** Locating bad class labels in a dataset, for errors that name the sample (error paths only). */
import type { Dataset } from '../data/dataset.js';

export interface BadLabels {
  /** The first offending sample, in the dataset's own (unshuffled) order, and its label. */
  index: number;
  label: number;
  /** How many samples are bad. */
  count: number;
}

/** One unshuffled pass over the labels; null when none is bad or the targets are dense. */
export function findBadLabels(data: Dataset, bad: (label: number) => boolean): BadLabels | null {
  let found: BadLabels | null = null;
  let base = 0;
  for (const b of data.batches({ batchSize: 1024, shuffle: false })) {
    if (!(b.y instanceof Int32Array)) return null;
    for (let i = 0; i < b.y.length; i++) {
      const l = b.y[i];
      if (!bad(l)) continue;
      if (found) found.count++;
      else found = { index: base + i, label: l, count: 1 };
    }
    base += b.y.length;
  }
  return found;
}

/** "sample 17 has label 4 (3 samples are out of range)". */
export function describeBad(b: BadLabels, what: string): string {
  return `sample ${b.index} of the ${what} has label ${b.label}${b.count > 1 ? ` (${b.count} samples are out of range)` : ''}`;
}
