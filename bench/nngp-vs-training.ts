// The seed paper's study on NAS-Bench-201 (docs/nngp-vs-training.md): NNGP against shortened
// training as a cheap signal of 200-epoch CIFAR-10 test accuracy, on the same cells, with each
// signal's compute (FLOPs per architecture) and the combinations NNGP + training. Reads:
//   docs/results/nb201-nngp-default-500.jsonl   NNGP at the reference settings (bench/../run-experiments.sh)
//   docs/results/nb201-short-train-500.jsonl    nasprobe's own short training (bench/train-sweep.ts)
//   ../shared/data/nb201/nb201.csv               12- and 200-epoch accuracies, params, FLOPs
//   node --import tsx bench/nngp-vs-training.ts [--out docs/results/nngp-vs-training-nb201.json]
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { correlationReport } from "../src/benchmarks/correlate.js";
import { kendallTauB, rankData, spearman } from "../src/benchmarks/rankStats.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const { values: o } = parseArgs({
  options: {
    nngp: { type: "string", default: "docs/results/nb201-nngp-default-500.jsonl" },
    train: { type: "string", default: "docs/results/nb201-short-train-500.jsonl" },
    out: { type: "string", default: "docs/results/nngp-vs-training-nb201.json" },
  },
});
const jsonl = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const table = readBenchmarkTable(sharedDataPath("nb201/nb201.csv")!);
const col = (name: string) => table.column(name);
const [test200, valid200, valid12, flopsM, paramsM] = [
  col("c10_test_200"),
  col("c10valid_valid_200"),
  col("c10valid_valid_12"),
  col("flops_c10_M"),
  col("params_c10_M"),
];
const nngp = new Map(jsonl(o.nngp!).map((r) => [r.arch_str as string, r]));
const trained = new Map(jsonl(o.train!).map((r) => [r.arch_str as string, r]));
const cells = [...nngp.keys()].filter(
  (a) => trained.has(a) && (trained.get(a)!.val_accuracy as number[]).length === 4,
);
const row = cells.map((a) => table.indexOf(a)!);
const nngpSettings = nngp.get(cells[0]!)!.settings as {
  n_train: number;
  n_val: number;
  ensemble: number;
  bn_update_batch: number;
};
const nngpImages =
  (nngpSettings.n_train + nngpSettings.n_val + nngpSettings.bn_update_batch) * nngpSettings.ensemble;
const trainSettings = trained.get(cells[0]!)!.settings as Record<string, unknown>;
const valImages = trainSettings.val as number;
const trainImages = trainSettings.train as number;

interface Signal {
  name: string;
  values: number[];
  /** Mean FLOPs spent per architecture to obtain the value. */
  flops: number;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ourEpoch = (e: number): Signal => ({
  name: `ours, epoch ${e} of 4 (${trainImages} images/epoch)`,
  values: cells.map((a) => (trained.get(a)!.val_accuracy as number[])[e - 1]!),
  // Training FLOPs of the first e epochs plus e validation passes.
  flops: mean(
    cells.map((a) => {
      const r = trained.get(a)!;
      return ((r.train_flops as number) * e) / 4 + e * valImages * (r.forward_flops_per_image as number);
    }),
  ),
});
const tableFlops = (i: number) => flopsM[i]! * 1e6;
const singles: Signal[] = [
  {
    name: `NNGP (n_train ${nngpSettings.n_train}, n_val ${nngpSettings.n_val}, ensemble ${nngpSettings.ensemble})`,
    values: cells.map((a) => nngp.get(a)!.score as number),
    flops: mean(row.map((i) => nngpImages * tableFlops(i))),
  },
  {
    name: "NB201 12-epoch valid acc (c10valid_valid_12)",
    values: row.map((i) => valid12[i]!),
    // 12 epochs over the 25,000 cifar10-valid training images, training ≈ 3× forward.
    flops: mean(row.map((i) => 12 * 25_000 * 3 * tableFlops(i))),
  },
  ourEpoch(1),
  ourEpoch(2),
  ourEpoch(4),
  { name: "#params", values: row.map((i) => paramsM[i]!), flops: 0 },
  { name: "FLOPs", values: row.map((i) => flopsM[i]!), flops: 0 },
];

// A split of architectures: weights are chosen on half A against *validation* accuracy and
// reported on half B against *test* accuracy.
const perm = new Rng(0, "nngp-vs-training-split").permutation(cells.length);
const A = perm.slice(0, Math.floor(cells.length / 2));
const B = perm.slice(Math.floor(cells.length / 2));
const pick = (xs: number[], idx: number[]) => idx.map((i) => xs[i]!);
const zscore = (xs: number[]) => {
  const m = mean(xs);
  const s = Math.sqrt(mean(xs.map((x) => (x - m) ** 2))) || 1;
  return xs.map((x) => (x - m) / s);
};
const ranks = (xs: number[]) => Array.from(rankData(xs), (r) => r / xs.length);
const validAll = row.map((i) => valid200[i]!);
const testAll = row.map((i) => test200[i]!);

function combine(a: Signal, b: Signal, form: "z" | "rank"): Signal & { weight: number; tunedTau: number } {
  const norm = form === "z" ? zscore : ranks;
  // Normalised on each half separately, as a user would on the architectures at hand.
  const mix = (idx: number[], w: number) => {
    const za = norm(pick(a.values, idx));
    const zb = norm(pick(b.values, idx));
    return za.map((x, k) => w * x + (1 - w) * zb[k]!);
  };
  let best = { weight: 0, tau: -2 };
  for (let k = 0; k <= 20; k++) {
    const w = k / 20;
    const tau = kendallTauB(mix(A, w), pick(validAll, A));
    if (tau > best.tau + 1e-12) best = { weight: w, tau };
  }
  const values = new Array<number>(cells.length).fill(Number.NaN);
  const onB = mix(B, best.weight);
  B.forEach((i, k) => {
    values[i] = onB[k]!;
  });
  return {
    name: `NNGP + ${b.name} (${form === "z" ? "z-score" : "rank"} sum, w_NNGP ${best.weight.toFixed(2)} tuned on half A)`,
    values,
    flops: a.flops + b.flops,
    weight: best.weight,
    tunedTau: best.tau,
  };
}
const combos = [
  combine(singles[0]!, singles[1]!, "z"),
  combine(singles[0]!, singles[1]!, "rank"),
  combine(singles[0]!, singles[4]!, "z"),
  combine(singles[0]!, singles[4]!, "rank"),
  combine(singles[0]!, singles[2]!, "z"),
];

const report = (s: Signal, idx: number[]) => {
  const r = correlationReport(pick(s.values, idx), pick(testAll, idx), {
    thresholds: [90, 91, 92, 93],
    topN: 10,
  });
  return {
    n: r.n,
    spearman: r.spearman,
    kendall: r.kendall,
    discovered_top10: r.discovered.best,
    optimum: r.discovered.optimum,
    pqetp: r.pqetp,
    topK: r.topK,
  };
};
const all = cells.map((_, i) => i);
const results = {
  cells: cells.length,
  target: "c10_test_200",
  split: {
    tuneOn: "half A vs c10valid_valid_200",
    reportOn: "half B vs c10_test_200",
    A: A.length,
    B: B.length,
  },
  nngpImages,
  training: trainSettings,
  singles: singles.map((s) => ({
    name: s.name,
    gflops: s.flops / 1e9,
    all: report(s, all),
    heldOut: report(s, B),
  })),
  combinations: combos.map((c) => ({
    name: c.name,
    weight: c.weight,
    tunedTau: c.tunedTau,
    gflops: c.flops / 1e9,
    heldOut: report(c, B),
  })),
  reduction: [] as unknown[],
};

// Space reduction: keep the top x % by a signal; what fraction of the true top-1 % / top-5 % survive?
const order = (xs: number[]) => all.slice().sort((i, j) => xs[j]! - xs[i]!);
const truthOrder = order(testAll);
for (const s of [singles[0]!, singles[5]!, singles[4]!, singles[1]!]) {
  const ranked = order(s.values);
  const rowOut: Record<string, unknown> = { name: s.name };
  for (const keep of [0.5, 0.2, 0.1, 0.05]) {
    const kept = new Set(ranked.slice(0, Math.round(keep * cells.length)));
    for (const top of [0.01, 0.05]) {
      const best = truthOrder.slice(0, Math.max(1, Math.round(top * cells.length)));
      rowOut[`keep${keep * 100}_top${top * 100}`] = best.filter((i) => kept.has(i)).length / best.length;
    }
  }
  results.reduction.push(rowOut);
}
writeFileSync(o.out!, `${JSON.stringify(results, null, 2)}\n`);

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
console.log(`${cells.length} NB201 cells; target c10_test_200; held-out half B = ${B.length}`);
console.log("| signal | GFLOPs/arch | τ (all) | ρ (all) | τ (B) | ρ (B) | best of top-10 (B) |");
console.log("|---|---|---|---|---|---|---|");
for (const s of results.singles)
  console.log(
    `| ${s.name} | ${s.gflops.toPrecision(3)} | ${f3(s.all.kendall)} | ${f3(s.all.spearman)} | ${f3(s.heldOut.kendall)} | ${f3(s.heldOut.spearman)} | ${s.heldOut.discovered_top10.toFixed(2)} |`,
  );
for (const c of results.combinations)
  console.log(
    `| ${c.name} | ${c.gflops.toPrecision(3)} | – | – | ${f3(c.heldOut.kendall)} | ${f3(c.heldOut.spearman)} | ${c.heldOut.discovered_top10.toFixed(2)} |`,
  );
console.log("\nspace reduction (fraction of the true top-1 % / top-5 % kept):");
for (const r of results.reduction) console.log(JSON.stringify(r));
void spearman;
