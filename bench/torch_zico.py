"""PyTorch CPU reference for ZiCo on NAS-Bench-201 networks (comparison tool only, not a dependency).

Usage:
  /usr/bin/python3 bench/torch_zico.py --arch ARCH [--arch ARCH ...]
      (--data ../shared/data/cifar10-subset/data_batch_1.bin | --inputs PREFIX)
      [--weights PREFIX ...] [--batch 128] [--batches 2] [--seed 0] [--threads 1]
      [--channels 16] [--cells 5] [--classes 10]

Prints one JSON line per architecture: {"arch", "zico", "layers", "seconds", "weights"}.

What it follows: SLDGroup/ZiCo, ZeroShotProxy/compute_zico.py (getzico / getgrad / caculate_zico)
as evolution_search.py calls it: the network in train mode, `--batches` mini-batches (the
reference's --maxbatch, default 2) of `--batch` labelled images (its scripts: 128), for each batch
zero_grad, mean cross-entropy, backward, and the flattened .grad of every nn.Conv2d / nn.Linear
weight kept; then per layer, on those float32 arrays as numpy computes them, std over batches
(ddof 0), mean |g| over batches, the sum of mean|g| / std over entries with std != 0, and the score
is the sum of log(that sum) over layers whose sum is not 0. The code here is ours; only the
semantics are the reference's.

Network: the NB201 table network of bench/torch_metrics.py (xautodl TinyNetwork), with PyTorch's
default init after torch.manual_seed(seed), or, with `--weights PREFIX` (one per --arch), nasprobe's
weights: PREFIX.json lists [name, shape] of every IR parameter in graph order and PREFIX.bin holds
them as little-endian float32. They are assigned to net.parameters() in registration order, which
is the IR's order for this network (stem, cells edge by edge, reductions conv_a, conv_b, shortcut,
head); every shape is checked.

Images: `--data FILE` reads the first batch*batches records of a CIFAR-10 binary file (file order,
normalised as torch_metrics.load_cifar_bin does); `--inputs PREFIX` reads nasprobe's own batch:
PREFIX.json {"shape": [N, C, H, W]}, PREFIX.images.bin (float32) and PREFIX.labels.bin (int32).
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_metrics import Network, load_cifar_bin, weight_layers  # noqa: E402


def read_inputs(prefix):
    with open(prefix + ".json") as f:
        shape = json.load(f)["shape"]
    x = np.fromfile(prefix + ".images.bin", dtype="<f4").reshape(shape)
    y = np.fromfile(prefix + ".labels.bin", dtype="<i4")
    return torch.from_numpy(x.copy()), torch.from_numpy(y.astype(np.int64))


def load_weights(net, prefix):
    """nasprobe's parameters, in graph order, onto net.parameters() in registration order."""
    with open(prefix + ".json") as f:
        manifest = json.load(f)
    flat = np.fromfile(prefix + ".bin", dtype="<f4")
    params = list(net.parameters())
    if len(params) != len(manifest):
        raise SystemExit(f"{prefix}: {len(manifest)} IR parameters, the torch network has {len(params)}")
    offset = 0
    with torch.no_grad():
        for p, (name, shape) in zip(params, manifest):
            if list(p.shape) != list(shape):
                raise SystemExit(f"{prefix}: {name} is {shape}, torch parameter is {list(p.shape)}")
            n = int(np.prod(shape))
            p.copy_(torch.from_numpy(flat[offset:offset + n].reshape(shape).copy()))
            offset += n
    if offset != flat.size:
        raise SystemExit(f"{prefix}.bin holds {flat.size} values, the manifest {offset}")


def per_batch_gradients(net, x, y, batch, batches):
    """[layer][batch] flattened float32 weight gradients, one mean cross-entropy backward per batch."""
    net.train()
    layers = weight_layers(net)
    grads = [[] for _ in layers]
    for b in range(batches):
        net.zero_grad()
        xb, yb = x[b * batch:(b + 1) * batch], y[b * batch:(b + 1) * batch]
        F.cross_entropy(net(xb), yb).backward()
        for store, layer in zip(grads, layers):
            g = layer.weight.grad
            store.append(np.zeros(layer.weight.numel(), np.float32) if g is None
                         else g.detach().reshape(-1).numpy().copy())
    return grads


def zico_from_gradients(grads):
    score, counted = 0.0, 0
    for per_batch in grads:
        g = np.array(per_batch)  # batches x entries, float32 as in the reference
        sd = np.std(g, axis=0)
        varying = np.nonzero(sd)[0]
        ratio_sum = np.sum(np.mean(np.abs(g), axis=0)[varying] / sd[varying])
        if ratio_sum != 0:
            score += float(np.log(ratio_sum))
            counted += 1
    return score, counted


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", action="append", required=True)
    p.add_argument("--weights", action="append", default=[], help="nasprobe weight prefix, one per --arch")
    p.add_argument("--data", help="CIFAR-10 binary file (data_batch_1.bin format)")
    p.add_argument("--inputs", help="nasprobe batch prefix (see the module docstring)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--batches", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--classes", type=int, default=10)
    args = p.parse_args()
    if args.weights and len(args.weights) != len(args.arch):
        raise SystemExit("give one --weights per --arch, or none")
    if (args.data is None) == (args.inputs is None):
        raise SystemExit("give exactly one of --data and --inputs")
    torch.set_num_threads(args.threads)
    need = args.batch * args.batches
    x, y = read_inputs(args.inputs) if args.inputs else load_cifar_bin(args.data, need)
    if x.shape[0] < need:
        raise SystemExit(f"needs {need} images, got {x.shape[0]}")
    for i, arch in enumerate(args.arch):
        start = time.perf_counter()
        torch.manual_seed(args.seed)
        net = Network(arch, C=args.channels, N=args.cells, num_classes=args.classes, in_channels=x.shape[1])
        if args.weights:
            load_weights(net, args.weights[i])
        score, counted = zico_from_gradients(per_batch_gradients(net, x, y, args.batch, args.batches))
        line = {"arch": arch, "zico": score if math.isfinite(score) else str(score), "layers": counted,
                "seconds": time.perf_counter() - start, "weights": "nasprobe" if args.weights else "torch"}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
