#!/usr/bin/env python3
"""PyTorch (CPU) leg of the suite's models section (benchmarks/sections/models.mjs): one DCGAN
training step on 28×28 images, the same network and step as descent's `models.GAN({ kind:
'dcgan' })`, written as the PyTorch DCGAN example writes it.

Generator z → Linear(latent, 2w·7·7, bias=False) → BatchNorm1d → ReLU → [2w, 7, 7] →
ConvTranspose2d(2w, w, 4, 2, 1, bias=False) → BatchNorm2d → ReLU → ConvTranspose2d(w, 1, 4, 2,
1) → tanh; discriminator Conv2d(1, w, 4, 2, 1) → LeakyReLU 0.2 → Conv2d(w, 2w, 4, 2, 1,
bias=False) → BatchNorm2d → LeakyReLU 0.2 → Linear(2w·7·7, 1). A step: D on a fixed real batch
and on G(z).detach() (fresh z ~ N(0, I) each step), BCE-with-logits against 1 and 0, Adam
step; the non-saturating generator loss through the updated D, Adam step (both Adam 2e-4,
β = (0.5, 0.999)).

Line protocol (benchmarks/lib/cref.mjs): one command per line on stdin, one JSON line out.
  info                                {"python", "torch", "threads"}
  init <batch> <latent> <width> <warm-up seconds>
  run <iters>                         {"iters", "sec"}: mean seconds per training step
  quit

Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1 (as train_bench).
"""
import json
import os
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(int(os.environ.get("DESCENT_BENCH_TORCH_THREADS", "2")))
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass


def make(batch, latent, w):
    torch.manual_seed(1)
    G = nn.Sequential(
        nn.Linear(latent, 2 * w * 49, bias=False), nn.BatchNorm1d(2 * w * 49), nn.ReLU(),
        nn.Unflatten(1, (2 * w, 7, 7)),
        nn.ConvTranspose2d(2 * w, w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(w),
        nn.ReLU(), nn.ConvTranspose2d(w, 1, 4, stride=2, padding=1), nn.Tanh())
    D = nn.Sequential(
        nn.Conv2d(1, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(2 * w),
        nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(2 * w * 49, 1))
    for m in list(G.modules()) + list(D.modules()):
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
    optG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(batch, 1, 28, 28) * 2 - 1
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)

    def step():
        fake = G(torch.randn(batch, latent))
        loss_d = F.binary_cross_entropy_with_logits(D(real), ones) + \
            F.binary_cross_entropy_with_logits(D(fake.detach()), zeros)
        optD.zero_grad()
        loss_d.backward()
        optD.step()
        loss_g = F.binary_cross_entropy_with_logits(D(fake), ones)
        optG.zero_grad()
        loss_g.backward()
        optG.step()

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
            current = make(int(parts[1]), int(parts[2]), int(parts[3]))
            warm = float(parts[4])
            t0 = time.perf_counter()
            current()
            while time.perf_counter() - t0 < warm:  # warm the allocator and oneDNN's caches
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
