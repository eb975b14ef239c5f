/**
 * The `descent` TensorFlow.js backend: tfjs-backend-cpu's `MathBackendCPU` (tensor storage in
 * plain typed arrays, one per tensor), so every cpu kernel runs on it unchanged and descent's
 * kernels read and write the same arrays in place.
 */
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export class DescentBackend extends MathBackendCPU {
  constructor() {
    super();
    // MathBackendCPU suggests tfjs-node at its first write in Node; not for this backend.
    (this as unknown as { firstUse: boolean }).firstUse = false;
  }
}
