// Zero-cost proxies beside #params and FLOPs on the new benchmark spaces: NASWOT, synflow and
// #params (each as nasprobe computes it, CIFAR-10 subset, seed 0) against trained accuracy on
//   nb101:   the 263 NASLib cells of ../shared/data/nb101/nb101_naslib_dev.json (val_accuracy_108)
//   nbmacro: a seeded sample of the 3,264 cells of ../shared/data/nbmacro/nbmacro_acc_dev.csv (mean_acc)
// Scores go to docs/results/<space>-zc.jsonl one line per cell, so a killed run resumes; the
// Spearman ρ / Kendall τ-b table is printed (and written to docs/results/<space>-zc-summary.json).
//   node --import tsx bench/space-correlations.ts --space nb101|nbmacro [--count 500] [--threads 2]
import { existsSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { kendallTauB, spearman } from "../src/benchmarks/rankStats.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { metricScorer } from "../src/metrics/scorer.js";
import { architectureFacts } from "../src/spaces/facts.js";
import { getSpace } from "../src/spaces/index.js";
import { JsonlWriter, readJsonl } from "../src/store/jsonl.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { transferCells } from "./transferCells.js";

const { values: args } = parseArgs({
  options: {
    space: { type: "string", default: "nb101" },
    count: { type: "string", default: "500" },
    threads: { type: "string", default: "2" },
  },
});
const spaceName = args.space!;
const space = getSpace(spaceName);
const cifar = sharedDataPath("cifar10-subset");
if (!cifar) throw new Error("needs ../shared/data/cifar10-subset");

/** Cells with their ground truth, in a fixed order. */
function cells(): Array<{ arch: string; truth: number; params: number; flops: number }> {
  if (spaceName === "nb101")
    // Each cell in the canonical (dataset) vertex order, the network NB101 trained for its hash.
    return transferCells("nb101").map((c) => {
      const facts = architectureFacts(space, space.parse(c.arch));
      return {
        arch: c.arch,
        truth: c.truth.val_accuracy_108!,
        params: facts.params as number,
        flops: facts.flops as number,
      };
    });
  const table = readBenchmarkTable(sharedDataPath("nbmacro/nbmacro_acc_dev.csv")!, { keyColumn: "arch" });
  const acc = table.column("mean_acc");
  const order = new Rng(0, "nbmacro-correlation-sample").permutation(table.size).slice(0, Number(args.count));
  return order.map((i) => {
    const arch = space.parse(table.archStrs[i]!);
    const facts = architectureFacts(space, arch);
    return {
      arch: space.format(arch),
      truth: acc[i]!,
      params: facts.params as number,
      flops: facts.flops as number,
    };
  });
}

const list = cells();
const out = `docs/results/${spaceName}-zc.jsonl`;
const done = new Map<string, Record<string, number | null>>();
if (existsSync(out))
  for (const r of readJsonl<{ arch: string } & Record<string, number | null>>(out)) done.set(r.arch, r);
const scorer = metricScorer({
  space,
  data: `cifar10:${cifar}`,
  dataSeed: 0,
  seed: 0,
  runtime: { threads: Number(args.threads) },
  metrics: ["naswot", "synflow"],
});
const writer = new JsonlWriter(out);
const start = performance.now();
let scored = 0;
for (const c of list) {
  if (done.has(c.arch)) continue;
  const r = await scorer.score(c.arch);
  const record = {
    arch: c.arch,
    naswot: r.values.naswot ?? null,
    synflow: r.values.synflow ?? null,
    seconds: r.seconds,
  };
  writer.append(record);
  done.set(c.arch, record as never);
  scored++;
  if (scored % 10 === 0)
    process.stderr.write(
      `${done.size}/${list.length} scored, ${((performance.now() - start) / 1000 / scored).toFixed(2)} s per cell\n`,
    );
}
writer.close();

const truth = list.map((c) => c.truth);
const column = (f: (c: (typeof list)[number]) => number | null | undefined) =>
  Float64Array.from(list, (c) => {
    const v = f(c);
    return v === null || v === undefined ? Number.NaN : v;
  });
const rows = {
  naswot: column((c) => done.get(c.arch)?.naswot as number | null),
  synflow: column((c) => done.get(c.arch)?.synflow as number | null),
  params: column((c) => c.params),
  flops: column((c) => c.flops),
};
const summary: Record<string, { spearman: number; kendall: number; finite: number }> = {};
console.log(
  `${spaceName}: ${list.length} cells, against ${spaceName === "nb101" ? "val_accuracy_108" : "mean_acc"} (higher score = better)`,
);
for (const [name, xs] of Object.entries(rows)) {
  const t = Float64Array.from(truth);
  summary[name] = {
    spearman: spearman(xs, t),
    kendall: kendallTauB(xs, t),
    finite: xs.filter(Number.isFinite).length,
  };
  console.log(
    `  ${name.padEnd(8)} ρ ${summary[name]!.spearman.toFixed(3)}  τ ${summary[name]!.kendall.toFixed(3)}  (${summary[name]!.finite} finite)`,
  );
}
writeFileSync(
  `docs/results/${spaceName}-zc-summary.json`,
  `${JSON.stringify({ cells: list.length, ...summary }, null, 2)}\n`,
);
