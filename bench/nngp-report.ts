// Prints the markdown tables of docs/nngp-nb201.md from the result files in docs/results/
// (written by docs/results/run-experiments.sh) and the NB201 table in ../shared/data.
import { existsSync } from "node:fs";
import { correlationReport } from "../src/benchmarks/correlate.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { readJsonl } from "../src/store/jsonl.js";
import { sharedDataPath } from "../src/util/sharedData.js";

interface ScoreRecord {
  arch_str: string;
  score: number;
  held_out_score: number | null;
  seconds: { total: number };
}

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);
const TARGETS = ["c10_test_200", "c10valid_valid_200"];
const f3 = (x: number) => (Number.isNaN(x) ? "n/a" : x.toFixed(3));

function load(name: string): ScoreRecord[] {
  const path = `docs/results/${name}`;
  return existsSync(path) ? readJsonl<ScoreRecord>(path) : [];
}

function rowFor(label: string, archs: string[], values: number[], extra = ""): string {
  const cells = TARGETS.flatMap((target) => {
    const truth = table.column(target);
    const t = archs.map((a) => truth[table.indexOf(a)!]!);
    const r = correlationReport(values, t);
    return [f3(r.spearman), f3(r.kendall)];
  });
  return `| ${label} | ${archs.length} | ${cells.join(" | ")} | ${extra} |`;
}

function baselineRows(archs: string[]): string[] {
  return ["params_c10_M", "flops_c10_M", "c10valid_valid_12"].map((column) => {
    const v = table.column(column);
    return rowFor(
      `baseline: ${column}`,
      archs,
      archs.map((a) => v[table.indexOf(a)!]!),
    );
  });
}

function metricRows(label: string, records: ScoreRecord[]): string[] {
  if (records.length === 0) return [];
  const archs = records.map((r) => r.arch_str);
  const seconds = records.reduce((s, r) => s + r.seconds.total, 0) / records.length;
  const cost = `${seconds.toFixed(2)} s/arch`;
  return [
    rowFor(
      `${label}, ε tuned on val (reference)`,
      archs,
      records.map((r) => r.score),
      cost,
    ),
    rowFor(
      `${label}, ε held out`,
      archs,
      records.map((r) => r.held_out_score ?? Number.NaN),
      cost,
    ),
  ];
}

const header = [
  `| score | n | ρ ${TARGETS[0]} | τ ${TARGETS[0]} | ρ ${TARGETS[1]} | τ ${TARGETS[1]} | cost |`,
  "| --- | --- | --- | --- | --- | --- | --- |",
];

const main = load("nb201-nngp-default-500.jsonl");
const fast = load("nb201-nngp-fast-500.jsonl");
const out: string[] = ["### Main result", "", ...header];
out.push(...metricRows("NNGP default", main), ...metricRows("NNGP --preset fast", fast));
out.push(...baselineRows(main.map((r) => r.arch_str)));

const first100 = new Set(main.slice(0, 100).map((r) => r.arch_str));
const ablations: Array<[string, string]> = [
  ["n_train 250", "nb201-nngp-ntrain250-100.jsonl"],
  ["ensemble 1", "nb201-nngp-ensemble1-100.jsonl"],
  ["BN train mode", "nb201-nngp-bntrain-100.jsonl"],
];
out.push("", "### Ablation (first 100 architectures of the same sample)", "", ...header);
out.push(
  ...metricRows(
    "default (n_train 1000, ensemble 4, reference BN)",
    main.filter((r) => first100.has(r.arch_str)),
  ),
);
for (const [label, file] of ablations)
  out.push(
    ...metricRows(
      label,
      load(file).filter((r) => first100.has(r.arch_str)),
    ),
  );
out.push(...baselineRows([...first100]));

const discovered = (records: ScoreRecord[]) => {
  const archs = records.map((r) => r.arch_str);
  const truth = table.column("c10_test_200");
  return correlationReport(
    records.map((r) => r.score),
    archs.map((a) => truth[table.indexOf(a)!]!),
  );
};
if (main.length > 0) {
  const r = discovered(main);
  out.push(
    "",
    "### Selection quality (default, c10_test_200)",
    "",
    `- best accuracy among the top-10 by NNGP score: ${r.discovered.best.toFixed(2)} % (best in the sample: ${r.discovered.optimum.toFixed(2)} %)`,
    `- top-10 % precision: ${r.topK.map((t) => `top-${t.fraction * 100}% ${f3(t.precision)}`).join(", ")}`,
    `- PQETP (ROC-AUC of acc > p vs score): ${r.pqetp.map((p) => `${p.threshold}: ${f3(p.auc)}`).join(", ")}`,
  );
}
process.stdout.write(`${out.join("\n")}\n`);
