// `nasprobe plot`: charts of results as .svg or .png. `plot scatter` draws a metric against a
// benchmark column with its rank correlations.
import type { Command } from "commander";
import { kendallTauB, spearman } from "../benchmarks/rankStats.js";
import { valueInfo } from "../metrics/index.js";
import { type LabelledPoint, scatterSpec } from "../reports/charts.js";
import { checkPlotPath, checkPngWidth, writePlot } from "../reports/png.js";
import { renderSvg } from "../reports/render.js";
import { readScoreSet, resolveMetricField } from "../reports/scores.js";
import { getSpace } from "../spaces/index.js";
import {
  DeferredNotes,
  inputFile,
  nonNegativeInt,
  positiveInt,
  refuseRepeatedOptions,
  spaceTable,
} from "./options.js";

export interface ScatterCommandOptions {
  scores: string;
  space?: string;
  table?: string;
  metric: string;
  column?: string;
  out: string;
  xScale: string;
  title?: string;
  width?: number;
  seed?: number;
}

/**
 * Log x when asked, or for "auto" when at least 90% of the finite values are positive and the positive
 * ones span ≥ 3 decades (synflow, for one, is 0 for cells cut off from the input).
 */
function useLogX(xScale: string, xs: readonly number[]): boolean {
  if (xScale === "log") return true;
  if (xScale === "linear") return false;
  if (xScale !== "auto") throw new Error(`--x-scale must be auto, linear or log, got "${xScale}"`);
  const finite = xs.filter(Number.isFinite);
  const positive = finite.filter((x) => x > 0);
  if (positive.length === 0 || positive.length < 0.9 * finite.length) return false;
  return Math.max(...positive) / Math.min(...positive) >= 1e3;
}

/**
 * `plot scatter`: builds the chart, writes it, and returns a one-line summary; notes and warnings go
 * to `notes` (stderr after success).
 */
export async function plotScatter(o: ScatterCommandOptions, notes = new DeferredNotes()): Promise<string> {
  if (o.xScale !== "auto" && o.xScale !== "linear" && o.xScale !== "log")
    throw new Error(`--x-scale must be auto, linear or log, got "${o.xScale}"`);
  if (o.width !== undefined) checkPngWidth(o.width, "--width");
  const space = getSpace(o.space ?? "nb201");
  const column = o.column ?? space.benchmark?.reportColumns[0];
  if (!column) throw new Error(`space ${space.name} has no benchmark columns: pass --column`);
  inputFile(o.scores, "scores file");
  if (o.table !== undefined) inputFile(o.table, "benchmark table");
  checkPlotPath(o.out, [o.scores, o.table]);
  const { merged } = readScoreSet(o.scores, {
    ...(o.seed !== undefined ? { seed: o.seed } : {}),
    note: notes.note,
    warn: notes.warning,
  });
  const field = resolveMetricField(merged.values(), o.metric, o.scores);
  const table = spaceTable(space, o.table, { required: [column] });
  const truth = table.column(column);
  const points: LabelledPoint[] = [];
  let notInTable = 0;
  for (const [arch, r] of merged) {
    if (!(field in r)) continue; // scored with other metrics only
    const v = r[field];
    if (typeof v !== "number" && v !== null)
      throw new Error(`${o.scores}: field "${field}" of ${arch} is not a number: ${JSON.stringify(v)}`);
    const row = table.indexOf(arch);
    if (row === undefined) notInTable++;
    else points.push({ x: v ?? Number.NaN, y: truth[row]!, label: arch });
  }
  if (points.length === 0)
    throw new Error(
      `${o.scores}: none of its ${notInTable} architectures with "${field}" is in ${table.path}`,
    );
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const finite = points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y)).length;
  if (finite < 2) throw new Error(`${o.scores}: fewer than 2 architectures with a finite "${field}" value`);
  const rho = spearman(xs, ys);
  const tau = kendallTauB(xs, ys);
  const left = points.length - finite;
  const logX = useLogX(o.xScale, xs);
  const hidden = logX ? points.filter((p) => p.x <= 0 && Number.isFinite(p.y)).length : 0;
  const annotation = [
    `Spearman ρ ${rho.toFixed(3)}`,
    `Kendall τ ${tau.toFixed(3)}`,
    `n = ${finite}${left > 0 ? ` (${left} non-finite left out)` : ""}`,
    ...(hidden > 0 ? [`${hidden} with ${field} ≤ 0 not drawn (log x)`] : []),
  ].join("\n");
  const lowerIsBetter = valueInfo(field)?.higherIsBetter === false;
  const svg = await renderSvg(
    scatterSpec({
      title: o.title ?? `${o.metric} vs ${column}`,
      xLabel: `${field === o.metric ? field : `${o.metric} ${field}`}${lowerIsBetter ? " (lower is better)" : ""}`,
      yLabel: column,
      points,
      annotation,
      logX,
    }),
  );
  writePlot(o.out, svg, {
    inputs: [o.scores, table.path],
    ...(o.width === undefined ? {} : { widthPx: o.width }),
  });
  return `${o.out}: ${finite} architectures, Spearman ρ ${rho.toFixed(3)}, Kendall τ ${tau.toFixed(3)}${
    notInTable > 0 ? `, ${notInTable} not in the table` : ""
  }`;
}

/** Adds `plot` and its `scatter` subcommand; returns the `plot` command for more subcommands. */
export function registerPlot(program: Command): Command {
  const plot = program.command("plot").description("draw results as .svg or .png (chosen by --out)");
  const scatter = plot
    .command("scatter")
    .description("a metric against a benchmark column, annotated with Spearman ρ and Kendall τ")
    .requiredOption("--scores <file.jsonl>", "scores written by `nasprobe score`")
    .option("--space <name>", "the space the scores are of (its table and key column)", "nb201")
    .option(
      "--table <file.csv>",
      "benchmark table (default: the space's, e.g. ../shared/data/nb201/nb201.csv)",
    )
    .requiredOption("--metric <name>", 'metric value to plot, e.g. naswot, synflow, nngp (its "score")')
    .option(
      "--column <name>",
      "benchmark column for the y axis (default: the space's first report column, c10_test_200 for nb201)",
    )
    .requiredOption("--out <file>", "output file, .svg or .png")
    .option(
      "--x-scale <auto|linear|log>",
      "x axis; auto is log when values are positive over ≥ 3 decades",
      "auto",
    )
    .option("--title <text>", "plot title (default: METRIC vs COLUMN)")
    .option("--width <px>", "PNG width in px, 100 to 10000 (default 800)", positiveInt("--width"))
    .option("--seed <n>", "use only the records of this seed", nonNegativeInt("--seed"))
    .action(async (o: ScatterCommandOptions) => {
      const notes = new DeferredNotes();
      const summary = await plotScatter(o, notes);
      notes.flush();
      process.stdout.write(`${summary}\n`);
    });
  refuseRepeatedOptions(scatter);
  return plot;
}
