// What a search optimises. An objective term is a benchmark-table column (`table:COLUMN`, the
// tabular oracle), short training (`train:E`, validation accuracy after an E-epoch schedule, costing
// E epochs) or any training-free metric (`nngp`, `naswot`, `ntk`, standing for its first value)
// or metric value (`ntk_cond`, `held_out_score`) from the metric registry; several terms,
// comma-separated, make a multi-objective study. Each term knows its sign, so
// algorithms see higher-is-better fitness, and its cost per query in training epochs.
import type { BenchmarkTable } from "../benchmarks/table.js";
import { getMetric, METRIC_NAMES, METRICS, valueInfo } from "../metrics/index.js";
import type { Scorer } from "../metrics/scorer.js";

export interface ObjectiveTerm {
  /** As written on the command line, e.g. `table:c10valid_valid_200`. */
  readonly spec: string;
  readonly kind: "table" | "metric" | "train";
  /** The value read from an evaluation: the column or the metric value (NNGP's is `score`). */
  readonly valueName: string;
  /** For kind "metric": the metric that computes the value. */
  readonly metric?: string;
  /** For kind "train": the epochs of the short training schedule. */
  readonly epochs?: number;
  readonly higherIsBetter: boolean;
  /** Training epochs one query stands for (the space's benchmark says, e.g. 200 for NB201's `_200` columns; 0 otherwise). */
  readonly cost: number;
}

/** Table columns where smaller is better (model size and compute). */
const LOWER_IS_BETTER_COLUMN = /^(flops|params|latency)/i;

/** The training epochs a table column's value stands for (a space's `benchmark.epochCost`). */
export type EpochCost = (column: string) => number | undefined;

export function parseObjectiveTerm(spec: string, epochCost?: EpochCost): ObjectiveTerm {
  const text = spec.trim();
  if (text.startsWith("table:")) {
    const column = text.slice("table:".length);
    if (column === "") throw new Error(`objective "${spec}" names no column (table:COLUMN)`);
    return {
      spec: text,
      kind: "table",
      valueName: column,
      higherIsBetter: !LOWER_IS_BETTER_COLUMN.test(column),
      cost: epochCost?.(column) ?? 0,
    };
  }
  if (text.startsWith("train:")) {
    const epochs = Number(text.slice("train:".length));
    if (!Number.isInteger(epochs) || epochs < 1)
      throw new Error(`objective "${spec}" needs a positive whole number of epochs (train:E, e.g. train:4)`);
    return {
      spec: text,
      kind: "train",
      valueName: `train_${epochs}`,
      epochs,
      higherIsBetter: true,
      cost: epochs,
    };
  }
  // A metric name stands for its first value (ntk → ntk_cond, nngp → score); a value name for itself.
  const metric = METRICS.find((m) => m.name === text || m.values.some((v) => v.name === text));
  if (!metric)
    throw new Error(
      `unknown objective "${spec}" (use table:COLUMN, train:EPOCHS or a metric: ${METRIC_NAMES.join(", ")})`,
    );
  const value = metric.name === text ? metric.values[0]! : valueInfo(text)!;
  return {
    spec: text,
    kind: "metric",
    valueName: value.name,
    metric: metric.name,
    // As an objective, model size and compute are costs to minimise, whether they come from a table
    // column or a metric (as zero-cost proxies they rank "bigger is better", which is correlate's concern).
    higherIsBetter: LOWER_IS_BETTER_COLUMN.test(value.name) ? false : value.higherIsBetter,
    cost: 0,
  };
}

export function parseObjectives(spec: string, epochCost?: EpochCost): ObjectiveTerm[] {
  const terms = spec
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => parseObjectiveTerm(s, epochCost));
  if (terms.length === 0) throw new Error("--objective is empty");
  const names = terms.map((t) => t.valueName);
  if (new Set(names).size !== names.length) throw new Error(`--objective repeats a term: ${spec}`);
  return terms;
}

export interface Evaluation {
  readonly values: Record<string, number | null>;
  /** Objective values in their own units and sign; null where not available. */
  readonly objectives: readonly (number | null)[];
  readonly cost: number;
  readonly seconds: number;
  readonly reason?: string;
}

export interface Objective {
  readonly terms: readonly ObjectiveTerm[];
  evaluate(archStr: string): Promise<Evaluation>;
}

/** Higher-is-better fitness for the algorithms; NaN where an objective is missing. */
export function fitnessOf(terms: readonly ObjectiveTerm[], objectives: readonly (number | null)[]): number[] {
  return terms.map((t, i) => {
    const v = objectives[i];
    if (v === null || v === undefined || !Number.isFinite(v)) return Number.NaN;
    return t.higherIsBetter ? v : -v;
  });
}

/** Trains an architecture for a short schedule (src/train/shortTraining.ts). */
export interface ShortTrainer {
  /** Values under `train_<epochs>` (validation accuracy, 0–1) and `train_<epochs>_loss`; null and a reason when training diverged. */
  train(archStr: string, epochs: number): Promise<{ values: Record<string, number | null>; reason?: string }>;
}

export interface ObjectiveSources {
  readonly table?: BenchmarkTable;
  readonly trainer?: ShortTrainer;
  /** Scores every metric the terms name, in one pass per architecture. */
  readonly metrics?: Scorer;
}

/** The metrics that the terms need computed. */
export const metricsNeeded = (terms: readonly ObjectiveTerm[]): string[] => [
  ...new Set(terms.filter((t) => t.kind === "metric").map((t) => t.metric!)),
];

export function makeObjective(terms: readonly ObjectiveTerm[], sources: ObjectiveSources): Objective {
  const columns = new Map<string, Float64Array>();
  for (const t of terms) {
    if (t.kind === "table") {
      if (!sources.table) throw new Error(`objective ${t.spec} needs a benchmark table (--table)`);
      if (!sources.table.has(t.valueName))
        throw new Error(
          `objective ${t.spec}: ${sources.table.path} has no column "${t.valueName}" (columns: ${sources.table.columns.join(", ")})`,
        );
      columns.set(t.valueName, sources.table.column(t.valueName)); // a malformed cell fails now, not mid-search
    }
    if (t.kind === "train" && !sources.trainer) throw new Error(`objective ${t.spec} needs a trainer`);
    if (t.kind === "metric") {
      getMetric(t.metric!);
      if (!sources.metrics) throw new Error(`objective ${t.spec} needs a metric scorer`);
    }
  }
  const cost = terms.reduce((c, t) => Math.max(c, t.cost), 0);

  return {
    terms,
    async evaluate(archStr) {
      const start = performance.now();
      const values: Record<string, number | null> = {};
      const reasons: string[] = [];
      if (columns.size > 0) {
        const row = sources.table!.indexOf(archStr);
        if (row === undefined) throw new Error(`${sources.table!.path} has no row for ${archStr}`);
        for (const [name, column] of columns) {
          const v = column[row]!;
          values[name] = Number.isFinite(v) ? v : null;
        }
      }
      if (terms.some((t) => t.kind === "metric")) {
        const r = await sources.metrics!.score(archStr);
        Object.assign(values, r.values);
        for (const [m, why] of Object.entries(r.reasons)) reasons.push(`${m}: ${why}`);
      }
      for (const t of terms) {
        if (t.kind !== "train") continue;
        const r = await sources.trainer!.train(archStr, t.epochs!);
        Object.assign(values, r.values);
        if (r.reason) reasons.push(`${t.spec}: ${r.reason}`);
      }
      const objectives = terms.map((t) => values[t.valueName] ?? null);
      return {
        values,
        objectives,
        cost,
        seconds: (performance.now() - start) / 1000,
        ...(reasons.length > 0 ? { reason: reasons.join("; ") } : {}),
      };
    },
  };
}
