// Useful floating-point work of one training step, to set a step's speed against the GEMM peak.
//
// Counted: the multiply-adds of the GEMMs and convolutions (2 flops each), forward and
// backward; nothing for elementwise work (bias, ReLU, pooling, loss, optimizer).
//   Linear k→n at batch b      forward Y = X·Wᵀ: 2·b·k·n; backward dW = dYᵀ·X: 2·b·k·n and
//                              dX = dY·W: 2·b·k·n
//   Conv2d ci→co, f×f kernel,  the im2col GEMM: rows M = b·ho·wo output positions, depth
//   ho×wo output (stride 1,    K = ci·f·f, columns N = co; forward, dW and dX each 2·M·K·N
//   padding keeps the size)
// The first layer's dX is not counted: its input is data, nobody needs that gradient (PyTorch
// and descent's fit do not compute it), so it is not useful work.

/**
 * The GEMM-shaped layers of `net` (lib/tfjs-train.mjs NETS: `conv` [ci, co, f] each followed
 * by a 2×2 pool, `dense` [k, n]) at batch `b`, in order, each as { kind, m, k, n }: the GEMM
 * m×k·k×n its forward pass is.
 */
export function gemmLayers(net, b) {
  const layers = [];
  let side = 28;
  for (const [ci, co, f] of net.conv) {
    layers.push({ kind: 'conv', m: b * side * side, k: ci * f * f, n: co });
    side /= 2; // the 2×2 max pool after each convolution
  }
  for (const [k, n] of net.dense) layers.push({ kind: 'dense', m: b, k, n });
  return layers;
}

/**
 * FLOPs of one training step of `net` at batch `b`: { forward, backwardData, backwardWeights,
 * total } (see the header for what is counted).
 */
export function stepFlops(net, b) {
  let forward = 0;
  let backwardData = 0;
  let backwardWeights = 0;
  gemmLayers(net, b).forEach(({ m, k, n }, i) => {
    const f = 2 * m * k * n;
    forward += f;
    backwardWeights += f;
    if (i > 0) backwardData += f; // the input layer's dX is not needed
  });
  return {
    forward,
    backwardData,
    backwardWeights,
    total: forward + backwardData + backwardWeights,
  };
}
