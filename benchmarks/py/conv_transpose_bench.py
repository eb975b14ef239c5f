#!/usr/bin/env python3
"""PyTorch (CPU) leg of benchmarks/conv-transpose.mjs: torch.nn.ConvTranspose2d forward, and
forward + backward (input, weight and bias gradients), beside descent's.

Line protocol (benchmarks/lib/cref.mjs): one command per line on stdin, one JSON line out.
  info                                   {"python", "torch", "threads", "mkldnn"}
  init <n> <cin> <cout> <h> <w> <k> <stride> <padding>
                                         builds the layer, x [n, cin, h, w] and dy, warms up
                                         0.5 s; {"ok", "outShape"}
  run <iters>                            {"iters", "sec", "forwardSec"}: mean seconds per
                                         forward + backward, and of its forward part
  quit

Backward: y.backward(dy) with x.requires_grad, so dx, dW and db are all computed; parameter
gradients accumulate from call to call (as descent's Model.backward) and x.grad is dropped.
Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1 (as train_bench).
"""
import json
import os
import sys
import time

import torch

torch.set_num_threads(int(os.environ.get("DESCENT_BENCH_TORCH_THREADS", "2")))
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

layer = x = dy = None


def step():
    t0 = time.perf_counter()
    y = layer(x)
    t1 = time.perf_counter()
    y.backward(dy)
    x.grad = None
    return t1 - t0


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def timed(n):
    fwd = 0.0
    t0 = time.perf_counter()
    for _ in range(n):
        fwd += step()
    return (time.perf_counter() - t0) / n, fwd / n


for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    try:
        if parts[0] == "info":
            reply({"python": sys.version.split()[0], "torch": torch.__version__,
                   "threads": torch.get_num_threads(),
                   "mkldnn": torch.backends.mkldnn.is_available()})
        elif parts[0] == "init":
            n, cin, cout, h, w, k, s, p = (int(v) for v in parts[1:9])
            g = torch.Generator().manual_seed(1)
            layer = torch.nn.ConvTranspose2d(cin, cout, k, stride=s, padding=p)
            x = (torch.rand(n, cin, h, w, generator=g) * 2 - 1).requires_grad_(True)
            with torch.no_grad():
                shape = list(layer(x).shape)
            dy = torch.rand(*shape, generator=g) * 2 - 1
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 0.5:  # allocator caches, oneDNN primitives, clocks
                step()
            reply({"ok": True, "outShape": shape})
        elif parts[0] == "run":
            n = int(parts[1])
            sec, fsec = timed(n)
            reply({"iters": n, "sec": sec, "forwardSec": fsec})
        elif parts[0] == "quit":
            break
        else:
            reply({"error": f"unknown command {parts[0]}"})
    except Exception as e:  # noqa: BLE001 - the protocol reports every failure as a line
        reply({"error": f"{type(e).__name__}: {e}"})
