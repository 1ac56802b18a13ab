// epsinas (E. Gracheva, arXiv 2302.04406, 2023, the paper the repository's README links; it follows
// her arXiv 2103.08312, 2021, on untrained-performance estimation), as computed by egracheva/epsinas
// (NAS-Bench-201/epsinas_utils.py, compute_epsinas; settings of NAS-Bench-201/Reproduce.ipynb): every weight of the network is set to one constant w — conv and
// linear weights and affine BN's γ, biases and BN's β zero — and one batch of 256 training images
// goes through it, once with w = 1e-7 and once with w = 1 (the notebook's NB201 pair; its NB101 pair
// is 1e-4 and 10). Each run's outputs (all samples × classes, flattened) are min-max normalised over
// the whole batch to p ∈ [0, 1]; entries equal to 0 (the run's minimum) are dropped; the score is
//   epsinas = mean_i |p_low,i − p_high,i| / mean(p_low ∪ p_high)
// with the numerator over entries kept in both runs and the denominator over every entry kept
// (numpy's nanmean). Higher is better (the paper's ρ 0.87 / τ 0.69 on NB201 CIFAR-10 is positive).
//
// The reference's BNs keep no running statistics (track_running_stats=False), so they always
// normalise with the batch's own; ours run in train mode for the same reason. Its NB201 network has
// one output (num_classes=1); ours keeps the space's classes, which changes nothing: with constant
// weights and zero biases every logit of a sample is the same number, so each value is repeated
// and min, max, the dropped entries and both means are unchanged. Why the pair differs at all: BN's
// ε (1e-5) dominates the batch variance of layers fed by tiny weights and not of large ones, so the
// relative weight of paths of different depth (skip vs conv chains) differs between the two runs.
// The same effect makes the w = 1e-7 run shrink by ~1e-9 per conv + BN, so on an NB201 cell with
// no conv-free path from its input to its output the 15 stacked cells underflow float32 to an
// all-zero output: the reference (PyTorch, float32) then gives NaN, and so do we (with a reason).
//
// Any IR graph works (it needs only the output node). Imported models' own weights are ignored: the
// constants are the metric. A network without BN whose activations are positively homogeneous
// (ReLU, no bias) gives proportional outputs in the two runs and so a score of ~0 (rounding); an
// output that is constant over the batch (e.g. every path cut by `none`, or fp32 underflow at
// w = 1e-7 in a deep BN-free network) cannot be normalised and fails with a reason, as the
// reference's 0/0 would give NaN. The score is deterministic: no random draw, the seed is unused.
import * as v from "valibot";
import type { Graph } from "../ir/graph.js";
import { allParams, numel } from "../ir/graph.js";
import { type ForwardTimings, forwardOutput, type Images, newTimings } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { defineMetric, failed, frontBatch, type Metric } from "./metric.js";
import { defaultsOf, integer, type OptionsOf, oneOf, option, positive } from "./options.js";

export const EPSINAS_OPTIONS = v.strictObject({
  /** Images from the front of the data (reference: 256). */
  batchSize: option(integer(2), 256),
  /** The small constant every weight takes in the first run (reference NB201: 1e-7). */
  weightLow: option(positive(), 1e-7),
  /** The large constant of the second run (reference NB201: 1). */
  weightHigh: option(positive(), 1),
  /** Which output is normalised: the reference's is the network's first, the logits. */
  output: option(oneOf(["logits", "features"]), "logits"),
});

export type EpsinasOptions = OptionsOf<typeof EPSINAS_OPTIONS>;

export const EPSINAS_DEFAULTS: EpsinasOptions = defaultsOf(EPSINAS_OPTIONS);

/** Every parameter at the constant w: weights and BN γ take w, biases and BN β zero. */
export function constantWeights(graph: Graph, w: number): Map<string, Float32Array> {
  const weights = new Map<string, Float32Array>();
  for (const p of allParams(graph)) {
    const values = new Float32Array(numel(p.shape));
    if (p.role === "weight" || p.role === "bn_gamma") values.fill(w);
    weights.set(p.name, values);
  }
  return weights;
}

function range(out: Float32Array): { min: number; max: number } | string {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const x of out) {
    if (!Number.isFinite(x)) return `non-finite output ${x}`;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return max === min ? `output constant over the batch (${min})` : { min, max };
}

/** Min-max normalised outputs of one run, or why they cannot be normalised. */
function normalised(out: Float32Array): Float64Array | string {
  const r = range(out);
  if (typeof r === "string") return r;
  return Float64Array.from(out, (x) => (x - r.min) / (r.max - r.min));
}

export type EpsinasScore =
  | { readonly score: number; readonly kept: number; readonly reason?: undefined }
  | { readonly score: number; readonly reason: string };

/**
 * The score from the two runs' outputs (same layout), in float64. `kept` counts the entries kept
 * in both runs (neither at its run's minimum), which the numerator averages over.
 */
export function epsinasFromOutputs(low: Float32Array, high: Float32Array): EpsinasScore {
  if (low.length !== high.length) throw new Error(`outputs of ${low.length} and ${high.length} values`);
  const runs = [normalised(low), normalised(high)] as const;
  for (const [k, p] of runs.entries())
    if (typeof p === "string") return { score: Number.NaN, reason: `w = ${k === 0 ? "low" : "high"}: ${p}` };
  const [a, b] = runs as unknown as [Float64Array, Float64Array];
  let diff = 0;
  let kept = 0;
  let sum = 0;
  let entries = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    // The reference turns exact zeros (each run's minimum) into NaN before both means.
    if (x !== 0) {
      sum += x;
      entries++;
    }
    if (y !== 0) {
      sum += y;
      entries++;
    }
    if (x !== 0 && y !== 0) {
      diff += Math.abs(x - y);
      kept++;
    }
  }
  if (kept === 0)
    return { score: Number.NaN, reason: "no output entry above its run's minimum in both runs" };
  return { score: diff / kept / (sum / entries), kept };
}

export interface EpsinasResult {
  readonly score: EpsinasScore;
  /**
   * The runs' raw outputs (batch × output size), low constant first; only the low one when it
   * cannot be normalised (the score is NaN whatever the other run gives, so it is not computed).
   */
  readonly outputs: readonly Float32Array[];
  readonly timings: ForwardTimings;
}

/** Both constant-weight runs over one batch, and the score. */
export async function epsinasScore(
  graph: Graph,
  images: Images,
  options: Partial<EpsinasOptions> = {},
  runtime: RuntimeOptions = {},
): Promise<EpsinasResult> {
  const o = { ...EPSINAS_DEFAULTS, ...options };
  const timings = newTimings();
  const run = async (w: number) => {
    const [out] = await forwardOutput(graph, constantWeights(graph, w), [images], {
      output: o.output,
      bnMode: "train",
      batchSize: images.count,
      runtime,
      timings,
    });
    return out!;
  };
  const low = await run(o.weightLow);
  // Many NB201 cells underflow at w = 1e-7 (see the header): their second run is skipped.
  const lowRange = range(low);
  if (typeof lowRange === "string")
    return { score: { score: Number.NaN, reason: `w = low: ${lowRange}` }, outputs: [low], timings };
  const high = await run(o.weightHigh);
  return { score: epsinasFromOutputs(low, high), outputs: [low, high], timings };
}

export const epsinas: Metric<EpsinasOptions> = defineMetric({
  name: "epsinas",
  description:
    "epsinas: mean |Δ| of min-max normalised outputs under all-1e-7 and all-1 weights over their mean (egracheva/epsinas)",
  values: [
    {
      name: "epsinas",
      higherIsBetter: true,
      description:
        "MAE between the normalised logits of the w=1e-7 and w=1 constant-weight runs / their mean, 256 images, batch-statistics BN",
    },
  ],
  options: EPSINAS_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const images = frontBatch(input.data, o.batchSize);
    const { score } = await epsinasScore(input.graph, images, o, input.runtime);
    if (score.reason !== undefined) return failed(epsinas, score.reason);
    if (!Number.isFinite(score.score)) return failed(epsinas, `non-finite epsinas ${score.score}`);
    return { values: { epsinas: score.score } };
  },
});
