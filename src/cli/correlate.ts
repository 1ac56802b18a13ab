// `nasprobe correlate`: rank statistics of a scores file against a benchmark table column.
import type { Command } from "commander";
import { correlationReport, formatCorrelationReport } from "../benchmarks/correlate.js";
import { readBenchmarkTable } from "../benchmarks/table.js";
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
    .option("--field <name...>", "score field(s) of the JSON lines", ["score"])
    .option("--lower-is-better", "the score ranks lower as better")
    .option("--only-archs-in <file.jsonl>", "restrict to architectures scored in another file (ablations)")
    .action(
      (o: {
        table: string;
        scores: string;
        target: string;
        field: string[];
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
        const rows: number[] = [];
        const missing: string[] = [];
        const seen = new Set<string>();
        const kept: Record<string, unknown>[] = [];
        for (const r of records) {
          const arch = r.arch_str;
          if (typeof arch !== "string") throw new Error(`${o.scores}: a record has no arch_str`);
          if (seen.has(arch)) continue; // first record of an architecture wins
          const row = table.indexOf(arch);
          if (row === undefined) missing.push(arch);
          else {
            seen.add(arch);
            rows.push(row);
            kept.push(r);
          }
        }
        if (missing.length > 0)
          process.stderr.write(
            `${missing.length} scored architectures are not in the table (e.g. ${missing[0]})\n`,
          );
        const truth = table.column(o.target);
        const target = Float64Array.from(rows, (i) => truth[i]!);
        const out: string[] = [`${rows.length} architectures, target ${o.target}`];
        for (const field of o.field) {
          const score = Float64Array.from(kept, (r) => {
            const v = r[field];
            if (typeof v !== "number" && v !== null)
              throw new Error(`${o.scores}: field "${field}" is missing or not a number`);
            return v ?? Number.NaN;
          });
          out.push(
            "",
            `== ${field}`,
            formatCorrelationReport(correlationReport(score, target, { higherIsBetter: !o.lowerIsBetter })),
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
