// Types of flops.mjs for the TypeScript tests.
export interface NetShape {
  /** [in channels, out channels, kernel side], each followed by a 2×2 pool */
  conv: [number, number, number][];
  /** [in, out] */
  dense: [number, number][];
}
export interface GemmLayer {
  kind: 'conv' | 'dense';
  m: number;
  k: number;
  n: number;
}
export interface StepFlops {
  forward: number;
  backwardData: number;
  backwardWeights: number;
  total: number;
}
export function gemmLayers(net: NetShape, b: number): GemmLayer[];
export function stepFlops(net: NetShape, b: number): StepFlops;
