import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { referenceForward } from "../ir/referenceForward.js";
import { fisher } from "./fisher.js";
import { prunableLayers, sharedCrossEntropyPass, weightOf, ZERO_COST_DEFAULTS } from "./gradientPass.js";
import { gradNorm } from "./gradNorm.js";
import { Memo } from "./metric.js";
import { snip } from "./snip.js";
import { gaussianImages } from "./testData.js";

function tinyNet() {
  const b = new GraphBuilder([2, 4, 4]);
  const a = b.relu(b.batchNorm(b.conv(b.input, 3, 3, { padding: 1 })));
  const c = b.relu(b.batchNorm(b.conv(a, 3, 3, { padding: 1, stride: 2 })));
  const features = b.globalAvgPool(c);
  const logits = b.linear(features, 3);
  return b.build({ features, logits });
}

const batch = 5;
const data = gaussianImages(batch, [2, 4, 4], 3, 9);

test("snip and grad_norm equal their definitions on float64 finite-difference gradients", async () => {
  const graph = tinyNet();
  const input = { graph, data, seed: 2, runtime: { threads: 1 }, memo: new Memo() };
  const o = { ...ZERO_COST_DEFAULTS, batchSize: batch };
  const pass = await sharedCrossEntropyPass(input, o);
  const loss = (w: ReadonlyMap<string, Float32Array>) => {
    const logits = referenceForward(graph, w, data.images.subarray(0, batch * 32), batch, {
      bnMode: "train",
    })[graph.logits]!;
    let total = 0;
    for (let n = 0; n < batch; n++) {
      const row = Array.from(logits.subarray(n * 3, n * 3 + 3));
      const max = Math.max(...row);
      total += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[data.labels[n]!]!;
    }
    return total / batch;
  };
  let snipFd = 0;
  let normFd = 0;
  for (const layer of prunableLayers(graph)) {
    const name = weightOf(layer);
    const w = pass.weights.get(name)!;
    let sq = 0;
    for (let i = 0; i < w.length; i++) {
      const plus = Float32Array.from(w);
      const minus = Float32Array.from(w);
      plus[i] = w[i]! + 1e-3;
      minus[i] = w[i]! - 1e-3;
      const g =
        (loss(new Map([...pass.weights, [name, plus]])) - loss(new Map([...pass.weights, [name, minus]]))) /
        (plus[i]! - minus[i]!);
      snipFd += Math.abs(w[i]! * g);
      sq += g * g;
    }
    normFd += Math.sqrt(sq);
  }
  const s = (await snip.compute(input, { batchSize: batch })).values.snip!;
  const n = (await gradNorm.compute(input, { batchSize: batch })).values.grad_norm!;
  assert.ok(Math.abs(s - snipFd) < 2e-3 * snipFd, `snip ${s} vs ${snipFd}`);
  assert.ok(Math.abs(n - normFd) < 2e-3 * normFd, `grad_norm ${n} vs ${normFd}`);
});

// A bias-free layer's output channel k is linear in its weights' row k, so by Euler's theorem
// Σ_n Σ_spatial a_nk·∂L/∂a_nk = Σ_i w_ki·∂L/∂w_ki: the activation–gradient products fisher squares
// agree with the weight gradients, two different outputs of the backward pass.
test("fisher's per-channel products agree with the weight gradients (Euler), and fisher sums them as the reference", async () => {
  const graph = tinyNet();
  const input = { graph, data, seed: 3, runtime: { threads: 1 }, memo: new Memo() };
  const o = { ...ZERO_COST_DEFAULTS, batchSize: batch };
  const pass = await sharedCrossEntropyPass(input, o);
  let expectedFisher = 0;
  for (const layer of prunableLayers(graph)) {
    const products = pass.activationGradients.get(layer.name)!;
    const w = pass.weights.get(weightOf(layer))!;
    const g = pass.grads.get(weightOf(layer))!;
    const channels = layer.shape[0]!;
    const perChannel = w.length / channels;
    for (let k = 0; k < channels; k++) {
      let fromWeights = 0;
      for (let i = 0; i < perChannel; i++) fromWeights += w[k * perChannel + i]! * g[k * perChannel + i]!;
      let fromActivations = 0;
      let squares = 0;
      for (let n = 0; n < batch; n++) {
        fromActivations += products[n * channels + k]!;
        squares += products[n * channels + k]! ** 2;
      }
      if (layer.op.kind === "conv")
        assert.ok(
          Math.abs(fromActivations - fromWeights) < 1e-4 + 1e-3 * Math.abs(fromWeights),
          `${layer.name}[${k}]`,
        );
      expectedFisher += (perChannel * 0.5 * squares) / batch;
    }
  }
  const f = (await fisher.compute(input, { batchSize: batch })).values.fisher!;
  assert.ok(Math.abs(f - expectedFisher) < 1e-9 * expectedFisher);
});
