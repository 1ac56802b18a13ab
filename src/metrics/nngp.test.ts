import assert from "node:assert/strict";
import { test } from "node:test";
import type { ImageSet } from "../data/imageSet.js";
import { batchNormNodes } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { referenceForward } from "../ir/referenceForward.js";
import {
  argmaxAccuracy,
  dense,
  multiplyTransposed,
  regressionTargets,
  solveByCholesky,
} from "../linalg/kernelRegression.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import { NNGP_DEFAULTS, nngp, nngpScore } from "./nngp.js";

const ARCH = parseNb201(
  "|nor_conv_3x3~0|+|avg_pool_3x3~0|nor_conv_1x1~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
);
const graph = buildNb201(ARCH, { inputShape: [3, 8, 8], numClasses: 3, channels: 4, cellsPerStage: 1 });

/** Images whose class shifts the mean of one channel, so the task is learnable. */
function syntheticSet(count: number, seed: number): ImageSet {
  const rng = new Rng(seed, "synthetic");
  const labels = Int32Array.from({ length: count }, () => rng.int(3));
  const images = new Float32Array(count * 3 * 64);
  for (let i = 0; i < count; i++)
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 64; p++) images[(i * 3 + c) * 64 + p] = rng.normal() + (labels[i] === c ? 0.8 : 0);
  return { name: "synthetic", images, labels, count, channels: 3, height: 8, width: 8, numClasses: 3 };
}

const train = syntheticSet(60, 1);
const val = syntheticSet(24, 2);

test("MC-NNGP equals an independent plain-TS computation of the reference procedure", async () => {
  const options = { ensemble: 1, bnUpdateBatch: 20, seed: 5, batchSize: 16 };
  const result = await nngpScore(graph, { train, val }, options, { threads: 1 });

  // Re-derive the score: same weights, BN moving-statistics update by hand, TS forward, Cholesky per ε.
  const weights = initWeights(graph, NNGP_DEFAULTS.init, 5, "nngp-member", 0);
  const pick = new Rng(5, "nngp-bn-batch", 0).permutation(train.count).slice(0, 20);
  const per = 3 * 64;
  const batch = new Float32Array(pick.length * per);
  pick.forEach((img, i) => {
    batch.set(train.images.subarray(img * per, (img + 1) * per), i * per);
  });
  const trainMode = referenceForward(graph, weights, batch, pick.length, { bnMode: "train" });
  const runningStats = new Map(
    batchNormNodes(graph).map((bn) => {
      const x = trainMode[bn.inputs[0]!]!;
      const c = bn.shape[0]!;
      const hw = bn.shape[1]! * bn.shape[2]!;
      const n = pick.length * hw;
      const mean = new Float64Array(c);
      const variance = new Float64Array(c);
      for (let i = 0; i < x.length; i++) mean[Math.floor(i / hw) % c]! += x[i]! / n;
      for (let i = 0; i < x.length; i++)
        variance[Math.floor(i / hw) % c]! += (x[i]! - mean[Math.floor(i / hw) % c]!) ** 2 / (n - 1);
      return [
        bn.name,
        { mean: mean.map((m) => 0.003 * m), variance: variance.map((v) => 0.997 + 0.003 * v) },
      ];
    }),
  );
  const features = (set: ImageSet) => {
    const out = referenceForward(graph, weights, set.images, set.count, {
      bnMode: "inference",
      runningStats,
    });
    return dense(set.count, 16, out[graph.features]!);
  };
  const fTrain = features(train);
  const fVal = features(val);
  const kTrain = multiplyTransposed(fTrain, fTrain);
  const kValTrain = multiplyTransposed(fVal, fTrain);
  let trace = 0;
  for (let i = 0; i < train.count; i++) trace += kTrain.data[i * train.count + i]!;
  const y = regressionTargets(train.labels, 3);
  const expected = NNGP_DEFAULTS.epsilons.map((eps) => {
    const p = solveByCholesky(kTrain, kValTrain, y, (eps * trace) / train.count);
    return p ? argmaxAccuracy(p, val.labels) : Number.NaN;
  });
  // float32 features vs float64: allow one of 24 validation predictions to flip at a given ε.
  expected.forEach((acc, i) => {
    assert.ok(
      Math.abs(acc - result.accuracies[i]!) <= 1 / 24 + 1e-12,
      `ε #${i}: ${result.accuracies[i]} vs ${acc}`,
    );
  });
  assert.ok(Math.abs(result.score - Math.max(...expected.filter((a) => !Number.isNaN(a)))) <= 1 / 24 + 1e-12);
  assert.ok(result.score > 0.5, `a learnable task scores above chance (1/3): ${result.score}`);
});

test("the same seed gives the same score; another seed gives other weights", async () => {
  const run = (seed: number) =>
    nngpScore(graph, { train, val }, { ensemble: 2, seed, batchSize: 32 }, { threads: 1 });
  const [a, b, c] = [await run(3), await run(3), await run(4)];
  assert.deepEqual(a.accuracies, b.accuracies);
  assert.equal(a.score, b.score);
  assert.equal(a.heldOutScore, b.heldOutScore);
  assert.notDeepEqual(a.accuracies, c.accuracies);
});

test("train-mode BN scores too, and held-out ε never beats the ε tuned on the same data", async () => {
  const r = await nngpScore(
    graph,
    { train, val },
    { ensemble: 2, batchNorm: "train", batchSize: 12 },
    { threads: 1 },
  );
  assert.equal(r.accuracies.length, 20);
  assert.ok(r.score >= r.heldOutScore, `${r.score} vs ${r.heldOutScore}`);
  assert.ok(r.score > 1 / 3);
});

test("a network with all-zero features scores 0 both ways, as the reference does", async () => {
  const dead = buildNb201(parseNb201("|none~0|+|none~0|none~1|+|none~0|skip_connect~1|avg_pool_3x3~2|"), {
    inputShape: [3, 8, 8],
    numClasses: 3,
    channels: 4,
    cellsPerStage: 1,
  });
  const r = await nngpScore(dead, { train, val }, { ensemble: 1, batchSize: 32 }, { threads: 1 });
  assert.equal(r.failedEpsilons, 20);
  assert.equal(r.score, 0);
  assert.equal(r.heldOutScore, 0);
});

test("through the Metric contract: the data's first nTrain are fitted, the next nVal validate, same values", async () => {
  const data: ImageSet = {
    ...train,
    name: "train+val",
    images: Float32Array.from([...train.images, ...val.images]),
    labels: Int32Array.from([...train.labels, ...val.labels]),
    count: train.count + val.count,
  };
  const options = { nTrain: 60, nVal: 24, ensemble: 2, batchSize: 32 };
  const r = await nngp.compute({ graph, data, seed: 3, runtime: { threads: 1 } }, options);
  const direct = await nngpScore(
    graph,
    { train, val },
    { ensemble: 2, seed: 3, batchSize: 32 },
    { threads: 1 },
  );
  assert.deepEqual(r, {
    values: { score: direct.score, held_out_score: direct.heldOutScore },
    diagnostics: { best_epsilon: direct.bestEpsilon, failed_epsilons: direct.failedEpsilons },
  });
  assert.equal(nngp.images(nngp.resolve(options)), 84);
  await assert.rejects(
    nngp.compute({ graph, data, seed: 3, runtime: {} }, { ...options, nVal: 25 }),
    /needs 85 images/,
  );
  await assert.rejects(nngp.compute({ graph, data, seed: 3, runtime: {} }, { ensemble: 0 }), {
    message: "nngp.ensemble=0: must be an integer ≥ 1",
  });
});
