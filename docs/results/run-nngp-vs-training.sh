#!/usr/bin/env bash
# Reproduces docs/nngp-vs-training.md and the curves of docs/learning-curves.md (each step resumable:
# re-running skips architectures already done). About 2.5 h on the 2-core machine when run alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=cifar10:../shared/data/cifar10-subset
sweep() { node --import tsx bench/train-sweep.ts --downsample 2 --crop-padding 2 --train-count 1000 --val-count 500 --threads 1 "$@"; }
# NB201, the 500 cells NNGP scored in docs/nngp-nb201.md (docs/results/run-experiments.sh):
# a 4-epoch run of the reduced proxy (1 cell per stage, C=8, 16×16 images), and 12-epoch curves of the first 50.
sweep --space nb201:cells=1,channels=8 --archs docs/results/nb201-nngp-default-500.jsonl --count 500 --epochs 4 \
  --out docs/results/nb201-short-train-500.jsonl
sweep --space nb201:cells=1 --archs docs/results/nb201-nngp-default-500.jsonl --count 50 --epochs 12 \
  --out docs/results/nb201-curves.jsonl
node --import tsx bench/nngp-vs-training.ts --space nb201
# NB101, the NASLib cells: NNGP at the reference settings on the network with stem 32 (1/16 of the
# benchmark network's FLOPs) for the first 100 cells, and a 2-epoch run of the reduced proxy (stem 16,
# 1 cell per stack, 16×16 images) on the same 100.
mapfile -t cells < <(node -e 'for (const r of JSON.parse(require("fs").readFileSync("../shared/data/nb101/nb101_naslib_dev.json","utf8")).slice(0,100)) console.log(JSON.stringify({matrix:r.matrix,ops:r.ops}))')
node --import tsx src/cli/main.ts score --space nb101:stem=32 --metric nngp --seed 0 --data "$data" --threads 1 \
  --arch "${cells[@]}" --out docs/results/nb101-nngp-stem32-100.jsonl
sweep --space nb101:stem=16,cells=1 --archs ../shared/data/nb101/nb101_naslib_dev.json --count 100 --epochs 2 \
  --out docs/results/nb101-short-train.jsonl
node --import tsx bench/nngp-vs-training.ts --space nb101
node --import tsx bench/nngp-vs-training.ts --space nb201 --train docs/results/nb201-curves.jsonl --out docs/results/nngp-vs-training-nb201-curves50.json
