// `nasprobe predict`: the few-label predictor from a scores file and a labels table to a file of
// predictions, one JSON line per scored architecture (written whole, or not at all).
import type { Command } from "commander";
import { predictFromFiles } from "../app/predict.js";
import { formatCorrelationReport } from "../benchmarks/correlate.js";
import { atomicWriteFile, checkOutputPath, sameFile } from "../util/atomicWrite.js";
import { DeferredNotes, inputFile, nonNegativeInt, positiveInt, refuseRepeatedOptions } from "./options.js";

interface PredictOptions {
  scores: string;
  labels: string;
  label?: string;
  key?: string;
  out: string;
  features?: string;
  n?: number;
  seed: number;
  evaluate?: string;
  prior?: string;
}

export function registerPredict(program: Command): void {
  const command = program
    .command("predict")
    .description(
      "fit a few-label predictor on scored architectures that have a label; predict every scored one",
    )
    .requiredOption("--scores <file.jsonl>", "values per architecture, written by `nasprobe score`")
    .requiredOption("--labels <file.csv>", "labels table: an architecture column and numeric columns")
    .option(
      "--label <column>",
      "the labels table's column to fit on, e.g. c10valid_valid_200 (default: a column named label, or the table's only one)",
    )
    .requiredOption("--out <file.jsonl>", "predictions: arch_str, prediction, labelled (and label)")
    .option("--key <column>", "the labels table's architecture column (default arch_str)")
    .option("--features <a,b,...>", "values to fit on (default: every metric value in the scores file)")
    .option(
      "--n <count>",
      "use only this many labels, drawn by --seed among the scored architectures with one (a benchmark table standing in for a few labels)",
      positiveInt("--n"),
    )
    .option(
      "--prior <value>",
      "a zero-label value whose normal score is the GP's prior mean, or none (default: ranker, when among the features)",
    )
    .option("--seed <n>", "seed of the --n draw", nonNegativeInt("--seed"), 0)
    .option(
      "--evaluate <column>",
      "also rate the held-out predictions against this labels-table column (e.g. c10_test_200)",
    )
    .action((o: PredictOptions) => {
      const notes = new DeferredNotes();
      inputFile(o.scores, "scores file");
      inputFile(o.labels, "labels table");
      for (const [flag, path] of [
        ["--scores", o.scores],
        ["--labels", o.labels],
      ] as const)
        if (sameFile(o.out, path))
          throw new Error(`--out ${o.out}: is the ${flag} file; refusing to overwrite it`);
      checkOutputPath(o.out);
      const features = o.features?.split(",").map((f) => f.trim());
      if (features?.some((f) => f === "")) throw new Error(`--features ${o.features}: an empty name`);
      if (features && new Set(features).size !== features.length)
        throw new Error(`--features repeats a name: ${o.features}`);
      const r = predictFromFiles({
        scores: o.scores,
        labels: o.labels,
        ...(o.label !== undefined ? { label: o.label } : {}),
        ...(o.key ? { keyColumn: o.key } : {}),
        ...(features ? { features } : {}),
        ...(o.n !== undefined ? { count: o.n } : {}),
        seed: o.seed,
        ...(o.evaluate ? { evaluate: o.evaluate } : {}),
        ...(o.prior !== undefined ? { prior: o.prior } : {}),
        note: notes.note,
      });
      atomicWriteFile(
        o.out,
        r.records
          .map((x) => JSON.stringify(x))
          .join("\n")
          .concat("\n"),
      );
      notes.flush();
      const h = r.fit.hyper;
      const lines = [
        `${r.records.length} architectures, ${r.labelled} labelled by ${r.label}; features: ${r.fit.features.join(", ")}`,
        `GP: linear ${h.linear} + RBF ${h.rbf} (ℓ = ${h.lengthScale}·√d), noise ${h.noise}${r.fit.prior ? `, prior mean ${r.fit.priorScale} × normal score of ${r.fit.prior}` : ""}; log marginal likelihood ${r.fit.logMarginal.toFixed(2)}`,
        `predictions written to ${o.out}`,
      ];
      if (r.heldOut) {
        lines.push("", `== held out: ${r.heldOut.count} architectures, against ${r.label}`);
        lines.push(formatCorrelationReport(r.heldOut.label));
        if (r.heldOut.evaluate) {
          lines.push("", `== held out: against ${o.evaluate}`);
          lines.push(formatCorrelationReport(r.heldOut.evaluate));
        }
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
  refuseRepeatedOptions(command);
}
