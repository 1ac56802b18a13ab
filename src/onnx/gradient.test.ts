import assert from "node:assert/strict";
import { test } from "node:test";
import { GraphBuilder } from "../ir/builder.js";
import { everyOpNet, newOpsNet, randomize } from "../ir/fixtures.js";
import { batchNormNodes, type Graph, numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { runningMeanName, runningVarName } from "./compile.js";
import { gradName } from "./gradient.js";
import { GradientSession, oneHot } from "./gradientSession.js";

type Loss = "seeded" | "cross_entropy";

/** The loss in float64 from the reference forward, the independent side of every check. */
function referenceLoss(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
  bnMode: "train" | "inference",
  loss: Loss,
  target: Float32Array,
): number {
  const runningStats = new Map(
    batchNormNodes(graph).map((bn) => [
      bn.name,
      {
        mean: Float64Array.from(weights.get(runningMeanName(bn))!),
        variance: Float64Array.from(weights.get(runningVarName(bn))!),
      },
    ]),
  );
  const logits = referenceForward(graph, weights, input, batch, { bnMode, runningStats })[graph.logits]!;
  const k = logits.length / batch;
  let total = 0;
  for (let n = 0; n < batch; n++) {
    const row = logits.subarray(n * k, (n + 1) * k);
    if (loss === "seeded") for (let c = 0; c < k; c++) total += target[n * k + c]! * row[c]!;
    else {
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      for (let c = 0; c < k; c++) total -= target[n * k + c]! * (row[c]! - lse);
    }
  }
  return loss === "seeded" ? total : total / batch;
}

/**
 * Central difference of the float64 loss along a random direction, against ⟨gradient, direction⟩.
 * The direction actually applied is read back from the float32 perturbed values, so weight rounding
 * does not pollute the comparison.
 */
function directional(
  base: Float32Array,
  gradient: Float32Array,
  rng: Rng,
  h: number,
  lossAt: (perturbed: Float32Array) => number,
): { fd: number; analytic: number; scale: number } {
  const plus = Float32Array.from(base, (v) => v);
  const minus = Float32Array.from(base, (v) => v);
  for (let i = 0; i < base.length; i++) {
    const step = h * rng.normal();
    plus[i] = base[i]! + step;
    minus[i] = base[i]! - step;
  }
  const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
  let analytic = 0;
  let scale = 0;
  for (let i = 0; i < base.length; i++) {
    const v = (plus[i]! - minus[i]!) / (2 * h);
    analytic += gradient[i]! * v;
    scale += Math.abs(gradient[i]! * v);
  }
  return { fd, analytic, scale };
}

async function checkGradients(graph: Graph, bnMode: "train" | "inference", loss: Loss, seed: number) {
  const rng = new Rng(seed, "gradient-test");
  const batch = 3;
  const classes = graph.nodes[graph.logits]!.shape[0]!;
  const weights = initWeights(graph, "kaiming_normal", seed);
  randomize(weights, rng);
  for (const bn of batchNormNodes(graph)) {
    const c = bn.shape[0]!;
    weights.set(
      runningMeanName(bn),
      Float32Array.from({ length: c }, () => 0.3 * rng.normal()),
    );
    weights.set(
      runningVarName(bn),
      Float32Array.from({ length: c }, () => 0.5 + rng.uniform()),
    );
  }
  const input = Float32Array.from({ length: batch * numel(graph.inputShape) }, () => rng.normal());
  const target =
    loss === "seeded"
      ? Float32Array.from({ length: batch * classes }, () => rng.normal())
      : oneHot([0, classes - 1, 1], classes);

  const params = graph.nodes.flatMap((n) => n.params);
  const session = await GradientSession.create(
    graph,
    weights,
    { bnMode, loss, wrtInput: true, wrtNodes: [graph.logits] },
    { threads: 1 },
  );
  const out = await session.run(input, batch, target);
  await session.release();

  const lossAt = (w: ReadonlyMap<string, Float32Array>, x: Float32Array) =>
    referenceLoss(graph, w, x, batch, bnMode, loss, target);
  const reported = out.loss!.data[0]!;
  const exact = lossAt(weights, input);
  assert.ok(Math.abs(reported - exact) <= 1e-4 * (1 + Math.abs(exact)), `loss ${reported} vs ${exact}`);

  const h = 1e-4;
  const check = (what: string, r: { fd: number; analytic: number; scale: number }) =>
    assert.ok(
      Math.abs(r.fd - r.analytic) <= 2e-3 * r.scale + 1e-6,
      `${bnMode}/${loss} ${what}: finite difference ${r.fd} vs gradient ${r.analytic} (scale ${r.scale})`,
    );
  for (const p of params) {
    const g = out[gradName(p.name)]!.data;
    assert.equal(g.length, numel(p.shape), `${p.name} gradient size`);
    check(
      p.name,
      directional(weights.get(p.name)!, g, rng, h, (v) => lossAt(new Map([...weights, [p.name, v]]), input)),
    );
  }
  // Single coordinates too: a directional check can hide a small error behind cancellation.
  const gInput = out[gradName("input")]!.data;
  let gMax = 0;
  for (const v of gInput) gMax = Math.max(gMax, Math.abs(v));
  for (let k = 0; k < 40; k++) {
    const i = rng.int(input.length);
    const plus = Float32Array.from(input);
    const minus = Float32Array.from(input);
    plus[i] = input[i]! + 1e-3;
    minus[i] = input[i]! - 1e-3;
    const fd = (lossAt(weights, plus) - lossAt(weights, minus)) / (plus[i]! - minus[i]!);
    assert.ok(
      Math.abs(fd - gInput[i]!) <= 1e-3 * gMax + 1e-6,
      `${bnMode}/${loss} ∂L/∂input[${i}]: ${fd} vs ${gInput[i]}`,
    );
  }
  check(
    "input",
    directional(input, out[gradName("input")]!.data, rng, h, (x) => lossAt(weights, x)),
  );
  if (loss === "seeded") {
    // ∂L/∂logits of the seeded loss is the seed itself (checks the node-gradient output path).
    assert.deepEqual(out[gradName(graph.nodes[graph.logits]!.name)]!.data, target);
  }
}

test("gradients of every op match central finite differences of the float64 reference (train-mode BN, seeded loss)", async () => {
  await checkGradients(everyOpNet(), "train", "seeded", 1);
});

test("gradients match finite differences with inference-mode BN and cross-entropy", async () => {
  await checkGradients(everyOpNet(), "inference", "cross_entropy", 2);
});

test("gradients match finite differences with train-mode BN and cross-entropy", async () => {
  await checkGradients(everyOpNet(), "train", "cross_entropy", 3);
});

test("strided, padded and grouped convs and pools, whose transposed size needs output padding", async () => {
  // Even input sizes with stride 2 and 3 leave a border the forward never reads.
  const b = new GraphBuilder([4, 10, 11]);
  const a = b.conv(b.input, 6, 3, { stride: 2, padding: 0, bias: true });
  const c = b.conv(b.input, 6, 2, { stride: 3, padding: 1, groups: 2 });
  const d = b.conv(b.input, 4, 1, { stride: 2, groups: 4 });
  const e = b.avgPool(b.input, 2, { stride: 3, padding: 1, countIncludePad: false });
  // Stride-1 pools take the AveragePool path of the backward; both padding-count modes.
  const f = b.avgPool(b.input, 3, { stride: 1, padding: 1, countIncludePad: false });
  const g = b.avgPool(b.input, 3, { stride: 1, padding: 1, countIncludePad: true });
  const pooled = [a, c, d, e, f, g].map((t) => b.flatten(b.globalAvgPool(b.relu(t))));
  const features = b.concat(pooled);
  const logits = b.linear(features, 5);
  await checkGradients(b.build({ features, logits }), "train", "seeded", 4);
});

test("sliceChannels: the gradient pads the dropped channels with zeros ([C,H,W] and [F])", async () => {
  const b = new GraphBuilder([5, 6, 6]);
  const stem = b.conv(b.input, 7, 3, { padding: 1, bias: true });
  const kept = b.sliceChannels(b.relu(stem), 4);
  const again = b.sliceChannels(b.conv(kept, 6, 1), 6); // all channels: a no-op slice
  const features = b.globalAvgPool(b.batchNorm(b.add([b.conv(kept, 6, 1), again])));
  const flat = b.sliceChannels(b.linear(features, 8), 3);
  const logits = b.linear(flat, 3);
  await checkGradients(b.build({ features, logits }), "train", "seeded", 5);
});

test("gradients of the broadcasting, matmul, reshape, slice and activation ops (train-mode BN, seeded)", async () => {
  await checkGradients(newOpsNet(), "train", "seeded", 6);
});

test("gradients of the new ops with inference-mode BN and cross-entropy", async () => {
  await checkGradients(newOpsNet(), "inference", "cross_entropy", 7);
});

test("gradient models keep tensor names unique: zero gradients, BN constants and renamed outputs", async () => {
  // An NB201 cell with `none` edges: zero-filled gradients (named zeroed_<k>) beside BN's
  // per-channel constants (bn_zeros_<C>) once clashed as zeros_<k> = zeros_<C>.
  const graph = buildNb201(
    parseNb201("|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|"),
    {
      inputShape: [3, 8, 8],
      numClasses: 3,
      channels: 4,
      cellsPerStage: 1,
    },
  );
  const weights = initWeights(graph, "kaiming_uniform", 0, "init");
  const layers = graph.nodes.filter((n) => n.op.kind === "conv" || n.op.kind === "linear");
  const session = await GradientSession.create(
    graph,
    weights,
    {
      bnMode: "train",
      loss: "cross_entropy",
      params: layers.map((l) => `${l.name}.weight`),
      activationGradientProducts: layers.map((l) => l.id),
    },
    { threads: 1 },
  );
  try {
    const out = await session.run(new Float32Array(2 * 3 * 8 * 8).fill(0.5), 2, oneHot([0, 2], 3));
    for (const l of layers) assert.ok(out[gradName(`${l.name}.weight`)]!.data.every(Number.isFinite));
  } finally {
    await session.release();
  }
});
