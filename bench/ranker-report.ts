// The ranker and the few-label predictor under issue #13's protocol, on whole spaces:
//   NB201, all 15,625 cells (docs/results/zc-ranker-15625.jsonl, `nasprobe score --metric ranker
//   --all`): the ranker was chosen on the first 200 cells of the seed-0 sample by CIFAR-10
//   validation accuracy (bench/aggregate-protocol.ts, docs/zero-cost-nb201.md); reported here on
//   every other cell against c10_test_200, then unchanged against the CIFAR-100 and ImageNet16-120
//   columns; NB101 (263 cells, val_accuracy_108) and NB-Macro (3,264 cells, mean_acc) from
//   bench/transfer-sweep.ts. NASWOT beside them where docs/results/zc-naswot-15625.jsonl holds it.
//   Few labels: N = 10, 20, 50, 100 labelled cells drawn by seeds 0–9 from the held-out cells, the
//   predictor (src/predict/fewLabel.ts) fitted on a cheap label (NB201 c10valid_valid_200, NB-Macro
//   one training seed test_acc_seed0, NB101 val_accuracy_108), rated on the remaining cells against
//   the label column and the evaluation column.
//   node --import tsx bench/ranker-report.ts > docs/results/ranker-report.md
import { existsSync } from "node:fs";
import { chooseArchitectures } from "../src/app/score.js";
import { aggregateScores } from "../src/benchmarks/aggregate.js";
import { type CorrelationReport, correlationReport } from "../src/benchmarks/correlate.js";
import { kendallTauB, spearman } from "../src/benchmarks/rankStats.js";
import { readBenchmarkTable } from "../src/benchmarks/table.js";
import { predictFewLabel } from "../src/predict/fewLabel.js";
import { nb201 } from "../src/spaces/nb201.js";
import { readJsonl } from "../src/store/jsonl.js";
import { Rng } from "../src/util/random.js";
import { sharedDataPath } from "../src/util/sharedData.js";
import { transferCells } from "./transferCells.js";

const log = (line = "") => process.stdout.write(`${line}\n`);
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "n/a");

interface SpaceData {
  readonly name: string;
  readonly archs: readonly string[];
  /** Values by name, per architecture (NaN where absent). */
  readonly values: ReadonlyMap<string, Float64Array>;
  readonly truth: ReadonlyMap<string, Float64Array>;
}

function load(
  files: readonly string[],
  archs: readonly string[],
  truth: ReadonlyMap<string, Float64Array>,
  name: string,
  names: readonly string[] = ["ranker", "meco", "meco_opt", "linear_regions", "params", "flops"],
  /** Values whose null (the metric ran, no finite value) ranks below every finite one, not NaN. */
  nullRanksLowest: readonly string[] = [],
): SpaceData {
  const byArch = new Map<string, Record<string, unknown>>();
  // Records of several files merged per architecture; the first file's value of a name wins.
  for (const file of files)
    for (const r of readJsonl<Record<string, unknown>>(file))
      byArch.set(r.arch_str as string, { ...r, ...byArch.get(r.arch_str as string) });
  const values = new Map(
    names
      .filter((n) => [...byArch.values()].some((r) => typeof r[n] === "number"))
      .map((n) => [
        n,
        Float64Array.from(archs, (a) => {
          const v = byArch.get(a)?.[n];
          if (typeof v === "number") return v;
          return v === null && nullRanksLowest.includes(n) ? -Number.MAX_VALUE : Number.NaN;
        }),
      ]),
  );
  return { name, archs, values, truth };
}

function rowOf(label: string, r: CorrelationReport): string {
  const top10 = r.topK.find((k) => k.fraction === 0.1)!;
  const top1 = r.topK.find((k) => k.fraction === 0.01)!;
  return `| ${label} | ${r.n} | ${f3(r.spearman)} | ${f3(r.kendall)} | ${f3(top10.precision)} | ${f3(top1.precision)} | ${r.discovered.best.toFixed(2)} (${r.discovered.optimum.toFixed(2)}) |`;
}

function zeroLabel(d: SpaceData, cells: readonly number[], columns: readonly string[]): void {
  const pick = (x: Float64Array) => Float64Array.from(cells, (i) => x[i]!);
  for (const column of columns) {
    log(`\n${d.name}, ${cells.length} cells, against ${column}\n`);
    log("| ranker | cells | ρ | τ-b | top-10% precision | top-1% precision | best in top 10 (optimum) |");
    log("|---|---|---|---|---|---|---|");
    const t = pick(d.truth.get(column)!);
    for (const [name, v] of d.values)
      log(rowOf(name === "ranker" ? "**ranker**" : name, correlationReport(pick(v), t)));
    const parts = ["meco", "meco_opt", "linear_regions"].filter((n) => d.values.has(n));
    const lr = aggregateScores(
      "logrank",
      parts.map((n) => pick(d.values.get(n)!)),
      parts.map(() => true),
    );
    log(rowOf(`logrank(${parts.join(", ")})`, correlationReport(lr, t)));
  }
}

function fewLabel(d: SpaceData, pool: readonly number[], label: string, evaluate: string): void {
  // Chosen on the NB201 cells (docs/zero-cost-nb201.md): params as a feature hurt at every N.
  const features = ["ranker", "meco", "meco_opt", "linear_regions"].filter((n) => d.values.has(n));
  log(
    `\n${d.name}: few labels by ${label}, rated on the rest against ${label} and ${evaluate}; features ${features.join(", ")}, prior mean: the ranker's normal score; mean (sd) over seeds 0–9\n`,
  );
  log(
    `| labels | cells rated | τ-b vs ${label} | ρ vs ${label} | τ-b vs ${evaluate} | ρ vs ${evaluate} | zero-label ranker τ-b vs ${evaluate} (same cells) |`,
  );
  log("|---|---|---|---|---|---|---|");
  const lab = d.truth.get(label)!;
  const ev = d.truth.get(evaluate)!;
  const ranker = d.values.get("ranker")!;
  const columns = new Map(features.map((n) => [n, Float64Array.from(pool, (i) => d.values.get(n)![i]!)]));
  for (const count of [10, 20, 50, 100]) {
    const stats: number[][] = [[], [], [], [], []];
    for (let seed = 0; seed < 10; seed++) {
      const order = new Rng(seed, "few-label-protocol").permutation(pool.length);
      const labelled = order.slice(0, count).sort((a, b) => a - b);
      const rest = order.slice(count);
      const fit = predictFewLabel(
        columns,
        labelled,
        labelled.map((i) => lab[pool[i]!]!),
      );
      const p = Float64Array.from(rest, (i) => fit.mean[i]!);
      const l = Float64Array.from(rest, (i) => lab[pool[i]!]!);
      const e = Float64Array.from(rest, (i) => ev[pool[i]!]!);
      const z = Float64Array.from(rest, (i) => ranker[pool[i]!]!);
      stats[0]!.push(kendallTauB(p, l));
      stats[1]!.push(spearman(p, l));
      stats[2]!.push(kendallTauB(p, e));
      stats[3]!.push(spearman(p, e));
      stats[4]!.push(correlationReport(z, e).kendall);
    }
    const ms = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
      return `${m.toFixed(3)} (${sd.toFixed(3)})`;
    };
    log(`| ${count} | ${pool.length - count} | ${stats.map(ms).join(" | ")} |`);
  }
}

const tablePath = sharedDataPath("nb201/nb201.csv");
if (!tablePath) throw new Error("needs ../shared/data/nb201/nb201.csv");
const table = readBenchmarkTable(tablePath);
const all = [...nb201.enumerate!()].map((a) => nb201.format(a));
const nbTruth = new Map(
  ["c10_test_200", "c10valid_valid_200", "c100_test_200", "in16_test_200"].map((c) => {
    const col = table.column(c);
    return [c, Float64Array.from(all, (a) => col[table.indexOf(a)!]!)] as const;
  }),
);
const d201 = load(
  [
    "docs/results/zc-ranker-15625.jsonl",
    "docs/results/zc-all-15625.jsonl",
    "docs/results/zc-naswot-15625.jsonl",
  ].filter(existsSync),
  all,
  nbTruth,
  "NB201",
  ["ranker", "meco", "meco_opt", "linear_regions", "naswot", "params", "flops"],
  // A singular K_H is NASWOT −∞ in the reference (slogdet), stored as null.
  ["naswot"],
);
const tune = new Set(chooseArchitectures(nb201, { sample: 200 }, 0).archStrs);
const meco = d201.values.get("meco")!;
// Held out: every cell but the tuning ones, where the sweep has reached it.
const scored = all.flatMap((a, i) => (tune.has(a) || Number.isNaN(meco[i]!) ? [] : [i]));
log("# The zero-label ranker and the few-label predictor on whole spaces");
log(
  `\nNB201: ${scored.length} held-out cells scored (all but the 200 tuning cells); \`ranker\` = log meco + log meco_opt + log linear_regions`,
);
zeroLabel(d201, scored, ["c10_test_200", "c100_test_200", "in16_test_200"]);
fewLabel(d201, scored, "c10valid_valid_200", "c10_test_200");

// Beside AZ-NAS (its four proxies' logrank, the paper's aggregate) on the cells it was scored on:
// the first 200 of the seed-0 sample — the ranker's tuning cells, so this favours the ranker.
{
  const proxies = ["aznas_expressivity", "aznas_progressivity", "aznas_trainability", "aznas_complexity"];
  const az = load(["docs/results/zc-aznas-200.jsonl"], all, nbTruth, "NB201", proxies);
  const both = all.flatMap((_, i) =>
    Number.isNaN(az.values.get("aznas_expressivity")?.[i] ?? Number.NaN) || Number.isNaN(meco[i]!) ? [] : [i],
  );
  if (both.length > 0) {
    const pick = (x: Float64Array) => Float64Array.from(both, (i) => x[i]!);
    const t = pick(nbTruth.get("c10_test_200")!);
    const azScore = aggregateScores(
      "logrank",
      proxies.map((p) => pick(az.values.get(p)!)),
      proxies.map(() => true),
    );
    log(
      `\nNB201, the ${both.length} cells AZ-NAS was scored on (the ranker's tuning cells), against c10_test_200\n`,
    );
    log("| ranker | cells | ρ | τ-b | top-10% precision | top-1% precision | best in top 10 (optimum) |");
    log("|---|---|---|---|---|---|---|");
    log(rowOf("**ranker**", correlationReport(pick(d201.values.get("ranker")!), t)));
    log(rowOf("AZ-NAS logrank(4 proxies)", correlationReport(azScore, t)));
  }
}

for (const name of ["nb101", "nbmacro"]) {
  const file = `docs/results/${name}-ranker.jsonl`;
  if (!existsSync(file)) continue;
  const cells = transferCells(name);
  const columns = Object.keys(cells[0]!.truth);
  const truth = new Map(columns.map((c) => [c, Float64Array.from(cells, (x) => x.truth[c]!)]));
  const d = load(
    [file],
    cells.map((c) => c.arch),
    truth,
    name === "nb101" ? "NB101" : "NB-Macro",
  );
  const done = cells.flatMap((_, i) => (Number.isNaN(d.values.get("meco")?.[i] ?? Number.NaN) ? [] : [i]));
  log(
    `\n${d.name}: ${done.length} of ${cells.length} cells scored; no thin network, so \`ranker\` = log meco + log meco_opt`,
  );
  zeroLabel(d, done, [columns[0]!]);
  fewLabel(d, done, name === "nb101" ? "val_accuracy_108" : "test_acc_seed0", columns[0]!);
}
