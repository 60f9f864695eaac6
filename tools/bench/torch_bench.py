#!/usr/bin/env python3
"""PyTorch CPU timings of the same work nodulab's `npm run bench` measures, as JSON lines.

Run by tools/bench/bench.js with Debian's python3-torch (/usr/bin/python3). Each line:
{"name": "<case>", "ms": <median milliseconds>, "runs": <count>}.
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = int(sys.argv[1]) if len(sys.argv) > 1 else 2
RUNS = int(sys.argv[2]) if len(sys.argv) > 2 else 7
BATCH = 32
torch.set_num_threads(THREADS)
torch.manual_seed(0)

# (name, in channels, out channels, spatial size) of NoduleNet3D's conv layers at a 32^3 input.
LAYERS = [("conv1", 1, 16, 32), ("conv2", 16, 32, 16), ("conv3", 32, 64, 8)]


def median_ms(fn, runs=RUNS, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def emit(name, ms):
    print(json.dumps({"name": name, "ms": ms, "runs": RUNS}), flush=True)


class NoduleNet3D(nn.Module):
    def __init__(self):
        super().__init__()
        def block(ci, co):
            return [nn.Conv3d(ci, co, 3, padding=1, bias=False), nn.BatchNorm3d(co), nn.ReLU(inplace=True)]
        self.features = nn.Sequential(*block(1, 16), nn.MaxPool3d(2), *block(16, 32), nn.MaxPool3d(2),
                                      *block(32, 64), nn.AdaptiveAvgPool3d(1))
        self.fc = nn.Linear(64, 2)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))


def main():
    print(json.dumps({"name": "torch.version", "version": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for name, ci, co, s in LAYERS:
        x = torch.randn(BATCH, ci, s, s, s, requires_grad=ci > 1)
        w = torch.randn(co, ci, 3, 3, 3, requires_grad=True)
        emit(f"{name}.forward", median_ms(lambda: F.conv3d(x, w, padding=1)))
        y = F.conv3d(x, w, padding=1)
        g = torch.randn_like(y)
        emit(f"{name}.backward", median_ms(lambda: torch.autograd.grad(y, [x, w] if ci > 1 else [w], g, retain_graph=True)))

    model = NoduleNet3D()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(BATCH, 1, 32, 32, 32)
    labels = torch.randint(0, 2, (BATCH,))

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), labels)
        loss.backward()
        opt.step()

    emit("train_step", median_ms(step))
    model.eval()
    with torch.no_grad():
        emit("inference", median_ms(lambda: model(x)))


if __name__ == "__main__":
    main()
