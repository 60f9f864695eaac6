#!/usr/bin/env python3
"""PyTorch + cuDNN GPU timings of the work nodulab_bench_cuda measures, side by side with nodulab.

    python3 tools/bench/torch_cuda_bench.py [--nodulab native/build-cuda/nodulab_bench_cuda] [--reps 20]
        [--batch 32 --batch 256]

Measures each NoduleNet3D conv layer (forward, backward-input, backward-filter), the NoduleNet3D SGD
training step and SupCon forward+backward at 4096 x 128 (PyTorch eager autograd) on cuda:0, then,
when --nodulab names the nodulab_bench_cuda binary, runs it in the same process tree and prints one
JSON line per case with both times and ratio = nodulab_ms / torch_ms (< 1: nodulab is faster).
Needs only PyTorch with CUDA (no Node, no npm). Output: JSON lines.
"""
import argparse
import json
import subprocess
import sys

import torch
import torch.nn.functional as F

from torch_common import LAYERS, NoduleNet3D, median_ms


def cuda_ms(fn, reps):
    return median_ms(fn, reps, warmup=3, sync=torch.cuda.synchronize)


def supcon_loss(z, labels, tau):
    """SupCon (L_out) exactly as nodulab defines it (contrastive.h), in eager PyTorch."""
    n = z.shape[0]
    s = z @ z.t() / tau
    eye = torch.eye(n, dtype=torch.bool, device=z.device)
    s = s.masked_fill(eye, float("-inf"))
    log_prob = s - torch.logsumexp(s, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~eye
    count = pos.sum(1)
    anchors = count > 0
    per_anchor = -(log_prob.masked_fill(~pos, 0).sum(1)[anchors] / count[anchors])
    return per_anchor.mean()


def torch_cases(batches, reps):
    dev = torch.device("cuda")
    out = []

    def emit(name, batch, ms):
        rec = {"impl": "torch", "name": name, "batch": batch, "ms": ms}
        print(json.dumps(rec), flush=True)
        out.append(rec)

    for batch in batches:
        for name, ci, co, s in LAYERS:
            x = torch.randn(batch, ci, s, s, s, device=dev, requires_grad=True)
            w = torch.randn(co, ci, 3, 3, 3, device=dev, requires_grad=True)
            with torch.no_grad():
                emit(f"{name}.forward", batch, cuda_ms(lambda: F.conv3d(x, w, padding=1), reps))
            y = F.conv3d(x, w, padding=1)
            g = torch.randn_like(y)
            emit(f"{name}.backward_input", batch,
                 cuda_ms(lambda: torch.autograd.grad(y, [x], g, retain_graph=True), reps))
            emit(f"{name}.backward_filter", batch,
                 cuda_ms(lambda: torch.autograd.grad(y, [w], g, retain_graph=True), reps))
        model = NoduleNet3D(fc_bias=False).to(dev)  # nodulab's bench step has no Linear bias either
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = torch.randn(batch, 1, 32, 32, 32, device=dev)
        labels = torch.arange(batch, device=dev) % 2

        def step():  # the same work as nodulab's step: BN running stats (train mode), loss value to host
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), labels)
            loss.backward()
            opt.step()
            loss.item()

        emit("train_step", batch, cuda_ms(step, reps))
    n, dim = 4096, 128
    z = F.normalize(torch.randn(n, dim, device=dev), dim=1).requires_grad_(True)
    labels = torch.arange(n, device=dev) % (n // 2)

    def supcon():
        loss = supcon_loss(z, labels, 0.1)
        torch.autograd.grad(loss, [z])

    emit("supcon.forward_backward", n, cuda_ms(supcon, reps))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nodulab", help="path of the nodulab_bench_cuda binary to run beside PyTorch")
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--batch", type=int, action="append")
    ap.add_argument("--deterministic", action="store_true",
                    help="torch.use_deterministic_algorithms(True) (nodulab's weight gradients always are)")
    args = ap.parse_args()
    batches = args.batch or [32, 256]
    if not torch.cuda.is_available():
        print(json.dumps({"impl": "torch", "name": "device", "error": "no CUDA device"}))
        return 1
    torch.backends.cudnn.benchmark = True
    if args.deterministic:
        torch.use_deterministic_algorithms(True)
    print(json.dumps({"impl": "torch", "name": "device", "device": torch.cuda.get_device_name(0),
                      "torch": torch.__version__, "cudnn": torch.backends.cudnn.version(),
                      "deterministic": args.deterministic}), flush=True)
    theirs = {(r["name"], r["batch"]): r["ms"] for r in torch_cases(batches, args.reps)}
    if not args.nodulab:
        return 0
    cmd = [args.nodulab, "--reps", str(args.reps)] + sum((["--batch", str(b)] for b in batches), [])
    proc = subprocess.run(cmd, capture_output=True, text=True)
    sys.stderr.write(proc.stderr)
    for line in proc.stdout.splitlines():
        print(line, flush=True)
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        key = (rec.get("name"), rec.get("batch"))
        if "ms" in rec and key in theirs:
            ratio = {"impl": "ratio", "name": key[0], "batch": key[1], "nodulab_ms": rec["ms"],
                     "torch_ms": theirs[key], "ratio": rec["ms"] / theirs[key]}
            if key[0] == "train_step":  # nodulab's side calls its kernels in a fixed order: no autograd graph
                ratio["note"] = "nodulab: hand-ordered kernels, no autograd; torch: eager autograd"
            print(json.dumps(ratio), flush=True)
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
