"""PyTorch CPU reference for the training-free metrics on a NAS-Bench-201 network (comparison tool only).

Usage:
  /usr/bin/python3 bench/torch_metrics.py --arch 'ARCH_STR' --metric NAME \
      --data ../shared/data/cifar10-subset/data_batch_1.bin --threads 2 --repeat 3 [--seed 0]
      [--batch B] [--net reference|nb201] [--swap-mu MU --swap-sigma SIGMA]

NAME is one of: naswot swap zen synflow snip grasp fisher grad_norm jacob_cov ntk linear_regions
params flops, or `all` (one line per metric). Each line is JSON:
  {"metric": ..., "arch": ..., "seconds": [one per repeat], "cpu_seconds": [process CPU time per repeat],
   "value": ..., "batch": ..., ...}
Non-finite values are written as the strings "NaN", "Infinity", "-Infinity" (JSON has no
literal for them; JavaScript's Number() reads these strings back). `ntk` also reports
lambda_min and lambda_max (value = lambda_max / lambda_min).

Every repeat calls torch.manual_seed(seed) and then times, for that metric, the network build
(and any copy the reference makes), the weight initialisation, and the metric itself. Reading and
normalising the CIFAR-10 images is not timed. Images: the first B records of a CIFAR-10 binary
file (1 label byte + 3072 RGB-plane bytes, 32x32), (x - [125.3, 123.0, 113.9]) / [63.0, 62.1, 66.7].

What each metric follows (reference repository, default batch):
  naswot          BayesWatch/nas-without-training, B=128: NB201 net with 1 output; one forward +
                  backward (marks the ReLUs visited), then a forward accumulating, for every ReLU
                  input, K += c c^T + (1-c)(1-c)^T with c = (x > 0); score = slogdet(K) logabsdet.
  swap            pym1024/SWAP, B=16: N(0,1) weights (BN 1/0); sign of every ReLU output over 4-D
                  inputs, samples x neurons, transposed, number of unique rows. Times
                  exp(-(params/1e3 - mu)^2 / sigma) when --swap-mu/--swap-sigma are given.
  zen             idstcv/ZenNAS, B=64 Gaussian inputs (no data), gamma 0.01, N(0,1) init, residual
                  links (the reduction blocks' shortcuts) removed, repeat=1 as in its search:
                  log mean_b ||f(x) - f(x + gamma e)||_1 + sum_BN log sqrt(mean running_var), with
                  f = pre-GAP features (after the last BN+ReLU) and running_var after both passes.
  synflow, snip, grasp, fisher, grad_norm, jacob_cov
                  SamsungLabs/zero-cost-nas, B=64, cross-entropy on the CIFAR labels, train-mode
                  BN. The network is that repository's NAS201Model (all five candidate ops built on
                  every edge, a keep-mask picks one; cell convs have a bias, cell BN has no affine
                  and no running stats), default PyTorch init ('none'), then the per-measure
                  get_prunable_copy(bn): synflow uses bn=False, which removes the BN of the stem,
                  the cells and the head but keeps the BN inside the two reduction blocks (the
                  reference's own model does so). Sums run over every Conv2d/Linear weight; fisher
                  is broadcast over each output channel's fan-in before summing, as the reference
                  does. jacob_cov: -sum(log(v + 1e-5) + 1/(v + 1e-5)) for v = eig(corrcoef(J)),
                  NaN where the reference's try/except would give NaN.
  ntk             VITA-Group/TENAS get_ntk_n, B=72 (prune_launch.py's NB201 batch), train mode,
                  default init (TENAS's 'kaiming_normal' name matches no branch of its init_model),
                  per-sample backward of the summed logits, gradients of every parameter whose
                  name contains 'weight' (BN gamma included); eigvalsh of G G^T (fp32).
  linear_regions  TENAS Linear_Region_Collector: the thin net (one NB201 cell at C=1, no stem,
                  then BN+ReLU and a linear head), train mode, 3 batches of 1000 random 3x3 crops
                  of one random channel of the first 3000 images; distinct sign patterns of all
                  ReLU outputs, counted as sum_i 1/#{j: pattern_j = pattern_i} (fp32 here; the
                  reference does this product in fp16 on the GPU).
  params, flops   the NB201 table construction (xautodl TinyNetwork, 10 classes): parameters in
                  millions, and xautodl's FLOP count (Conv2d and Linear only, bias included) in M
                  for one 3x32x32 image.
--net nb201 makes the zero-cost-nas metrics use the NB201 table network instead (the path the
reference takes for a model without get_prunable_copy: a deepcopy, with every BN's forward made
the identity when bn=False).
"""
import argparse
import copy
import json
import math
import time
import types
import warnings

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

warnings.filterwarnings("ignore")  # deprecated-hook and numpy warnings must not clutter the JSON lines

MEAN = [125.3, 123.0, 113.9]
STD = [63.0, 62.1, 66.7]
ZC_OPS = ["none", "avg_pool_3x3", "nor_conv_3x3", "nor_conv_1x1", "skip_connect"]  # zero-cost-nas order
DEFAULT_BATCH = {"naswot": 128, "swap": 16, "zen": 64, "synflow": 1, "snip": 64, "grasp": 64, "fisher": 64,
                 "grad_norm": 64, "jacob_cov": 64, "ntk": 72, "linear_regions": 3000, "params": 1, "flops": 1}


# ---------------------------------------------------------------------------------------------- data
def load_cifar_bin(path, n):
    """First n records of a CIFAR-10 binary file -> (float32 images N x 3 x 32 x 32 normalised, int64 labels)."""
    raw = np.fromfile(path, dtype=np.uint8, count=n * 3073)
    if raw.size < n * 3073:
        raise SystemExit(f"{path} holds fewer than {n} images")
    raw = raw.reshape(n, 3073)
    x = torch.from_numpy(raw[:, 1:].reshape(n, 3, 32, 32).astype(np.float32))
    x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
    return x, torch.from_numpy(raw[:, 0].astype(np.int64))


def region_inputs(images, seed, n_batches=3, batch=1000, size=3):
    """TENAS linear-region inputs: a random size x size crop of one random channel per image."""
    g = torch.Generator().manual_seed(seed)
    n = n_batches * batch
    tops = torch.randint(0, 32 - size + 1, (n,), generator=g)
    lefts = torch.randint(0, 32 - size + 1, (n,), generator=g)
    chans = torch.randint(0, 3, (n,), generator=g)
    crops = torch.stack([images[i, chans[i], tops[i]:tops[i] + size, lefts[i]:lefts[i] + size] for i in range(n)])
    return crops.unsqueeze(1).split(batch)


# ------------------------------------------------------------------------------------------ network
def parse_arch(arch):
    """'|op~0|+|op~0|op~1|+...' -> [[(op, src), ...] per node]."""
    return [[(e.split("~")[0], int(e.split("~")[1])) for e in g.strip("|").split("|")] for g in arch.strip().split("+")]


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def relu_conv_bn(cin, cout, k, stride, pad, bias=False, bn=True, affine=True, track=True):
    layers = [nn.ReLU(inplace=False), nn.Conv2d(cin, cout, k, stride, pad, bias=bias)]
    if bn:
        layers.append(nn.BatchNorm2d(cout, affine=affine, track_running_stats=track))
    return nn.Sequential(*layers)


def make_op(name, c, style, bn):
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, 1, 1, count_include_pad=False)
    k = {"nor_conv_3x3": 3, "nor_conv_1x1": 1}[name]
    if style == "zc":  # zero-cost-nas: affine=False -> conv bias, BN without affine and without running stats
        return relu_conv_bn(c, c, k, 1, k // 2, bias=True, bn=bn, affine=False, track=False)
    return relu_conv_bn(c, c, k, 1, k // 2)


class Cell(nn.Module):
    """NB201 cell; style 'nb201' builds only the chosen ops (xautodl InferCell), 'zc' builds all five
    candidates on every edge and keeps one (zero-cost-nas SearchCell with keep_mask)."""

    def __init__(self, nodes, c, style="nb201", bn=True):
        super().__init__()
        self.ops = nn.ModuleList()
        self.edges = []  # per node: [(index into ops, source node)]
        for j, node in enumerate(nodes):
            edges = []
            if style == "zc":
                chosen = {src: op for op, src in node}
                for src in range(j + 1):
                    for name in ZC_OPS:
                        if chosen[src] == name:
                            edges.append((len(self.ops), src))
                        self.ops.append(make_op(name, c, style, bn))
            else:
                for name, src in node:
                    edges.append((len(self.ops), src))
                    self.ops.append(make_op(name, c, style, bn))
            self.edges.append(edges)

    def forward(self, x):
        states = [x]
        for edges in self.edges:
            states.append(sum(self.ops[i](states[s]) for i, s in edges))
        return states[-1]


class Reduction(nn.Module):
    """ResNet basic block, stride 2, shortcut avg-pool + 1x1 conv. Always with BN (also in zero-cost-nas's bn=False copy)."""

    def __init__(self, cin, cout, style="nb201", residual=True):
        super().__init__()
        self.residual = residual
        make_shortcut = lambda: nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))
        if style == "zc":  # zero-cost-nas builds the shortcut first
            self.shortcut = make_shortcut()
        self.conv_a = relu_conv_bn(cin, cout, 3, 2, 1)
        self.conv_b = relu_conv_bn(cout, cout, 3, 1, 1)
        if style != "zc":
            self.shortcut = make_shortcut()

    def forward(self, x):
        out = self.conv_b(self.conv_a(x))
        return out + self.shortcut(x) if self.residual else out


class Network(nn.Module):
    """NB201 macro network: stem conv+BN, 3 stages of N cells (C, 2C, 4C) joined by reduction blocks,
    BN+ReLU, global average pool, linear. `depth` keeps only the first `depth` cells (TENAS thin net)."""

    def __init__(self, arch, style="nb201", C=16, N=5, num_classes=10, in_channels=3, bn=True,
                 residual=True, stem=True, depth=None):
        super().__init__()
        nodes = parse_arch(arch)
        self.stem = None
        if stem:
            conv = nn.Conv2d(in_channels, C, 3, padding=1, bias=False)
            self.stem = nn.Sequential(conv, nn.BatchNorm2d(C)) if bn else nn.Sequential(conv)
        widths = [C] * N + [2 * C] + [2 * C] * N + [4 * C] + [4 * C] * N
        reduce = [False] * N + [True] + [False] * N + [True] + [False] * N
        self.cells = nn.ModuleList()
        prev = C
        for index, (width, red) in enumerate(zip(widths, reduce)):
            if depth is not None and index >= depth:
                break
            self.cells.append(Reduction(prev, width, style, residual) if red else Cell(nodes, width, style, bn))
            prev = width
        self.lastact = nn.Sequential(nn.BatchNorm2d(prev), nn.ReLU(inplace=True)) if bn else nn.ReLU(inplace=True)
        self.classifier = nn.Linear(prev, num_classes)

    def features(self, x):
        """Pre-GAP feature map (after the last BN+ReLU)."""
        if self.stem is not None:
            x = self.stem(x)
        for cell in self.cells:
            x = cell(x)
        return self.lastact(x)

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


def gaussian_init(net):
    """network_weight_gaussian_init of ZenNAS and SWAP: conv/linear N(0,1), biases 0, BN gamma 1 beta 0."""
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)) and m.weight is not None:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
    return net


def weight_layers(net):
    return [m for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


# --------------------------------------------------------------------------- zero-cost-nas (Samsung)
def zc_network(arch, bn, args):
    """The network zero-cost-nas scores: build it (init 'none'), then get_prunable_copy(bn) in train mode."""
    if args.net == "nb201":  # generic path for a model without get_prunable_copy: deepcopy, BN -> identity
        net = copy.deepcopy(Network(arch))
        if not bn:
            for m in net.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.forward = types.MethodType(lambda self, x: x, m)
        return net.train()
    orig = Network(arch, style="zc")
    net = Network(arch, style="zc", bn=bn)
    net.load_state_dict(orig.state_dict(), strict=False)
    return net.train()


def m_synflow(arch, data, args):
    net = zc_network(arch, bn=False, args=args)
    with torch.no_grad():  # linearize: |theta| for every state_dict entry, keep the signs
        signs = {k: torch.sign(v) for k, v in net.state_dict().items()}
        for v in net.state_dict().values():
            v.abs_()
    net.zero_grad()
    net.double()
    out = net(torch.ones([1] + list(data["x"].shape[1:]), dtype=torch.float64))
    torch.sum(out).backward()
    score = sum((l.weight * l.weight.grad).abs().sum() for l in weight_layers(net) if l.weight.grad is not None)
    with torch.no_grad():  # nonlinearize (restore signs), as the reference does
        for k, v in net.state_dict().items():
            v.mul_(signs[k])
    return float(score), {}


def m_snip(arch, data, args):
    net = zc_network(arch, bn=True, args=args)
    for layer in weight_layers(net):
        layer.weight_mask = nn.Parameter(torch.ones_like(layer.weight))
        layer.weight.requires_grad = False
        if isinstance(layer, nn.Conv2d):
            layer.forward = types.MethodType(lambda s, x: s._conv_forward(x, s.weight * s.weight_mask, s.bias), layer)
        else:
            layer.forward = types.MethodType(lambda s, x: F.linear(x, s.weight * s.weight_mask, s.bias), layer)
    net.zero_grad()
    F.cross_entropy(net(data["x"]), data["y"]).backward()
    score = sum(l.weight_mask.grad.abs().sum() for l in weight_layers(net) if l.weight_mask.grad is not None)
    return float(score), {}


def m_grasp(arch, data, args):
    net = zc_network(arch, bn=True, args=args)
    layers = weight_layers(net)
    weights = [l.weight for l in layers]
    net.zero_grad()
    grad_w = torch.autograd.grad(F.cross_entropy(net(data["x"]), data["y"]), weights, allow_unused=True)
    grad_f = torch.autograd.grad(F.cross_entropy(net(data["x"]), data["y"]), weights, create_graph=True,
                                 allow_unused=True)
    z = sum((gw.data * gf).sum() for gw, gf in zip(grad_w, grad_f) if gw is not None)
    z.backward()
    score = sum((-l.weight.data * l.weight.grad).sum() for l in layers if l.weight.grad is not None)
    return float(score), {}


def m_fisher(arch, data, args):
    net = zc_network(arch, bn=True, args=args)
    layers = weight_layers(net)
    fisher = {}

    def capture(layer, _inputs, act):  # grad of the layer's output arrives through a tensor hook
        def on_grad(grad, layer=layer, act=act.detach()):
            g_nk = (act * grad).sum(list(range(2, act.dim()))) if act.dim() > 2 else act * grad
            del_k = g_nk.pow(2).mean(0).mul(0.5)
            fisher[layer] = fisher[layer] + del_k if layer in fisher else del_k
        if act.requires_grad:
            act.register_hook(on_grad)

    for layer in layers:
        layer.register_forward_hook(capture)
    net.zero_grad()
    F.cross_entropy(net(data["x"]), data["y"]).backward()
    # per-channel values broadcast over weight.shape[1:] (reshape_elements), then summed
    score = sum(fisher[l].abs().sum() * math.prod(l.weight.shape[1:]) for l in layers if l in fisher)
    return float(score), {}


def m_grad_norm(arch, data, args):
    net = zc_network(arch, bn=True, args=args)
    net.zero_grad()
    F.cross_entropy(net(data["x"]), data["y"]).backward()
    score = sum(l.weight.grad.norm() for l in weight_layers(net) if l.weight.grad is not None)
    return float(score), {}


def m_jacob_cov(arch, data, args):
    net = zc_network(arch, bn=True, args=args)
    net.zero_grad()
    x = data["x"].clone().requires_grad_(True)
    y = net(x)
    y.backward(torch.ones_like(y))
    jacob = x.grad.detach().reshape(x.shape[0], -1).numpy()
    try:
        v, _ = np.linalg.eig(np.corrcoef(jacob))
        k = 1e-5
        score = -np.sum(np.log(v + k) + 1.0 / (v + k))
        score = float(np.real(score))
    except Exception:  # the reference prints the error and returns NaN
        score = float("nan")
    return score, {}


# ------------------------------------------------------------------------------------ other proxies
def m_naswot(arch, data, args):
    net = Network(arch, num_classes=1)  # nas-without-training sets num_classes = 1
    n = data["x"].shape[0]
    state = {"K": np.zeros((n, n))}

    def forward_hook(module, inp, out):
        if not getattr(module, "visited_backwards", False):
            return
        a = inp[0].view(inp[0].size(0), -1)
        c = (a > 0).float()
        state["K"] = state["K"] + (c @ c.t()).numpy() + ((1.0 - c) @ (1.0 - c.t())).numpy()

    def backward_hook(module, grad_in, grad_out):
        module.visited_backwards = True

    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(forward_hook)
            m.register_backward_hook(backward_hook)
    net.zero_grad()
    x = data["x"].clone().requires_grad_(True)
    y = net(x)  # get_batch_jacobian: forward + backward of ones (marks the ReLUs visited)
    y.backward(torch.ones_like(y))
    net(data["x"].clone())
    _sign, logdet = np.linalg.slogdet(state["K"])
    return float(logdet), {}


def m_swap(arch, data, args):
    net = gaussian_init(Network(arch))
    feats = []

    def hook(module, inp, out):
        if isinstance(inp, tuple) and inp[0].dim() == 4:
            feats.append(out.detach())

    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(hook)
    x = data["x"]
    factor = 1.0
    if args.swap_mu is not None and args.swap_sigma is not None:
        kparams = sum(p.numel() for p in net.parameters()) / 1e3
        factor = math.exp(-((kparams - args.swap_mu) ** 2) / args.swap_sigma)
    with torch.no_grad():
        net(x)
        acts = torch.sign(torch.cat([f.view(x.size(0), -1) for f in feats], 1))
        count = torch.unique(acts.T, dim=0).size(0)
    return count * factor, {"patterns": count}


def m_zen(arch, data, args):
    net = gaussian_init(Network(arch, residual=False))
    b, gamma = data["batch"], 1e-2
    with torch.no_grad():
        x = torch.randn(b, 3, 32, 32)
        x2 = torch.randn(b, 3, 32, 32)
        out = net.features(x)
        mixed = net.features(x + gamma * x2)
        score = torch.mean(torch.sum(torch.abs(out - mixed), dim=[1, 2, 3]))
        log_bn = 0.0
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                log_bn += torch.log(torch.sqrt(torch.mean(m.running_var)))
        score = torch.log(score) + log_bn
    return float(score), {}


def m_ntk(arch, data, args):
    net = Network(arch).train()
    x = data["x"].clone()
    net.zero_grad()
    logit = net(x)
    grads = []
    for i in range(len(x)):
        logit[i:i + 1].backward(torch.ones_like(logit[i:i + 1]), retain_graph=True)
        grads.append(torch.cat([w.grad.view(-1).detach() for name, w in net.named_parameters()
                                if "weight" in name and w.grad is not None], -1))
        net.zero_grad()
    g = torch.stack(grads, 0)
    ntk = torch.einsum("nc,mc->nm", [g, g])
    eig = torch.linalg.eigvalsh(ntk)  # ascending, like the reference's torch.symeig
    lam_min, lam_max = eig[0].item(), eig[-1].item()
    return (eig[-1] / eig[0]).item(), {"lambda_min": lam_min, "lambda_max": lam_max}


def m_linear_regions(arch, data, args):
    net = Network(arch, C=1, N=1, in_channels=1, stem=False, depth=1).train()  # TENAS thin network
    feats = []

    def hook(module, inp, out):
        if isinstance(inp, tuple) and inp[0].dim() == 4:
            feats.append(out.detach())

    for m in net.modules():
        if isinstance(m, nn.ReLU):
            m.register_forward_hook(hook)
    rows = []
    with torch.no_grad():
        for batch in data["regions"]:
            feats.clear()
            net(batch)
            rows.append(torch.sign(torch.cat([f.view(batch.size(0), -1) for f in feats], 1)))
        a = torch.cat(rows, 0)
        res = torch.matmul(a, (1 - a).T)  # Hamming distance between sign patterns, halves
        res += res.T.clone()
        res = (1 - torch.sign(res)).sum(1)  # samples sharing each sample's pattern
        count = (1.0 / res.float()).sum().item()
    return count, {}


def m_params(arch, data, args):
    net = Network(arch)
    return sum(p.numel() for p in net.parameters()) / 1e6, {}


def m_flops(arch, data, args):
    net = Network(arch).eval()
    total = [0.0]

    def conv_hook(m, inp, out):
        per_position = m.kernel_size[0] * m.kernel_size[1] * m.in_channels * m.out_channels / m.groups
        positions = inp[0].size(0) * out.shape[2] * out.shape[3]
        total[0] += per_position * positions + (m.out_channels * positions if m.bias is not None else 0)

    def fc_hook(m, inp, out):
        total[0] += inp[0].size(0) * (m.in_features * m.out_features + (m.out_features if m.bias is not None else 0))

    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            m.register_forward_hook(conv_hook)
        elif isinstance(m, nn.Linear):
            m.register_forward_hook(fc_hook)
    with torch.no_grad():
        net(torch.rand(1, 3, 32, 32))
    return total[0] / 1e6, {}


METRICS = {"naswot": m_naswot, "swap": m_swap, "zen": m_zen, "synflow": m_synflow, "snip": m_snip,
           "grasp": m_grasp, "fisher": m_fisher, "grad_norm": m_grad_norm, "jacob_cov": m_jacob_cov,
           "ntk": m_ntk, "linear_regions": m_linear_regions, "params": m_params, "flops": m_flops}


# ------------------------------------------------------------------------------------------------ CLI
def json_number(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
    return v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--arch")
    p.add_argument("--archs-file", help="one architecture per line, all scored in this process (a sweep)")
    p.add_argument("--metric", required=True, choices=list(METRICS) + ["all"])
    p.add_argument("--data", required=True, help="CIFAR-10 binary file (data_batch_1.bin format)")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=None, help="override the reference batch size")
    p.add_argument("--net", choices=["reference", "nb201"], default="reference",
                   help="network for the zero-cost-nas metrics (see the module docstring)")
    p.add_argument("--swap-mu", type=float, default=None)
    p.add_argument("--swap-sigma", type=float, default=None)
    args = p.parse_args()
    if (args.arch is None) == (args.archs_file is None):
        p.error("give --arch or --archs-file")
    archs = [args.arch] if args.arch else [l.strip() for l in open(args.archs_file) if l.strip()]
    torch.set_num_threads(args.threads)

    names = list(METRICS) if args.metric == "all" else [args.metric]
    batches = {n: args.batch or DEFAULT_BATCH[n] for n in names}
    x_all, y_all = load_cifar_bin(args.data, max(batches.values()))
    for name in names:
        b = batches[name]
        data = {"x": x_all[:b].contiguous(), "y": y_all[:b].contiguous(), "batch": b}
        if name == "linear_regions":
            data["regions"] = region_inputs(x_all, args.seed, n_batches=3, batch=b // 3)
        for arch in archs:
            args.arch = arch
            seconds, cpu_seconds, value, details = [], [], None, {}
            for _ in range(args.repeat):
                torch.manual_seed(args.seed)
                start, cpu_start = time.perf_counter(), time.process_time()
                value, details = METRICS[name](arch, data, args)
                seconds.append(time.perf_counter() - start)
                cpu_seconds.append(time.process_time() - cpu_start)
            # cpu_seconds: process CPU time (all threads); with --threads 1 a load-robust comparison
            # when the machine is shared (wall-clock of OpenMP threads suffers badly from oversubscription).
            line = {"metric": name, "arch": arch, "seconds": seconds, "cpu_seconds": cpu_seconds,
                    "value": json_number(float(value)), "batch": b, "threads": args.threads}
            line.update({k: json_number(float(v)) for k, v in details.items()})
            print(json.dumps(line, allow_nan=False), flush=True)


if __name__ == "__main__":
    main()
