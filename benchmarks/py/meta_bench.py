#!/usr/bin/env python3
"""PyTorch (CPU) leg of benchmarks/meta.mjs: one MAML meta-step on sine regression, written as
PyTorch users write it (torch.autograd.grad with create_graph for second order; a detached
copy and a fresh torch.optim.SGD per task for first order), at the same settings as descent's.

Line protocol (benchmarks/lib/cref.mjs): one command per line on stdin, one JSON line out.
  info                                  {"python", "torch", "threads"}
  init <case> <steps> <tasks> <k> <q> <style> [<warm-up seconds, default 1>]
                                        case: maml2 | maml1; the MLP 1-40-40-1 (ReLU),
                                        inner SGD lr 0.01, outer Adam lr 1e-3, `tasks` fixed
                                        sine tasks of k support and q query points; style:
                                        `call` runs the nn.Module with the fast weights through
                                        torch.func.functional_call (what torch.func, higher and
                                        learn2learn users write), `linear` a hand-written
                                        F.linear/F.relu forward (the fastest eager form)
  run <iters>                           {"iters", "sec"}: mean seconds per meta-step
  quit

Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1 (as train_bench).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(os.environ.get("DESCENT_BENCH_TORCH_THREADS", "2")))
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


def make(case, steps, n_tasks, k, q, style):
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 40), torch.nn.ReLU(), torch.nn.Linear(40, 40), torch.nn.ReLU(),
        torch.nn.Linear(40, 1))
    params = list(model.parameters())
    outer = torch.optim.Adam(params, lr=1e-3)
    g = torch.Generator().manual_seed(2)
    tasks = []
    for _ in range(n_tasks):
        a = 0.1 + 4.9 * torch.rand(1, generator=g).item()
        ph = math.pi * torch.rand(1, generator=g).item()
        xs = torch.rand(k, 1, generator=g) * 10 - 5
        xq = torch.rand(q, 1, generator=g) * 10 - 5
        tasks.append((xs, a * torch.sin(xs - ph), xq, a * torch.sin(xq - ph)))
    names = [n for n, _ in model.named_parameters()]

    def call(w, x):
        return torch.func.functional_call(model, dict(zip(names, w)), (x,))

    def linear(w, x):
        h = F.relu(F.linear(x, w[0], w[1]))
        h = F.relu(F.linear(h, w[2], w[3]))
        return F.linear(h, w[4], w[5])

    f = {"call": call, "linear": linear}[style]

    def mse(p, y):
        return F.mse_loss(p, y)

    def maml2():
        outer.zero_grad()
        for xs, ys, xq, yq in tasks:
            w = params
            for _ in range(steps):
                gr = torch.autograd.grad(mse(f(w, xs), ys), w, create_graph=True)
                w = [wi - 0.01 * gi for wi, gi in zip(w, gr)]
            (mse(f(w, xq), yq) / n_tasks).backward()
        outer.step()

    def maml1():
        outer.zero_grad()
        for p in params:
            p.grad = torch.zeros_like(p)
        for xs, ys, xq, yq in tasks:
            fast = [p.detach().clone().requires_grad_(True) for p in params]
            inner = torch.optim.SGD(fast, lr=0.01)
            for _ in range(steps):
                inner.zero_grad()
                mse(f(fast, xs), ys).backward()
                inner.step()
            gr = torch.autograd.grad(mse(f(fast, xq), yq), fast)
            with torch.no_grad():
                for p, gi in zip(params, gr):
                    p.grad.add_(gi, alpha=1 / n_tasks)
        outer.step()

    return {"maml2": maml2, "maml1": maml1}[case]


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
            current = make(parts[1], *map(int, parts[2:6]), parts[6])
            warm = float(parts[7]) if len(parts) > 7 else 1.0
            t0 = time.perf_counter()
            current()
            while time.perf_counter() - t0 < warm:  # warm the dispatcher and allocator caches
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
