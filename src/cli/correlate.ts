// `nasprobe correlate`: rank statistics of a scores file against a benchmark table column.
import type { Command } from "commander";
import { correlationReport, formatCorrelationReport } from "../benchmarks/correlate.js";
import { readBenchmarkTable } from "../benchmarks/table.js";
import { valueInfo } from "../metrics/index.js";
import { mergeScoreRecords } from "../reports/scores.js";
import { readJsonl } from "../store/jsonl.js";

/** Table columns printed beside the metric as baselines, when the table has them. */
const BASELINES = ["params_c10_M", "flops_c10_M", "c10valid_valid_12"];

export function registerCorrelate(program: Command): void {
  program
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
    .action(
      (o: {
        table: string;
        scores: string;
        target: string;
        field?: string[];
        lowerIsBetter?: boolean;
        onlyArchsIn?: string;
      }) => {
        const table = readBenchmarkTable(o.table, { required: [o.target] });
        const only =
          o.onlyArchsIn && new Set(readJsonl<{ arch_str: string }>(o.onlyArchsIn).map((r) => r.arch_str));
        const records = readJsonl<Record<string, unknown>>(o.scores).filter(
          (r) => !only || only.has(r.arch_str as string),
        );
        if (records.length === 0) throw new Error(`${o.scores} holds no scores`);
        const merged = mergeScoreRecords(records, o.scores);
        const rows: number[] = [];
        const missing: string[] = [];
        const kept: Record<string, unknown>[] = [];
        for (const [arch, r] of merged) {
          const row = table.indexOf(arch);
          if (row === undefined) missing.push(arch);
          else {
            rows.push(row);
            kept.push(r);
          }
        }
        const fields =
          o.field ??
          [...new Set(kept.flatMap((r) => Object.keys(r)))].filter((k) => valueInfo(k) !== undefined);
        if (fields.length === 0)
          throw new Error(`${o.scores}: no metric values found; name them with --field`);
        const truth = table.column(o.target);
        const target = Float64Array.from(rows, (i) => truth[i]!);
        const out: string[] = [`${rows.length} architectures, target ${o.target}`];
        for (const field of fields) {
          const higherIsBetter = o.lowerIsBetter ? false : (valueInfo(field)?.higherIsBetter ?? true);
          const score = Float64Array.from(kept, (r) => {
            const v = r[field];
            if (typeof v !== "number" && v !== null)
              throw new Error(`${o.scores}: field "${field}" is missing or not a number`);
            return v ?? Number.NaN;
          });
          out.push(
            "",
            `== ${field} (${higherIsBetter ? "higher" : "lower"} is better)`,
            formatCorrelationReport(correlationReport(score, target, { higherIsBetter })),
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
        process.stdout.write(`${out.join("\n")}\n`);
      },
    );
}
