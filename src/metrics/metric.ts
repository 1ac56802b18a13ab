// The contract every training-free metric meets: a pure function of (architecture graph, data,
// options incl. seed). Several metrics of one architecture may share costly work (weights,
// forward/backward passes) through a Memo keyed by everything that work depends on.
import { type ImageSet, imageSize } from "../data/imageSet.js";
import type { Graph } from "../ir/graph.js";
import type { Images } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";

export interface MetricInput {
  readonly graph: Graph;
  /** Labelled, normalised images in a seeded order; a metric takes the batch it needs from the front. */
  readonly data: ImageSet;
  readonly seed: number;
  readonly runtime: RuntimeOptions;
  /** Shared work between metrics of the same architecture; absent means compute everything afresh. */
  readonly memo?: Memo;
}

/**
 * Named values (one metric may yield several, e.g. the NTK's λ_min, λ_max and κ). A value that meets
 * NaN/Inf or a singular matrix is NaN, and `reason` says why.
 */
export interface MetricResult {
  readonly values: Readonly<Record<string, number>>;
  readonly reason?: string;
}

export interface MetricValueInfo {
  readonly name: string;
  /** Sign convention for ranking: true when a larger value predicts a better architecture. */
  readonly higherIsBetter: boolean;
  readonly description: string;
}

export interface Metric<Options extends object = object> {
  readonly name: string;
  readonly description: string;
  readonly values: readonly MetricValueInfo[];
  readonly defaults: Options;
  compute(input: MetricInput, options?: Partial<Options>): Promise<MetricResult>;
}

/** The first `count` images of a set as one batch (metrics take their batch from the front). */
export function frontBatch(data: ImageSet, count: number): Images {
  if (data.count < count) throw new Error(`needs ${count} images, ${data.name} has ${data.count}`);
  return { data: data.images.subarray(0, count * imageSize(data)), count };
}

/** Memoises promises by key, so metrics sharing one forward/backward pass compute it once. */
export class Memo {
  private readonly entries = new Map<string, Promise<unknown>>();

  get<T>(key: string, make: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key) as Promise<T> | undefined;
    if (!entry) {
      entry = make();
      this.entries.set(key, entry);
    }
    return entry;
  }
}

/** `memo.get` when a memo is given, else just `make()`. */
export function shared<T>(input: MetricInput, key: string, make: () => Promise<T>): Promise<T> {
  return input.memo ? input.memo.get(key, make) : make();
}

/** A result whose every value is NaN, with the reason. */
export function failed(metric: Pick<Metric, "values">, reason: string): MetricResult {
  return { values: Object.fromEntries(metric.values.map((v) => [v.name, Number.NaN])), reason };
}

/** NaN with a reason when any value is not finite. */
export function checkFinite(values: Record<string, number>): MetricResult {
  const bad = Object.entries(values).filter(([, v]) => !Number.isFinite(v));
  if (bad.length === 0) return { values };
  return {
    values: Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, Number.isFinite(v) ? v : Number.NaN]),
    ),
    reason: `non-finite ${bad.map(([k, v]) => `${k}=${v}`).join(", ")}`,
  };
}
