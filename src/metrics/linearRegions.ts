// TE-NAS's number of linear regions (Chen et al., ICLR 2021), as computed by VITA-Group/TENAS
// (lib/procedures/linear_region_counter.py, prune_tenas.py, prune_launch.py): the "thin" network —
// one NB201 cell at C=1 with no stem, then BN+ReLU, global pooling and a linear head — in train mode
// sees 3 batches of 1000 inputs, each a random 3×3 crop (RandomCrop, no padding) of one randomly
// chosen channel (RandChannel) of a normalised training image; every ReLU's output sign over a 4-D
// input gives each input a binary pattern, and the score is the number of distinct patterns.
//
// The metric draws its inputs in the scored graph's input shape (channels picked without replacement,
// then a crop). Given an NB201 network (as the CLI builds for every metric), it scores TE-NAS's thin
// network of that cell instead (option `thinNb201`); any other graph is scored as given, so a caller
// can pass `teNasThinNb201(arch)` or its own small network directly.
import { GraphBuilder } from "../ir/builder.js";
import type { Graph } from "../ir/graph.js";
import { type InitScheme, initWeights } from "../ir/init.js";
import { type ForwardTimings, NodeProbe, newTimings } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { NB201_EDGES, type Nb201Arch, type Nb201Op, nb201Cell } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { failed, type Metric, type MetricInput, type MetricResult } from "./metric.js";
import { reluInputs } from "./naswot.js";

/** TE-NAS's input: one channel, 3×3 (Linear_Region_Collector input_size=(1000, 1, 3, 3)). */
export const LINEAR_REGION_INPUT_SHAPE: readonly number[] = [1, 3, 3];

export interface LinearRegionOptions {
  /** Inputs per forward pass; BN normalises with each batch's statistics (reference: 1000). */
  readonly batchSize: number;
  /** Passes whose patterns are pooled before counting (reference sample_batch: 3). */
  readonly batches: number;
  /**
   * Independent counts averaged, each with fresh weights and inputs (reference prune_launch.py:
   * repeat 3; there its re-initialisation is a no-op, see `init`, so only the inputs change).
   */
  readonly repeats: number;
  /**
   * Reference: PyTorch's default init. prune_launch.py asks for 'kaiming_normal', but init_model
   * only knows 'kaiming_norm_fanin'/'_fanout', so the network keeps its default
   * kaiming_uniform(a=√5) weights, i.e. our kaiming_uniform.
   */
  readonly init: InitScheme;
  /** Score TE-NAS's thin network of the cell when the graph is an NB201 network (see nb201CellOf). */
  readonly thinNb201: boolean;
}

export const LINEAR_REGION_DEFAULTS: LinearRegionOptions = {
  batchSize: 1000,
  batches: 3,
  repeats: 3,
  init: "kaiming_uniform",
  thinNb201: true,
};

/**
 * TE-NAS's thin network for an NB201 cell (TinyNetworkDarts with C=1, N=1, depth=1, use_stem=False,
 * at one path of its supernet): the cell on a 1×3×3 input, BN + ReLU, global pooling, linear.
 * Ops as xautodl's: none → ×0, skip → identity, convs → ReLU·Conv·BN, avg-pool 3×3 without padding
 * counted. Unlike the pruning supernet, ops that are not on the path are not built, so their ReLUs
 * add no pattern bits.
 */
export function teNasThinNb201(arch: Nb201Arch, numClasses = 10): Graph {
  const b = new GraphBuilder(LINEAR_REGION_INPUT_SHAPE);
  const out = nb201Cell(b, b.input, arch, LINEAR_REGION_INPUT_SHAPE[0]!);
  const features = b.within("head", () => b.globalAvgPool(b.relu(b.batchNorm(out))));
  const logits = b.within("head", () => b.linear(features, numClasses));
  return b.build({ features, logits });
}

/**
 * The cell of a network built by spaces/nb201.ts, read from the nodes of its first cell (scope
 * "s0c0/e<to><from>/"), or undefined when the graph is not such a network.
 */
export function nb201CellOf(graph: Graph): Nb201Arch | undefined {
  const ops: Nb201Op[] = [];
  for (const [to, from] of NB201_EDGES) {
    const nodes = graph.nodes.filter((n) => n.name.startsWith(`s0c0/e${to}${from}/`));
    const only = nodes.length === 1 ? nodes[0]!.op : undefined;
    const conv = nodes.length === 3 ? nodes.find((n) => n.op.kind === "conv")?.op : undefined;
    if (only?.kind === "zero") ops.push("none");
    else if (only?.kind === "identity") ops.push("skip_connect");
    else if (only?.kind === "pool" && only.mode === "avg") ops.push("avg_pool_3x3");
    else if (conv?.kind === "conv" && conv.kernel[0] === 3) ops.push("nor_conv_3x3");
    else if (conv?.kind === "conv" && conv.kernel[0] === 1) ops.push("nor_conv_1x1");
    else return undefined;
  }
  return ops;
}

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
  options: Partial<LinearRegionOptions> & { seed?: number } = {},
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
      `linear regions: ${perBatch} ReLU values per batch; count them on a small network (e.g. teNasThinNb201)`,
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

export const linearRegions: Metric<LinearRegionOptions> = {
  name: "linear_regions",
  description:
    "TE-NAS linear regions: distinct ReLU sign patterns over 3×1000 random crops, on TE-NAS's thin network for NB201 cells (VITA-Group/TENAS)",
  values: [
    {
      name: "linear_regions",
      higherIsBetter: true,
      description:
        "distinct activation patterns over 3,000 random 1×3×3 crops on TE-NAS's thin network (teNasThinNb201)",
    },
  ],
  defaults: LINEAR_REGION_DEFAULTS,
  async compute(input: MetricInput, options: Partial<LinearRegionOptions> = {}): Promise<MetricResult> {
    const o = { ...LINEAR_REGION_DEFAULTS, ...options };
    const cell = o.thinNb201 ? nb201CellOf(input.graph) : undefined;
    const r = await linearRegionCount(
      cell ? teNasThinNb201(cell, input.data.numClasses) : input.graph,
      input.data,
      { ...o, seed: input.seed },
      input.runtime,
    );
    if (r.units === 0) return failed(linearRegions, "the network has no ReLU on a feature map");
    return { values: { linear_regions: r.regions } };
  },
};
