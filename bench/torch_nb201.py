"""PyTorch CPU forward of the NB201 network (xautodl TinyNetwork, C=16, N=5), for `npm run bench`.

Usage: python3 torch_nb201.py ARCH_STR IMAGES BATCH THREADS
Prints one JSON line: {"seconds": ..., "images": ...}. A comparison tool only, not a dependency.
"""
import json
import sys
import time

import torch
import torch.nn as nn


def relu_conv_bn(cin, cout, k, stride, pad):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride, pad, bias=False), nn.BatchNorm2d(cout))


class Zero(nn.Module):
    def forward(self, x):
        return x.mul(0.0)


def make_op(name, c):
    return {
        "none": lambda: Zero(),
        "skip_connect": lambda: nn.Identity(),
        "nor_conv_1x1": lambda: relu_conv_bn(c, c, 1, 1, 0),
        "nor_conv_3x3": lambda: relu_conv_bn(c, c, 3, 1, 1),
        "avg_pool_3x3": lambda: nn.AvgPool2d(3, 1, 1, count_include_pad=False),
    }[name]()


class Cell(nn.Module):
    def __init__(self, arch, c):
        super().__init__()
        self.nodes = []
        self.ops = nn.ModuleList()
        for group in arch.split("+"):
            edges = []
            for edge in group.strip("|").split("|"):
                op, src = edge.split("~")
                edges.append((len(self.ops), int(src)))
                self.ops.append(make_op(op, c))
            self.nodes.append(edges)

    def forward(self, x):
        values = [x]
        for edges in self.nodes:
            values.append(sum(self.ops[i](values[s]) for i, s in edges))
        return values[-1]


class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.a = relu_conv_bn(cin, cout, 3, 2, 1)
        self.b = relu_conv_bn(cout, cout, 3, 1, 1)
        self.down = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.down(x) + self.b(self.a(x))


def network(arch, c=16, n=5):
    layers = [nn.Conv2d(3, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)]
    prev = c
    for stage, width in enumerate([c, 2 * c, 4 * c]):
        if stage > 0:
            layers.append(Reduction(prev, width))
        layers += [Cell(arch, width) for _ in range(n)]
        prev = width
    layers += [nn.BatchNorm2d(prev), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    return nn.Sequential(*layers)


def main():
    arch, images, batch, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    net = network(arch).eval()
    x = torch.randn(batch, 3, 32, 32)
    with torch.no_grad():
        net(x)  # warm-up
        start = time.perf_counter()
        done = 0
        while done < images:
            net(x)
            done += batch
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "images": done}))


if __name__ == "__main__":
    main()
