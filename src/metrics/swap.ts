// SWAP-Score (Peng et al., ICLR 2024, "SWAP-NAS: Sample-Wise Activation Patterns"), as computed by
// pym1024/SWAP (src/metrics/swap.py, correlation.py, src/utils/utilities.py): the first 16 training
// images go through the network at a fresh N(0,1) init (network_weight_gaussian_init: conv and
// linear weights N(0,1), biases 0, BN γ=1 β=0; train-mode BN, as the model is never put in eval mode);
// the outputs of every ReLU whose input is a 4-D feature map are concatenated into a samples × neurons
// matrix of signs (0/1 after a ReLU); SWAP is the number of distinct rows of its transpose, i.e. of
// distinct 16-sample patterns over all neurons. correlation.py averages 32 re-initialisations. The
// regularised form multiplies by exp(−(θ−μ)²/σ), θ = parameters / 1000 (count_parameters).

import * as v from "valibot";
import { paramCount } from "../ir/cost.js";
import type { Graph } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { type ForwardTimings, type Images, NodeProbe, newTimings, type ProbeTail } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { checkFinite, defineMetric, failed, frontBatch, type Metric } from "./metric.js";
import { reluInputs, zeroScalar } from "./naswot.js";
import {
  defaultsOf,
  finiteNumber,
  initScheme,
  integer,
  type OptionsOf,
  option,
  positive,
} from "./options.js";

export const SWAP_OPTIONS = v.strictObject({
  /** Images from the front of the data (reference: 16). */
  batchSize: option(integer(1), 16),
  /** Re-initialisations averaged (reference correlation.py: 32). */
  repeats: option(integer(1), 32),
  /** Reference: standard_normal (network_weight_gaussian_init). */
  init: option(initScheme(), "standard_normal"),
  /**
   * Centre and width of the regulariser exp(−(θ−μ)²/σ), θ in thousands of parameters. Neither
   * pym1024/SWAP nor pym1024/SWAP_Universal publishes values for NB201. The default μ = 1500,
   * σ = 1.5·10⁶ equals μ = σ = 1.5 with θ in millions, the default of a public port of SWAP into a
   * zero-cost-nas-style measure registry: a mild preference for the largest NB201 cells (factor 0.26
   * at 73k parameters, 1 at 1.5M). Tune on validation accuracy (DESIGN.md §4) before relying on it.
   */
  mu: option(finiteNumber(), 1500),
  sigma: option(positive(), 1.5e6),
});

export type SwapOptions = OptionsOf<typeof SWAP_OPTIONS>;

export const SWAP_DEFAULTS: SwapOptions = defaultsOf(SWAP_OPTIONS);

/** Bits per code row: fp32 holds integers below 2²⁴ exactly. */
const BITS = 24;

/**
 * In-graph sample-wise patterns: for each probed tensor, code[r][u] = Σ_{i in row block r} 2^(i−24r)·(x_iu > 0),
 * one row per 24 samples, so each neuron's pattern leaves ONNX Runtime as ⌈batch/24⌉ exact floats.
 */
function codeTail(graph: Graph, batch: number): (tensors: ReadonlyMap<number, string>) => ProbeTail {
  const rows = Math.ceil(batch / BITS);
  const weights = new Float32Array(rows * batch);
  for (let i = 0; i < batch; i++) weights[Math.floor(i / BITS) * batch + i] = 2 ** (i % BITS);
  return (tensors) => {
    const nodes: ProbeTail["nodes"] = [];
    const outputs: Array<{ name: string; dims: number[] }> = [];
    const INT = 2;
    for (const [id, x] of tensors) {
      const p = `${x}::positive`;
      nodes.push(
        { opType: "Greater", input: [x, "swap::zero"], output: [`${p}_bool`] },
        {
          opType: "Cast",
          input: [`${p}_bool`],
          output: [`${p}_nd`],
          attribute: [{ name: "to", type: INT, i: 1 }],
        },
        {
          opType: "Flatten",
          input: [`${p}_nd`],
          output: [p],
          attribute: [{ name: "axis", type: INT, i: 1 }],
        },
        { opType: "MatMul", input: ["swap::powers", p], output: [`${x}::codes`] },
      );
      outputs.push({ name: `${x}::codes`, dims: [rows, numel(graph.nodes[id]!.shape)] });
    }
    const powers = {
      name: "swap::powers",
      dims: [rows, batch],
      dataType: 1,
      rawData: new Uint8Array(weights.buffer.slice(0)),
    };
    return { nodes, outputs, initializers: [zeroScalar("swap::zero"), powers] };
  };
}

/** Distinct neuron patterns given each tensor's codes (rows × units, row-major) for `batch` samples. */
export function countDistinctPatterns(codes: readonly Float32Array[], batch: number): number {
  const rows = Math.ceil(batch / BITS);
  if (batch <= 20) {
    // One code per neuron below 2^batch: mark a byte per code.
    const seen = new Uint8Array(2 ** batch);
    let distinct = 0;
    for (const c of codes)
      for (let u = 0; u < c.length; u++) {
        const code = c[u]!;
        if (seen[code] === 0) {
          seen[code] = 1;
          distinct++;
        }
      }
    return distinct;
  }
  if (rows === 1) return new Set(codes.flatMap((c) => [...c])).size;
  const seen = new Set<string>();
  for (const c of codes) {
    const units = c.length / rows;
    for (let u = 0; u < units; u++) {
      let key = "";
      for (let r = 0; r < rows; r++) key += `${c[r * units + u]},`;
      seen.add(key);
    }
  }
  return seen.size;
}

/** exp(−(θ−μ)²/σ) with θ = parameters / 1000. */
export function swapRegulariser(params: number, mu: number, sigma: number): number {
  const theta = params / 1000;
  return Math.exp(-((theta - mu) ** 2) / sigma);
}

export interface SwapResult {
  /** Mean distinct-pattern count over the repeats. */
  readonly swap: number;
  readonly perRepeat: readonly number[];
  readonly regulariser: number;
  readonly neurons: number;
  readonly timings: ForwardTimings & { init: number };
}

export async function swapScore(
  graph: Graph,
  images: Images,
  options: Partial<SwapOptions> & { seed?: number } = {},
  runtime: RuntimeOptions = {},
): Promise<SwapResult> {
  const o = { ...SWAP_DEFAULTS, ...options };
  const timings = { ...newTimings(), init: 0 };
  const regulariser = swapRegulariser(paramCount(graph), o.mu, o.sigma);
  // The reference hooks ReLUs whose input is 4-D; ReLUs reading one tensor repeat its rows, which
  // cannot change the distinct count, so each tensor is probed once.
  const ids = [...reluInputs(graph, (n) => n.shape.length === 3).keys()];
  const neurons = ids.reduce((s, id) => s + numel(graph.nodes[id]!.shape), 0);
  if (ids.length === 0) return { swap: 0, perRepeat: [], regulariser, neurons, timings };
  // Weights are fed, not baked: one session serves all draws. Each draw sees only 16 images, so the
  // baked forward's speed-up does not pay for a session per draw (NB201 cell, 2 threads: ~80 ms per
  // fed run against ~58 ms per baked run + ~90 ms per session).
  const probe = await NodeProbe.create(graph, {
    bnMode: "train",
    nodes: ids,
    tail: codeTail(graph, images.count),
    runtime,
    timings,
  });
  const draw = (r: number) => {
    const start = performance.now();
    const w = initWeights(graph, o.init, options.seed ?? 0, "swap", r);
    timings.init += (performance.now() - start) / 1000;
    return w;
  };
  const perRepeat: number[] = [];
  try {
    const names = ids.map((id) => `${probe.outputName(id)}::codes`);
    for (let r = 0; r < o.repeats; r++) {
      const codes = await probe.run(images, names, draw(r));
      perRepeat.push(
        countDistinctPatterns(
          names.map((n) => codes[n]!),
          images.count,
        ),
      );
    }
  } finally {
    await probe.release();
  }
  const swap = perRepeat.reduce((a, b) => a + b, 0) / perRepeat.length;
  return { swap, perRepeat, regulariser, neurons, timings };
}

export const swap: Metric<SwapOptions> = defineMetric({
  name: "swap",
  description: "SWAP-Score: distinct sample-wise ReLU sign patterns over 16 images (pym1024/SWAP)",
  values: [
    {
      name: "swap",
      higherIsBetter: true,
      description: "distinct 16-image activation patterns over all ReLU neurons, mean of 32 N(0,1) draws",
    },
    {
      name: "swap_reg",
      higherIsBetter: true,
      description: "swap · exp(−(θ−μ)²/σ), θ = parameters/1000",
    },
  ],
  options: SWAP_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const images = frontBatch(input.data, o.batchSize);
    const r = await swapScore(input.graph, images, { ...o, seed: input.seed }, input.runtime);
    if (r.neurons === 0) return failed(swap, "the network has no ReLU on a feature map");
    return checkFinite({ swap: r.swap, swap_reg: r.swap * r.regulariser });
  },
});
