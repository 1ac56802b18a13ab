// NASWOT (Mellor et al. 2021, "Neural Architecture Search without Training"), as computed by
// BayesWatch/nas-without-training (score_networks.py, scores.py): for one batch of training images,
// every ReLU module's input x gives each sample a binary code c = (x > 0); the kernel
// K_H = Σ_ReLU c cᵀ + (1−c)(1−c)ᵀ counts, for each pair of samples, the units on which their codes
// agree; the score is log|det K_H| (numpy slogdet). Network at PyTorch's default init, train-mode BN.
import * as v from "valibot";
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import {
  type ForwardTimings,
  freshRunningStatistics,
  type Images,
  NodeProbe,
  newTimings,
  type ProbeTail,
} from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { defineMetric, failed, frontBatch, type Metric } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, oneOf, option } from "./options.js";

export const NASWOT_OPTIONS = v.strictObject({
  /** Images from the front of the data (reference: 128). */
  batchSize: option(integer(1), 128),
  /**
   * Reference: PyTorch's default init, i.e. kaiming_uniform (U(±1/√fan_in)) for conv and linear
   * weights, BN γ=1 β=0. PyTorch also draws biases from U(±1/√fan_in) where ours are zero; NB201
   * convs have no bias and the classifier's bias lies after the last ReLU, so codes are unaffected.
   */
  init: option(initScheme(), "kaiming_uniform"),
  /** Reference: train (the network is never put in eval mode). */
  bnMode: option(oneOf(["train", "inference"]), "train"),
});

export type NaswotOptions = OptionsOf<typeof NASWOT_OPTIONS>;

export const NASWOT_DEFAULTS: NaswotOptions = defaultsOf(NASWOT_OPTIONS);

/**
 * The ReLU family: the reference hooks every module whose class name contains "ReLU" (ReLU, ReLU6,
 * LeakyReLU), and each one's code is its input's sign, x > 0. (MobileNetV2's only nonlinearity is
 * ReLU6.)
 */
export const RELU_FAMILY: ReadonlySet<string> = new Set(["relu", "relu6", "leaky_relu"]);

/**
 * Tensors read by ReLUs, each with the number of ReLU nodes reading it: the reference hooks every
 * ReLU module, so a tensor feeding two ReLUs (two conv edges leaving one cell node) counts twice.
 */
export function reluInputs(graph: Graph, filter: (input: Node) => boolean = () => true): Map<number, number> {
  const counts = new Map<number, number>();
  for (const n of graph.nodes) {
    if (n.op.kind !== "act" || !RELU_FAMILY.has(n.op.fn)) continue;
    const input = n.inputs[0]!;
    if (filter(graph.nodes[input]!)) counts.set(input, (counts.get(input) ?? 0) + 1);
  }
  return counts;
}

/**
 * In-graph (x > 0) codes and their Gram matrix P Pᵀ per tensor, so only batch × batch values leave
 * ONNX Runtime. The product is an 8-bit integer GEMM (MatMulInteger, u8 × s8 → i32), exact; on an
 * NB201 cell at batch 128 the whole run took 0.52–0.54 s against 0.62–0.73 s with an fp32 GEMM of
 * the same 0/1 matrices (which is as costly as the forward itself). Counts (≤ units per sample < 2²⁴)
 * cast exactly to float.
 */
function gramTail(tensors: ReadonlyMap<number, string>): ProbeTail {
  const nodes: ProbeTail["nodes"] = [];
  const outputs: Array<{ name: string; dims: string[] }> = [];
  for (const [, x] of tensors) {
    const p = `${x}::positive`;
    nodes.push(
      { opType: "Greater", input: [x, "naswot::zero"], output: [`${p}_bool`] },
      { opType: "Cast", input: [`${p}_bool`], output: [`${p}_u8`], attribute: [castTo(UINT8)] },
      { opType: "Flatten", input: [`${p}_u8`], output: [p], attribute: [axis1] },
      { opType: "Cast", input: [p], output: [`${p}_s8`], attribute: [castTo(INT8)] },
      { opType: "Transpose", input: [`${p}_s8`], output: [`${p}_t`], attribute: [perm10] },
      { opType: "MatMulInteger", input: [p, `${p}_t`], output: [`${x}::gram_i32`] },
      { opType: "Cast", input: [`${x}::gram_i32`], output: [`${x}::gram`], attribute: [castTo(FLOAT)] },
    );
    outputs.push({ name: `${x}::gram`, dims: ["N", "N"] });
  }
  return { nodes, outputs, initializers: [zeroScalar("naswot::zero")] };
}

// onnx.AttributeProto.AttributeType and TensorProto.DataType codes.
const INT = 2;
const INTS = 7;
const FLOAT = 1;
const UINT8 = 2;
const INT8 = 3;
const castTo = (type: number) => ({ name: "to", type: INT, i: type });
const axis1 = { name: "axis", type: INT, i: 1 };
const perm10 = { name: "perm", type: INTS, ints: [1, 0] };
/** A float scalar 0 as an ONNX initializer (Greater's right operand). */
export function zeroScalar(name: string) {
  return { name, dims: [], dataType: 1, rawData: new Uint8Array(4) };
}

export interface NaswotKernel {
  /** K_H, batch × batch, row-major. */
  readonly kernel: Float64Array;
  readonly batch: number;
  /** ReLU units per sample summed over ReLU modules (the diagonal of K_H). */
  readonly units: number;
}

/** K_H of one batch under the given weights. */
export async function naswotKernel(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  images: Images,
  o: { bnMode: "train" | "inference"; runtime: RuntimeOptions; timings: ForwardTimings },
): Promise<NaswotKernel> {
  const relus = reluInputs(graph);
  const b = images.count;
  const kernel = new Float64Array(b * b);
  let units = 0;
  if (relus.size === 0) return { kernel, batch: b, units };
  const ids = [...relus.keys()];
  const probe = await NodeProbe.create(graph, { ...o, nodes: ids, baked: weights, tail: gramTail });
  try {
    const names = ids.map((id) => `${probe.outputName(id)}::gram`);
    const grams = await probe.run(images, names);
    ids.forEach((id, t) => {
      const m = relus.get(id)!;
      const n = numel(graph.nodes[id]!.shape);
      if (n >= 2 ** 24)
        throw new Error(`ReLU input ${graph.nodes[id]!.name} too large for exact fp32 counts`);
      units += m * n;
      const g = grams[names[t]!]!;
      // Agreements = n − (ones of i) − (ones of j) + 2·(ones shared); the diagonal of P Pᵀ holds the ones.
      for (let i = 0; i < b; i++) {
        const gi = g[i * b + i]!;
        for (let j = 0; j < b; j++) kernel[i * b + j]! += m * (n - gi - g[j * b + j]! + 2 * g[i * b + j]!);
      }
    });
  } finally {
    await probe.release();
  }
  return { kernel, batch: b, units };
}

/** sign and log|det| of a square matrix by LU with partial pivoting in fp64 (numpy's slogdet). */
export function slogdet(matrix: Float64Array, n: number): { sign: number; logAbsDet: number } {
  const a = Float64Array.from(matrix);
  let sign = 1;
  let logAbsDet = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i * n + k]!) > Math.abs(a[p * n + k]!)) p = i;
    const pivot = a[p * n + k]!;
    if (pivot === 0 || !Number.isFinite(pivot)) return { sign: 0, logAbsDet: Number.NEGATIVE_INFINITY };
    if (p !== k) {
      sign = -sign;
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]!;
        a[k * n + j] = a[p * n + j]!;
        a[p * n + j] = t;
      }
    }
    if (pivot < 0) sign = -sign;
    logAbsDet += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < n; i++) {
      const f = a[i * n + k]! / pivot;
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) a[i * n + j]! -= f * a[k * n + j]!;
    }
  }
  return { sign, logAbsDet };
}

export interface NaswotResult {
  readonly score: number;
  readonly sign: number;
  readonly units: number;
  readonly timings: ForwardTimings & { kernel: number };
}

export async function naswotScore(
  graph: Graph,
  images: Images,
  options: Partial<NaswotOptions> & { seed?: number } = {},
  runtime: RuntimeOptions = {},
): Promise<NaswotResult> {
  const o = { ...NASWOT_DEFAULTS, ...options };
  const timings = newTimings();
  const weights = initWeights(graph, o.init, options.seed ?? 0, "naswot");
  if (o.bnMode === "inference") for (const [k, v] of freshRunningStatistics(graph)) weights.set(k, v);
  const { kernel, batch, units } = await naswotKernel(graph, weights, images, {
    bnMode: o.bnMode,
    runtime,
    timings,
  });
  const start = performance.now();
  const { sign, logAbsDet } = slogdet(kernel, batch);
  return {
    score: logAbsDet,
    sign,
    units,
    timings: { ...timings, kernel: (performance.now() - start) / 1000 },
  };
}

export const naswot: Metric<NaswotOptions> = defineMetric({
  name: "naswot",
  description:
    "NASWOT: log|det K_H| of the ReLU-code agreement kernel of one batch (BayesWatch/nas-without-training)",
  values: [
    {
      name: "naswot",
      higherIsBetter: true,
      description: "log|K_H| over the first 128 images, train-mode BN, PyTorch default init",
    },
  ],
  options: NASWOT_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const images = frontBatch(input.data, o.batchSize);
    const r = await naswotScore(input.graph, images, { ...o, seed: input.seed }, input.runtime);
    if (r.units === 0) return failed(naswot, "the network has no ReLU");
    if (r.sign === 0) return failed(naswot, "K_H is singular (slogdet = −∞): samples share identical codes");
    return { values: { naswot: r.score } };
  },
});
