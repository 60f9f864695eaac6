#!/usr/bin/env python3
"""PyTorch CPU timings of the same work nodulab's `npm run bench` measures, as JSON lines.

Run by tools/bench/bench.js with Debian's python3-torch (/usr/bin/python3). Each line:
{"name": "<case>", "ms": <median milliseconds>, "cpu_ms": <median process CPU ms (all threads)>, "runs": <count>}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from torch_common import LAYERS, NoduleNet3D, median_ms

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
# Optional third argument: a comma list of the cases to time (conv1..conv3, train_step, inference); default all.
ONLY = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None


def wanted(name):
    return ONLY is None or name in ONLY
BATCH = 32
torch.set_num_threads(THREADS)
torch.manual_seed(0)


def timed_ms(fn):
    """(median wall ms, median process CPU ms) of RUNS calls after 2 warm-up calls."""
    cpu = []

    def with_cpu():
        c0 = time.process_time()
        fn()
        cpu.append((time.process_time() - c0) * 1e3)

    ms = median_ms(with_cpu, RUNS, warmup=2)
    return ms, statistics.median(cpu[2:])


def emit(name, timing):
    ms, cpu_ms = timing
    print(json.dumps({"name": name, "ms": ms, "cpu_ms": cpu_ms, "runs": RUNS}), flush=True)


def main():
    print(json.dumps({"name": "torch.version", "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for name, ci, co, s in LAYERS:
        if not wanted(name):
            continue
        x = torch.randn(BATCH, ci, s, s, s, requires_grad=ci > 1)
        w = torch.randn(co, ci, 3, 3, 3, requires_grad=True)
        emit(f"{name}.forward", timed_ms(lambda: F.conv3d(x, w, padding=1)))
        y = F.conv3d(x, w, padding=1)
        g = torch.randn_like(y)
        emit(f"{name}.backward", timed_ms(lambda: torch.autograd.grad(y, [x, w] if ci > 1 else [w], g, retain_graph=True)))

    model = NoduleNet3D()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(BATCH, 1, 32, 32, 32)
    labels = torch.randint(0, 2, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()

    if wanted("train_step"):
        emit("train_step", timed_ms(step))
    model.eval()
    if wanted("inference"):
        with torch.no_grad():
            emit("inference", timed_ms(lambda: model(x)))


if __name__ == "__main__":
    main()
