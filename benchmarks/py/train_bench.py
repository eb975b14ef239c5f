#!/usr/bin/env python3
"""PyTorch (CPU) leg of descent's training benchmark (benchmarks/sections/training.mjs).

A persistent child speaking the suite's line protocol (benchmarks/lib/cref.mjs): one command
per line on stdin, one JSON object per line on stdout ({"error": ...} when it cannot):

  info                         {"python", "torch", "numpy", "threads"}
  init <net> <data dir> <seed> [batch] [threads] [key]
                               load Fashion-MNIST's training IDX files (gzip + numpy) from the
                               folder descent read them from (once), build the net ("mlp":
                               784-256-128-10; "cnn": conv16-pool-conv32-pool-fc128-fc10),
                               Adam(lr=1e-3), CrossEntropyLoss; batch 128 (mlp) or 64 (cnn)
                               unless given; its steps run on `threads` torch threads (0 or none:
                               as below); kept under `key` (default "0") beside earlier ones
  run <iters> [key]            {"iters", "sec"}: mean seconds per training step over `iters`
                               steps (zero_grad, forward, loss, backward, Adam step), each on the
                               next full batch of a seeded shuffle (reshuffled each pass)
  drop [key]                   forget a trainer
  quit

Or, in a process of its own: `train_bench.py accuracy <net> <data dir> <seed> <target>
<max epochs> <budget s>` trains to the target test accuracy and prints one JSON line.

Threads: torch.set_num_threads(DESCENT_BENCH_TORCH_THREADS or 2), interop 1; a trainer inited
with a thread count sets it (torch.set_num_threads) before each of its runs.
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


_data = {}


def train_data(folder):
    """The training images (float32 in [0, 1], N×784) and labels, read once per folder."""
    if folder not in _data:
        images = read_idx(find(folder, "train-images-idx3-ubyte"))
        labels = read_idx(find(folder, "train-labels-idx1-ubyte"))
        x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 784)
        _data[folder] = (x, torch.from_numpy(labels.astype(np.int64)))
    return _data[folder]


class Trainer:
    def __init__(self, kind, folder, seed, batch=None, threads=None):
        x, self.y = train_data(folder)
        self.x = x if kind == "mlp" else x.reshape(-1, 1, 28, 28)
        self.n = self.x.shape[0]
        self.batch = batch or BATCH[kind]
        self.threads = threads or THREADS
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


trainers = {}


def handle(tokens):
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
        seed = int(tokens[3]) if len(tokens) > 3 else 1
        batch = int(tokens[4]) if len(tokens) > 4 else None
        threads = int(tokens[5]) if len(tokens) > 5 else None
        key = tokens[6] if len(tokens) > 6 else "0"
        cur = trainers[key] = Trainer(tokens[1], tokens[2], seed, batch, threads)
        return {"net": tokens[1], "n": cur.n, "batch": cur.batch, "threads": cur.threads,
                "key": key}
    if cmd == "drop":
        trainers.pop(tokens[1] if len(tokens) > 1 else "0", None)
        return {"ok": True}
    if cmd == "run":
        cur = trainers.get(tokens[2] if len(tokens) > 2 else "0")
        if cur is None:
            return {"error": "run before init"}
        iters = max(1, int(tokens[1]))
        torch.set_num_threads(cur.threads)
        t0 = time.perf_counter()
        for _ in range(iters):
            loss = cur.step()
        sec = (time.perf_counter() - t0) / iters
        return {"iters": iters, "sec": sec, "loss": float(loss.detach())}
    return {"error": f"unknown command {cmd}"}


def rss_mb(field):
    """VmRSS / VmHWM of this process in MiB (Linux), else None."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def accuracy_run(kind, folder, seed, target, max_epochs, budget):
    """Trains epoch by epoch (every batch, the last short one too), evaluating test accuracy
    after each, until `target` or `max_epochs` or `budget` seconds; the same JSON fields as
    benchmarks/lib/train-child.mjs."""
    tr = Trainer(kind, folder, seed)
    images = read_idx(find(folder, "t10k-images-idx3-ubyte"))
    labels = read_idx(find(folder, "t10k-labels-idx1-ubyte"))
    tx = torch.from_numpy(images.astype(np.float32) / 255.0)
    tx = tx.reshape(-1, 784) if kind == "mlp" else tx.reshape(-1, 1, 28, 28)
    ty = torch.from_numpy(labels.astype(np.int64))
    epochs, reached, stopped = [], None, "max-epochs"
    t0 = time.perf_counter()
    for epoch in range(max_epochs):
        te = time.perf_counter()
        tr.net.train()
        order = torch.randperm(tr.n, generator=tr.gen)
        for s in range(0, tr.n, tr.batch):
            idx = order[s : s + tr.batch]
            tr.opt.zero_grad(set_to_none=True)
            tr.loss(tr.net(tr.x[idx]), tr.y[idx]).backward()
            tr.opt.step()
        train_sec = time.perf_counter() - te
        tv = time.perf_counter()
        tr.net.eval()
        with torch.no_grad():
            ok = sum(int((tr.net(tx[s : s + 1000]).argmax(1) == ty[s : s + 1000]).sum())
                     for s in range(0, len(ty), 1000))
        eval_sec = time.perf_counter() - tv
        cum = time.perf_counter() - t0
        acc = ok / len(ty)
        epochs.append({"epoch": epoch + 1, "valAccuracy": acc, "trainSec": train_sec,
                       "evalSec": eval_sec, "cumSec": cum, "samplesPerSec": tr.n / train_sec,
                       "rssMB": rss_mb("VmRSS")})
        print(f"  pytorch epoch {epoch + 1}: test accuracy {acc * 100:.2f}%, {cum:.1f} s",
              file=sys.stderr)
        if reached is None and acc >= target:
            reached = {"epochs": epoch + 1, "seconds": cum,
                       "trainSeconds": sum(e["trainSec"] for e in epochs)}
            stopped = "target"
            break
        if cum > budget:
            stopped = "budget"
            break
    by_epoch = [e["rssMB"] for e in epochs]
    grow = by_epoch[-1] - by_epoch[1] if len(by_epoch) >= 2 and None not in by_epoch else None
    return {
        "impl": "pytorch", "net": kind, "batch": tr.batch, "target": target,
        "budgetSec": budget, "maxEpochs": max_epochs, "minEpochs": 1, "stoppedBy": stopped,
        "reached": reached is not None,
        "epochsToTarget": reached["epochs"] if reached else None,
        "secondsToTarget": reached["seconds"] if reached else None,
        "trainSecondsToTarget": reached["trainSeconds"] if reached else None,
        "bestAccuracy": max(e["valAccuracy"] for e in epochs),
        "epochs": epochs,
        "memory": {
            "peakRssMB": rss_mb("VmHWM"),
            "rssByEpochMB": by_epoch,
            "growthFromEpoch2MB": round(grow, 1) if grow is not None else None,
            "growthFromEpoch2Pct": round(grow / by_epoch[1] * 100, 2) if grow is not None else None,
        },
        "torch": torch.__version__, "threads": torch.get_num_threads(),
    }


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "accuracy":
        kind, folder, seed, target, max_epochs, budget = sys.argv[2:8]
        res = accuracy_run(kind, folder, int(seed), float(target), int(max_epochs), float(budget))
        sys.stdout.write(json.dumps(res) + "\n")
        return
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
