// The zero-label aggregation protocol on NAS-Bench-201 (issue #13): which values to combine is
// chosen on a tuning split of architectures by CIFAR-10 *validation* accuracy, then the choice is
// reported unchanged on the held-out architectures against CIFAR-10 *test* accuracy (Spearman ρ,
// Kendall τ-b, top-k precision, best test accuracy among the aggregate's top 10), beside each value
// alone and AZ-NAS's fixed set where it was scored.
//   node --import tsx bench/aggregate-protocol.ts [--tune 200] [--method logrank|product] [--max-size 5]
//     [--pool a,b,c]
// `product` ranks by Σ log(value) (the product of the values; positive higher-is-better values
// only), which needs no population: the `ranker` metric (src/metrics/ranker.ts) is the product
// chosen by `--method product --max-size 4 --pool meco,meco_opt,linear_regions,params,naswot,zen,synflow`,
// the forward-only values a whole-space sweep can afford.
// Cells: the seeded sample of docs/zero-cost-nb201.md (`--sample N --seed 0`), first --tune of it
// to tune on, the rest held out. Values: every zc-*.jsonl under docs/results with values for all of
// those cells (a value scored on fewer cells is left out of the search and said so).
import { readdirSync } from "node:fs";
import { chooseArchitectures } from "../src/app/score.js";
import { aggregateScores } from "../src/benchmarks/aggregate.js";
import { correlationReport } from "../src/benchmarks/correlate.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { valueInfo } from "../src/metrics/index.js";
import { nb201 } from "../src/spaces/nb201.js";
import { readJsonl } from "../src/store/jsonl.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const tuneCount = Number(arg("--tune", "200"));
const method = arg("--method", "logrank");
const maxSize = Number(arg("--max-size", "5"));
const poolArg = arg("--pool", "");
const log = (line = "") => process.stdout.write(`${line}\n`);

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);

const values = new Map<string, Map<string, number>>(); // value → arch → number
for (const file of readdirSync("docs/results").filter((f) => /^zc-.*\.jsonl$/.test(f))) {
  const records = readJsonl<Record<string, unknown>>(`docs/results/${file}`);
  for (const r of records) {
    if (r.seed !== 0) continue;
    for (const [k, v] of Object.entries(r)) {
      // null: the metric ran and found no finite value (NaN ranks lowest in the aggregate).
      if (!valueInfo(k) || (typeof v !== "number" && v !== null)) continue;
      const m = values.get(k) ?? new Map<string, number>();
      if (!m.has(r.arch_str as string)) m.set(r.arch_str as string, v ?? Number.NaN);
      values.set(k, m);
    }
  }
}

function evaluate(cells: string[], names: string[], target: string) {
  const truth = table.column(target);
  const t = cells.map((a) => truth[table.indexOf(a)!]!);
  const columns = names.map((n) => Float64Array.from(cells, (a) => values.get(n)?.get(a) ?? Number.NaN));
  // A single value is ranked as a one-value rank aggregate, so NaN ranks lowest as in the aggregates.
  const score =
    method === "product" && names.length > 1
      ? Float64Array.from(cells, (_, i) => columns.reduce((sum, c) => sum + Math.log(c[i]!), 0))
      : aggregateScores(
          names.length === 1 ? "logrank" : method,
          columns,
          names.map((n) => valueInfo(n)!.higherIsBetter),
        );
  return correlationReport(score, t);
}

for (const cellCount of [1000]) {
  // The sample `nasprobe score --sample N --seed 0` scores: a smaller sample is a prefix of a larger.
  const cells = chooseArchitectures(nb201, { sample: cellCount }, 0).archStrs;
  const tune = cells.slice(0, tuneCount);
  const held = cells.slice(tuneCount);
  const complete = [...values.keys()].filter((n) => cells.every((a) => values.get(n)!.has(a))).sort();
  const partial = [...values.keys()].filter((n) => !complete.includes(n)).sort();
  log(
    `NB201: ${cells.length} cells of the seed-0 sample; tune on the first ${tune.length} by c10valid_valid_200, report on the other ${held.length} by c10_test_200; aggregation ${method}`,
  );
  log(`values scored on all of them: ${complete.join(", ")}`);
  log(`left out (scored on fewer cells): ${partial.join(", ")}`);
  // Every subset of 2 … maxSize distinct values (flops duplicates params in NB201: drop it).
  const pool = poolArg
    ? poolArg.split(",").filter((n) => complete.includes(n))
    : complete.filter((n) => n !== "flops");
  let best: { names: string[]; rho: number } = { names: [], rho: -2 };
  const subsets = (start: number, chosen: string[]) => {
    if (chosen.length >= 2) {
      const rho = evaluate(tune, chosen, "c10valid_valid_200").spearman;
      if (rho > best.rho) best = { names: [...chosen], rho };
    }
    if (chosen.length === maxSize) return;
    for (let i = start; i < pool.length; i++) subsets(i + 1, [...chosen, pool[i]!]);
  };
  subsets(0, []);
  log(`chosen on the tuning split: ${method}(${best.names.join(", ")}), validation ρ ${best.rho.toFixed(3)}`);
  log("");
  log(
    "| ranker | held-out cells | ρ test | τ test | top-10% precision | best test acc in top 10 (optimum) |",
  );
  log("|---|---|---|---|---|---|");
  const row = (label: string, names: string[]) => {
    const r = evaluate(held, names, "c10_test_200");
    const top10 = r.topK.find((k) => k.fraction === 0.1)!;
    log(
      `| ${label} | ${r.n} | ${r.spearman.toFixed(3)} | ${r.kendall.toFixed(3)} | ${top10.precision.toFixed(3)} | ${r.discovered.best.toFixed(2)} (${r.discovered.optimum.toFixed(2)}) |`,
    );
  };
  row(`**${method}(${best.names.join(", ")})**`, best.names);
  for (const n of pool) row(n, [n]);
}
