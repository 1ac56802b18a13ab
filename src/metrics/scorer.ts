// Scores one architecture string at a time with fixed settings: the per-architecture step that
// `nasprobe score` loops over and that a search's training-free objective calls. Every metric goes
// through the Metric contract: options are resolved (and so checked) once when the scorer is made,
// before any data is loaded; data are loaded once, as many images as the most demanding metric
// takes; failures become null values plus a reason, never an exception that ends a sweep.
import { loadDataset } from "../data/index.js";
import type { Graph } from "../ir/graph.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { SearchSpace } from "../spaces/space.js";
import { getMetric } from "./index.js";
import { Memo, type Metric, type MetricInput } from "./metric.js";

export interface ArchScore {
  /** Every value and diagnostic the metrics report; null where not finite or the metric failed. */
  readonly values: Record<string, number | null>;
  /** Why a metric gave no finite value, by metric name. */
  readonly reasons: Record<string, string>;
  /** Seconds each metric took, by metric name. */
  readonly seconds: Record<string, number>;
}

export interface Scorer {
  /** The settings that determine the values (stored with every record; resuming compares them). */
  readonly settings: Record<string, unknown>;
  score(archStr: string): Promise<ArchScore>;
}

/** Option overrides by metric name, e.g. { ntk: { batchSize: 32 } }. */
export type MetricOverrides = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface MetricScorerOptions {
  readonly space: SearchSpace<unknown>;
  readonly data: string;
  readonly dataSeed: number;
  readonly seed: number;
  readonly runtime: RuntimeOptions;
  readonly metrics: readonly string[];
  /** Checked against each metric's schema before any work; a bad one throws a MetricOptionError. */
  readonly overrides?: MetricOverrides;
}

interface Resolved {
  readonly metric: Metric;
  readonly options: object;
}

/** The metrics by name with their options resolved: unknown names, keys and bad values throw here. */
export function resolveMetrics(names: readonly string[], overrides: MetricOverrides = {}): Resolved[] {
  for (const owner of Object.keys(overrides))
    if (!names.includes(owner))
      throw new Error(`options for ${owner}, which is not among the metrics scored`);
  return names.map((name) => {
    const metric = getMetric(name);
    return { metric, options: metric.resolve(overrides[name]) };
  });
}

/**
 * The settings recorded with each result: the data, then for metrics that keep a record format of
 * their own (Metric.recordSettings) those settings, and for the others their names and the options
 * given (`options`, present only when some were).
 */
export function recordedSettings(
  o: Pick<MetricScorerOptions, "data" | "dataSeed" | "overrides">,
  resolved: readonly Resolved[],
): Record<string, unknown> {
  const own = resolved.filter((r) => r.metric.recordSettings);
  const plain = resolved.filter((r) => !r.metric.recordSettings).map((r) => r.metric.name);
  const given = Object.fromEntries(
    plain
      .filter((m) => o.overrides?.[m] && Object.keys(o.overrides[m]!).length > 0)
      .map((m) => [m, o.overrides![m]!]),
  );
  return {
    data: o.data,
    data_seed: o.dataSeed,
    ...(plain.length > 0 ? { metrics: plain } : {}),
    ...(Object.keys(given).length > 0 ? { options: given } : {}),
    ...Object.assign({}, ...own.map((r) => r.metric.recordSettings!(r.options))),
  };
}

/**
 * How `nasprobe score` splits metrics into records: a metric with a record format of its own
 * (NNGP) on lines labelled with its name, all others together on lines labelled "zero-cost".
 */
export function recordGroups(names: readonly string[]): Array<{ label: string; metrics: string[] }> {
  const metrics = names.map(getMetric);
  const own = metrics.filter((m) => m.recordSettings).map((m) => ({ label: m.name, metrics: [m.name] }));
  const rest = metrics.filter((m) => !m.recordSettings).map((m) => m.name);
  return [...own, ...(rest.length > 0 ? [{ label: "zero-cost", metrics: rest }] : [])];
}

/** The named metrics, sharing one Memo per architecture. */
export function metricScorer(o: MetricScorerOptions): Scorer {
  if (o.metrics.length === 0) throw new Error("no metrics to score");
  const resolved = resolveMetrics(o.metrics, o.overrides);
  const images = Math.max(1, ...resolved.map((r) => r.metric.images(r.options)));
  const data = loadDataset(o.data, { seed: o.dataSeed, trainCount: images }).train;
  const inputShape = [data.channels, data.height, data.width];
  const space = o.space;
  return {
    settings: recordedSettings(o, resolved),
    async score(archStr) {
      const arch = space.parse(archStr);
      const graph = space.build(arch, { inputShape, numClasses: data.numClasses });
      let thin: MetricInput["thinGraph"];
      const input: MetricInput = {
        graph,
        data,
        seed: o.seed,
        runtime: o.runtime,
        memo: new Memo(),
        ...(space.flops ? { countFlops: (g: Graph) => space.flops!(g) } : {}),
        // Built on first use: only linear regions reads it.
        get thinGraph() {
          thin ??= space.thinNetwork?.(arch, data.numClasses);
          return thin;
        },
      };
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
    },
  };
}
