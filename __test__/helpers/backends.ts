import { jsKernels } from '../../src/backend/js/index.js';
import type { Kernels } from '../../src/backend/kernels.js';

/** Every backend the kernel tests run against, as [name, kernels] pairs. */
export function kernelsUnderTest(): Array<[string, Kernels]> {
  return [['js', jsKernels]];
}
