// The seed paper's study (docs/nngp-vs-training.md): NNGP against shortened training as a cheap
// signal of trained accuracy, on the same cells, with each signal's compute (FLOPs per
// architecture), combinations NNGP + training with the weight tuned on one half of the cells, and
// the space-reduction claim. Reads the NNGP scores (`nasprobe score`), nasprobe's own short
// training (bench/train-sweep.ts) and the benchmark's ground truth:
//   nb201: ../shared/data/nb201/nb201.csv — target c10_test_200; weights tuned on c10valid_valid_200;
//          the benchmark's 12-epoch c10valid_valid_12 as the paper's shortened-training baseline
//   nb101: ../shared/data/nb101/nb101_naslib_dev.json — val_accuracy_108 (the only column: tuned on
//          half A, reported on half B)
//   node --import tsx bench/nngp-vs-training.ts --space nb201|nb101 [--nngp F] [--train F] [--out F]
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { correlationReport } from "../src/benchmarks/correlate.js";
import { kendallTauB, rankData } from "../src/benchmarks/rankStats.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { flops as irFlops } from "../src/ir/cost.js";
import { getSpace } from "../src/spaces/index.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const { values: o } = parseArgs({
  options: {
    space: { type: "string", default: "nb201" },
    nngp: { type: "string" },
    train: { type: "string" },
    out: { type: "string" },
  },
});
const isNb101 = o.space === "nb101";
const nngpFile =
  o.nngp ??
  (isNb101 ? "docs/results/nb101-nngp-stem32-100.jsonl" : "docs/results/nb201-nngp-default-500.jsonl");
const trainFile =
  o.train ?? (isNb101 ? "docs/results/nb101-short-train.jsonl" : "docs/results/nb201-short-train-500.jsonl");
const outFile = o.out ?? `docs/results/nngp-vs-training-${o.space}.json`;

const jsonl = (file: string) =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Ground truth per canonical arch string. */
interface Truth {
  test: number;
  valid: number;
  flops: number;
  params: number;
  short12?: number;
}
function groundTruth(): { truth: Map<string, Truth>; target: string; tunedOn: string } {
  const truth = new Map<string, Truth>();
  if (isNb101) {
    const space = getSpace("nb101");
    const rows = JSON.parse(readFileSync(sharedDataPath("nb101/nb101_naslib_dev.json")!, "utf8")) as Array<{
      matrix: number[][];
      ops: string[];
      val_accuracy_108: number;
      flops_M: number;
      params_M: number;
    }>;
    for (const r of rows)
      truth.set(space.format(space.parse(JSON.stringify({ matrix: r.matrix, ops: r.ops }))), {
        test: r.val_accuracy_108,
        valid: r.val_accuracy_108,
        flops: r.flops_M * 1e6,
        params: r.params_M,
      });
    return { truth, target: "val_accuracy_108", tunedOn: "val_accuracy_108 of half A" };
  }
  const table = readBenchmarkTable(sharedDataPath("nb201/nb201.csv")!);
  const [test, valid, short12, flops, params] = [
    "c10_test_200",
    "c10valid_valid_200",
    "c10valid_valid_12",
    "flops_c10_M",
    "params_c10_M",
  ].map((c) => table.column(c));
  table.archStrs.forEach((a, i) => {
    truth.set(a, {
      test: test![i]!,
      valid: valid![i]!,
      short12: short12![i]!,
      flops: flops![i]! * 1e6,
      params: params![i]!,
    });
  });
  return { truth, target: "c10_test_200", tunedOn: "c10valid_valid_200 of half A" };
}

const { truth, target, tunedOn } = groundTruth();
const nngp = new Map(jsonl(nngpFile).map((r) => [r.arch_str as string, r]));
const trained = new Map(jsonl(trainFile).map((r) => [r.arch_str as string, r]));
const epochs = Math.max(...[...trained.values()].map((r) => (r.val_accuracy as number[]).length));
const cells = [...nngp.keys()].filter(
  (a) => truth.has(a) && trained.has(a) && (trained.get(a)!.val_accuracy as number[]).length === epochs,
);
const facts = cells.map((a) => truth.get(a)!);
const nngpSettings = nngp.get(cells[0]!)!.settings as Record<string, number>;
const nngpImages =
  (nngpSettings.n_train! + nngpSettings.n_val! + nngpSettings.bn_update_batch!) * nngpSettings.ensemble!;
const trainSettings = trained.get(cells[0]!)!.settings as Record<string, unknown>;
const valImages = trainSettings.val as number;

interface Signal {
  name: string;
  values: number[];
  /** Mean FLOPs spent per architecture to obtain the value (multiply-accumulates). */
  flops: number;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const ourEpoch = (e: number): Signal => ({
  name: `ours, epoch ${e} of ${epochs} (${trainSettings.train} images/epoch, ${trained.get(cells[0]!)!.space})`,
  values: cells.map((a) => (trained.get(a)!.val_accuracy as number[])[e - 1]!),
  // Training of the first e epochs plus e validation passes.
  flops: mean(
    cells.map((a) => {
      const r = trained.get(a)!;
      return ((r.train_flops as number) * e) / epochs + e * valImages * (r.forward_flops_per_image as number);
    }),
  ),
});
const nngpSignal: Signal = {
  name: `NNGP (n_train ${nngpSettings.n_train}, n_val ${nngpSettings.n_val}, ensemble ${nngpSettings.ensemble}, ${nngp.get(cells[0]!)!.space})`,
  values: cells.map((a) => nngp.get(a)!.score as number),
  // FLOPs of the network NNGP actually ran (a resized one for NB101), as its space counts them.
  flops: mean(
    cells.map((a) => {
      const space = getSpace(nngp.get(a)!.space as string);
      const graph = space.build(space.parse(a), space.defaultBuild);
      return nngpImages * (space.flops ?? irFlops)(graph);
    }),
  ),
};
const table12: Signal | undefined = isNb101
  ? undefined
  : {
      name: "NB201 12-epoch valid acc (c10valid_valid_12)",
      values: facts.map((f) => f.short12!),
      // 12 epochs over the 25,000 cifar10-valid training images, training ≈ 3× the forward.
      flops: mean(facts.map((f) => 12 * 25_000 * 3 * f.flops)),
    };
const ours = [...new Set([1, 2, 4, epochs])].filter((e) => e <= epochs).map(ourEpoch);
const oursLast = ours.at(-1)!;
const paramsSignal: Signal = { name: "#params", values: facts.map((f) => f.params), flops: 0 };
const singles: Signal[] = [
  nngpSignal,
  ...(table12 ? [table12] : []),
  ...ours,
  paramsSignal,
  { name: "FLOPs", values: facts.map((f) => f.flops), flops: 0 },
];

// A split of architectures: weights are chosen on half A (validation accuracy where the benchmark
// has it) and reported on half B against the target.
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
const validAll = facts.map((f) => f.valid);
const testAll = facts.map((f) => f.test);

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
    name: `NNGP + ${b.name} (${form === "z" ? "z-score" : "rank"} sum, w_NNGP ${best.weight.toFixed(2)})`,
    values,
    flops: a.flops + b.flops,
    weight: best.weight,
    tunedTau: best.tau,
  };
}
const combos = [
  ...(table12 ? [combine(nngpSignal, table12, "z"), combine(nngpSignal, table12, "rank")] : []),
  combine(nngpSignal, oursLast, "z"),
  combine(nngpSignal, oursLast, "rank"),
  combine(nngpSignal, ours[0]!, "z"),
];

const thresholds = isNb101 ? [92, 93, 94] : [90, 91, 92, 93];
const report = (s: Signal, idx: number[]) => {
  const r = correlationReport(pick(s.values, idx), pick(testAll, idx), { thresholds, topN: 10 });
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
  space: o.space,
  cells: cells.length,
  target,
  split: { tunedOn, reportedOn: `${target} of half B`, A: A.length, B: B.length },
  nngpImagesPerArch: nngpImages,
  nngpSettings,
  training: { ...trainSettings, space: trained.get(cells[0]!)!.space },
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
  reduction: [] as Array<Record<string, unknown>>,
};

// Space reduction: keep the top x % by a signal; what fraction of the true top-1 % / top-5 % survive?
const order = (xs: number[]) => all.slice().sort((i, j) => xs[j]! - xs[i]!);
const truthOrder = order(testAll);
for (const s of [nngpSignal, paramsSignal, oursLast, ...(table12 ? [table12] : [])]) {
  const ranked = order(s.values);
  const row: Record<string, unknown> = { name: s.name };
  for (const keep of [0.5, 0.2, 0.1, 0.05]) {
    const kept = new Set(ranked.slice(0, Math.round(keep * cells.length)));
    for (const top of [0.01, 0.05]) {
      const best = truthOrder.slice(0, Math.max(1, Math.round(top * cells.length)));
      row[`keep${keep * 100}_top${top * 100}`] = best.filter((i) => kept.has(i)).length / best.length;
    }
  }
  results.reduction.push(row);
}
writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");
const pq = (r: { pqetp: Array<{ threshold: number; auc: number }> }) =>
  r.pqetp.map((p) => `${p.threshold}: ${f3(p.auc)}`).join(", ");
console.log(
  `${cells.length} ${o.space} cells; target ${target}; weights tuned on ${tunedOn}; half B = ${B.length}`,
);
console.log("| signal | GFLOP/arch | τ all | ρ all | τ B | ρ B | best of top-10 (B) | PQETP AUC (B) |");
console.log("|---|---|---|---|---|---|---|---|");
for (const s of results.singles)
  console.log(
    `| ${s.name} | ${s.gflops.toPrecision(3)} | ${f3(s.all.kendall)} | ${f3(s.all.spearman)} | ${f3(s.heldOut.kendall)} | ${f3(s.heldOut.spearman)} | ${s.heldOut.discovered_top10.toFixed(2)} | ${pq(s.heldOut)} |`,
  );
for (const c of results.combinations)
  console.log(
    `| ${c.name} | ${c.gflops.toPrecision(3)} | – | – | ${f3(c.heldOut.kendall)} | ${f3(c.heldOut.spearman)} | ${c.heldOut.discovered_top10.toFixed(2)} | ${pq(c.heldOut)} |`,
  );
console.log(
  `\nspace reduction: fraction of the true top-1 % / top-5 % (${target}) kept in the top x % by each signal`,
);
console.log("| signal | 50 % | 20 % | 10 % | 5 % |");
console.log("|---|---|---|---|---|");
for (const r of results.reduction)
  console.log(
    `| ${r.name} | ${[50, 20, 10, 5].map((k) => `${(r[`keep${k}_top1`] as number).toFixed(2)} / ${(r[`keep${k}_top5`] as number).toFixed(2)}`).join(" | ")} |`,
  );
