// TE-NAS's number of linear regions (Chen et al., ICLR 2021), as computed by VITA-Group/TENAS
// (lib/procedures/linear_region_counter.py, prune_tenas.py, prune_launch.py): the "thin" network —
// one NB201 cell at C=1 with no stem, then BN+ReLU, global pooling and a linear head — in train mode
// sees 3 batches of 1000 inputs, each a random 3×3 crop (RandomCrop, no padding) of one randomly
// chosen channel (RandChannel) of a normalised training image; every ReLU's output sign over a 4-D
// input gives each input a binary pattern, and the score is the number of distinct patterns.
//
// The metric draws its inputs in the scored graph's input shape (channels picked without replacement,
// then a crop). It scores `input.thinGraph` when the scorer supplies one — the space's thin network
// (SearchSpace.thinNetwork; NB201 declares TE-NAS's) — and otherwise the network as given, so a
// caller can pass its own small network directly.
import * as v from "valibot";
import type { Graph } from "../ir/graph.js";
import { type InitScheme, initWeights } from "../ir/init.js";
import { type ForwardTimings, NodeProbe, newTimings } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { defineMetric, failed, frontSet, type Metric, type MetricInput } from "./metric.js";
import { reluInputs } from "./naswot.js";
import { defaultsOf, flag, initScheme, integer, type OptionsOf, option } from "./options.js";

export const LINEAR_REGION_OPTIONS = v.strictObject({
  /** Inputs per forward pass; BN normalises with each batch's statistics (reference: 1000). */
  batchSize: option(integer(1), 1000),
  /** Passes whose patterns are pooled before counting (reference sample_batch: 3). */
  batches: option(integer(1), 3),
  /**
   * Independent counts averaged, each with fresh weights and inputs (reference prune_launch.py:
   * repeat 3; there its re-initialisation is a no-op, see `init`, so only the inputs change).
   */
  repeats: option(integer(1), 3),
  /**
   * Reference: PyTorch's default init. prune_launch.py asks for 'kaiming_normal', but init_model
   * only knows 'kaiming_norm_fanin'/'_fanout', so the network keeps its default
   * kaiming_uniform(a=√5) weights, i.e. our kaiming_uniform.
   */
  init: option(initScheme(), "kaiming_uniform"),
  /** Training images the crops are cut from: the first this many of the data. */
  images: option(integer(1), 256),
  /** Score the space's thin network (MetricInput.thinGraph) when there is one; false: the network as built. */
  thinNetwork: option(flag(), true),
});

export type LinearRegionOptions = OptionsOf<typeof LINEAR_REGION_OPTIONS>;

export const LINEAR_REGION_DEFAULTS: LinearRegionOptions = defaultsOf(LINEAR_REGION_OPTIONS);

/**
 * `count` inputs of shape [c, h, w] cut from `data`: images in a shuffled order (reshuffled when
 * used up, as a shuffling loader), c distinct channels in ascending order, a uniformly placed crop.
 */
export function randomCrops(
  data: MetricInput["data"],
  shape: readonly number[],
  count: number,
  rng: Rng,
): Float32Array {
  const [c, h, w] = shape as [number, number, number];
  if (shape.length !== 3 || c > data.channels || h > data.height || w > data.width)
    throw new Error(
      `cannot cut ${shape.join("×")} inputs from ${data.channels}×${data.height}×${data.width} images`,
    );
  const out = new Float32Array(count * c * h * w);
  const plane = data.height * data.width;
  let order: number[] = [];
  for (let s = 0; s < count; s++) {
    if (order.length === 0) order = rng.permutation(data.count);
    const image = order.pop()!;
    const channels = rng
      .permutation(data.channels)
      .slice(0, c)
      .sort((a, b) => a - b);
    const top = rng.int(data.height - h + 1);
    const left = rng.int(data.width - w + 1);
    channels.forEach((ch, k) => {
      const src = (image * data.channels + ch) * plane;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          out[((s * c + k) * h + y) * w + x] = data.images[src + (top + y) * data.width + left + x]!;
    });
  }
  return out;
}

/**
 * Adds each sample's pattern (x > 0 over all tensors' units, sample-major values) to `seen`, packed
 * 16 bits per string code unit so that exact set membership stays compact.
 */
export function distinctPatterns(
  tensors: ReadonlyArray<{ values: Float32Array; units: number }>,
  samples: number,
  seen: Set<string>,
): void {
  const totalUnits = tensors.reduce((s, t) => s + t.units, 0);
  const packed = new Uint16Array(Math.ceil(totalUnits / 16));
  for (let s = 0; s < samples; s++) {
    packed.fill(0);
    let bit = 0;
    for (const t of tensors) {
      const row = t.values.subarray(s * t.units, (s + 1) * t.units);
      for (let u = 0; u < t.units; u++, bit++) if (row[u]! > 0) packed[bit >>> 4]! |= 1 << (bit & 15);
    }
    let key = "";
    for (let i = 0; i < packed.length; i += 8192)
      key += String.fromCharCode(...packed.subarray(i, Math.min(packed.length, i + 8192)));
    seen.add(key);
  }
}

export interface LinearRegionResult {
  /** Mean distinct-pattern count over the repeats. */
  readonly regions: number;
  readonly perRepeat: readonly number[];
  readonly units: number;
  readonly timings: ForwardTimings;
}

export async function linearRegionCount(
  graph: Graph,
  data: MetricInput["data"],
  options: Partial<Pick<LinearRegionOptions, "batchSize" | "batches" | "repeats">> & {
    init?: InitScheme;
    seed?: number;
  } = {},
  runtime: RuntimeOptions = {},
): Promise<LinearRegionResult> {
  const o = { ...LINEAR_REGION_DEFAULTS, ...options };
  const seed = options.seed ?? 0;
  const timings = newTimings();
  // ReLUs reading one tensor repeat its bits, which cannot change which inputs share a pattern.
  const ids = [...reluInputs(graph, (n) => n.shape.length === 3).keys()];
  const units = ids.map((id) => graph.nodes[id]!.shape.reduce((a, b) => a * b, 1));
  const perBatch = o.batchSize * units.reduce((a, b) => a + b, 0);
  if (perBatch > 2 ** 26)
    throw new Error(
      `linear regions: ${perBatch} ReLU values per batch; count them on a small network (the space's thinNetwork)`,
    );
  const perRepeat: number[] = [];
  for (let r = 0; r < o.repeats; r++) {
    const weights = initWeights(graph, o.init, seed, "linear-regions", r);
    const rng = new Rng(seed, "linear-regions-inputs", r);
    const seen = new Set<string>();
    const probe = await NodeProbe.create(graph, {
      bnMode: "train",
      nodes: ids,
      baked: weights,
      runtime,
      timings,
    });
    try {
      const names = ids.map((id) => probe.outputName(id));
      for (let k = 0; k < o.batches; k++) {
        const inputs = randomCrops(data, graph.inputShape, o.batchSize, rng);
        const out = await probe.run({ data: inputs, count: o.batchSize }, names);
        distinctPatterns(
          names.map((n, t) => ({ values: out[n]!, units: units[t]! })),
          o.batchSize,
          seen,
        );
      }
    } finally {
      await probe.release();
    }
    perRepeat.push(seen.size);
  }
  const regions = perRepeat.reduce((a, b) => a + b, 0) / perRepeat.length;
  return { regions, perRepeat, units: units.reduce((a, b) => a + b, 0), timings };
}

export const linearRegions: Metric<LinearRegionOptions> = defineMetric({
  name: "linear_regions",
  description:
    "TE-NAS linear regions: distinct ReLU sign patterns over 3×1000 random crops, on the space's thin network (VITA-Group/TENAS)",
  values: [
    {
      name: "linear_regions",
      higherIsBetter: true,
      description:
        "distinct activation patterns over 3,000 random crops on the space's thin network (NB201: TE-NAS's 1×3×3 cell)",
    },
  ],
  options: LINEAR_REGION_OPTIONS,
  images: (o) => o.images,
  async run(input, o) {
    const graph = o.thinNetwork ? (input.thinGraph ?? input.graph) : input.graph;
    const r = await linearRegionCount(
      graph,
      frontSet(input.data, o.images),
      { ...o, seed: input.seed },
      input.runtime,
    );
    if (r.units === 0) return failed(linearRegions, "the network has no ReLU on a feature map");
    return { values: { linear_regions: r.regions } };
  },
});
