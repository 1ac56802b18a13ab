// Zen-Score (Lin et al., ICCV 2021, "Zen-NAS"), as computed by idstcv/ZenNAS
// (ZeroShotProxy/compute_zen_score.py, called from evolution_search.py with repeat=1 on a freshly
// built network with no_reslink=True; batch 64 in its CIFAR scripts): conv and linear weights N(0,1),
// BN γ=1 β=0, train-mode BN; Gaussian inputs x and ε; with f the pre-global-pooling feature map,
//   zen = log( mean_b ‖f(x_b) − f(x_b + γ ε_b)‖₁ ) + Σ_BN log √(mean_c running_var_c),
// where running_var is each BN's running variance after the two forward passes (PyTorch momentum 0.1
// from 1, unbiased batch variance), carried over between repeats as the reference's loop does.
import * as v from "valibot";
import type { Graph } from "../ir/graph.js";
import { batchNormNodes, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { withoutResidualShortcuts } from "../ir/transform.js";
import { batchVarName } from "../onnx/compile.js";
import { type ForwardTimings, NodeProbe, newTimings } from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { defineMetric, failed, type Metric } from "./metric.js";
import {
  between,
  defaultsOf,
  flag,
  initScheme,
  integer,
  type OptionsOf,
  option,
  positive,
} from "./options.js";

export const ZEN_OPTIONS = v.strictObject({
  /** Gaussian images per pass (reference CIFAR scripts: 64). */
  batchSize: option(integer(1), 64),
  /** Re-initialisations averaged (reference search: 1; its standalone script: 32). */
  repeats: option(integer(1), 1),
  /** Mixup coefficient γ (reference: 0.01). */
  gamma: option(positive(), 0.01),
  /** Reference: standard_normal (network_weight_gaussian_init). */
  init: option(initScheme(), "standard_normal"),
  /**
   * Score the network without its residual shortcuts (reference: no_reslink=True). On NB201 these are
   * the reduction blocks' avg-pool + 1×1-conv shortcuts; the cell's skip_connect edges are searched
   * ops, not residual links, and stay (see residualShortcuts in ir/transform.ts).
   */
  removeResidual: option(flag(), true),
  /** PyTorch's BN momentum, for the running variances the score reads. */
  bnMomentum: option(between(0, 1), 0.1),
});

export type ZenOptions = OptionsOf<typeof ZEN_OPTIONS>;

export const ZEN_DEFAULTS: ZenOptions = defaultsOf(ZEN_OPTIONS);

/** The node whose output is global-average-pooled into `features` (or `features` when it is no GAP). */
export function preGapNode(graph: Graph): number {
  const f = graph.nodes[graph.features]!;
  return f.op.kind === "globalAvgPool" ? f.inputs[0]! : f.id;
}

/** Gaussian inputs x and x + γε of one repeat (`size` values each). */
export function zenInputs(size: number, gamma: number, seed: number, repeat: number) {
  const rng = new Rng(seed, "zen-inputs", repeat);
  const x = new Float32Array(size);
  for (let i = 0; i < size; i++) x[i] = rng.normal();
  const mixed = new Float32Array(size);
  for (let i = 0; i < size; i++) mixed[i] = x[i]! + gamma * rng.normal();
  return { x, mixed };
}

function ancestors(graph: Graph, id: number): Set<number> {
  const seen = new Set<number>();
  const stack = [id];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    stack.push(...graph.nodes[n]!.inputs);
  }
  return seen;
}

export interface ZenResult {
  readonly score: number;
  readonly perRepeat: ReadonlyArray<{ readonly logDelta: number; readonly logBnScaling: number }>;
  readonly timings: ForwardTimings;
}

export async function zenScore(
  graph: Graph,
  options: Partial<ZenOptions> & { seed?: number } = {},
  runtime: RuntimeOptions = {},
): Promise<ZenResult> {
  const o = { ...ZEN_DEFAULTS, ...options };
  const seed = options.seed ?? 0;
  const net = o.removeResidual ? withoutResidualShortcuts(graph) : graph;
  const pre = preGapNode(net);
  const upstream = ancestors(net, pre);
  // BatchNorm2d layers the pre-GAP pass goes through; any other BN keeps running_var = 1 (log 1 = 0).
  const bns = batchNormNodes(net).filter((bn) => bn.shape.length === 3 && upstream.has(bn.id));
  const running = bns.map((bn) => new Float64Array(bn.shape[0]!).fill(1));
  const per = numel(net.inputShape);
  const featureSize = numel(net.nodes[pre]!.shape);
  const timings = newTimings();
  const perRepeat: Array<{ logDelta: number; logBnScaling: number }> = [];

  for (let r = 0; r < o.repeats; r++) {
    const weights = initWeights(net, o.init, seed, "zen", r);
    const { x, mixed } = zenInputs(o.batchSize * per, o.gamma, seed, r);

    const probe = await NodeProbe.create(net, {
      bnMode: "train",
      nodes: [pre],
      baked: weights,
      runtime,
      timings,
    });
    let outputs: Array<Record<string, Float32Array>>;
    const name = probe.outputName(pre);
    const fetch = [name, ...bns.map(batchVarName)];
    try {
      outputs = [
        await probe.run({ data: x, count: o.batchSize }, fetch),
        await probe.run({ data: mixed, count: o.batchSize }, fetch),
      ];
    } finally {
      await probe.release();
    }

    const f0 = outputs[0]![name]!;
    const f1 = outputs[1]![name]!;
    let total = 0;
    for (let i = 0; i < o.batchSize * featureSize; i++) total += Math.abs(f0[i]! - f1[i]!);
    const logDelta = Math.log(total / o.batchSize);

    let logBnScaling = 0;
    bns.forEach((bn, k) => {
      const n = o.batchSize * numel(bn.shape.slice(1));
      const bessel = n > 1 ? n / (n - 1) : 1;
      const rv = running[k]!;
      for (const out of outputs) {
        const v = out[batchVarName(bn)]!;
        for (let c = 0; c < rv.length; c++)
          rv[c] = (1 - o.bnMomentum) * rv[c]! + o.bnMomentum * v[c]! * bessel;
      }
      let mean = 0;
      for (let c = 0; c < rv.length; c++) mean += rv[c]! / rv.length;
      logBnScaling += Math.log(Math.sqrt(mean));
    });
    perRepeat.push({ logDelta, logBnScaling });
  }
  const score = perRepeat.reduce((s, p) => s + p.logDelta + p.logBnScaling, 0) / perRepeat.length;
  return { score, perRepeat, timings };
}

export const zen: Metric<ZenOptions> = defineMetric({
  name: "zen",
  description:
    "Zen-Score: log expected pre-GAP response to a γ=0.01 input perturbation + BN scaling (idstcv/ZenNAS)",
  values: [
    {
      name: "zen",
      higherIsBetter: true,
      description:
        "log E‖f(x)−f(x+γε)‖₁ + Σ_BN log √(mean running var), N(0,1) init, residual shortcuts removed",
    },
  ],
  options: ZEN_OPTIONS,
  async run(input, options) {
    const r = await zenScore(input.graph, { ...options, seed: input.seed }, input.runtime);
    if (r.perRepeat.some((p) => p.logDelta === Number.NEGATIVE_INFINITY))
      return failed(zen, "the pre-GAP features do not respond to the input perturbation (‖Δf‖ = 0)");
    if (!Number.isFinite(r.score)) return failed(zen, `non-finite zen score ${r.score}`);
    return { values: { zen: r.score } };
  },
});
