// The application layer of `nasprobe predict`: a scores file (values per architecture, from
// `nasprobe score`) and a labels table (CSV: an architecture column and numeric label columns)
// joined by architecture; the few-label predictor (predict/fewLabel.ts) fitted on the labelled
// architectures; one prediction per scored architecture. With `count`, only that many labels are
// used, drawn by seed among the architectures both files hold (a benchmark table stands in for
// the few labels a user would have); the report then rates the predictions of the others against
// the label column and, if named, an evaluation column.
import { type CorrelationReport, correlationReport } from "../benchmarks/correlate.js";
import { readBenchmarkTable } from "../benchmarks/table.js";
import { valueInfo } from "../metrics/index.js";
import { type FewLabelResult, predictFewLabel } from "../predict/fewLabel.js";
import { readScoreSet } from "../reports/scores.js";
import { Rng } from "../util/random.js";

export interface PredictRequest {
  readonly scores: string;
  readonly labels: string;
  /**
   * The labels table's column to fit on; default: a column named "label", else the table's only
   * column besides the architecture's.
   */
  readonly label?: string;
  /** The labels table's architecture column (default arch_str). */
  readonly keyColumn?: string;
  /** Values to fit on; default every metric value present for some architecture. */
  readonly features?: readonly string[];
  /**
   * A value (a zero-label ranker) whose normal score is the prior mean; default: `ranker` when it is
   * among the features. "none" for no prior.
   */
  readonly prior?: string;
  /** Use only this many labels, drawn by `seed` (default: every label the table has for a scored architecture). */
  readonly count?: number;
  readonly seed: number;
  /** A table column the held-out predictions are also rated against (e.g. c10_test_200). */
  readonly evaluate?: string;
  readonly note?: (message: string) => void;
}

export interface PredictionRecord {
  readonly arch_str: string;
  readonly prediction: number;
  readonly labelled: boolean;
  readonly label?: number;
}

export interface PredictOutcome {
  /** The labels table's column fitted on. */
  readonly label: string;
  readonly records: readonly PredictionRecord[];
  readonly fit: FewLabelResult;
  readonly labelled: number;
  /** Held-out architectures with a table label, rated against the label and the evaluation column. */
  readonly heldOut?: {
    readonly count: number;
    readonly label: CorrelationReport;
    readonly evaluate?: CorrelationReport;
  };
}

export function predictFromFiles(request: PredictRequest): PredictOutcome {
  const note = request.note ?? (() => {});
  const set = readScoreSet(request.scores, { note });
  const keyColumn = request.keyColumn ?? "arch_str";
  const table = readBenchmarkTable(request.labels, {
    required: [...(request.label ? [request.label] : []), ...(request.evaluate ? [request.evaluate] : [])],
    keyColumn,
  });
  const label = request.label ?? defaultLabel(table.columns, keyColumn, request.labels);
  const archs = [...set.merged.keys()];
  const records = archs.map((a) => set.merged.get(a)!);
  const features =
    request.features ??
    [...new Set(records.flatMap((r) => Object.keys(r)))].filter((k) => valueInfo(k) !== undefined).sort();
  if (features.length === 0)
    throw new Error(`${request.scores}: no metric values found; name them with --features`);
  const columns = new Map<string, Float64Array>();
  for (const f of features) {
    if (!records.some((r) => typeof r[f] === "number"))
      throw new Error(`${request.scores}: no architecture has a "${f}" value`);
    columns.set(
      f,
      Float64Array.from(records, (r) => (typeof r[f] === "number" ? (r[f] as number) : Number.NaN)),
    );
  }
  const labelColumn = table.column(label);
  const rowOf = archs.map((a) => table.indexOf(a));
  const withLabel = archs.flatMap((_, i) =>
    rowOf[i] !== undefined && Number.isFinite(labelColumn[rowOf[i]!]!) ? [i] : [],
  );
  if (withLabel.length === 0)
    throw new Error(
      `none of the ${archs.length} architectures of ${request.scores} has a ${label} in ${request.labels}`,
    );
  let labelled = withLabel;
  if (request.count !== undefined) {
    if (request.count > withLabel.length)
      throw new Error(`--n ${request.count}: only ${withLabel.length} scored architectures have a ${label}`);
    labelled = new Rng(request.seed, "predict-labels")
      .shuffle([...withLabel])
      .slice(0, request.count)
      .sort((a, b) => a - b);
  }
  if (labelled.length < 2)
    throw new Error(`${labelled.length} labelled architecture: the fit needs at least 2`);
  const labels = labelled.map((i) => labelColumn[rowOf[i]!]!);
  const prior = request.prior ?? (columns.has("ranker") ? "ranker" : "none");
  if (prior !== "none" && !columns.has(prior))
    throw new Error(`--prior ${prior}: not among the features (${features.join(", ")})`);
  const fit = predictFewLabel(columns, labelled, labels, prior === "none" ? undefined : prior);
  const isLabelled = new Set(labelled);
  const out = archs.map((arch_str, i) => ({
    arch_str,
    prediction: fit.mean[i]!,
    labelled: isLabelled.has(i),
    ...(isLabelled.has(i) ? { label: labelColumn[rowOf[i]!]! } : {}),
  }));
  const held = withLabel.filter((i) => !isLabelled.has(i));
  const rate = (column: Float64Array) =>
    correlationReport(
      Float64Array.from(held, (i) => fit.mean[i]!),
      Float64Array.from(held, (i) => column[rowOf[i]!]!),
    );
  return {
    label,
    records: out,
    fit,
    labelled: labelled.length,
    ...(held.length >= 2
      ? {
          heldOut: {
            count: held.length,
            label: rate(labelColumn),
            ...(request.evaluate ? { evaluate: rate(table.column(request.evaluate)) } : {}),
          },
        }
      : {}),
  };
}

/** A column named "label", else the only column besides the architecture's. */
function defaultLabel(columns: readonly string[], keyColumn: string, file: string): string {
  if (columns.includes("label")) return "label";
  const others = columns.filter((c) => c !== keyColumn);
  if (others.length === 1) return others[0]!;
  throw new Error(
    `${file}: name the column to fit on with --label (it has ${others.length} besides ${keyColumn}: ${others.slice(0, 6).join(", ")}${others.length > 6 ? ", …" : ""})`,
  );
}
