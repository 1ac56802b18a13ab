import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { jacobCov, rowCorrelation } from "./jacobCov.js";
import { gaussianImages } from "./testData.js";

test("rowCorrelation equals numpy.corrcoef on a small matrix", () => {
  // numpy.corrcoef([[1,2,3,4],[2,1,4,3],[4,3,2,1]])
  const c = rowCorrelation(Float32Array.from([1, 2, 3, 4, 2, 1, 4, 3, 4, 3, 2, 1]), 3);
  const expected = [1, 0.6, -1, 0.6, 1, -0.6, -1, -0.6, 1];
  c.forEach((v, i) => {
    assert.ok(Math.abs(v - expected[i]!) < 1e-12, `${i}: ${v}`);
  });
});

test("jacob_cov of a linear network: identical Jacobian rows give eigenvalues n and 0", async () => {
  // Without nonlinearity or BN the input Jacobian is the same for every image, so the correlation
  // matrix is all ones: eigenvalues n (once) and 0 (n−1 times).
  const b = new GraphBuilder([2, 5, 5]);
  const features = b.globalAvgPool(b.conv(b.input, 4, 3, { padding: 1, bias: true }));
  const logits = b.linear(features, 3);
  const graph = b.build({ features, logits });
  const n = 8;
  const r = await jacobCov.compute(
    { graph, data: gaussianImages(n, [2, 5, 5], 3), seed: 0, runtime: { threads: 1 } },
    { batchSize: n },
  );
  const k = 1e-5;
  const expected = -(Math.log(n + k) + 1 / (n + k) + (n - 1) * (Math.log(k) + 1 / k));
  assert.ok(
    Math.abs(r.values.jacob_cov! - expected) < 1e-3 * Math.abs(expected),
    `${r.values.jacob_cov} vs ${expected}`,
  );
});

test("jacob_cov is NaN with a reason when the output ignores the input", async () => {
  const b = new GraphBuilder([1, 3, 3]);
  const features = b.globalAvgPool(b.zero(b.input));
  const logits = b.linear(features, 2);
  const graph = b.build({ features, logits });
  const r = await jacobCov.compute(
    { graph, data: gaussianImages(4, [1, 3, 3], 2), seed: 0, runtime: { threads: 1 } },
    { batchSize: 4 },
  );
  assert.ok(Number.isNaN(r.values.jacob_cov));
  assert.match(r.reason ?? "", /constant/);
});
