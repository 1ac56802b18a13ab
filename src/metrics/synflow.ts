// SynFlow (Tanaka et al. 2020) as zero-cost-nas scores it: BN removed, every parameter replaced by
// its absolute value, an all-ones input of batch 1, R = Σ outputs; score Σ |w|·∂R/∂w over conv and
// linear weights. The reference runs in float64 because R overflows float32 on deep cells (~1e40);
// ONNX Runtime has no float64 Conv, so we stay in float32 and rescale exactly instead:
// with ReLU-family activations and all-positive values the network is positively homogeneous in
// (input, biases), so scaling both by c scales every activation by c, and seeding the backward with
// d scales every gradient by d. Choosing c·d ≈ 1/R keeps every intermediate in float32 range, and
// w·∂R/∂w = (w·G)/(c·d) recovers the score. c and d are powers of two, so the scaling is exact.

import * as v from "valibot";
import { type Graph, numel, type Param } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { withoutBatchNorm } from "../ir/transform.js";
import { compileGradient, gradName } from "../onnx/gradient.js";
import { GradientModelSession } from "../onnx/gradientSession.js";
import { prunableLayers, weightOf, ZERO_COST_OPTIONS } from "./gradientPass.js";
import { checkFinite, defineMetric, failed, type Metric, type MetricInput } from "./metric.js";

/** SynFlow reads no images (its input is all ones), so only the init is an option. */
export const SYNFLOW_OPTIONS = v.strictObject({ init: ZERO_COST_OPTIONS.entries.init });

const HOMOGENEOUS = new Set(["relu", "leaky_relu", "identity"]);

/** Whether scaling input and biases by c > 0 scales the output by c (given non-negative values). */
function positivelyHomogeneous(graph: Graph): boolean {
  return graph.nodes.every((n) => n.op.kind !== "act" || HOMOGENEOUS.has(n.op.fn));
}

const isShift = (p: Param) => p.role === "bias" || p.role === "bn_beta";

/**
 * One session serves both passes: biases (and BN shifts) are fed rather than baked, so the probe
 * forward and the scaled gradient pass are two batch-1 runs of the same model (a second session,
 * for the probe alone, cost more than the runs). The weights stay baked for ORT's fast conv path.
 */
async function synflowSession(graph: Graph, abs: ReadonlyMap<string, Float32Array>, input: MetricInput) {
  const shifts = graph.nodes.flatMap((n) => n.params).filter(isShift);
  const baked = new Map(abs);
  for (const p of shifts) baked.delete(p.name);
  const model = compileGradient(graph, {
    bnMode: "inference",
    loss: "seeded",
    params: prunableLayers(graph).map(weightOf),
    initializers: baked,
    logits: true,
  });
  const session = await GradientModelSession.create(model.bytes, input.runtime);
  const classes = graph.nodes[graph.logits]!.shape[0]!;
  /** Input c·1 with biases scaled by c, the backward seeded with d on every logit. */
  const run = (c: number, d: number) =>
    session.run({
      input: { data: new Float32Array(numel(graph.inputShape)).fill(c), dims: [1, ...graph.inputShape] },
      seed: { data: new Float32Array(classes).fill(d), dims: [1, classes] },
      ...Object.fromEntries(
        shifts.map((p) => [p.name, { data: abs.get(p.name)!.map((v) => v * c), dims: p.shape }]),
      ),
    });
  return { run, release: () => session.release() };
}

export const synflow: Metric<v.InferOutput<typeof SYNFLOW_OPTIONS>> = defineMetric({
  name: "synflow",
  description: "synaptic flow Σ|w|·∂R/∂w with BN removed, |θ|, all-ones input (zero-cost-nas synflow)",
  values: [{ name: "synflow", higherIsBetter: true, description: "Σ |w|·∂R/∂w over conv/linear weights" }],
  options: SYNFLOW_OPTIONS,
  async run(input, { init }) {
    const graph = withoutBatchNorm(input.graph);
    const abs = initWeights(graph, init, input.seed, "init");
    for (const [name, v] of abs) abs.set(name, v.map(Math.abs));

    const session = await synflowSession(graph, abs, input);
    try {
      let c = 1;
      let d = 1;
      if (positivelyHomogeneous(graph)) {
        // R·2^-120 fits float32 for any R below ~4e74; then aim for c·R ≈ 1 split evenly with d.
        // (The probe's own gradients may overflow; they are not read.)
        const probe = 2 ** -120;
        const r = (await session.run(probe, 1)).logits!.data.reduce((s, v) => s + v, 0) / probe;
        if (!Number.isFinite(r))
          return failed(synflow, `output sum overflows even when scaled (R·2^-120 = ${r * probe})`);
        if (r > 0) {
          const half = Math.round(Math.log2(r) / 2);
          c = 2 ** -half;
          d = 2 ** -half;
        }
      }
      const out = await session.run(c, d);
      let total = 0;
      for (const layer of prunableLayers(graph)) {
        const w = abs.get(weightOf(layer))!;
        const g = out[gradName(weightOf(layer))]!.data;
        let s = 0;
        for (let i = 0; i < w.length; i++) s += w[i]! * g[i]!;
        total += s / (c * d);
      }
      return checkFinite({ synflow: total });
    } finally {
      await session.release();
    }
  },
});
