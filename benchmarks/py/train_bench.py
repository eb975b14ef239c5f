#!/usr/bin/env python3
"""PyTorch (CPU) leg of descent's training benchmark (benchmarks/sections/training.mjs).

A persistent child speaking the suite's line protocol (benchmarks/lib/cref.mjs): one command
per line on stdin, one JSON object per line on stdout ({"error": ...} when it cannot):

  info                         {"python", "torch", "numpy", "threads"}
  init <net> <data dir> <seed> load Fashion-MNIST's training IDX files (gzip + numpy) from the
                               folder descent read them from, build the net ("mlp": 784-256-128-10;
                               "cnn": conv16-pool-conv32-pool-fc128-fc10), Adam(lr=1e-3),
                               CrossEntropyLoss; batch 128 (mlp) or 64 (cnn)
  run <iters>                  {"iters", "sec"}: mean seconds per training step over `iters`
                               steps (zero_grad, forward, loss, backward, Adam step), each on the
                               next full batch of a seeded shuffle (reshuffled each pass)
  quit

Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1.
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

THREADS = int(os.environ.get("DESCENT_BENCH_TORCH_THREADS", "2"))
torch.set_num_threads(THREADS)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:
    pass

BATCH = {"mlp": 128, "cnn": 64}


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise ValueError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find(folder, base):
    for name in (base + ".gz", base):
        p = os.path.join(folder, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(f"{base}[.gz] not in {folder}")


def make_net(kind):
    if kind == "mlp":
        return nn.Sequential(
            nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
        )
    if kind == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
        )
    raise ValueError(f"unknown net {kind}")


class Trainer:
    def __init__(self, kind, folder, seed):
        images = read_idx(find(folder, "train-images-idx3-ubyte"))
        labels = read_idx(find(folder, "train-labels-idx1-ubyte"))
        x = torch.from_numpy(images.astype(np.float32) / 255.0)
        self.x = x.reshape(-1, 784) if kind == "mlp" else x.reshape(-1, 1, 28, 28)
        self.y = torch.from_numpy(labels.astype(np.int64))
        self.n = self.x.shape[0]
        self.batch = BATCH[kind]
        torch.manual_seed(seed)
        self.gen = torch.Generator().manual_seed(seed)
        self.net = make_net(kind)
        self.net.train()
        self.opt = torch.optim.Adam(self.net.parameters(), lr=1e-3)
        self.loss = nn.CrossEntropyLoss()
        self.order = torch.randperm(self.n, generator=self.gen)
        self.pos = 0

    def step(self):
        if self.pos + self.batch > self.n:
            self.order = torch.randperm(self.n, generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos : self.pos + self.batch]
        self.pos += self.batch
        xb, yb = self.x[idx], self.y[idx]
        self.opt.zero_grad(set_to_none=True)
        out = self.loss(self.net(xb), yb)
        out.backward()
        self.opt.step()
        return out


cur = None


def handle(tokens):
    global cur
    cmd = tokens[0]
    if cmd == "info":
        return {
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "threads": torch.get_num_threads(),
            "interopThreads": torch.get_num_interop_threads(),
            "mkldnn": bool(torch.backends.mkldnn.is_available()),
            "pid": os.getpid(),
        }
    if cmd == "init":
        cur = Trainer(tokens[1], tokens[2], int(tokens[3]) if len(tokens) > 3 else 1)
        return {"net": tokens[1], "n": cur.n, "batch": cur.batch}
    if cmd == "run":
        if cur is None:
            return {"error": "run before init"}
        iters = max(1, int(tokens[1]))
        t0 = time.perf_counter()
        for _ in range(iters):
            loss = cur.step()
        sec = (time.perf_counter() - t0) / iters
        return {"iters": iters, "sec": sec, "loss": float(loss.detach())}
    return {"error": f"unknown command {cmd}"}


def main():
    for line in sys.stdin:
        tokens = line.split()
        if not tokens:
            continue
        if tokens[0] == "quit":
            break
        try:
            out = handle(tokens)
        except Exception as e:  # reported to the suite, which records the reason
            out = {"error": f"{type(e).__name__}: {e}".splitlines()[0][:300]}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
