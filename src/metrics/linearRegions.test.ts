import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import { paramCount } from "../ir/cost.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import { buildNb201, nb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { LINEAR_REGION_DEFAULTS, linearRegionCount, linearRegions, randomCrops } from "./linearRegions.js";
import { MetricOptionError } from "./options.js";

// The NB201 space's thin network (SearchSpace.thinNetwork): what the scorer hands the metric.
const teNasThinNb201 = (arch: readonly string[], numClasses = 10) =>
  nb201.thinNetwork!(arch as never, numClasses);

const ARCH = parseNb201(
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_1x1~1|+|skip_connect~0|avg_pool_3x3~1|nor_conv_3x3~2|",
);
const NONE = parseNb201("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");

/** Pixel values that name their origin: image·1000 + channel·100 + y·10 + x. */
function labelledImages(count: number, channels: number, side: number): ImageSet {
  const images = new Float32Array(count * channels * side * side);
  for (let i = 0; i < count; i++)
    for (let c = 0; c < channels; c++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++)
          images[((i * channels + c) * side + y) * side + x] = i * 1000 + c * 100 + y * 10 + x;
  const labels = new Int32Array(count);
  return { name: "labelled", images, labels, count, channels, height: side, width: side, numClasses: 1 };
}

function gaussianImages(count: number, seed: number): ImageSet {
  const rng = new Rng(seed, "lr-images");
  const images = Float32Array.from({ length: count * 3 * 32 * 32 }, () => rng.normal());
  return {
    name: "gaussian",
    images,
    labels: new Int32Array(count),
    count,
    channels: 3,
    height: 32,
    width: 32,
    numClasses: 1,
  };
}

test("TE-NAS's thin network: one C=1 cell on 1×3×3, BN+ReLU head, no stem", () => {
  const g = teNasThinNb201(ARCH);
  assert.deepEqual(g.inputShape, [1, 3, 3]);
  // conv3×3 on e10, e20, e32 (9 weights + BN γ,β each), conv1×1 on e21 (1 + 2), head BN (2), linear 1×10 + 10.
  assert.equal(paramCount(g), 3 * 11 + 3 + 2 + 20);
  assert.equal(g.nodes.filter((n) => n.op.kind === "act").length, 5);
  assert.ok(!g.nodes.some((n) => n.name.startsWith("stem")));
});

test("random crops: one image, distinct ascending channels, a contiguous window", () => {
  const data = labelledImages(5, 3, 6);
  const crops = randomCrops(data, [2, 3, 3], 40, new Rng(1));
  const images = new Set<number>();
  for (let s = 0; s < 40; s++) {
    const v = (k: number, y: number, x: number) => crops[((s * 2 + k) * 3 + y) * 3 + x]!;
    const image = Math.floor(v(0, 0, 0) / 1000);
    images.add(image);
    const ch = [0, 1].map((k) => Math.floor((v(k, 0, 0) % 1000) / 100));
    assert.ok(ch[0]! < ch[1]!);
    const top = Math.floor((v(0, 0, 0) % 100) / 10);
    const left = v(0, 0, 0) % 10;
    assert.ok(top <= 3 && left <= 3);
    for (let k = 0; k < 2; k++)
      for (let y = 0; y < 3; y++)
        for (let x = 0; x < 3; x++)
          assert.equal(v(k, y, x), image * 1000 + ch[k]! * 100 + (top + y) * 10 + left + x);
  }
  assert.equal(images.size, 5, "a shuffled pass visits every image before repeating");
  assert.throws(() => randomCrops(data, [4, 3, 3], 1, new Rng(1)), /cannot cut/);
});

test("linear regions from ONNX Runtime equal distinct patterns of the plain-TS forward", async () => {
  const graph = teNasThinNb201(ARCH);
  const data = gaussianImages(300, 1);
  const options = { seed: 2, batchSize: 150, batches: 2, repeats: 2 };
  const got = await linearRegionCount(graph, data, options, { threads: 1 });
  for (let r = 0; r < 2; r++) {
    const weights = initWeights(graph, LINEAR_REGION_DEFAULTS.init, 2, "linear-regions", r);
    const rng = new Rng(2, "linear-regions-inputs", r);
    const seen = new Set<string>();
    for (let k = 0; k < 2; k++) {
      const x = randomCrops(data, graph.inputShape, 150, rng);
      const values = referenceForward(graph, weights, x, 150, { bnMode: "train" });
      const relus = graph.nodes.filter((n) => n.op.kind === "act" && n.op.fn === "relu");
      for (let s = 0; s < 150; s++) {
        let pattern = "";
        for (const relu of relus) {
          const v = values[relu.id]!;
          const per = v.length / 150;
          for (let u = 0; u < per; u++) pattern += Math.sign(v[s * per + u]!);
        }
        seen.add(pattern);
      }
    }
    assert.equal(got.perRepeat[r], seen.size, `repeat ${r}`);
  }
  assert.ok(got.regions > 1);
});

test("the metric: same seed, same count; a dead cell has one region", async () => {
  const data = gaussianImages(100, 3);
  const input = { graph: teNasThinNb201(ARCH), data, seed: 0, runtime: { threads: 1 } };
  const options = { batchSize: 200, batches: 1, repeats: 1, images: 100 };
  const a = await linearRegions.compute(input, options);
  assert.deepEqual(await linearRegions.compute(input, options), a);
  assert.ok(a.values.linear_regions! > 10);
  const dead = await linearRegions.compute({ ...input, graph: teNasThinNb201(NONE) }, options);
  assert.deepEqual(dead, { values: { linear_regions: 1 } });
});

test("the space's thin network (input.thinGraph) is scored in place of the network", async () => {
  const data = gaussianImages(100, 4);
  const full = buildNb201(ARCH, { inputShape: [3, 32, 32], numClasses: 10 });
  const options = { batchSize: 100, batches: 1, repeats: 1, images: 100 };
  const input = { graph: full, thinGraph: teNasThinNb201(ARCH), data, seed: 0, runtime: { threads: 1 } };
  const viaThin = await linearRegions.compute(input, options);
  assert.deepEqual(viaThin, await linearRegions.compute({ ...input, graph: teNasThinNb201(ARCH) }, options));
  assert.ok(viaThin.values.linear_regions! > 1);
  // Without a thin network (or told not to use it) the full network is scored: too big here.
  const big = { ...options, batchSize: 1000 };
  await assert.rejects(linearRegions.compute({ ...input, thinGraph: undefined }, big), /small network/);
  await assert.rejects(linearRegions.compute(input, { ...big, thinNetwork: false }), /small network/);
  // Crops come from the first `images` images: more than the data holds is an error, not a silent cut.
  await assert.rejects(linearRegions.compute(input, { ...options, images: 101 }), /needs 101 images/);
});

test("options are checked before any work", () => {
  assert.throws(
    () => linearRegions.resolve({ batches: 0 }),
    (e: unknown) =>
      e instanceof MetricOptionError &&
      e.message === "linear_regions.batches=0: must be an integer ≥ 1" &&
      e.key === "batches",
  );
  assert.throws(() => linearRegions.resolve({ thinNb201: false } as never), {
    message:
      "linear_regions.thinNb201=false: linear_regions has no option thinNb201 (options: batchSize, batches, repeats, init, images, thinNetwork)",
  });
});
