// `nasprobe correlate`: rank statistics of a scores file against a benchmark table column.
import type { Command } from "commander";
import { AGGREGATION_NAMES, aggregateScores, getAggregation } from "../benchmarks/aggregate.js";
import { correlationReport, formatCorrelationReport } from "../benchmarks/correlate.js";
import { readBenchmarkTable } from "../benchmarks/table.js";
import { valueInfo } from "../metrics/index.js";
import { readScoreSet, SCORES_FILE } from "../reports/scores.js";
import { readJsonlContents } from "../store/jsonl.js";
import { DeferredNotes, inputFile, nonNegativeInt, refuseRepeatedOptions } from "./options.js";

/** Table columns printed beside the metric as baselines, when the table has them. */
const BASELINES = ["params_c10_M", "flops_c10_M", "c10valid_valid_12"];

interface CorrelateOptions {
  table: string;
  scores: string;
  target: string;
  field?: string[];
  lowerIsBetter?: boolean;
  onlyArchsIn?: string;
  seed?: number;
  aggregate?: string;
}

export function registerCorrelate(program: Command): void {
  const command = program
    .command("correlate")
    .description("Spearman, Kendall tau-b, Pearson, top-k, PQETP of scores against a benchmark column")
    .requiredOption("--table <file.csv>", "benchmark table with arch_str and numeric columns")
    .requiredOption("--scores <file.jsonl>", "scores written by `nasprobe score`")
    .requiredOption("--target <column>", "ground-truth column, e.g. c10_test_200")
    .option("--field <name...>", "value(s) to rank; default every metric value found in the file")
    .option(
      "--lower-is-better",
      "rank every field with lower as better (default: each metric's own convention)",
    )
    .option("--only-archs-in <file.jsonl>", "restrict to architectures scored in another file (ablations)")
    .option(
      "--seed <n>",
      "use only the records of this seed (a file holding several seeds of one architecture needs it)",
      nonNegativeInt("--seed"),
    )
    .option(
      "--aggregate <name>",
      `also rank the fields' zero-label rank aggregate over these architectures: ${AGGREGATION_NAMES.join(" | ")}`,
    )
    .action((o: CorrelateOptions) => {
      const notes = new DeferredNotes();
      const report = correlate(o, notes);
      notes.flush();
      process.stdout.write(`${report}\n`);
    });
  refuseRepeatedOptions(command);
}

/** The report `nasprobe correlate` prints; notes and warnings go to `notes` (stderr after success). */
export function correlate(o: CorrelateOptions, notes = new DeferredNotes()): string {
  if (o.target.trim() === "") throw new Error("--target is empty");
  for (const f of o.field ?? []) {
    if (f.trim() === "") throw new Error("--field: an empty name");
    if (["arch_str", "seed", "settings", "metric", "space", "version", "seconds", "reasons"].includes(f))
      throw new Error(`--field ${f}: not a score value`);
  }
  if (o.field && new Set(o.field).size !== o.field.length)
    throw new Error(`--field repeats a name: ${o.field.join(" ")}`);
  if (o.aggregate !== undefined) getAggregation(o.aggregate);
  inputFile(o.table, "benchmark table");
  inputFile(o.scores, "scores file");
  if (o.onlyArchsIn !== undefined) inputFile(o.onlyArchsIn, "--only-archs-in file");
  const table = readBenchmarkTable(o.table, { required: [o.target] });
  const note = notes.note;
  let only: Set<string> | undefined;
  if (o.onlyArchsIn !== undefined) {
    const file = o.onlyArchsIn;
    const subset = readJsonlContents<{ arch_str: string }>(file, {
      ...SCORES_FILE,
      onTorn: (line) => note(`${file}: line ${line} is torn (an interrupted write?); left out`),
    }).records;
    if (subset.length === 0) throw new Error(`--only-archs-in ${file} holds no architectures`);
    only = new Set(subset.map((r) => r.arch_str));
  }
  const set = readScoreSet(o.scores, {
    ...(only ? { only, onlyFrom: `--only-archs-in ${o.onlyArchsIn}` } : {}),
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    note,
    warn: notes.warning,
  });
  if (set.otherSeeds > 0)
    note(`${o.scores}: ${set.otherSeeds} records of seeds other than ${o.seed} left out`);
  const rows: number[] = [];
  const missing: string[] = [];
  const kept: Array<[string, Record<string, unknown>]> = [];
  for (const [arch, r] of set.merged) {
    const row = table.indexOf(arch);
    if (row === undefined) missing.push(arch);
    else {
      rows.push(row);
      kept.push([arch, r]);
    }
  }
  if (missing.length > 0)
    note(
      `${missing.length} architecture${missing.length === 1 ? "" : "s"} of ${o.scores} ${
        missing.length === 1 ? "is" : "are"
      } not in the table ${o.table}; ignored (e.g. ${missing[0]})`,
    );
  if (kept.length === 0)
    throw new Error(`none of the ${set.merged.size} architectures of ${o.scores} is in the table ${o.table}`);
  const fields =
    o.field ??
    [...new Set(kept.flatMap(([, r]) => Object.keys(r)))].filter((k) => valueInfo(k) !== undefined);
  if (fields.length === 0) throw new Error(`${o.scores}: no metric values found; name them with --field`);
  const truth = table.column(o.target);
  const target = Float64Array.from(rows, (i) => truth[i]!);
  const out: string[] = [`${rows.length} architectures, target ${o.target}`];
  const columns: Float64Array[] = [];
  const directions: boolean[] = [];
  for (const field of fields) {
    const higherIsBetter = o.lowerIsBetter ? false : (valueInfo(field)?.higherIsBetter ?? true);
    if (!kept.some(([, r]) => field in r))
      throw new Error(`${o.scores}: no "${field}" values for architectures in the table`);
    let absent = 0;
    const score = Float64Array.from(kept, ([arch, r]) => {
      const v = r[field];
      if (v === undefined) {
        absent++;
        return Number.NaN;
      }
      if (typeof v !== "number" && v !== null)
        throw new Error(
          `${o.scores}: line ${set.line(arch, field)}: "${field}" is not a number: ${JSON.stringify(v).slice(0, 60)}`,
        );
      return v ?? Number.NaN;
    });
    if (absent > 0) note(`${o.scores}: ${absent} of ${kept.length} architectures have no "${field}"`);
    columns.push(score);
    directions.push(higherIsBetter);
    out.push(
      "",
      `== ${field} (${higherIsBetter ? "higher" : "lower"} is better)`,
      formatCorrelationReport(correlationReport(score, target, { higherIsBetter })),
    );
  }
  if (o.aggregate !== undefined) {
    if (fields.length < 2)
      throw new Error(`--aggregate ${o.aggregate} needs at least two fields, got ${fields.join(", ")}`);
    // Ranked over exactly the architectures reported, as a user without labels would rank them.
    const score = aggregateScores(o.aggregate, columns, directions);
    out.push(
      "",
      `== aggregate: ${o.aggregate}(${fields.join(", ")}) (higher is better; ${getAggregation(o.aggregate).description})`,
      formatCorrelationReport(correlationReport(score, target)),
    );
  }
  for (const column of BASELINES.filter((c) => table.has(c) && c !== o.target)) {
    const values = table.column(column);
    const score = Float64Array.from(rows, (i) => values[i]!);
    out.push(
      "",
      `== baseline: ${column} (same architectures)`,
      formatCorrelationReport(correlationReport(score, target)),
    );
  }
  return out.join("\n");
}
