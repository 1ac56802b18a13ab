// jacob_cov (Mellor et al. 2020, v1; zero-cost-nas): input Jacobians J (one row per image, gradient
// of the summed logits), their correlation matrix C, and −Σ_i (log(v_i + k) + 1/(v_i + k)) over C's
// eigenvalues with k = 1e-5.
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import { gradName } from "../onnx/gradient.js";
import { GradientSession } from "../onnx/gradientSession.js";
import { firstBatch, initialWeights, ZERO_COST_OPTIONS, type ZeroCostOptions } from "./gradientPass.js";
import { checkFinite, defineMetric, failed, type Metric } from "./metric.js";

const K = 1e-5;

/** Pearson correlation matrix of the rows of a [n, d] matrix (numpy.corrcoef), fp64. */
export function rowCorrelation(rows: Float32Array, n: number): Float64Array {
  const d = rows.length / n;
  const centred = new Float64Array(rows.length);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let j = 0; j < d; j++) mean += rows[i * d + j]!;
    mean /= d;
    let ss = 0;
    for (let j = 0; j < d; j++) {
      const v = rows[i * d + j]! - mean;
      centred[i * d + j] = v;
      ss += v * v;
    }
    norms[i] = Math.sqrt(ss);
  }
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = i; k < n; k++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centred[i * d + j]! * centred[k * d + j]!;
      const r = s / (norms[i]! * norms[k]!);
      c[i * n + k] = r;
      c[k * n + i] = r;
    }
  return c;
}

export const jacobCov: Metric<ZeroCostOptions> = defineMetric({
  name: "jacob_cov",
  description: "correlation of per-image input Jacobians (zero-cost-nas jacob_cov; batch 64, train-mode BN)",
  values: [
    { name: "jacob_cov", higherIsBetter: true, description: "−Σ(log(v+k) + 1/(v+k)) over eigenvalues v" },
  ],
  options: ZERO_COST_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const weights = await initialWeights(input, o.init);
    const batch = firstBatch(input, o.batchSize);
    const session = await GradientSession.create(
      input.graph,
      weights,
      { bnMode: "train", loss: "seeded", params: [], wrtInput: true },
      input.runtime,
    );
    let jacobians: Float32Array;
    try {
      const out = await session.run(batch.images, batch.count, new Float32Array(batch.labels.length).fill(1));
      jacobians = out[gradName("input")]!.data;
    } finally {
      await session.release();
    }
    const corr = rowCorrelation(jacobians, batch.count);
    if (corr.some((v) => !Number.isFinite(v)))
      return failed(jacobCov, "an input Jacobian is constant (zero variance)");
    const { values } = symmetricEigen(dense(batch.count, batch.count, corr));
    let score = 0;
    for (const v of values) score -= Math.log(v + K) + 1 / (v + K);
    return checkFinite({ jacob_cov: score });
  },
});
