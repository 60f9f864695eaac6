#!/usr/bin/env python3
"""PyTorch twin of tools/bench/model_step.js: one model's training step timed in a fresh process.

    /usr/bin/python3 tools/bench/torch_models.py <nodulenet3d|resnet3d10|unet3d> <size> <batch> [threads] [runs]

prints {"ms": median ms per step, "cpuMs": median process CPU ms per step, "maxRssMb": peak RSS of this process}. The models mirror
packages/nn/src/models (ResNet3D-10: widths 16/32/64/128, one BasicBlock per stage; UNet3D: base 8,
two levels, ConvTranspose3d(k2, s2) up, skips concatenated); the loss and optimizer match model_step.js.
"""
import json
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from torch_common import NoduleNet3D, median_ms


def conv_bn_relu(ci, co, stride=1):
    return [nn.Conv3d(ci, co, 3, stride=stride, padding=1, bias=False), nn.BatchNorm3d(co), nn.ReLU(inplace=True)]


class BasicBlock3d(nn.Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)); shortcut = 1x1x1 conv + BN on shape change."""

    def __init__(self, ci, co, stride):
        super().__init__()
        self.conv1 = nn.Conv3d(ci, co, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm3d(co)
        self.conv2 = nn.Conv3d(co, co, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm3d(co)
        self.downsample = (
            nn.Sequential(nn.Conv3d(ci, co, 1, stride=stride, bias=False), nn.BatchNorm3d(co))
            if stride != 1 or ci != co
            else None
        )

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(h))
        return F.relu(out + (self.downsample(x) if self.downsample is not None else x))


class ResNet3D10(nn.Module):
    def __init__(self, widths=(16, 32, 64, 128)):
        super().__init__()
        self.stem = nn.Sequential(*conv_bn_relu(1, widths[0]))
        layers, ci = [], widths[0]
        for stage, w in enumerate(widths):
            layers.append(BasicBlock3d(ci, w, 2 if stage > 0 else 1))
            ci = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(ci, 2)

    def forward(self, x):
        h = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool3d(h, 1), 1))


class UNet3D(nn.Module):
    def __init__(self, base=8, levels=2):
        super().__init__()
        width = lambda l: base * 2**l  # noqa: E731

        def block(ci, co):
            return nn.Sequential(*conv_bn_relu(ci, co), *conv_bn_relu(co, co))

        self.encoders = nn.ModuleList([block(1 if l == 0 else width(l - 1), width(l)) for l in range(levels)])
        self.bottleneck = block(width(levels - 1), width(levels))
        self.ups = nn.ModuleList([nn.ConvTranspose3d(width(l + 1), width(l), 2, stride=2) for l in range(levels)])
        self.decoders = nn.ModuleList([block(2 * width(l), width(l)) for l in range(levels)])
        self.head = nn.Conv3d(base, 2, 1)

    def forward(self, x):
        skips, h = [], x
        for enc in self.encoders:
            h = enc(h)
            skips.append(h)
            h = F.max_pool3d(h, 2)
        h = self.bottleneck(h)
        for l in reversed(range(len(self.encoders))):
            h = self.decoders[l](torch.cat([skips[l], self.ups[l](h)], 1))
        return self.head(h)


MODELS = {"nodulenet3d": NoduleNet3D, "resnet3d10": ResNet3D10, "unet3d": UNet3D}
# Untimed steps before the timed ones: the same count as model_step.js (WARMUP_STEPS there).
WARMUP_STEPS = 3


def make_step(name, size, batch):
    torch.manual_seed(0)
    model = MODELS[name]()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 1, size, size, size)
    if name == "unet3d":
        target = F.one_hot(torch.randint(0, 2, (batch, size, size, size)), 2).permute(0, 4, 1, 2, 3).float()
        loss_fn = lambda: F.mse_loss(model(x), target)  # noqa: E731
    else:
        labels = torch.randint(0, 2, (batch,))
        loss_fn = lambda: F.cross_entropy(model(x), labels)  # noqa: E731

    def step():
        opt.zero_grad(set_to_none=True)
        loss_fn().backward()
        opt.step()

    return step


def main(argv):
    name, size, batch = argv[0], int(argv[1]), int(argv[2])
    threads = int(argv[3]) if len(argv) > 3 else 2
    runs = int(argv[4]) if len(argv) > 4 else 5
    if name not in MODELS:
        sys.exit(f"torch_models.py: model must be one of {', '.join(MODELS)}, got {name}")
    torch.set_num_threads(threads)
    step, cpu = make_step(name, size, batch), []

    def timed_step():
        c0 = time.process_time()
        step()
        cpu.append((time.process_time() - c0) * 1e3)

    ms = median_ms(timed_step, runs, warmup=WARMUP_STEPS)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"ms": ms, "cpuMs": statistics.median(cpu[WARMUP_STEPS:]), "maxRssMb": rss}))


if __name__ == "__main__":
    main(sys.argv[1:])
