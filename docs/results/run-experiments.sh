#!/usr/bin/env bash
# Reproduces every figure in docs/nngp-nb201.md (about 1.5 h on a 2-core machine). Resumable:
# re-running skips architectures already scored with the same settings.
set -euo pipefail
cd "$(dirname "$0")/../.."
data=cifar10:../shared/data/cifar10-subset
score() { node dist/cli/main.js score --space nb201 --metric nngp --seed 0 --data "$data" "$@"; }
# Main result: 500 architectures, reference settings.
score --sample 500 --out docs/results/nb201-nngp-default-500.jsonl
# Fast preset on the same 500.
score --sample 500 --preset fast --out docs/results/nb201-nngp-fast-500.jsonl
# Ablations on the first 100 of the same sample (the sample is a prefix of one seeded permutation).
score --sample 100 --n-train 250 --out docs/results/nb201-nngp-ntrain250-100.jsonl
score --sample 100 --ensemble 1 --out docs/results/nb201-nngp-ensemble1-100.jsonl
score --sample 100 --bn train --out docs/results/nb201-nngp-bntrain-100.jsonl
