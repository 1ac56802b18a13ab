"""PyTorch reference for AZ-NAS's proxies on a NAS-Bench-201 network (comparison tool only).

Usage:
  /usr/bin/python3 bench/torch_aznas.py --arch 'ARCH_STR' [--arch ...] [--archs FILE] [--seed 0]
      [--batch 64] [--threads 1] [--channels 16] [--cells 5] [--resolution 32]
  /usr/bin/python3 bench/torch_aznas.py --bundle DIR [--channels C --cells N --resolution R]

One JSON line per architecture: {"arch", "expressivity", "progressivity", "trainability",
"entropies": [...], "trainability_terms": [...], "flops_M", "seconds", "cpu_seconds"}; non-finite
values as the strings "NaN", "-Infinity" (as bench/torch_metrics.py writes them).

What it follows: cvlab-yonsei/AZ-NAS, NB201/ZeroShotProxy/compute_az_nas_score.py
`compute_nas_score` as NB201/tss_general.ipynb calls it (written here from its semantics, not copied):
the NB201 table network (bench/torch_metrics.py `Network`, xautodl TinyNetwork) in train mode,
kaiming_normal_(fan_in, relu) conv/linear weights, BN gamma 1 beta 0, input torch.randn(B, 3, R, R)
(B = 64), feature maps = the stem's output and every cell's output (extract_cell_features);
expressivity = sum of the entropies of the normalised eigenvalues of each map's channel covariance;
progressivity = min of their consecutive differences; trainability = mean over consecutive maps, from
the last pair to the first, of 2 - s - 1/(s + 1e-6), s the largest singular value of
g_in^T g_out / rows with g_out a Bernoulli(0.5) ±1 cotangent, g_in its VJP (PixelUnshuffle'd to the
output's resolution), -inf for a pair where g_in == g_out; NaN proxies become -inf as the reference
returns them.

--bundle DIR scores with nasprobe's own draws (written by src/metrics/aznas.test.ts): meta.json
{"arch", "batch", "params": [[shape], ...], "cotangents": [[shape], ...]}, input.f32 (the batch),
params.f32 (every parameter in nasprobe's order, which is this network's parameters() order; BN
gamma/beta as weight/bias) and cotangents.f32 (g_out of pair k = 1 .. L-1, in that order): identical
weights, inputs and cotangents, so the values themselves compare.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_metrics import Network, json_number, m_flops  # noqa: E402  (the NB201 table network)


def kaiming_fanin_init(net):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)


def block_features(net, x):
    """The stem's output, then every cell's (reduction blocks included), each kept for autograd."""
    feats = [net.stem(x)]
    for cell in net.cells:
        feats.append(cell(feats[-1]))
    return feats


def entropy_of(feat):
    b, c, h, w = feat.shape
    rows = feat.detach().permute(0, 2, 3, 1).reshape(b * h * w, c)
    rows = rows - rows.mean(dim=0, keepdim=True)
    cov = rows.t() @ rows / rows.shape[0]
    eig = torch.linalg.eigvalsh(cov)
    p = eig / eig.sum()
    return float((-p * torch.log(p + 1e-8)).sum())


def trainability_term(f_in, f_out, g_out):
    g_in = torch.autograd.grad(f_out, f_in, grad_outputs=g_out, retain_graph=True)[0]
    if g_in.shape == g_out.shape and bool(torch.all(g_in == g_out)):
        return -math.inf
    if g_in.shape[2:] != g_out.shape[2:]:
        g_in = nn.PixelUnshuffle(g_in.shape[2] // g_out.shape[2])(g_in)
    b, co, h, w = g_out.shape
    a = g_in.permute(0, 2, 3, 1).reshape(b * h * w, -1)
    z = g_out.permute(0, 2, 3, 1).reshape(b * h * w, co)
    s = float(torch.linalg.svdvals(a.t() @ z / (b * h * w)).max())
    return -s - 1 / (s + 1e-6) + 2


def scores(net, x, cotangent):
    """cotangent(k, shape) gives g_out on feature map k (k = L-1 down to 1, the reference's order)."""
    net.train()
    x = x.requires_grad_(False)
    feats = block_features(net, x)
    ent = np.array([entropy_of(f) for f in feats])
    terms = {}
    for k in reversed(range(1, len(feats))):
        terms[k] = trainability_term(feats[k - 1], feats[k], cotangent(k, feats[k].shape))
    t = [terms[k] for k in range(1, len(feats))]
    nan_inf = lambda v: -math.inf if math.isnan(v) else float(v)  # noqa: E731
    return {
        "expressivity": nan_inf(float(np.sum(ent))),
        "progressivity": nan_inf(float(np.min(ent[1:] - ent[:-1]))),
        "trainability": nan_inf(float(np.mean(t))),
        "entropies": [float(e) for e in ent],
        "trainability_terms": t,
    }


def emit(line):
    out = {k: ([json_number(float(x)) for x in v] if isinstance(v, list) else json_number(v)) for k, v in line.items()}
    print(json.dumps(out, allow_nan=False), flush=True)


def run_bundle(args):
    meta = json.load(open(os.path.join(args.bundle, "meta.json")))
    arch = meta["arch"]
    net = Network(arch, C=args.channels, N=args.cells)
    flat = np.fromfile(os.path.join(args.bundle, "params.f32"), dtype="<f4")
    params = list(net.parameters())
    if len(params) != len(meta["params"]):
        raise SystemExit(f"{len(params)} torch parameters, bundle has {len(meta['params'])}")
    offset = 0
    with torch.no_grad():
        for p, shape in zip(params, meta["params"]):
            n = int(np.prod(shape))
            if list(p.shape) != list(shape):
                raise SystemExit(f"parameter shape {list(p.shape)} != bundle {shape}")
            p.copy_(torch.from_numpy(flat[offset:offset + n].reshape(shape)))
            offset += n
    b = meta["batch"]
    x = torch.from_numpy(np.fromfile(os.path.join(args.bundle, "input.f32"), dtype="<f4")
                         .reshape(b, 3, args.resolution, args.resolution))
    cot = np.fromfile(os.path.join(args.bundle, "cotangents.f32"), dtype="<f4")
    starts, o = [], 0
    for shape in meta["cotangents"]:
        starts.append(o)
        o += int(np.prod(shape))

    def cotangent(k, shape):
        n = int(np.prod(shape))
        return torch.from_numpy(cot[starts[k - 1]:starts[k - 1] + n].reshape(tuple(shape)))

    start, cpu = time.perf_counter(), time.process_time()
    line = {"arch": arch, **scores(net, x, cotangent)}
    line.update(seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu)
    emit(line)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", action="append", default=[])
    p.add_argument("--archs", help="file with one architecture string per line")
    p.add_argument("--bundle")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--resolution", type=int, default=32)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.bundle:
        return run_bundle(args)
    archs = list(args.arch)
    if args.archs:
        archs += [a.strip() for a in open(args.archs) if a.strip()]
    for arch in archs:
        torch.manual_seed(args.seed)
        start, cpu = time.perf_counter(), time.process_time()
        net = Network(arch, C=args.channels, N=args.cells)
        kaiming_fanin_init(net)
        x = torch.randn(args.batch, 3, args.resolution, args.resolution)
        rademacher = lambda k, shape: (torch.bernoulli(torch.full(tuple(shape), 0.5)) - 0.5) * 2  # noqa: E731
        line = {"arch": arch, **scores(net, x, rademacher)}
        line.update(seconds=time.perf_counter() - start, cpu_seconds=time.process_time() - cpu)
        if args.channels == 16 and args.cells == 5 and args.resolution == 32:
            line["flops_M"] = m_flops(arch, None, args)[0]
        emit(line)


if __name__ == "__main__":
    main()
