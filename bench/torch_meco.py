"""PyTorch reference for MeCo / MeCo_opt on NAS-Bench-201 cells (comparison tool only, not a dependency).

Usage:
  /usr/bin/python3 bench/torch_meco.py --arch 'ARCH_STR' [--arch ...] --images IMAGE.bin
      [--weights DIR] [--seed 0] [--opt-channels 8] [--threads 1]

IMAGE.bin: float32 images N x 3 x 32 x 32, already normalised (only the first is scored, as in the
reference; train-mode BN sees all N). Or --data CIFAR.bin for the first record of a CIFAR-10 binary
file, normalised as bench/torch_metrics.py does.
--weights DIR: DIR/<i>.bin and DIR/<i>.json for the i-th --arch: nasprobe's initial weights (float32,
concatenated in the IR's parameter order; the JSON lists [name, shape] per parameter), loaded into
the NB201 table network in parameter order (shapes checked). Without it: torch.manual_seed(seed) and
PyTorch's default init, as HamsterMimi/MeCo (init_net 'none') on zero-cost-nas's NAS201Model.

One JSON line per arch with:
  meco, meco_opt   the reference's rule (HamsterMimi/MeCo correlation/NAS_Bench_201.py get_score): a
                   forward hook on every module; each takes data_output[0] (the first sample),
                   reshapes it to rows x rest, torch.corrcoef, NaN/Inf -> 0, min real part of
                   torch.linalg.eig, summed over hooks (NaN/Inf results dropped); meco_opt samples 8
                   rows (random.sample, seeded here) and scales by rows/8. The hooks count as on the
                   reference's NAS201Model (correlation/foresight/models/nasbench2*.py): its
                   ReLUConvBN, stem, POOLING and stack_cell wrappers repeat an output once more than
                   the modules of bench/torch_metrics.py's Network, which is scored here with those
                   extra counts (its cell convs' biases and non-affine BN cancel or equal gamma=1,
                   beta=0 at init, so MeCo is the same).
  meco_nodes       nasprobe's rule on the same forward: every op once (each leaf module, and each sum
                   of two or more terms: the cells' node sums and the reduction's residual add), only
                   outputs [C, H, W] with H*W >= 2; float64 correlations and eigenvalues.
  layers_nodes     how many outputs meco_nodes summed.
"""
import argparse
import json
import os
import random
import sys

import numpy as np
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_metrics import Cell, Network, Reduction, Zero, load_cifar_bin  # noqa: E402


def reference_layer(out, opt_channels, rng):
    """The reference hook's two numbers for one module output (float32, as in the reference)."""
    fea = out[0].detach().clone()
    n = fea.shape[0]
    fea = fea.reshape(n, -1)

    def lam(rows):
        corr = torch.corrcoef(rows)
        corr = corr.reshape(corr.shape[0] if corr.dim() else 1, -1)
        corr[torch.isnan(corr)] = 0
        corr[torch.isinf(corr)] = 0
        return torch.min(torch.real(torch.linalg.eig(corr)[0])).item()

    meco = lam(fea)
    if n > opt_channels:
        idx = rng.sample(range(n), opt_channels)
        opt = lam(fea[idx, :]) * n / opt_channels
    else:  # the reference's random.sample raises here; nasprobe uses every row
        opt = meco
    return meco, opt


def nodes_layer(x):
    """nasprobe's value for one [C, H, W] output of the first sample: float64 lambda_min, NaN -> 0."""
    fea = x[0].detach().double().reshape(x.shape[1], -1)
    corr = torch.corrcoef(fea)
    corr = corr.reshape(corr.shape[0] if corr.dim() else 1, -1)
    corr[~torch.isfinite(corr)] = 0
    return torch.linalg.eigvalsh(corr).min().item()


def extra_counts(net):
    """Modules whose output NAS201Model hooks once more than Network's own modules do."""
    extra = {}
    if net.stem is not None:
        extra[net.stem] = 1  # stem(net=Sequential(conv, bn)): both wrappers return the BN output
    stage_last = []
    for i, m in enumerate(net.cells):
        nxt = net.cells[i + 1] if i + 1 < len(net.cells) else None
        if isinstance(m, Cell) and not isinstance(nxt, Cell):
            stage_last.append(m)  # stack_cellK = Sequential(cells): returns the last cell's output
    for m in stage_last:
        extra[m] = extra.get(m, 0) + 1
    for m in net.modules():
        if isinstance(m, nn.Sequential) and len(m) >= 2 and isinstance(m[0], nn.ReLU) and isinstance(m[1], nn.Conv2d):
            extra[m] = 1  # ReLUConvBN(op=Sequential(relu, conv, bn))
        if isinstance(m, Cell):
            for op in m.ops:
                if isinstance(op, nn.AvgPool2d):
                    extra[op] = 1  # POOLING(avgpool)
    return extra


def record_nodes(net, values):
    """Hooks for nasprobe's rule: leaf modules, plus the sums that no module returns."""
    handles = []
    leaves = (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.AvgPool2d, nn.Identity, Zero)

    def leaf_hook(_m, _inp, out):
        if out.dim() == 4 and out.shape[2] * out.shape[3] >= 2:
            values.append(nodes_layer(out))

    for m in net.modules():
        if isinstance(m, leaves):
            handles.append(m.register_forward_hook(leaf_hook))

    def cell_forward(cell, x):
        states = [x]
        for edges in cell.edges:
            terms = [cell.ops[i](states[s]) for i, s in edges]
            total = sum(terms)
            if len(terms) >= 2:
                values.append(nodes_layer(total))
            states.append(total)
        return states[-1]

    def reduction_forward(red, x):
        out = red.conv_b(red.conv_a(x)) + red.shortcut(x)
        values.append(nodes_layer(out))
        return out

    for m in net.modules():
        if isinstance(m, Cell):
            m.forward = cell_forward.__get__(m)
        elif isinstance(m, Reduction):
            m.forward = reduction_forward.__get__(m)
    return handles


def load_weights(net, path_bin, path_json):
    specs = json.load(open(path_json))
    flat = np.fromfile(path_bin, dtype=np.float32)
    params = list(net.named_parameters())
    if len(params) != len(specs):
        raise SystemExit(f"{len(specs)} nasprobe parameters, {len(params)} in the torch network")
    offset = 0
    with torch.no_grad():
        for (tname, p), (name, shape) in zip(params, specs):
            if list(p.shape) != list(shape):
                raise SystemExit(f"shape of {name} {shape} != torch {tname} {list(p.shape)}")
            count = int(np.prod(shape))
            p.copy_(torch.from_numpy(flat[offset:offset + count].copy()).view(*shape))
            offset += count
    if offset != flat.size:
        raise SystemExit(f"{flat.size - offset} weights left over")


def score(arch, x, args, weights):
    if weights is None:
        torch.manual_seed(args.seed)
        ref_net = Network(arch, style="zc").train()  # the reference's own model, default init
        node_net = None
    else:
        ref_net = Network(arch).train()
        load_weights(ref_net, *weights)
        node_net = Network(arch).train()
        load_weights(node_net, *weights)

    rng = random.Random(args.seed)
    meco, opt = [], []
    extra = extra_counts(ref_net)

    def ref_hook(module, _inp, out):
        first = out[0] if isinstance(out, (tuple, list)) else out
        m, o = reference_layer(first, args.opt_channels, rng)
        for _ in range(1 + extra.get(module, 0)):
            meco.append(m)
            opt.append(o)

    for m in ref_net.modules():
        m.register_forward_hook(ref_hook)
    with torch.no_grad():
        ref_net(x)
    finite = lambda vs: float(sum(v for v in vs if np.isfinite(v)))
    line = {"arch": arch, "meco": finite(meco), "meco_opt": finite(opt), "hooks": len(meco)}
    if node_net is not None:
        values = []
        record_nodes(node_net, values)
        with torch.no_grad():
            node_net(x)
        line.update({"meco_nodes": float(sum(values)), "layers_nodes": len(values)})
    return line


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch", action="append", required=True)
    p.add_argument("--images", help="float32 N x 3 x 32 x 32, normalised")
    p.add_argument("--data", help="CIFAR-10 binary file: its first record")
    p.add_argument("--weights", help="directory of <i>.bin / <i>.json, one pair per --arch")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--opt-channels", type=int, default=8)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.images:
        x = torch.from_numpy(np.fromfile(args.images, dtype=np.float32)).view(-1, 3, 32, 32)
    elif args.data:
        x, _ = load_cifar_bin(args.data, 1)
    else:
        raise SystemExit("give --images or --data")
    for i, arch in enumerate(args.arch):
        weights = None
        if args.weights:
            weights = (os.path.join(args.weights, f"{i}.bin"), os.path.join(args.weights, f"{i}.json"))
        print(json.dumps(score(arch, x, args, weights)), flush=True)


if __name__ == "__main__":
    main()
