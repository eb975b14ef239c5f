#!/usr/bin/env python3
"""PyTorch reference of the sine MAML/Reptile experiment that benchmarks/meta-sine.mjs runs
with descent at the same settings (the optional torch leg of that script).

The MAML paper's regression problem (Finn et al. 2017, §5.1): tasks y = A·sin(x − φ), A ~
U[0.1, 5], φ ~ U[0, π], x ~ U[−5, 5]; the MLP 1-40-40-1 with ReLU, PyTorch's default init.
Algorithms, as PyTorch users write them:
  maml2    second-order MAML: inner SGD steps on torch.autograd.grad(create_graph=True)
  fomaml   first-order MAML: a detached copy and a fresh torch.optim.SGD per task, the query
           gradient at the adapted weights as the meta-gradient
  reptile  Reptile (Nichol et al. 2018): the same inner loop, θ − mean(φ) as the gradient
  pretrain joint training on every task's support and query points, no inner loop
The outer optimizer is Adam for MAML and pre-training, SGD for Reptile (its ε). After
training, every model is fine-tuned on each test task's support set with SGD at the inner
learning rate and the query MSE is recorded after 0, 1, …, evalSteps steps.

    python3 benchmarks/py/meta_sine.py CONFIG.json TASKS.json

CONFIG: {"algos": [...], "seeds": [...], "metaSteps", "tasksPerBatch", "shots", "queries",
"innerLr", "innerSteps": {algo: n}, "outerLr": {algo: lr}, "evalSteps"}; TASKS: the test
tasks [{"xs", "ys", "xq", "yq"}] (descent's script writes both, so the two legs are scored on
the same tasks). One JSON line per (algo, seed) on stdout: {"algo", "seed", "loss": [...],
"seconds"}. One thread (torch.set_num_threads(1)).
"""
import json
import math
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)


def mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(1, 40), torch.nn.ReLU(), torch.nn.Linear(40, 40), torch.nn.ReLU(),
        torch.nn.Linear(40, 1))


def forward(w, x):
    h = F.relu(F.linear(x, w[0], w[1]))
    h = F.relu(F.linear(h, w[2], w[3]))
    return F.linear(h, w[4], w[5])


def sample_tasks(g, n, k, q):
    out = []
    for _ in range(n):
        a = 0.1 + 4.9 * torch.rand((), generator=g).item()
        ph = math.pi * torch.rand((), generator=g).item()
        xs = torch.rand(k, 1, generator=g) * 10 - 5
        xq = torch.rand(q, 1, generator=g) * 10 - 5
        out.append((xs, a * torch.sin(xs - ph), xq, a * torch.sin(xq - ph)))
    return out


def adapt(theta, xs, ys, lr, steps, each=None):
    """SGD steps from θ on the support set (a fresh torch.optim.SGD over a detached copy)."""
    fast = [p.detach().clone().requires_grad_(True) for p in theta]
    opt = torch.optim.SGD(fast, lr=lr)
    if each:
        each(fast)
    for _ in range(steps):
        opt.zero_grad()
        F.mse_loss(forward(fast, xs), ys).backward()
        opt.step()
        if each:
            each(fast)
    return fast


def meta_step(algo, theta, outer, tasks, cfg):
    n = len(tasks)
    lr = cfg["innerLr"]
    steps = cfg["innerSteps"][algo]
    outer.zero_grad()
    for p in theta:
        p.grad = torch.zeros_like(p)
    for xs, ys, xq, yq in tasks:
        if algo == "maml2":
            w = theta
            for _ in range(steps):
                g = torch.autograd.grad(F.mse_loss(forward(w, xs), ys), w, create_graph=True)
                w = [wi - lr * gi for wi, gi in zip(w, g)]
            (F.mse_loss(forward(w, xq), yq) / n).backward()
        elif algo == "pretrain":
            m = xs.shape[0] + xq.shape[0]
            for x, y in ((xs, ys), (xq, yq)):
                (F.mse_loss(forward(theta, x), y) * (x.shape[0] / (m * n))).backward()
        else:
            fast = adapt(theta, xs, ys, lr, steps)
            with torch.no_grad():
                if algo == "fomaml":
                    with torch.enable_grad():
                        g = torch.autograd.grad(F.mse_loss(forward(fast, xq), yq), fast)
                    for p, gi in zip(theta, g):
                        p.grad += gi / n
                else:
                    for p, f in zip(theta, fast):
                        p.grad += (p - f) / n
    outer.step()


def evaluate(theta, tests, lr, steps):
    sums = [0.0] * (steps + 1)
    for xs, ys, xq, yq in tests:
        k = [0]

        def each(fast):
            with torch.no_grad():
                sums[k[0]] += F.mse_loss(forward(fast, xq), yq).item()
            k[0] += 1

        adapt(theta, xs, ys, lr, steps, each)
    return [s / len(tests) for s in sums]


def main():
    cfg = json.load(open(sys.argv[1]))
    tests = [
        tuple(torch.tensor(t[key], dtype=torch.float32).reshape(-1, 1)
              for key in ("xs", "ys", "xq", "yq"))
        for t in json.load(open(sys.argv[2]))
    ]
    for algo in cfg["algos"]:
        for seed in cfg["seeds"]:
            torch.manual_seed(seed)
            theta = list(mlp().parameters())
            outer = (torch.optim.SGD(theta, lr=cfg["outerLr"][algo]) if algo == "reptile"
                     else torch.optim.Adam(theta, lr=cfg["outerLr"][algo]))
            g = torch.Generator().manual_seed(10_000 + seed)
            t0 = time.perf_counter()
            for _ in range(cfg["metaSteps"]):
                meta_step(algo, theta, outer,
                          sample_tasks(g, cfg["tasksPerBatch"], cfg["shots"], cfg["queries"]), cfg)
            sec = time.perf_counter() - t0
            loss = evaluate(theta, tests, cfg["innerLr"], cfg["evalSteps"])
            print(json.dumps({"algo": algo, "seed": seed, "loss": loss, "seconds": sec}), flush=True)


main()
