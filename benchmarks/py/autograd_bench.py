#!/usr/bin/env python3
"""PyTorch (CPU) leg of the suite's autograd section (benchmarks/sections/autograd.mjs):
the eager per-operation overhead on tiny tensors, beside descent's tape.

Line protocol (benchmarks/lib/cref.mjs): one command per line on stdin, one JSON line out.
  info            {"python", "torch", "threads"}
  init <case>     add16-nograd | add16-record | add16-backward (16-element float32 tensors)
  run <iters>     {"iters", "sec"}: mean seconds per call over `iters` back-to-back calls
  quit

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

g = torch.Generator().manual_seed(1)
a = torch.rand(16, generator=g)
b = torch.rand(16, generator=g)
ar = a.clone().requires_grad_(True)


def add_nograd():
    with torch.no_grad():
        return a + b


def add_record():
    return ar + b


def add_backward():
    (ar + b).sum().backward()
    ar.grad = None


CASES = {"add16-nograd": add_nograd, "add16-record": add_record, "add16-backward": add_backward}
current = None


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    try:
        if parts[0] == "info":
            reply({"python": sys.version.split()[0], "torch": torch.__version__,
                   "threads": torch.get_num_threads()})
        elif parts[0] == "init":
            current = CASES[parts[1]]
            t0 = time.perf_counter()
            while time.perf_counter() - t0 < 0.5:  # warm the dispatcher and allocator caches
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
