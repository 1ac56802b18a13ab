"""PyTorch CPU training throughput of the NB201 / NB101 networks, the reference side of nasprobe's
training benchmark (a comparison tool only, never a dependency).

Usage:
  python3 bench/torch_train.py --space nb201|nb101 --arch ARCH --batch B --threads T --steps S
      [--warmup W] [--images N] [--epoch] [--seed 0] [--data PATH] [--as-given]
  python3 bench/torch_train.py --check-params [--records K]

One training step, as a trainer runs it: draw the next B indices of a shuffled pass over the N
training images, gather and augment them (random crop with 4 pixels of padding, horizontal flip with
probability 1/2, on the normalised images; padded pixels hold what a black pixel normalises to, as
nasprobe's src/train/augment.ts does), forward in train mode (BN batch statistics), mean softmax
cross-entropy with label smoothing 0.1, backward, SGD (lr 0.1, momentum 0.9, Nesterov, weight decay
5e-4 on every parameter), zero_grad(set_to_none=True). W warm-up steps run first, untimed.
--steps mode times S steps; --epoch times one full pass over the N images (drop_last=False, so the
last batch is N mod B when B does not divide N) and ignores --steps.

Images: the first N records (default 4000, all of it) of the CIFAR-10 binary file
../shared/data/cifar10-subset/data_batch_1.bin (1 label byte + 3072 RGB-plane bytes), normalised
with mean [125.3, 123.0, 113.9], std [63.0, 62.1, 66.7]; reading and normalising is not timed. If the
file is absent, N(0,1) images with random labels ("data": "random").

Networks: NB201 is the xautodl TinyNetwork of torch_nb201.py (C=16, N=5) with its 10-class linear
head; ARCH is the NB201 string. NB101 is torch_nb101.py's nasbench network; ARCH is nasprobe's form
{"matrix": [[...]], "ops": [...]} (or a module hash found in ../shared/data/nb101/*.json), pruned and
put in nasprobe's canonical vertex order before building (--as-given builds the order as listed).

Output, one JSON line:
  {"space", "arch", "batch", "threads", "steps", "seconds", "images_per_second", "step_ms", "cpu_step_ms",
   "augment_ms", "params", "torch", "mode", "warmup", "images", "data", "final_loss"}
seconds covers the timed steps (augmentation included); step_ms = 1000 seconds / steps;
augment_ms is the mean per step of the gather + augmentation alone; images counts the images the
timed steps trained on (steps x batch, or N in --epoch mode); final_loss is the last step's loss.

--check-params prints, one JSON line each, the parameter counts of this PyTorch build against
nb101_30.json's trainable_parameters (first K records, default all 30), against NASLib's params_M
(nb101_naslib_dev.json, built as listed, as NASLib did), and, where node can run nasprobe from this
checkout, against `nasprobe info` for the NB201 cell below and the same NB101 records.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import torch_nb101  # noqa: E402
import torch_nb201  # noqa: E402

ROOT = os.path.dirname(HERE)
MEAN = [125.3, 123.0, 113.9]
STD = [63.0, 62.1, 66.7]
NB201_EXAMPLE = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"


def shared(*parts):
    """A path under shared/: beside the repository (../shared) or inside it (shared/)."""
    for base in (os.path.join(ROOT, "..", "shared"), os.path.join(ROOT, "shared")):
        path = os.path.join(base, *parts)
        if os.path.exists(path):
            return os.path.normpath(path)
    return os.path.normpath(os.path.join(ROOT, "..", "shared", *parts))


# -------------------------------------------------------------------------------------------- networks
def build(space, arch, as_given=False, num_classes=10):
    if space == "nb201":
        # torch_nb201.network ends at the pooled 4C features; the table network adds the classifier.
        return nn.Sequential(torch_nb201.network(arch), nn.Linear(64, num_classes))
    return torch_nb101.network(torch_nb101.cell_of(arch, canonicalise=not as_given), num_classes=num_classes)


def params(net):
    return sum(p.numel() for p in net.parameters())


# ------------------------------------------------------------------------------------------------ data
def load_images(path, n, seed):
    if os.path.exists(path):
        raw = np.fromfile(path, dtype=np.uint8)
        have = raw.size // 3073
        if n > have:
            raise SystemExit(f"{path} holds {have} images, fewer than --images {n}")
        raw = raw[: n * 3073].reshape(n, 3073)
        x = torch.from_numpy(raw[:, 1:].reshape(n, 3, 32, 32).astype(np.float32))
        x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        return x.contiguous(), torch.from_numpy(raw[:, 0].astype(np.int64)), "cifar10-subset"
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randn(n, 3, 32, 32, generator=g), torch.randint(0, 10, (n,), generator=g), "random"


class Augment:
    """RandomCrop(32, padding=4) + RandomHorizontalFlip on normalised images, a whole batch at once."""

    def __init__(self, pad=4, size=32, seed=0):
        self.pad, self.size = pad, size
        self.pad_value = (-torch.tensor(MEAN) / torch.tensor(STD)).view(1, 3, 1, 1)
        self.g = torch.Generator().manual_seed(seed + 2)
        self.ar = torch.arange(size)
        self.rev = torch.arange(size - 1, -1, -1)
        self.ch = torch.arange(3).view(1, 3, 1, 1)

    def __call__(self, x):
        b, p = x.shape[0], self.pad
        padded = F.pad(x - self.pad_value, (p, p, p, p)) + self.pad_value  # black pixels, normalised
        dy = torch.randint(0, 2 * p + 1, (b, 1), generator=self.g)
        dx = torch.randint(0, 2 * p + 1, (b, 1), generator=self.g)
        flip = torch.rand(b, 1, generator=self.g) < 0.5
        rows = dy + self.ar
        cols = dx + torch.where(flip, self.rev, self.ar)
        n = torch.arange(b).view(b, 1, 1, 1)
        return padded[n, self.ch, rows.view(b, 1, self.size, 1), cols.view(b, 1, 1, self.size)]


class Batches:
    """Indices of shuffled passes over n images, `batch` at a time; a pass ends with its remainder."""

    def __init__(self, n, batch, seed):
        self.n, self.batch = n, batch
        self.g = torch.Generator().manual_seed(seed + 3)
        self.order, self.at = torch.randperm(n, generator=self.g), 0

    def new_pass(self):
        self.order, self.at = torch.randperm(self.n, generator=self.g), 0

    def next(self):
        if self.at >= self.n:
            self.new_pass()
        idx = self.order[self.at: self.at + self.batch]
        self.at += self.batch
        return idx


# ----------------------------------------------------------------------------------------------- train
def train(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    net = build(args.space, args.arch, args.as_given).train()
    images, labels, source = load_images(args.data, args.images, args.seed)
    augment = Augment(seed=args.seed)
    loader = Batches(args.images, args.batch, args.seed)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)

    def step():
        t0 = time.perf_counter()
        idx = loader.next()
        x = augment(images[idx])
        y = labels[idx]
        t1 = time.perf_counter()
        loss = criterion(net(x), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        value = loss.item()
        return time.perf_counter() - t0, t1 - t0, value, len(idx)

    for _ in range(args.warmup):
        step()
    if args.epoch:
        loader.new_pass()
        steps = math.ceil(args.images / args.batch)
    else:
        steps = args.steps
    total = aug = 0.0
    done = 0
    loss = float("nan")
    start = time.perf_counter()
    cpu_start = time.process_time()
    for _ in range(steps):
        s, a, loss, n = step()
        total += s
        aug += a
        done += n
    seconds = time.perf_counter() - start
    # CPU seconds of the whole process (all threads): a load-robust measure at one thread.
    cpu_seconds = time.process_time() - cpu_start
    return {
        "space": args.space,
        "arch": args.arch,
        "batch": args.batch,
        "threads": args.threads,
        "steps": steps,
        "seconds": seconds,
        "images_per_second": done / seconds,
        "step_ms": 1000 * seconds / steps,
        "cpu_step_ms": 1000 * cpu_seconds / steps,
        "augment_ms": 1000 * aug / steps,
        "params": params(net),
        "torch": torch.__version__,
        "mode": "epoch" if args.epoch else "steps",
        "warmup": args.warmup,
        "images": done,
        "data": source,
        "final_loss": loss,
    }


# ---------------------------------------------------------------------------------------- check-params
def nasprobe_info(space, archs):
    """params of `nasprobe info` for archs, or None where node cannot run nasprobe here."""
    src = os.path.join(ROOT, "src", "cli", "main.ts")  # the sources first: dist/ may be stale
    cmd = ["node", "--import", "tsx", src] if os.path.exists(src) else ["node", os.path.join(ROOT, "dist", "cli", "main.js")]
    cmd += ["info", "--space", space, "--format", "json", "--arch", *archs]
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=True).stdout
        rows = [json.loads(line) for line in out.splitlines() if line.strip()]  # one object per line
        return [int(r["params"]) for r in rows] if len(rows) == len(archs) else None
    except (OSError, subprocess.SubprocessError, ValueError, KeyError, TypeError):
        return None


def check_params(k):
    ok = True
    ours = params(build("nb201", NB201_EXAMPLE))
    theirs = nasprobe_info("nb201", [NB201_EXAMPLE])
    print(json.dumps({"space": "nb201", "arch": NB201_EXAMPLE, "params": ours,
                      "nasprobe_info": theirs[0] if theirs else None}))
    ok &= theirs is None or theirs[0] == ours

    with open(shared("data", "nb101", "nb101_30.json")) as f:
        recs = json.load(f)[:k]
    archs = [json.dumps({"matrix": r["matrix"], "ops": r["ops"]}, separators=(",", ":")) for r in recs]
    theirs = nasprobe_info("nb101", archs) or [None] * len(recs)
    matched = 0
    for r, arch, info in zip(recs, archs, theirs):
        ours = params(build("nb101", arch))
        matched += ours == r["trainable_parameters"]
        ok &= ours == r["trainable_parameters"] and (info is None or info == ours)
        print(json.dumps({"space": "nb101", "hash": r["hash"], "params": ours,
                          "trainable_parameters": r["trainable_parameters"], "nasprobe_info": info}))
    print(json.dumps({"check": "nb101_30 trainable_parameters", "matched": matched, "of": len(recs)}))

    with open(shared("data", "nb101", "nb101_naslib_dev.json")) as f:
        dev = json.load(f)
    as_listed = canon_differs = 0
    for r in dev:
        cell = (r["matrix"], r["ops"])
        p = params(torch_nb101.network(torch_nb101.cell_of(cell, canonicalise=False)))
        as_listed += p == round(r["params_M"] * 1e6)
        canon_differs += params(torch_nb101.network(torch_nb101.cell_of(cell))) != p
    print(json.dumps({"check": "nb101_naslib_dev params_M (built as listed)", "matched": as_listed, "of": len(dev),
                      "canonical_order_differs": canon_differs}))
    ok &= as_listed == len(dev)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--space", choices=["nb201", "nb101"], default="nb201")
    ap.add_argument("--arch", default=NB201_EXAMPLE)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--images", type=int, default=4000)
    ap.add_argument("--epoch", action="store_true", help="time one full pass over the --images images")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data", default=shared("data", "cifar10-subset", "data_batch_1.bin"))
    ap.add_argument("--as-given", action="store_true", help="NB101: build the vertex order as listed")
    ap.add_argument("--check-params", action="store_true")
    ap.add_argument("--records", type=int, default=30, help="--check-params: nb101_30 records to check")
    args = ap.parse_args()
    torch.set_num_interop_threads(1)  # before any parallel work
    if args.check_params:
        torch.set_num_threads(args.threads)
        sys.exit(0 if check_params(args.records) else 1)
    if args.space == "nb101" and args.arch == NB201_EXAMPLE:
        ap.error("--space nb101 needs --arch (cell JSON or a module hash)")
    print(json.dumps(train(args)))


if __name__ == "__main__":
    main()
