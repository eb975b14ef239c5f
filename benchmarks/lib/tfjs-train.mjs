// TensorFlow.js training of the suite's two networks (the MLP 784-256-128-10 and the small
// CNN), for the training section and its child runs. Two ways to write the step:
//
//   'layers'  tf.sequential + model.trainOnBatch (what a tfjs user writes; model.fit runs the
//             same per-batch step plus callbacks and its own gathering, and measured slower);
//   'manual'  tf.variable weights, the forward written with tf ops, and
//             optimizer.minimize(() => loss) (tf.variableGrads inside), with custom
//             gradients (tf.customGrad) for dense and conv layers that avoid what is slow or
//             missing in tfjs-backend-wasm 4.22:
//               - its BatchMatMul is XNNPACK only without transposes; a transposed operand
//                 (the dX = dY·Wᵀ and dW = Xᵀ·dY of every dense layer's backward) takes a
//                 naive loop ~10× slower, so the custom gradient transposes explicitly
//                 (tf.transpose, then a plain matMul);
//               - it has no Conv2DBackpropFilter kernel at all (stock conv2d layers cannot
//                 train on wasm), so the filter gradient is computed as a forward conv2d:
//                 dW[kh,kw,ci,co] = Σ_{n,h,w} Xpad[n,h+kh,w+kw,ci]·dY[n,h,w,co] is the valid
//                 convolution of Xpadᵀ [ci, Hp, Wp, n] with dYᵀ [H, W, n, co].
//             The manual step is the faster one on both backends (see the section's header).
//
// Same architecture, optimizer (tf.train.adam(1e-3): β 0.9/0.999, ε 1e-7 — tfjs's default;
// descent and torch use 1e-8, which makes no difference to speed), loss
// (tf.losses.softmaxCrossEntropy on logits, mean over the batch) and batch size as descent's;
// the weights are initialised as descent's and torch's (U(±1/√fan_in) for weights and biases).
// Images are NHWC [B, 28, 28, 1], the same bytes as descent's NCHW [B, 1, 28, 28].

/** The suite's networks, described once for every implementation. */
export const NETS = {
  mlp: {
    id: 'mlp',
    label: 'MLP 784-256-128-10',
    description: 'MLP 784-256-128-10, ReLU, softmax cross-entropy on logits',
    batch: 128,
    flatten: true,
    // dense layers [in, out]
    dense: [
      [784, 256],
      [256, 128],
      [128, 10],
    ],
    conv: [],
  },
  cnn: {
    id: 'cnn',
    label: 'CNN conv16-conv32-fc128',
    description:
      'conv 3×3×16 (pad 1) → ReLU → maxpool 2 → conv 3×3×32 (pad 1) → ReLU → maxpool 2 → flatten → dense 128 → ReLU → dense 10',
    batch: 64,
    flatten: false,
    // conv layers [in, out, k] (3×3, stride 1, padding 1, each followed by ReLU and 2×2 max pool)
    conv: [
      [1, 16, 3],
      [16, 32, 3],
    ],
    dense: [
      [32 * 7 * 7, 128],
      [128, 10],
    ],
  },
};

/** Deterministic U(−a, a) weights (a small LCG; the values only need to be reproducible). */
export function uniform(n, a, seed) {
  const out = new Float32Array(n);
  let s = (seed * 2654435761 + 12345) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 8) / 16777216) * 2 * a - a;
  }
  return out;
}

// `needDx` false for the first layer: its input is the data, whose gradient tf's own
// (lazy) gradients would not compute either; customGrad wants one, so it gets zeros.
function customDense(tf, needDx) {
  return tf.customGrad((x, w, save) => {
    save([x, w]);
    return {
      value: tf.matMul(x, w),
      gradFunc: (dy, [xs, ws]) => [
        needDx ? tf.matMul(dy, tf.transpose(ws)) : tf.zerosLike(xs),
        tf.matMul(tf.transpose(xs), dy),
      ],
    };
  });
}

function customConv(tf, k, needDx) {
  const pad = (k - 1) / 2;
  return tf.customGrad((x, w, save) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, 'same'),
      gradFunc: (dy, [xs, ws]) => {
        // dX: the 'same' convolution of dY with the filter rotated by 180° and its channels
        // swapped ([k, k, co, ci]), an XNNPACK conv2d (wasm's Conv2DBackpropInput is a
        // naive loop, ~10× slower here).
        const dx = needDx
          ? tf.conv2d(dy, tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]), 1, 'same')
          : tf.zerosLike(xs);
        const xp = tf.pad(xs, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ]);
        const xt = tf.transpose(xp, [3, 1, 2, 0]); // [ci, Hp, Wp, n]
        const dyt = tf.transpose(dy, [1, 2, 0, 3]); // [H, W, n, co]
        const g = tf.conv2d(xt, dyt, 1, 'valid'); // [ci, k, k, co]
        return [dx, tf.transpose(g, [1, 2, 0, 3])];
      },
    };
  });
}

/**
 * [n, h, w, c] → [n, 2h, 2w, c], each value repeated over its 2×2 window (a broadcast add of
 * zeros: wasm's 6-d Tile is ~40× slower).
 */
function up2(tf, t, zeros) {
  const [n, h, w, c] = t.shape;
  return tf.reshape(tf.add(tf.reshape(t, [n, h, 1, w, 1, c]), zeros), [n, 2 * h, 2 * w, c]);
}

// 2×2/stride-2 max pool whose gradient goes to the window's maxima through a mask (wasm's
// MaxPoolGrad is a naive loop). Ties share the gradient, unlike tf's (one winner); after a
// ReLU the only likely ties are zeros, whose gradient the ReLU then drops, so the step is
// the same.
function customMaxPool(tf, zeros) {
  return tf.customGrad((x, save) => {
    const y = tf.maxPool(x, 2, 2, 'valid');
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy, [xs, ys]) =>
        tf.mul(tf.cast(tf.equal(xs, up2(tf, ys, zeros)), 'float32'), up2(tf, dy, zeros)),
    };
  });
}

/**
 * A tfjs trainer for `net` on the active backend. `variant`: 'manual' or 'layers'. Returns
 * { step(x, y) → Promise<number> (the loss, read back: the step is finished), evaluate(x, y)
 * → accuracy, dispose() }, where x is a Float32Array batch and y its Int32Array labels.
 */
export function makeTfjsTrainer(tf, net, { variant = 'manual', seed = 1, lr = 1e-3 } = {}) {
  const inShape = net.flatten ? [784] : [28, 28, 1];
  const toX = (x, rows) => tf.tensor(x, [rows, ...inShape], 'float32');
  const toY = (y, rows) =>
    tf.tidy(() => tf.oneHot(tf.tensor1d(y.subarray(0, rows), 'int32'), 10).toFloat());
  if (variant === 'layers') {
    const m = tf.sequential();
    let first = true;
    for (const [, out, k] of net.conv) {
      m.add(
        tf.layers.conv2d({
          ...(first ? { inputShape: inShape } : {}),
          filters: out,
          kernelSize: k,
          padding: 'same',
          activation: 'relu',
        }),
      );
      m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      first = false;
    }
    if (net.conv.length) m.add(tf.layers.flatten());
    net.dense.forEach(([, out], i) => {
      m.add(
        tf.layers.dense({
          ...(first ? { inputShape: inShape } : {}),
          units: out,
          activation: i < net.dense.length - 1 ? 'relu' : 'linear',
        }),
      );
      first = false;
    });
    const opt = tf.train.adam(lr);
    m.compile({ optimizer: opt, loss: (yt, yp) => tf.losses.softmaxCrossEntropy(yt, yp) });
    return {
      variant,
      async step(x, y, rows = net.batch) {
        const xt = toX(x, rows);
        const yt = toY(y, rows);
        try {
          return await m.trainOnBatch(xt, yt);
        } finally {
          xt.dispose();
          yt.dispose();
        }
      },
      accuracy: (x, y, rows) => accuracy(tf, (xt) => m.predict(xt), toX(x, rows), y, rows),
      dispose() {
        m.dispose();
        opt.dispose();
      },
    };
  }
  // manual
  const vars = [];
  const convs = net.conv.map(([ci, co, k], i) => {
    const a = 1 / Math.sqrt(ci * k * k);
    const w = tf.variable(tf.tensor4d(uniform(k * k * ci * co, a, seed * 100 + i), [k, k, ci, co]));
    const b = tf.variable(tf.tensor1d(uniform(co, a, seed * 100 + 50 + i)));
    vars.push(w, b);
    return { w, b, op: customConv(tf, k, i > 0) };
  });
  const denses = net.dense.map(([ci, co], i) => {
    const a = 1 / Math.sqrt(ci);
    const w = tf.variable(tf.tensor2d(uniform(ci * co, a, seed * 200 + i), [ci, co]));
    const b = tf.variable(tf.tensor1d(uniform(co, a, seed * 200 + 50 + i)));
    vars.push(w, b);
    return { w, b, op: customDense(tf, i > 0 || net.conv.length > 0) };
  });
  const zeros = tf.zeros([1, 1, 2, 1, 2, 1]);
  const pool = customMaxPool(tf, zeros);
  const forward = (x) => {
    let h = x;
    for (const c of convs) h = pool(tf.relu(tf.add(c.op(h, c.w), c.b)));
    if (convs.length) h = tf.reshape(h, [h.shape[0], -1]);
    denses.forEach((d, i) => {
      h = tf.add(d.op(h, d.w), d.b);
      if (i < denses.length - 1) h = tf.relu(h);
    });
    return h;
  };
  // The same network with tf's own ops and gradients (to check the custom ones against).
  const plainForward = (x) => {
    let h = x;
    for (const c of convs)
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c.w, 1, 'same'), c.b)), 2, 2, 'valid');
    if (convs.length) h = tf.reshape(h, [h.shape[0], -1]);
    denses.forEach((d, i) => {
      h = tf.add(tf.matMul(h, d.w), d.b);
      if (i < denses.length - 1) h = tf.relu(h);
    });
    return h;
  };
  const opt = tf.train.adam(lr);
  return {
    variant,
    vars,
    forward,
    plainForward,
    async step(x, y, rows = net.batch) {
      const xt = toX(x, rows);
      const yt = toY(y, rows);
      try {
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yt, forward(xt)), true);
        const v = (await loss.data())[0];
        loss.dispose();
        return v;
      } finally {
        xt.dispose();
        yt.dispose();
      }
    },
    accuracy: (x, y, rows) => accuracy(tf, forward, toX(x, rows), y, rows),
    dispose() {
      opt.dispose();
      for (const v of vars) v.dispose();
      zeros.dispose();
    },
  };
}

/** Number of correct predictions of `predict` on the tensor `xt` (disposed) against labels y. */
async function accuracy(tf, predict, xt, y, rows) {
  const am = tf.tidy(() => tf.argMax(predict(xt), 1));
  const p = await am.data();
  am.dispose();
  xt.dispose();
  let ok = 0;
  for (let i = 0; i < rows; i++) if (p[i] === y[i]) ok++;
  return ok;
}
