/** Every kernel the `descent` backend runs itself (the rest are tfjs cpu's). */
import { convKernels } from './conv.js';
import { elementwiseKernels } from './elementwise.js';
import { gatherKernels } from './gather.js';
import type { DescentKernel } from './kernels.js';
import { matmulKernels } from './matmul.js';
import { poolKernels } from './pool.js';
import { reduceKernels } from './reduce.js';
import { unaryKernels } from './unary.js';

export const descentKernels: readonly DescentKernel[] = [
  ...matmulKernels,
  ...convKernels,
  ...poolKernels,
  ...elementwiseKernels,
  ...unaryKernels,
  ...reduceKernels,
  ...gatherKernels,
];
