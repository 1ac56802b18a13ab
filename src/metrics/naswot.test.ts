import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import type { Graph } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { newTimings, nodeOutputs } from "../onnx/forward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { frontBatch } from "./metric.js";
import { NASWOT_DEFAULTS, naswot, naswotKernel, naswotScore, slogdet } from "./naswot.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const NONE = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
const tiny = (arch: string) =>
  buildNb201(parseNb201(arch), { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });

function syntheticImages(count: number, seed: number, shape = [3, 8, 8]): ImageSet {
  const rng = new Rng(seed, "synthetic-images");
  const [channels, height, width] = shape as [number, number, number];
  const images = Float32Array.from({ length: count * channels * height * width }, () => rng.normal());
  const labels = Int32Array.from({ length: count }, () => rng.int(10));
  return { name: "synthetic", images, labels, count, channels, height, width, numClasses: 10 };
}

/** K_H by definition from the plain-TS forward: every ReLU node, every unit, every pair of samples. */
function bruteForceKernel(graph: Graph, weights: Map<string, Float32Array>, x: Float32Array, b: number) {
  const values = referenceForward(graph, weights, x, b, { bnMode: "train" });
  const k = new Float64Array(b * b);
  let closest = Number.POSITIVE_INFINITY;
  for (const n of graph.nodes) {
    if (n.op.kind !== "act" || n.op.fn !== "relu") continue;
    const v = values[n.inputs[0]!]!;
    const per = v.length / b;
    for (const e of v) closest = Math.min(closest, Math.abs(e));
    for (let i = 0; i < b; i++)
      for (let j = 0; j < b; j++)
        for (let u = 0; u < per; u++) if (v[i * per + u]! > 0 === v[j * per + u]! > 0) k[i * b + j]! += 1;
  }
  return { k, closest };
}

test("K_H from ONNX Runtime equals the definition on the plain-TS forward's codes", async () => {
  const graph = tiny(ARCH);
  const data = syntheticImages(20, 1);
  const weights = initWeights(graph, "kaiming_uniform", 7, "naswot");
  const images = frontBatch(data, 20);
  const got = await naswotKernel(graph, weights, images, {
    bnMode: "train",
    runtime: { threads: 1 },
    timings: newTimings(),
  });
  const want = bruteForceKernel(graph, weights, images.data, 20);
  // fp32 and fp64 forwards could disagree on a code only for values within rounding of zero.
  assert.ok(want.closest > 1e-5, `a ReLU input ${want.closest} is too close to 0 for this check`);
  assert.deepEqual(got.kernel, want.k);
  // The diagonal counts every ReLU's units; node 0 of each cell feeds two of them (e10 and e20).
  assert.equal(got.units, want.k[0]);
});

test("slogdet matches known determinants, pivoting signs and singular matrices", () => {
  const a = slogdet(Float64Array.from([2, 1, 1, 3]), 2);
  assert.equal(a.sign, 1);
  assert.ok(Math.abs(a.logAbsDet - Math.log(5)) < 1e-15);
  const swapRows = slogdet(Float64Array.from([0, 1, 1, 0]), 2);
  assert.deepEqual(swapRows, { sign: -1, logAbsDet: 0 });
  // det [[1,2,3],[4,5,6],[7,8,10]] = −3
  const m = slogdet(Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]), 3);
  assert.equal(m.sign, -1);
  assert.ok(Math.abs(m.logAbsDet - Math.log(3)) < 1e-14);
  // A 12×12 diagonal scaled by a permutation: det = ± product of the diagonal.
  const n = 12;
  const d = new Float64Array(n * n);
  let logProduct = 0;
  for (let i = 0; i < n; i++) {
    d[i * n + ((i + 5) % n)] = i + 0.5;
    logProduct += Math.log(i + 0.5);
  }
  assert.ok(Math.abs(slogdet(d, n).logAbsDet - logProduct) < 1e-12);
  assert.deepEqual(slogdet(Float64Array.from([1, 2, 2, 4]), 2), {
    sign: 0,
    logAbsDet: Number.NEGATIVE_INFINITY,
  });
});

test("same seed gives the same score; another seed another one", async () => {
  const graph = tiny(ARCH);
  const images = frontBatch(syntheticImages(32, 2), 32);
  const run = (seed: number) => naswotScore(graph, images, { seed }, { threads: 1 });
  const [a, b, c] = [await run(3), await run(3), await run(4)];
  assert.equal(a.score, b.score);
  assert.notEqual(a.score, c.score);
  assert.ok(Number.isFinite(a.score) && a.sign === 1);
  // log|K| ≤ Σ log K_ii (Hadamard), and K_ii is the unit count.
  assert.ok(a.score <= 32 * Math.log(a.units) + 1e-9);
});

test("the metric takes the front of the data; all-zero codes give NaN with a reason", async () => {
  const data = syntheticImages(40, 3);
  const input = { graph: tiny(ARCH), data, seed: 0, runtime: { threads: 1 } };
  const r = await naswot.compute(input, { batchSize: 24 });
  const direct = await naswotScore(input.graph, frontBatch(data, 24), { seed: 0 }, { threads: 1 });
  assert.deepEqual(r, { values: { naswot: direct.score } });
  assert.equal(NASWOT_DEFAULTS.batchSize, 128);
  await assert.rejects(naswot.compute(input), /needs 128 images/);
  // Every cell op is `none`: all ReLU inputs after the first cell are exactly zero.
  const dead = await naswot.compute({ ...input, graph: tiny(NONE) }, { batchSize: 24 });
  assert.ok(Number.isNaN(dead.values.naswot));
  assert.match(dead.reason!, /singular/);
});

test("nodeOutputs fetches intermediate outputs (and the input) as the plain-TS forward computes them", async () => {
  const graph = tiny(ARCH);
  const weights = initWeights(graph, "kaiming_uniform", 1);
  const images = frontBatch(syntheticImages(5, 4), 5);
  const relus = graph.nodes.filter((n) => n.op.kind === "act").map((n) => n.inputs[0]!);
  const ids = [0, ...new Set(relus), graph.features];
  const got = await nodeOutputs(graph, weights, images, ids, {
    bnMode: "train",
    runtime: { threads: 1 },
    timings: newTimings(),
  });
  const want = referenceForward(graph, weights, images.data, 5, { bnMode: "train" });
  for (const id of ids) {
    const a = got.get(id)!;
    const b = want[id]!;
    assert.equal(a.length, b.length);
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-4 * (1 + Math.abs(b[i]!)));
  }
});
