// Prints the markdown table of docs/zero-cost-nb201.md: Spearman ρ and Kendall τ-b of every
// training-free value in docs/results/zc-*.jsonl (written by docs/results/run-zero-cost.sh) against
// NAS-Bench-201 CIFAR-10 accuracy, in the metric's raw sign, beside #params on the same cells and
// the published value.
import { readdirSync } from "node:fs";
import { correlationReport } from "../src/benchmarks/correlate.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { valueInfo } from "../src/metrics/index.js";
import { readJsonl } from "../src/store/jsonl.js";
import { sharedDataPath } from "../src/util/sharedData.js";

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);
const f3 = (x: number) => (Number.isNaN(x) ? "n/a" : x.toFixed(3));

/** Published NB201 CIFAR-10 figures (zero-cost-nas Table; NASWOT; Zen-NAS; TE-NAS), as given in the issue. */
const PUBLISHED: Record<string, string> = {
  synflow: "ρ .737",
  jacob_cov: "ρ .731",
  snip: "ρ .596",
  grad_norm: "ρ .594",
  grasp: "ρ .514",
  fisher: "ρ .360",
  zen: "ρ .38",
  naswot: "τ .574",
  ntk_cond: "τ −.42",
  params: "ρ .753",
  epsinas: "ρ .87",
  meco: "ρ .894",
  zico: "ρ .81",
};

const r0 = (name: string) => (name === "score" || name === "held_out_score" ? `nngp ${name}` : name);

function correlations(archs: string[], values: number[], target: string) {
  const truth = table.column(target);
  const t = archs.map((a) => truth[table.indexOf(a)!]!);
  // Raw sign: a lower-is-better metric shows a negative correlation when it works.
  return correlationReport(values, t, { higherIsBetter: true });
}

/** The metric that produced a value (ntk_cond → ntk, swap_reg → swap). */
const metricOf = (value: string) =>
  value.startsWith("ntk") ? "ntk" : value.startsWith("swap") ? "swap" : value;

// NNGP at reference settings (docs/nngp-nb201.md) for comparison, then every zero-cost file.
const files = [
  "nb201-nngp-default-500.jsonl",
  ...readdirSync("docs/results")
    .filter((f) => f.startsWith("zc-") && f.endsWith(".jsonl"))
    .sort(),
];
const rows: string[] = [];
for (const file of files) {
  const records = readJsonl<Record<string, unknown>>(`docs/results/${file}`).filter(
    (r) => r.metric === "zero-cost" || r.metric === "nngp",
  );
  const archs = records.map((r) => r.arch_str as string);
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))].filter(
    (k) => valueInfo(k) !== undefined,
  );
  const params = table.column("params_c10_M");
  const paramsRho = correlations(
    archs,
    archs.map((a) => params[table.indexOf(a)!]!),
    "c10_test_200",
  ).spearman;
  for (const name of names) {
    const values = records.map((r) => (typeof r[name] === "number" ? (r[name] as number) : Number.NaN));
    const test = correlations(archs, values, "c10_test_200");
    const valid = correlations(archs, values, "c10valid_valid_200");
    const seconds = records.map((r) =>
      r.metric === "nngp"
        ? (r.seconds as { total: number }).total
        : ((r.seconds as Record<string, number>)[metricOf(name)] ?? Number.NaN),
    );
    const mean = seconds.reduce((s, v) => s + v, 0) / seconds.length;
    const info = valueInfo(name)!;
    const label = r0(name);
    rows.push(
      `| ${label} | ${info.higherIsBetter ? "higher" : "lower"} | ${test.n} | ${f3(test.spearman)} | ${f3(test.kendall)} | ${f3(valid.spearman)} | ${f3(valid.kendall)} | ${f3(paramsRho)} | ${PUBLISHED[name] ?? ""} | ${Number.isNaN(mean) ? "" : mean.toFixed(2)} | ${file} |`,
    );
  }
}
process.stdout.write(
  [
    "| value | better | cells | ρ test | τ test | ρ valid | τ valid | #params ρ (same cells) | published | s/arch | file |",
    "|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n") + "\n",
);
