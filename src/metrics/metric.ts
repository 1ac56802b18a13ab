// The contract every training-free metric meets (NNGP included): a pure function of (architecture
// graph, data, options incl. seed). A metric declares its options as a valibot schema (types, ranges,
// defaults; see options.ts), which `resolve` checks once before any work, the values it yields with
// their better-direction, and how many images it takes from the front of the data. Several metrics of
// one architecture may share costly work (weights, forward/backward passes) through a Memo keyed by
// everything that work depends on.
import { type ImageSet, imageSize, takeFirst } from "../data/imageSet.js";
import { type Graph, numel } from "../ir/graph.js";
import type { Images } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { defaultsOf, type OptionsOf, type OptionsSchema, resolveOptions } from "./options.js";

export interface MetricInput {
  readonly graph: Graph;
  /**
   * The space's thin network for linear regions (TE-NAS: one cell at C=1 on 1×3×3 inputs), when the
   * space declares one (SearchSpace.thinNetwork); metrics that have no use for it ignore it.
   */
  readonly thinGraph?: Graph;
  /** FLOPs as the space's benchmark counts them (SearchSpace.flops); absent means NB201's counter. */
  readonly countFlops?: (graph: Graph) => number;
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
  /** Numbers that explain a result but rank nothing (e.g. NNGP's best ε); recorded beside the values. */
  readonly diagnostics?: Readonly<Record<string, number>>;
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
  /** Its options: one valibot strict object, each key with its type, range and default. */
  readonly options: OptionsSchema;
  /** Every option at its default. */
  readonly defaults: Readonly<Options>;
  /** `given` checked and completed with defaults; throws a MetricOptionError naming key, value and what is allowed. */
  resolve(given?: Readonly<Partial<Options>>): Options;
  /** Images it takes from the front of `MetricInput.data` with these options (a scorer loads the most any needs). */
  images(options: Options): number;
  /**
   * The settings a results file records for it, when it keeps a record format of its own (its
   * results then go on lines of their own, labelled with its name); absent: the scorer records the
   * options given.
   */
  recordSettings?(options: Options): Record<string, unknown>;
  /** `resolve(options)`, then `run`: the call for API users. */
  compute(input: MetricInput, options?: Readonly<Partial<Options>>): Promise<MetricResult>;
  /** The metric with options already resolved (what a scorer calls per architecture). */
  run(input: MetricInput, options: Options): Promise<MetricResult>;
}

export interface MetricSpec<S extends OptionsSchema> {
  readonly name: string;
  readonly description: string;
  readonly values: readonly MetricValueInfo[];
  readonly options: S;
  /** Default: none (the metric reads no images, or only the data's shape). */
  images?(options: OptionsOf<S>): number;
  recordSettings?(options: OptionsOf<S>): Record<string, unknown>;
  run(input: MetricInput, options: OptionsOf<S>): Promise<MetricResult>;
}

/** A Metric from its declaration: defaults, resolve and compute come from the schema. */
export function defineMetric<S extends OptionsSchema>(spec: MetricSpec<S>): Metric<OptionsOf<S>> {
  const resolve = (given?: Readonly<Partial<OptionsOf<S>>>): OptionsOf<S> =>
    resolveOptions(spec.name, spec.options, given as Readonly<Record<string, unknown>> | undefined);
  return {
    name: spec.name,
    description: spec.description,
    values: spec.values,
    options: spec.options,
    defaults: defaultsOf(spec.options),
    resolve,
    images: (options) => spec.images?.(options) ?? 0,
    ...(spec.recordSettings ? { recordSettings: spec.recordSettings } : {}),
    compute: async (input, options) => spec.run(input, resolve(options)),
    run: (input, options) => spec.run(input, options),
  };
}

/** The first `count` images of a set as one batch (metrics take their batch from the front). */
export function frontBatch(data: ImageSet, count: number): Images {
  if (data.count < count) throw new Error(`needs ${count} images, ${data.name} has ${data.count}`);
  return { data: data.images.subarray(0, count * imageSize(data)), count };
}

/**
 * The batch a metric with an `inputs` option feeds: the data's first `batchSize` images, or seeded
 * N(0, 1) values of the graph's input shape (references that feed torch.randn), drawn from the
 * metric's own stream so each metric's noise is its own.
 */
export function dataOrGaussian(
  input: { readonly graph: Graph; readonly data?: ImageSet; readonly seed: number },
  o: { readonly inputs: "data" | "gaussian"; readonly batchSize: number },
  stream: string,
): Images {
  if (o.inputs === "data") {
    if (!input.data) throw new Error(`${stream}: inputs=data needs data`);
    return frontBatch(input.data, o.batchSize);
  }
  const rng = new Rng(input.seed, stream);
  const data = new Float32Array(o.batchSize * numel(input.graph.inputShape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, count: o.batchSize };
}

/** The first `count` images of a set as a set (the set itself when it holds exactly that many). */
export function frontSet(data: ImageSet, count: number): ImageSet {
  if (data.count < count) throw new Error(`needs ${count} images, ${data.name} has ${data.count}`);
  return data.count === count ? data : takeFirst(data, count);
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
