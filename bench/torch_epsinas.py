"""PyTorch CPU reference for epsinas on the NAS-Bench-201 network (comparison tool only).

Usage:
  /usr/bin/python3 bench/torch_epsinas.py --arch 'ARCH_STR' [--arch ...] \
      (--images FILE.f32 --count N | --data ../shared/data/cifar10-subset/data_batch_1.bin [--batch 256]) \
      [--weights 1e-7,1] [--classes 1] [--channels 16 --cells 5] [--input-size 32] [--output logits|features]
      [--threads 1]

One JSON line per architecture: {"arch", "value", "dropped": [entries at each run's minimum],
"seconds", "batch", "weights", "classes"}; a NaN value is written as the string "NaN".

What it follows: egracheva/epsinas, NAS-Bench-201/epsinas_utils.py compute_epsinas with
Reproduce.ipynb's settings (weights [1e-7, 1], batch 256 of CIFAR-10 training images). The network
is bench/torch_metrics.py's NB201 TinyNetwork (xautodl, C=16, N=5) with num_classes=1, as the
reference's nasspace builds it, in train mode: the reference's BNs have track_running_stats=False and
so always use batch statistics, as a BN in train mode does. For each constant w, every module's
`weight` (conv, linear, affine BN gamma) is set to w and every `bias` (BN beta included) to 0; the
outputs (logits) of the whole batch are flattened and min-max normalised, exact zeros become NaN,
and the score is nanmean(|p_low - p_high|) / nanmean(both runs), in numpy float32 as the reference.

Images: --images reads N x 3 x S x S float32 values (already normalised; what nasprobe's test
writes, so both sides see the same batch); --data reads the first B records of a CIFAR-10 binary
file, normalised as bench/torch_metrics.py does.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_metrics import Network, json_number, load_cifar_bin  # noqa: E402


def set_constant(net, w):
    """Every `weight` parameter to w, every `bias` to 0 (BN gamma and beta included)."""
    with torch.no_grad():
        for m in net.modules():
            if getattr(m, "bias", None) is not None:
                nn.init.constant_(m.bias, 0.0)
            if isinstance(getattr(m, "weight", None), torch.Tensor):
                nn.init.constant_(m.weight, w)


def min_max(pred):
    lo, hi = np.nanmin(pred), np.nanmax(pred)
    return (pred - lo) / (hi - lo)


def score(outputs):
    """The reference's formula on the two runs' flattened float32 outputs."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.array([min_max(o) for o in outputs])
        dropped = [int(np.sum(row == 0.0)) for row in p]
        p[p == 0.0] = np.nan
        value = np.nanmean(np.abs(p[0] - p[1])) / np.nanmean(p)
    return float(value), dropped


def run(arch, x, args):
    net = Network(arch, C=args.channels, N=args.cells, num_classes=args.classes).train()
    outputs = []
    start = time.perf_counter()
    for w in args.weights:
        set_constant(net, w)
        with torch.no_grad():
            y = net(x) if args.output == "logits" else net.features(x).mean((2, 3))
        outputs.append(y.numpy().astype(np.float32).flatten())
    value, dropped = score(outputs)
    return value, dropped, time.perf_counter() - start


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", action="append", required=True)
    p.add_argument("--images", help="raw float32 file, N x 3 x S x S, already normalised")
    p.add_argument("--count", type=int, help="images in --images")
    p.add_argument("--data", help="CIFAR-10 binary file (data_batch_1.bin format)")
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--weights", default="1e-7,1", help="the two constants, comma-separated")
    p.add_argument("--classes", type=int, default=1, help="reference: 1")
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--input-size", type=int, default=32)
    p.add_argument("--output", choices=["logits", "features"], default="logits")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    args.weights = [float(w) for w in args.weights.split(",")]
    if len(args.weights) != 2:
        raise SystemExit("--weights takes two constants")
    torch.set_num_threads(args.threads)
    s = args.input_size
    if args.images:
        if not args.count:
            raise SystemExit("--images needs --count")
        raw = np.fromfile(args.images, dtype=np.float32)
        if raw.size != args.count * 3 * s * s:
            raise SystemExit(f"{args.images}: {raw.size} floats, expected {args.count} x 3 x {s} x {s}")
        x = torch.from_numpy(raw.reshape(args.count, 3, s, s))
    elif args.data:
        x, _ = load_cifar_bin(args.data, args.batch)
    else:
        raise SystemExit("give --images or --data")
    for arch in args.arch:
        value, dropped, seconds = run(arch, x, args)
        line = {"arch": arch, "value": json_number(value), "dropped": dropped,
                "seconds": seconds, "batch": int(x.shape[0]), "weights": args.weights, "classes": args.classes}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
