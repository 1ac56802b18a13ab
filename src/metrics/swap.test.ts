import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import { paramCount } from "../ir/cost.js";
import type { Graph } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { frontBatch } from "./metric.js";
import { countDistinctPatterns, SWAP_DEFAULTS, swap, swapRegulariser, swapScore } from "./swap.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const tiny = (arch: string) =>
  buildNb201(parseNb201(arch), { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });

function syntheticImages(count: number, seed: number): ImageSet {
  const rng = new Rng(seed, "synthetic-images");
  const images = Float32Array.from({ length: count * 192 }, () => rng.normal());
  const labels = Int32Array.from({ length: count }, () => rng.int(10));
  return { name: "synthetic", images, labels, count, channels: 3, height: 8, width: 8, numClasses: 10 };
}

/** The reference's count: rows of sign(ReLU outputs)ᵀ over 4-D ReLU inputs, distinct rows. */
function bruteForce(graph: Graph, weights: Map<string, Float32Array>, x: Float32Array, b: number) {
  const values = referenceForward(graph, weights, x, b, { bnMode: "train" });
  const rows = new Set<string>();
  let closest = Number.POSITIVE_INFINITY;
  for (const n of graph.nodes) {
    if (n.op.kind !== "act" || n.op.fn !== "relu" || graph.nodes[n.inputs[0]!]!.shape.length !== 3) continue;
    const v = values[n.id]!; // the ReLU's output, as the reference hooks it
    const input = values[n.inputs[0]!]!;
    for (const e of input) closest = Math.min(closest, Math.abs(e));
    const per = v.length / b;
    for (let u = 0; u < per; u++) {
      let row = "";
      for (let i = 0; i < b; i++) row += Math.sign(v[i * per + u]!);
      rows.add(row);
    }
  }
  return { count: rows.size, closest };
}

test("distinct patterns of hand-built codes", () => {
  // Batch 3: codes are 3-bit patterns; 0, 1, 5 and 7 occur.
  assert.equal(countDistinctPatterns([Float32Array.from([0, 1, 1, 5]), Float32Array.from([5, 7, 0])], 3), 4);
  // Batch 30 needs two 24-bit rows per neuron: rows × units, row-major; neurons (1,0), (1,2), (1,0).
  assert.equal(countDistinctPatterns([Float32Array.from([1, 1, 1, 0, 2, 0])], 30), 2);
  assert.equal(countDistinctPatterns([Float32Array.from([3, 2 ** 21, 3])], 22), 2);
  assert.equal(countDistinctPatterns([], 16), 0);
});

test("SWAP from ONNX Runtime equals the reference's count on the plain-TS forward", async () => {
  const graph = tiny(ARCH);
  for (const batch of [16, 30]) {
    const images = frontBatch(syntheticImages(batch, 1), batch);
    // Seed 90: no ReLU input of these draws lies within fp32 rounding of 0 (checked below).
    const r = await swapScore(graph, images, { seed: 90, repeats: 2 }, { threads: 1 });
    assert.equal(r.perRepeat.length, 2);
    for (let rep = 0; rep < 2; rep++) {
      const weights = initWeights(graph, SWAP_DEFAULTS.init, 90, "swap", rep);
      const want = bruteForce(graph, weights, images.data, batch);
      assert.ok(want.closest > 1e-5, `a ReLU input ${want.closest} is too close to 0 for this check`);
      assert.equal(r.perRepeat[rep], want.count, `batch ${batch}, draw ${rep}`);
    }
    assert.equal(r.swap, (r.perRepeat[0]! + r.perRepeat[1]!) / 2);
  }
});

test("regulariser exp(−(θ−μ)²/σ) with θ in thousands of parameters", () => {
  assert.equal(swapRegulariser(1_500_000, 1500, 1.5e6), 1);
  assert.ok(Math.abs(swapRegulariser(73_000, 1500, 1.5e6) - Math.exp(-(1427 ** 2) / 1.5e6)) < 1e-15);
  assert.ok(Math.abs(swapRegulariser(2000, 1, 1) - Math.exp(-1)) < 1e-15);
});

test("the metric: same seed, same values; swap_reg = swap · regulariser; dead cells give one pattern", async () => {
  const data = syntheticImages(20, 2);
  const input = { graph: tiny(ARCH), data, seed: 1, runtime: { threads: 1 } };
  const a = await swap.compute(input, { repeats: 3 });
  const b = await swap.compute(input, { repeats: 3 });
  assert.deepEqual(a, b);
  const c = await swap.compute({ ...input, seed: 2 }, { repeats: 3 });
  assert.notEqual(a.values.swap, c.values.swap);
  const factor = swapRegulariser(paramCount(input.graph), SWAP_DEFAULTS.mu, SWAP_DEFAULTS.sigma);
  assert.ok(Math.abs(a.values.swap_reg! - a.values.swap! * factor) < 1e-9 * a.values.swap!);
  // Every cell op `none`: every ReLU input is exactly 0, so all neurons share the all-zero pattern.
  const dead = await swap.compute({
    ...input,
    graph: tiny("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
  });
  assert.equal(dead.values.swap, 1);
});
