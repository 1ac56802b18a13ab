"""PyTorch build of the NAS-Bench-101 network, as nasprobe builds it (comparison tool only).

The network follows google-research/nasbench lib/model_builder.py and base_ops.py: a 3x3 conv-BN-ReLU
stem to 128 channels, 3 stacks of 3 cells with a 2x2 stride-2 max-pool and channel doubling before
stacks 2 and 3, global average pooling, a dense layer with bias. Convs have no bias; BN has gamma
and beta (TF decay 0.997 -> PyTorch momentum 0.003, eps 1e-5). Inside a cell: edges out of the input
are 1x1 conv-BN-ReLU projections to the vertex's width, other in-edges are added (sliced to the
vertex's width where compute_vertex_channels gave the source one more channel), the vertices that
feed the output are concatenated, plus a projection of the input when input -> output is an edge.

As nasprobe does (src/spaces/nb101/cell.ts), the cell is validated, pruned (vertices off every
input -> output path dropped) and put in canonical vertex order before the network is built: vertex
order moves channels (the output split's remainder goes to the lowest-numbered vertices), and the
canonical order is the dataset's own: fewest vertices, then the smallest generate_graphs edge
bitmask (bit x + y(y-1)/2 for edge x -> y), then the smallest op code (base 3, vertex 1 first).

Arch strings: nasprobe's form `{"matrix": [[...]], "ops": [...]}` (JSON), or a 32-hex-digit module
hash looked up in the NB101 files under ../shared/data/nb101 (the full-space hash index is nasprobe's).

Usage: python3 bench/torch_nb101.py ARCH        prints {"params": ..., "matrix": ..., "ops": ...}
"""
import glob
import itertools
import json
import os
import re
import sys

import torch
import torch.nn as nn

OPS = ["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"]  # the benchmark's config order
MAX_VERTICES = 7
MAX_EDGES = 9
DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "nb101")


# ------------------------------------------------------------------------------------------------ cell
def prune(matrix, ops):
    """Validates a cell and drops the vertices not on an input -> output path (model_spec.py _prune)."""
    v = len(matrix)
    if not 2 <= v <= MAX_VERTICES or any(len(row) != v for row in matrix):
        raise ValueError(f"NB101 matrix must be square with 2..{MAX_VERTICES} vertices")
    if len(ops) != v or ops[0] != "input" or ops[-1] != "output" or any(o not in OPS for o in ops[1:-1]):
        raise ValueError(f"NB101 ops must be input, {'|'.join(OPS)} ..., output (one per vertex)")
    for r in range(v):
        for c in range(v):
            if matrix[r][c] not in (0, 1) or (matrix[r][c] and c <= r):
                raise ValueError("NB101 matrix must be 0/1 and strictly upper triangular")
    from_in = [False] * v
    from_in[0] = True
    for c in range(1, v):
        from_in[c] = any(from_in[r] and matrix[r][c] for r in range(c))
    to_out = [False] * v
    to_out[v - 1] = True
    for r in range(v - 2, -1, -1):
        to_out[r] = any(to_out[c] and matrix[r][c] for c in range(r + 1, v))
    if not to_out[0]:
        raise ValueError("NB101 cell has no path from input to output")
    keep = [i for i in range(v) if from_in[i] and to_out[i]]
    pm = [[matrix[r][c] for c in keep] for r in keep]
    if sum(map(sum, pm)) > MAX_EDGES:
        raise ValueError(f"NB101 cell has more than {MAX_EDGES} edges after pruning")
    return pm, [ops[i] for i in keep]


def canonical(matrix, ops):
    """The vertex order nasprobe (and the dataset) builds: smallest edge bitmask, then op code."""
    v = len(matrix)
    best = None
    for perm in itertools.permutations(range(1, v - 1)):
        p = [0, *perm, v - 1] if v > 1 else [0]
        bits, ok = 0, True
        for i in range(v):
            for j in range(v):
                if matrix[p[i]][p[j]]:
                    if j <= i:
                        ok = False
                        break
                    bits += 1 << (i + j * (j - 1) // 2)
            if not ok:
                break
        if not ok:
            continue
        code = 0
        for i in range(1, v - 1):
            code = code * 3 + OPS.index(ops[p[i]])
        if best is None or (bits, code) < best[0]:
            best = ((bits, code), p)
    p = best[1]
    return [[matrix[r][c] for c in p] for r in p], [ops[i] for i in p]


def parse_arch(text):
    """nasprobe's NB101 arch string (cell JSON, or a module hash found in the shared NB101 files)."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{32}", text):
        for path in sorted(glob.glob(os.path.join(DATA_DIR, "*.json"))):
            with open(path) as f:
                for rec in json.load(f):
                    if rec.get("hash", "").lower() == text.lower():
                        return rec["matrix"], rec["ops"]
        raise SystemExit(f"NB101 hash {text} is not in {DATA_DIR}/*.json; pass the cell JSON instead")
    cell = json.loads(text)
    return cell["matrix"], cell["ops"]


def cell_of(text_or_cell, canonicalise=True):
    matrix, ops = parse_arch(text_or_cell) if isinstance(text_or_cell, str) else text_or_cell
    matrix, ops = prune(matrix, ops)
    return canonical(matrix, ops) if canonicalise else (matrix, ops)


def vertex_channels(cin, cout, m):
    """compute_vertex_channels of nasbench model_builder.py."""
    v = len(m)
    ch = [0] * v
    ch[0], ch[v - 1] = cin, cout
    if v == 2:
        return ch
    fan_in = sum(m[r][v - 1] for r in range(1, v - 1))
    share, extra = divmod(cout, fan_in)
    for r in range(1, v - 1):
        if m[r][v - 1]:
            ch[r] = share + (1 if extra > 0 else 0)
            extra -= 1 if extra > 0 else 0
    for r in range(v - 3, 0, -1):
        if not m[r][v - 1]:
            for d in range(r + 1, v - 1):
                if m[r][d]:
                    ch[r] = max(ch[r], ch[d])
    return ch


# --------------------------------------------------------------------------------------------- network
def conv_bn_relu(cin, cout, k):
    return nn.Sequential(nn.Conv2d(cin, cout, k, 1, (k - 1) // 2, bias=False),
                         nn.BatchNorm2d(cout, eps=1e-5, momentum=0.003), nn.ReLU(inplace=True))


class Module(nn.Module):
    """One cell (build_module)."""

    def __init__(self, matrix, ops, cin, cout):
        super().__init__()
        self.m = matrix
        v = len(matrix)
        self.ch = vertex_channels(cin, cout, matrix)
        self.proj = nn.ModuleDict()  # projections of the input, by target vertex ("out" for the output)
        self.ops = nn.ModuleDict()
        for t in range(1, v - 1):
            if matrix[0][t]:
                self.proj[str(t)] = conv_bn_relu(cin, self.ch[t], 1)
            op = ops[t]
            if op == "maxpool3x3":
                self.ops[str(t)] = nn.MaxPool2d(3, 1, 1)  # TF "same" max-pooling ignores the padding
            else:
                self.ops[str(t)] = conv_bn_relu(self.ch[t], self.ch[t], 3 if op == "conv3x3-bn-relu" else 1)
        self.concat = [t for t in range(1, v - 1) if matrix[t][v - 1]]
        if matrix[0][v - 1] or not self.concat:
            self.proj["out"] = conv_bn_relu(cin, cout, 1)

    def forward(self, x):
        v = len(self.m)
        tensors = [x]
        for t in range(1, v - 1):
            add = [tensors[s] if tensors[s].shape[1] == self.ch[t] else tensors[s][:, : self.ch[t]]
                   for s in range(1, t) if self.m[s][t]]
            if self.m[0][t]:
                add.append(self.proj[str(t)](x))
            y = add[0]
            for a in add[1:]:
                y = y + a
            tensors.append(self.ops[str(t)](y))
        if not self.concat:
            return self.proj["out"](x)
        out = tensors[self.concat[0]] if len(self.concat) == 1 else torch.cat([tensors[t] for t in self.concat], 1)
        if self.m[0][v - 1]:
            out = out + self.proj["out"](x)
        return out


def network(cell, stem=128, stacks=3, per_stack=3, num_classes=10):
    """The benchmark network around `cell` = (matrix, ops), already pruned (and canonical for nasprobe's)."""
    matrix, ops = cell
    layers = [conv_bn_relu(3, stem, 3)]
    cin = channels = stem
    for s in range(stacks):
        if s > 0:
            layers.append(nn.MaxPool2d(2, 2))  # "same" 2x2/2 pooling pads nothing on even sizes
            channels *= 2
        for _ in range(per_stack):
            layers.append(Module(matrix, ops, cin, channels))
            cin = channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, num_classes)]
    return nn.Sequential(*layers)


def params(net):
    return sum(p.numel() for p in net.parameters())


def main():
    matrix, ops = cell_of(sys.argv[1])
    print(json.dumps({"params": params(network((matrix, ops))), "matrix": matrix, "ops": ops}))


if __name__ == "__main__":
    main()
