#!/bin/bash
# Reproduces docs/results/zc-*.jsonl (docs/zero-cost-nb201.md): training-free metrics on a fixed
# seeded sample of NAS-Bench-201 cells (--sample N --seed 0; a smaller sample is a prefix of a
# larger one). Resumable: re-running skips cells already in a file. Then:
#   node --import tsx bench/zero-cost-report.ts
set -e
cd "$(dirname "$0")/../.."
# The records name the data by absolute path (settings.data), so resuming compares the same string.
D=cifar10:$(realpath ../shared)/data/cifar10-subset
S="node --import tsx src/cli/main.ts score --space nb201 --seed 0 --data $D"
$S --metric naswot,zen,linear_regions,params,flops,synflow --sample 1000 --out docs/results/zc-forward-1000.jsonl
$S --metric snip,grad_norm,fisher,jacob_cov --sample 1000 --out docs/results/zc-grad.jsonl
$S --metric grasp --sample 200 --out docs/results/zc-grasp-200.jsonl
$S --metric swap --sample 150 --out docs/results/zc-swap-150.jsonl
$S --metric ntk --set ntk.batchSize=32 --sample 100 --out docs/results/zc-ntk32-100.jsonl
$S --metric zen --set zen.removeResidual=false --sample 300 --out docs/results/zc-zen-keepresidual-300.jsonl
$S --metric params,flops,linear_regions --all --out docs/results/zc-all-15625.jsonl
$S --metric meco --sample 200 --out docs/results/zc-meco-200.jsonl
$S --metric meco --sample 1000 --out docs/results/zc-meco-1000.jsonl
$S --metric aznas --sample 200 --out docs/results/zc-aznas-200.jsonl
$S --metric zico --sample 200 --out docs/results/zc-zico-200.jsonl
$S --metric epsinas --sample 200 --out docs/results/zc-epsinas-200.jsonl
# The ranker (src/metrics/ranker.ts) on every NB201 cell, on worker threads; its choice, then its
# transfer sweeps and the whole-space report (docs/zero-cost-nb201.md, "The ranker").
$S --metric ranker --all --workers 2 --out docs/results/zc-ranker-15625.jsonl
$S --metric naswot --all --workers 2 --out docs/results/zc-naswot-15625.jsonl # 75 min here
node --import tsx bench/aggregate-protocol.ts --method product --max-size 4 \
  --pool meco,meco_opt,linear_regions,params,naswot,zen,synflow > docs/results/aggregate-protocol-nb201-product.txt
node --import tsx bench/transfer-sweep.ts --space nb101
node --import tsx bench/transfer-sweep.ts --space nbmacro
node --import tsx src/cli/main.ts score --space nbmacro --metric ranker,params,flops --all --seed 0 --data $D \
  --out docs/results/nbmacro-ranker.jsonl # the 3,297 NB-Macro networks without accuracies too
node --import tsx bench/full-space-table.ts
node --import tsx bench/ranker-report.ts > docs/results/ranker-report.md
node --import tsx bench/ranker-weights.ts > docs/results/ranker-weights.txt # tried, not adopted
