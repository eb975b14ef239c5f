#!/usr/bin/env python3
"""PyTorch (CPU) leg of benchmarks/attention.mjs: forward + backward of
torch.nn.MultiheadAttention and torch.nn.GroupNorm at the sizes descent runs, in one
persistent child that takes part in the interleaved rounds.

Line protocol (benchmarks/lib/cref.mjs): one command per line on stdin, one JSON line out.
  info                       {"python", "torch", "threads"}
  init mha <B> <S> <E> <H> <weights|causal>
                             self-attention, batch-first; `weights`: need_weights=True (torch's
                             default, its explicit-matmul path), no mask; `causal`: the causal
                             mask with is_causal=True and need_weights=False (its fused SDPA path)
  init groupnorm <N> <C> <H> <W> <G>
  run <iters>                {"iters", "sec"}: mean seconds per step: forward, then
                             torch.autograd.grad(y, [x, *parameters], dy) for a fixed dy
  quit

Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1 (as train_bench).
Warm-up per case: DESCENT_BENCH_TORCH_WARM seconds (default 1).
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
torch.manual_seed(1)


def mha(b, s, e, h, mode):
    m = torch.nn.MultiheadAttention(e, h, batch_first=True)
    x = torch.randn(b, s, e, requires_grad=True)
    causal = mode == "causal"
    mask = torch.nn.Transformer.generate_square_subsequent_mask(s) if causal else None

    wrt = [x, *m.parameters()]
    dy = torch.randn(b, s, e)

    def step():
        y, _ = m(x, x, x, attn_mask=mask, is_causal=causal, need_weights=not causal)
        torch.autograd.grad(y, wrt, dy)
    return step


def groupnorm(n, c, hh, ww, g):
    m = torch.nn.GroupNorm(g, c)
    x = torch.randn(n, c, hh, ww, requires_grad=True)

    wrt = [x, *m.parameters()]
    dy = torch.randn(n, c, hh, ww)

    def step():
        torch.autograd.grad(m(x), wrt, dy)
    return step


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


current = None
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    try:
        if parts[0] == "info":
            reply({"python": sys.version.split()[0], "torch": torch.__version__,
                   "threads": torch.get_num_threads()})
        elif parts[0] == "init":
            args = [int(v) for v in parts[2:-1]]
            current = mha(*args, parts[-1]) if parts[1] == "mha" else groupnorm(*args, int(parts[-1]))
            t0 = time.perf_counter()
            warm = float(os.environ.get("DESCENT_BENCH_TORCH_WARM", "1.0"))
            while time.perf_counter() - t0 < warm:  # warm the allocator, the kernels' caches
                current()
            reply({"ok": True})
        elif parts[0] == "run":
            n = int(parts[1])
            t0 = time.perf_counter()
            for _ in range(n):
                current()
            reply({"iters": n, "sec": (time.perf_counter() - t0) / n})
        elif parts[0] == "quit":
            break
        else:
            reply({"error": f"unknown command {parts[0]}"})
    except Exception as e:  # noqa: BLE001 - the protocol reports every failure as a line
        reply({"error": f"{type(e).__name__}: {e}"})
