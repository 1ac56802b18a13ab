// One architecture's graph through a list of metrics, each failure kept as a null value with its
// reason. Free of Node APIs (no data loading here): `nasprobe score` (scorer.ts), imported ONNX
// models and the browser's scoring page all run this same loop.
import { getMetric } from "./index.js";
import type { Metric, MetricInput } from "./metric.js";

export interface ArchScore {
  /** Every value and diagnostic the metrics report; null where not finite or the metric failed. */
  readonly values: Record<string, number | null>;
  /** Why a metric gave no finite value, by metric name. */
  readonly reasons: Record<string, string>;
  /** Seconds each metric took, by metric name. */
  readonly seconds: Record<string, number>;
}

/** Option overrides by metric name, e.g. { ntk: { batchSize: 32 } }. */
export type MetricOverrides = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface ResolvedMetric {
  readonly metric: Metric;
  readonly options: object;
}

/** The metrics by name with their options resolved: unknown names, keys and bad values throw here. */
export function resolveMetrics(names: readonly string[], overrides: MetricOverrides = {}): ResolvedMetric[] {
  for (const owner of Object.keys(overrides))
    if (!names.includes(owner))
      throw new Error(`options for ${owner}, which is not among the metrics scored`);
  return names.map((name) => {
    const metric = getMetric(name);
    return { metric, options: metric.resolve(overrides[name]) };
  });
}

/** Images the most demanding of these metrics takes from the front of the data (at least 1). */
export function imagesNeeded(resolved: readonly ResolvedMetric[]): number {
  return Math.max(1, ...resolved.map((r) => r.metric.images(r.options)));
}

/** Runs each metric on `input` in order (sharing its memo); a throw becomes null values and a reason. */
export async function scoreGraph(
  input: MetricInput,
  resolved: readonly ResolvedMetric[],
): Promise<ArchScore> {
  const values: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  const seconds: Record<string, number> = {};
  const put = (from: Readonly<Record<string, number>>) => {
    for (const [k, v] of Object.entries(from)) values[k] = Number.isFinite(v) ? v : null;
  };
  for (const { metric, options } of resolved) {
    const start = performance.now();
    try {
      const r = await metric.run(input, options);
      put(r.values);
      if (r.diagnostics) put(r.diagnostics);
      if (r.reason) reasons[metric.name] = r.reason;
    } catch (error) {
      for (const v of metric.values) values[v.name] = null;
      reasons[metric.name] = error instanceof Error ? error.message : String(error);
    }
    seconds[metric.name] = (performance.now() - start) / 1000;
  }
  return { values, reasons, seconds };
}
