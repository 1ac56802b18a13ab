import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { referenceForward } from "../ir/referenceForward.js";
import { Rng } from "../util/random.js";
import { prunableLayers, weightOf } from "./gradientPass.js";
import { GRASP_DEFAULTS, grasp, hessianGradientProduct } from "./grasp.js";
import { gaussianImages } from "./testData.js";

function smallNet() {
  const b = new GraphBuilder([2, 6, 6]);
  const a = b.act(b.batchNorm(b.conv(b.input, 4, 3, { padding: 1 })), "tanh");
  const c = b.act(b.batchNorm(b.conv(a, 4, 3, { padding: 1, stride: 2 })), "tanh");
  const features = b.globalAvgPool(c);
  const logits = b.linear(features, 3);
  return b.build({ features, logits });
}

// The central difference of gradients against a second-order difference of the float64 loss:
// uᵀ H g ≈ [L(θ+εu+εg) − L(θ+εu−εg) − L(θ−εu+εg) + L(θ−εu−εg)] / 4ε².
test("H·g by central differences of gradients agrees with a float64 second difference of the loss", async () => {
  const graph = smallNet();
  const batch = 6;
  const data = gaussianImages(batch, [2, 6, 6], 3, 7);
  const input = { graph, data, seed: 3, runtime: { threads: 1 } };
  const { base, hg } = await hessianGradientProduct(input, { ...GRASP_DEFAULTS, batchSize: batch });
  const names = prunableLayers(graph).map(weightOf);
  const rng = new Rng(0, "grasp-test");
  const u = new Map(names.map((n) => [n, Float64Array.from(base.weights.get(n)!, () => rng.normal())]));

  const loss = (a: number, b: number) => {
    const w = new Map(base.weights);
    for (const n of names)
      w.set(
        n,
        Float32Array.from(base.weights.get(n)!, (v, i) => v + a * u.get(n)![i]! + b * base.grads.get(n)![i]!),
      );
    const logits = referenceForward(graph, w, data.images, batch, { bnMode: "train" })[graph.logits]!;
    let total = 0;
    for (let s = 0; s < batch; s++) {
      const row = Array.from(logits.subarray(s * 3, s * 3 + 3));
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((acc, v) => acc + Math.exp(v - max), 0));
      total += lse - row[data.labels[s]!]!;
    }
    return total / batch;
  };
  let gNorm = 0;
  let uNorm = 0;
  for (const n of names) {
    for (const v of base.grads.get(n)!) gNorm += v * v;
    for (const v of u.get(n)!) uNorm += v * v;
  }
  // Steps of 1e-2 along unit-norm u and g, scaled back.
  const eu = 1e-2 / Math.sqrt(uNorm);
  const eg = 1e-2 / Math.sqrt(gNorm);
  const fd = (loss(eu, eg) - loss(eu, -eg) - loss(-eu, eg) + loss(-eu, -eg)) / (4 * eu * eg);
  let ours = 0;
  for (const n of names)
    hg.get(n)!.forEach((v, i) => {
      ours += u.get(n)![i]! * v;
    });
  assert.ok(Math.abs(ours - fd) <= 0.02 * Math.abs(fd), `uᵀHg: ours ${ours} vs second difference ${fd}`);

  const score = await grasp.compute(input, { batchSize: batch });
  let expected = 0;
  for (const n of names)
    hg.get(n)!.forEach((v, i) => {
      expected -= base.weights.get(n)![i]! * v;
    });
  assert.ok(Math.abs(score.values.grasp! - expected) <= 1e-6 * Math.abs(expected));
});

// With ReLUs and BN the gradient jumps where a unit switches; holding the base pass's on/off pattern
// makes the difference converge as h shrinks, as autograd's H·g (ReLU'' = 0) would be.
test("with ReLUs, H·g by frozen-pattern differences does not depend on the step", async () => {
  const b = new GraphBuilder([2, 6, 6]);
  const a = b.relu(b.batchNorm(b.conv(b.input, 6, 3, { padding: 1 })));
  const c = b.relu(b.batchNorm(b.conv(a, 6, 3, { padding: 1 })));
  const features = b.globalAvgPool(b.add([a, c]));
  const graph = b.build({ features, logits: b.linear(features, 3) });
  const data = gaussianImages(8, [2, 6, 6], 3, 5);
  const input = { graph, data, seed: 1, runtime: { threads: 1 } };
  const project = async (relativeStep: number) => {
    const { base, hg } = await hessianGradientProduct(input, {
      ...GRASP_DEFAULTS,
      batchSize: 8,
      relativeStep,
    });
    let s = 0;
    for (const [name, v] of hg)
      v.forEach((x, i) => {
        s += x * base.grads.get(name)![i]!;
      });
    return s;
  };
  const coarse = await project(1e-2);
  const fine = await project(1e-3);
  assert.ok(
    Math.abs(coarse - fine) <= 0.01 * Math.abs(fine),
    `gᵀHg at steps 1e-2 and 1e-3: ${coarse} vs ${fine}`,
  );
});
