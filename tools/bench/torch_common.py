"""What the PyTorch benchmarks share (torch_bench.py on the CPU, torch_cuda_bench.py on the GPU):
NoduleNet3D's conv layers, the model itself, and a median timer."""
import statistics
import time

import torch
import torch.nn as nn

# (name, in channels, out channels, spatial size) of NoduleNet3D's conv layers at a 32^3 input.
LAYERS = [("conv1", 1, 16, 32), ("conv2", 16, 32, 16), ("conv3", 32, 64, 8)]


def median_ms(fn, runs, warmup, sync=lambda: None):
    """Median wall time of fn() in milliseconds over `runs` calls after `warmup` calls; sync() waits
    for queued work (torch.cuda.synchronize on the GPU) before each clock read."""
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        sync()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


class NoduleNet3D(nn.Module):
    """nodulab's NoduleNet3D: three Conv-BN-ReLU blocks (max pool between), global average pool, fc."""

    def __init__(self, fc_bias=True):
        super().__init__()

        def block(ci, co):
            return [nn.Conv3d(ci, co, 3, padding=1, bias=False), nn.BatchNorm3d(co), nn.ReLU(inplace=True)]

        self.features = nn.Sequential(*block(1, 16), nn.MaxPool3d(2), *block(16, 32), nn.MaxPool3d(2),
                                      *block(32, 64), nn.AdaptiveAvgPool3d(1))
        self.fc = nn.Linear(64, 2, bias=fc_bias)

    def forward(self, x):
        return self.fc(torch.flatten(self.features(x), 1))
