// The empirical NTK at initialisation, Θ = J Jᵀ with J[n] = ∂(Σ_c f_c(x_n))/∂θ, as TE-NAS builds it:
// gradients w.r.t. every "weight" parameter (conv, linear and BN γ), BN in train mode so samples
// are coupled through batch statistics, hence one backward pass per sample. Reports λ_min, λ_max,
// the condition number κ = λ_max/λ_min (TE-NAS: lower is better) and the trace; Zhu et al. (2022)
// rank by λ_min (higher is better).
import * as v from "valibot";
import type { Graph } from "../ir/graph.js";
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import { compilePerSampleGradients, PER_SAMPLE_ROWS } from "../onnx/gradient.js";
import { bakedGradientSession } from "../onnx/gradientSession.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { firstBatch, initialWeights } from "./gradientPass.js";
import { checkFinite, defineMetric, failed, type Metric } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, oneOf, option } from "./options.js";

export const NTK_OPTIONS = v.strictObject({
  /** Images from the front of the data (TE-NAS on NB201: 72); the kernel is batch × batch. */
  batchSize: option(integer(1), 72),
  /**
   * TE-NAS asks for kaiming_normal, but its init function matches no branch for that setting, so its
   * networks keep PyTorch's default init (kaiming_uniform here).
   */
  init: option(initScheme(), "kaiming_uniform"),
  bnMode: option(oneOf(["train", "inference"]), "train"),
});

export type NtkOptions = OptionsOf<typeof NTK_OPTIONS>;

export const NTK_DEFAULTS: NtkOptions = defaultsOf(NTK_OPTIONS);

/** Row i of the Gram matrix (and its mirror) in fp64, two accumulators to shorten the dependency chain. */
function gramRow(rows: readonly Float32Array[], next: Float32Array, gram: Float64Array, n: number): void {
  const i = rows.length;
  for (let j = 0; j <= i; j++) {
    const other = j === i ? next : rows[j]!;
    let s0 = 0;
    let s1 = 0;
    const len = next.length;
    let k = 0;
    for (; k + 1 < len; k += 2) {
      s0 += next[k]! * other[k]!;
      s1 += next[k + 1]! * other[k + 1]!;
    }
    if (k < len) s0 += next[k]! * other[k]!;
    gram[i * n + j] = s0 + s1;
    gram[j * n + i] = s0 + s1;
  }
}

/**
 * Row n of the Jacobian of the per-sample summed logits w.r.t. `params` (concatenated in order), for
 * each sample of the batch: one forward and, inside the same ONNX Runtime run, one backward pass per
 * sample seeded with ones on that sample's logits (compilePerSampleGradients). It used to be one
 * forward+backward run per sample: 72 runs at TE-NAS's batch, each repeating the forward.
 */
export async function perSampleGradients(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  params: readonly string[],
  images: Float32Array,
  n: number,
  bnMode: "train" | "inference",
  runtime: RuntimeOptions,
  onRow: (row: Float32Array, sample: number) => void,
): Promise<void> {
  const session = await bakedGradientSession(
    () => compilePerSampleGradients(graph, { bnMode, params, initializers: weights }),
    runtime,
  );
  try {
    const out = await session.run({ input: { data: images, dims: [n, ...graph.inputShape] } });
    const rows = out[PER_SAMPLE_ROWS]!.data;
    const size = rows.length / n;
    for (let i = 0; i < n; i++) onRow(rows.subarray(i * size, (i + 1) * size), i);
  } finally {
    await session.release();
  }
}

export const ntk: Metric<NtkOptions> = defineMetric({
  name: "ntk",
  description: "empirical NTK spectrum at initialisation (TE-NAS: per-sample gradients of summed logits)",
  values: [
    { name: "ntk_cond", higherIsBetter: false, description: "condition number λ_max/λ_min (TE-NAS)" },
    { name: "ntk_lambda_min", higherIsBetter: true, description: "smallest eigenvalue (Zhu et al. 2022)" },
    { name: "ntk_lambda_max", higherIsBetter: true, description: "largest eigenvalue" },
    { name: "ntk_trace", higherIsBetter: true, description: "trace" },
  ],
  options: NTK_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const weights = await initialWeights(input, o.init);
    const params = input.graph.nodes.flatMap((node) =>
      node.params.filter((p) => p.role === "weight" || p.role === "bn_gamma").map((p) => p.name),
    );
    const batch = firstBatch(input, o.batchSize);
    const n = batch.count;
    const gram = new Float64Array(n * n);
    const rows: Float32Array[] = [];
    await perSampleGradients(
      input.graph,
      weights,
      params,
      batch.images,
      n,
      o.bnMode,
      input.runtime,
      (row) => {
        gramRow(rows, row, gram, n);
        rows.push(row);
      },
    );
    if (gram.some((v) => !Number.isFinite(v))) return failed(ntk, "non-finite gradients");
    const { values } = symmetricEigen(dense(n, n, gram));
    const sorted = Float64Array.from(values).sort();
    const min = sorted[0]!;
    const max = sorted[n - 1]!;
    const trace = sorted.reduce((s, v) => s + v, 0);
    const result = { ntk_cond: max / min, ntk_lambda_min: min, ntk_lambda_max: max, ntk_trace: trace };
    if (!(min > 0))
      return { values: { ...result, ntk_cond: Number.NaN }, reason: `NTK is singular (λ_min = ${min})` };
    return checkFinite(result);
  },
});
