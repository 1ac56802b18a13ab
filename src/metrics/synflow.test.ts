import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { synflow } from "./synflow.js";
import { gaussianImages } from "./testData.js";

// A plain chain (no skips) is degree-1 homogeneous in each layer's weights, so by Euler's theorem
// Σ_{w ∈ layer} w·∂R/∂w = R − Σ b (the classifier bias is the only bias) for every layer, and
// synflow = layers·(R − Σ b). Sixty 3×3 convs push R far past float32's range (~1e38).
test("synflow of a deep chain equals layers·(R − Σb) by Euler's theorem, beyond float32 range", async () => {
  const b = new GraphBuilder([2, 4, 4]);
  let x = b.conv(b.input, 16, 3, { padding: 1 });
  const depth = 70;
  for (let i = 1; i < depth; i++) x = b.relu(b.batchNorm(b.conv(b.relu(x), 16, 3, { padding: 1 })));
  const features = b.globalAvgPool(x);
  const logits = b.linear(features, 3);
  const graph = b.build({ features, logits });

  const result = await synflow.compute({
    graph,
    data: gaussianImages(1, [2, 4, 4], 3),
    seed: 5,
    runtime: { threads: 1 },
  });
  // Independent side: R in float64 from the reference forward of |θ| on an all-ones input.
  const { withoutBatchNorm } = await import("../ir/transform.js");
  const plain = withoutBatchNorm(graph);
  const abs = initWeights(plain, "kaiming_uniform", 5, "init");
  for (const [k, v] of abs) abs.set(k, v.map(Math.abs));
  const out = referenceForward(plain, abs, new Float32Array(2 * 16).fill(1), 1, { bnMode: "inference" });
  const r = out[plain.logits]!.reduce((s, v) => s + v, 0);
  const biasSum = abs.get("linear.bias")?.reduce((s, v) => s + v, 0) ?? 0;
  const expected = (depth + 1) * (r - biasSum);
  assert.ok(r > 1e40, `R = ${r} should overflow float32 for the test to mean anything`);
  const got = result.values.synflow!;
  assert.ok(Math.abs(got - expected) <= 1e-4 * expected, `synflow ${got} vs Euler ${expected}`);
});

test("synflow is zero for a network whose output ignores its input", async () => {
  const b = new GraphBuilder([1, 3, 3]);
  const z = b.zero(b.conv(b.input, 2, 3, { padding: 1 }));
  const features = b.globalAvgPool(z);
  const logits = b.linear(features, 2, { bias: false });
  const graph = b.build({ features, logits });
  const input = { graph, data: gaussianImages(1, [1, 3, 3], 2), seed: 1, runtime: { threads: 1 } };
  assert.equal((await synflow.compute(input)).values.synflow, 0);
});
