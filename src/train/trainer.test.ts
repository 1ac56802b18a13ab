import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import { GraphBuilder } from "../ir/builder.js";
import { initWeights } from "../ir/init.js";
import { Rng } from "../util/random.js";
import { resolveTrainConfig } from "./config.js";
import { trainNetwork } from "./trainer.js";

function linearNet(inputs: number, classes: number) {
  const b = new GraphBuilder([inputs]);
  const logits = b.linear(b.input, classes);
  return b.build({ features: b.input, logits });
}

function randomSet(count: number, features: number, classes: number, seed: number): ImageSet {
  const rng = new Rng(seed, "set");
  return {
    name: "random",
    images: Float32Array.from({ length: count * features }, () => rng.normal()),
    labels: Int32Array.from({ length: count }, (_, i) => i % classes),
    count,
    channels: features,
    height: 1,
    width: 1,
    numClasses: classes,
  };
}

/** Softmax cross-entropy gradient of logits = W x + b, in float64: dW = Σ (p − y) xᵀ / N. */
function handGradient(
  w: Float32Array,
  bias: Float32Array,
  set: ImageSet,
  classes: number,
  smoothing: number,
) {
  const f = set.channels;
  const dW = new Float64Array(w.length);
  const db = new Float64Array(bias.length);
  for (let n = 0; n < set.count; n++) {
    const z = Array.from({ length: classes }, (_, k) => {
      let s = bias[k]!;
      for (let j = 0; j < f; j++) s += w[k * f + j]! * set.images[n * f + j]!;
      return s;
    });
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const total = e.reduce((a, b) => a + b, 0);
    for (let k = 0; k < classes; k++) {
      const y = (k === set.labels[n] ? 1 - smoothing : 0) + smoothing / classes;
      const r = (e[k]! / total - y) / set.count;
      db[k]! += r;
      for (let j = 0; j < f; j++) dW[k * f + j]! += r * set.images[n * f + j]!;
    }
  }
  return { dW, db };
}

test("one SGD step (momentum, Nesterov, weight decay, label smoothing) equals the hand-computed update", async () => {
  const graph = linearNet(4, 3);
  const set = randomSet(6, 4, 3, 1);
  const lr = 0.05;
  const [mu, wd, smoothing] = [0.9, 0.01, 0.1];
  const config = resolveTrainConfig({
    run: { epochs: 1, batchSize: 6, labelSmoothing: smoothing, seed: 3, cropPadding: 0, flip: false },
    schedule: { kind: "constant", lr },
    optimizer: "sgd",
    optimizerOptions: { momentum: mu, nesterov: true, weightDecay: wd },
  });
  const result = await trainNetwork(graph, { train: set, padValue: [] }, config, { runtime: { threads: 1 } });
  const start = initWeights(graph, "kaiming_normal", 3, "train");
  const w0 = start.get("linear.weight")!;
  const b0 = start.get("linear.bias")!;
  assert.ok(
    w0.some((v) => v !== 0),
    "the start weights are random",
  );
  const { dW, db } = handGradient(w0, b0, set, 3, smoothing);
  // First step: buf = g, step = g + μ·buf = (1 + μ) g, with g = ∇ + λw.
  const expectW = Array.from(w0, (w, i) => w - lr * (1 + mu) * (dW[i]! + wd * w));
  const expectB = Array.from(b0, (b, i) => b - lr * (1 + mu) * (db[i]! + wd * b));
  const gotW = result.tensors.get("linear.weight")!;
  const gotB = result.tensors.get("linear.bias")!;
  for (let i = 0; i < expectW.length; i++)
    assert.ok(Math.abs(gotW[i]! - expectW[i]!) < 1e-6, `w[${i}] ${gotW[i]} vs ${expectW[i]}`);
  for (let i = 0; i < expectB.length; i++)
    assert.ok(Math.abs(gotB[i]! - expectB[i]!) < 1e-6, `b[${i}] ${gotB[i]} vs ${expectB[i]}`);
  assert.ok(Math.abs(result.records[0]!.lr - lr) < 1e-12);
});

test("two AdamW steps equal the hand-computed bias-corrected updates", async () => {
  const graph = linearNet(3, 2);
  const set = randomSet(4, 3, 2, 2);
  const [lr, b1, b2, eps, wd] = [0.01, 0.9, 0.999, 1e-8, 0.1];
  const config = resolveTrainConfig({
    run: { epochs: 2, batchSize: 4, seed: 5, cropPadding: 0, flip: false },
    schedule: { kind: "constant", lr },
    optimizer: "adamw",
    optimizerOptions: { beta1: b1, beta2: b2, eps, weightDecay: wd },
  });
  const result = await trainNetwork(graph, { train: set, padValue: [] }, config, { runtime: { threads: 1 } });
  const start = initWeights(graph, "kaiming_normal", 5, "train");
  let w: Float64Array = Float64Array.from(start.get("linear.weight")!);
  let bias: Float64Array = Float64Array.from(start.get("linear.bias")!);
  const m = [new Float64Array(w.length), new Float64Array(bias.length)];
  const v = [new Float64Array(w.length), new Float64Array(bias.length)];
  for (let t = 1; t <= 2; t++) {
    const { dW, db } = handGradient(Float32Array.from(w), Float32Array.from(bias), set, 2, 0);
    [w, bias] = [w, bias].map((p, which) => {
      const g = which === 0 ? dW : db;
      return p.map((x, i) => {
        m[which]![i] = b1 * m[which]![i]! + (1 - b1) * g[i]!;
        v[which]![i] = b2 * v[which]![i]! + (1 - b2) * g[i]! ** 2;
        const mh = m[which]![i]! / (1 - b1 ** t);
        const vh = v[which]![i]! / (1 - b2 ** t);
        return x * (1 - lr * wd) - (lr * mh) / (Math.sqrt(vh) + eps);
      });
    }) as [Float64Array, Float64Array];
  }
  const gotW = result.tensors.get("linear.weight")!;
  for (let i = 0; i < w.length; i++)
    assert.ok(Math.abs(gotW[i]! - w[i]!) < 2e-6, `w[${i}] ${gotW[i]} vs ${w[i]}`);
});

test("a non-finite loss ends the run with a reason naming the epoch and step, not a throw", async () => {
  const graph = linearNet(4, 3);
  const set = randomSet(8, 4, 3, 4);
  const config = resolveTrainConfig({
    run: { epochs: 3, batchSize: 4, cropPadding: 0, flip: false },
    schedule: { kind: "constant", lr: 1e30 },
    optimizer: "sgd",
  });
  const result = await trainNetwork(graph, { train: set, padValue: [] }, config, { runtime: { threads: 1 } });
  assert.equal(result.stopped, "diverged");
  assert.match(result.reason ?? "", /loss became (NaN|Infinity) at epoch \d+, step \d+ of 2/);
});
