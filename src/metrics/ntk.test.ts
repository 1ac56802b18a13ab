import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { Rng } from "../util/random.js";
import { ntk, perSampleGradients } from "./ntk.js";
import { gaussianImages } from "./testData.js";

function smallNet() {
  const b = new GraphBuilder([2, 5, 5]);
  const a = b.relu(b.batchNorm(b.conv(b.input, 4, 3, { padding: 1 })));
  const features = b.globalAvgPool(b.add([a, b.relu(b.batchNorm(b.conv(a, 4, 1)))]));
  const logits = b.linear(features, 3);
  return b.build({ features, logits });
}

test("per-sample Jacobian rows match finite differences of each sample's summed logits (train-mode BN couples samples)", async () => {
  const graph = smallNet();
  const n = 4;
  const data = gaussianImages(n, [2, 5, 5], 3, 2);
  const weights = initWeights(graph, "kaiming_normal", 1);
  const params = graph.nodes.flatMap((node) =>
    node.params.filter((p) => p.role !== "bias" && p.role !== "bn_beta").map((p) => p.name),
  );
  const rows: Float32Array[] = [];
  await perSampleGradients(graph, weights, params, data.images, n, "train", { threads: 1 }, (row) =>
    rows.push(row),
  );

  const rng = new Rng(0, "ntk-test");
  const h = 1e-4;
  const plus = new Map(weights);
  const minus = new Map(weights);
  const direction: number[] = [];
  for (const p of params) {
    const w = weights.get(p)!;
    const step = Float64Array.from(w, () => h * rng.normal());
    plus.set(
      p,
      Float32Array.from(w, (v, i) => v + step[i]!),
    );
    minus.set(
      p,
      Float32Array.from(w, (v, i) => v - step[i]!),
    );
    plus.get(p)!.forEach((v, i) => {
      direction.push((v - minus.get(p)![i]!) / (2 * h));
    });
  }
  const sums = (w: ReadonlyMap<string, Float32Array>) => {
    const logits = referenceForward(graph, w, data.images, n, { bnMode: "train" })[graph.logits]!;
    return Array.from({ length: n }, (_, s) => logits[s * 3]! + logits[s * 3 + 1]! + logits[s * 3 + 2]!);
  };
  const up = sums(plus);
  const down = sums(minus);
  for (let s = 0; s < n; s++) {
    const fd = (up[s]! - down[s]!) / (2 * h);
    let analytic = 0;
    let scale = 0;
    rows[s]!.forEach((g, i) => {
      analytic += g * direction[i]!;
      scale += Math.abs(g * direction[i]!);
    });
    assert.ok(Math.abs(fd - analytic) <= 2e-3 * scale, `sample ${s}: ${fd} vs ${analytic}`);
  }
});

test("NTK values: trace equals Σ‖J_n‖², κ = λ_max/λ_min, and an all-zero network is singular", async () => {
  const graph = smallNet();
  const data = gaussianImages(6, [2, 5, 5], 3, 2);
  const input = { graph, data, seed: 4, runtime: { threads: 1 } };
  const r = await ntk.compute(input, { batchSize: 6 });
  const v = r.values;
  assert.ok(Math.abs(v.ntk_cond! - v.ntk_lambda_max! / v.ntk_lambda_min!) < 1e-9 * v.ntk_cond!);
  const weights = initWeights(graph, "kaiming_uniform", 4, "init");
  const params = graph.nodes.flatMap((node) =>
    node.params.filter((p) => p.role === "weight" || p.role === "bn_gamma").map((p) => p.name),
  );
  let trace = 0;
  await perSampleGradients(graph, weights, params, data.images, 6, "train", { threads: 1 }, (row) => {
    for (const g of row) trace += g * g;
  });
  assert.ok(Math.abs(v.ntk_trace! - trace) < 1e-6 * trace, `${v.ntk_trace} vs ${trace}`);

  const b = new GraphBuilder([2, 5, 5]);
  const features = b.globalAvgPool(b.zero(b.conv(b.input, 2, 3, { padding: 1 })));
  const dead = b.build({ features, logits: b.linear(features, 3, { bias: false }) });
  const zero = await ntk.compute({ ...input, graph: dead }, { batchSize: 6 });
  assert.ok(Number.isNaN(zero.values.ntk_cond));
  assert.match(zero.reason ?? "", /singular/);
});
