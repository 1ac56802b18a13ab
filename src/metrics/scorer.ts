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
import { Memo, type MetricInput } from "./metric.js";
import {
  type ArchScore,
  imagesNeeded,
  type MetricOverrides,
  type ResolvedMetric,
  resolveMetrics,
  scoreGraph,
} from "./scoreGraph.js";

export { type ArchScore, type MetricOverrides, type ResolvedMetric, resolveMetrics, scoreGraph };

export interface Scorer {
  /** The settings that determine the values (stored with every record; resuming compares them). */
  readonly settings: Record<string, unknown>;
  score(archStr: string): Promise<ArchScore>;
}

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

/**
 * The settings recorded with each result: the data, then for metrics that keep a record format of
 * their own (Metric.recordSettings) those settings, and for the others their names and the options
 * given (`options`, present only when some were).
 */
export function recordedSettings(
  o: Pick<MetricScorerOptions, "data" | "dataSeed" | "overrides">,
  resolved: readonly ResolvedMetric[],
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
  const images = imagesNeeded(resolved);
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
      return scoreGraph(input, resolved);
    },
  };
}
