import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { initWeights } from "../ir/init.js";
import { batchMeanName, batchVarName } from "../onnx/compile.js";
import { gradName } from "../onnx/gradient.js";
import { GradientSession } from "../onnx/gradientSession.js";
import { Rng } from "../util/random.js";
import { TrainStepSession } from "./sessions.js";

/** Convs of every kind the backward treats differently: stride 1 (grouped, dilated, padded), strided, 1×1. */
function convNet() {
  const b = new GraphBuilder([4, 9, 9]);
  const a = b.relu(b.batchNorm(b.conv(b.input, 6, 3, { padding: 1 })));
  const c = b.conv(a, 6, 3, { padding: 2, dilation: 2, groups: 2, bias: true });
  const d = b.relu(b.batchNorm(b.conv(b.add([a, c]), 8, 3, { stride: 2, padding: 1 })));
  const e = b.conv(d, 8, 1);
  const f = b.avgPool(b.add([d, e]), 3, { stride: 1, padding: 1, countIncludePad: false });
  const features = b.globalAvgPool(b.relu(f));
  const logits = b.linear(features, 5);
  return b.build({ features, logits });
}

test("the training step with fed weights gives the gradients, loss and BN statistics of the finite-difference-checked baked backward", async () => {
  const graph = convNet();
  const weights = initWeights(graph, "kaiming_normal", 7);
  const n = 6;
  const rng = new Rng(1, "images");
  const images = Float32Array.from({ length: n * 4 * 81 }, () => rng.normal());
  // Soft labels (label smoothing 0.1) exercise the cross-entropy's general target.
  const labels = new Float32Array(n * 5).fill(0.02);
  for (let i = 0; i < n; i++) labels[i * 5 + (i % 5)] = 0.92;

  const fed = await TrainStepSession.create(graph, { threads: 1 });
  const step = await fed.step(images, n, labels, weights);
  await fed.release();
  const baked = await GradientSession.create(
    graph,
    weights,
    { bnMode: "train", loss: "cross_entropy" },
    { threads: 1 },
  );
  const reference = await baked.run(images, n, labels);
  await baked.release();

  assert.ok(Math.abs(step.loss - reference.loss!.data[0]!) < 1e-5 * Math.abs(step.loss));
  let compared = 0;
  for (const [name, g] of step.grads) {
    const want = reference[gradName(name)]!.data;
    const scale = Math.max(...Array.from(want, Math.abs), 1e-6);
    for (let i = 0; i < g.length; i++)
      assert.ok(Math.abs(g[i]! - want[i]!) < 1e-4 * scale, `${name}[${i}]: ${g[i]} vs ${want[i]}`);
    compared++;
  }
  assert.equal(compared, [...weights.keys()].length, "every parameter has a gradient");
  for (const node of graph.nodes.filter((x) => x.op.kind === "batchnorm")) {
    const stats = step.batchStats.get(node.name)!;
    const close = (a: Float32Array, b: Float32Array) =>
      a.every((v, i) => Math.abs(v - b[i]!) < 1e-5 * Math.max(1, Math.abs(b[i]!)));
    assert.ok(close(stats.mean, reference[batchMeanName(node)]!.data), `${node.name} batch mean`);
    assert.ok(close(stats.variance, reference[batchVarName(node)]!.data), `${node.name} batch variance`);
  }
});
