import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { takeFirst } from "../data/imageSet.js";
import { loadDataset } from "../data/index.js";
import { flops as nb201Flops } from "../ir/cost.js";
import { nb201 } from "../spaces/nb201.js";
import { nbmacro } from "../spaces/nbmacro.js";
import { linearRegions } from "./linearRegions.js";
import { nngpScore, nngpSplit } from "./nngp.js";
import { metricScorer, recordedSettings, recordGroups, resolveMetrics } from "./scorer.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
const base = { space: nb201, data: "fashion-mnist", dataSeed: 0, seed: 0, runtime: { threads: 1 } };

describe("one scorer for every metric", () => {
  it("scores NNGP through the contract exactly as its own scorer did, also beside a metric that loads more images", async () => {
    const nngpOptions = { nTrain: 40, nVal: 20, ensemble: 1 };
    // The former NNGP scorer: nTrain + nVal images loaded, train = the first nTrain, val = the last nVal.
    const loaded = loadDataset("fashion-mnist", { seed: 0, trainCount: 60 }).train;
    const graph = nb201.build(nb201.parse(ARCH), { inputShape: [1, 28, 28], numClasses: 10 });
    const before = await nngpScore(
      graph,
      nngpSplit(loaded, 40, 20),
      { ...nngpOptions, seed: 0 },
      { threads: 1 },
    );

    const alone = await metricScorer({ ...base, metrics: ["nngp"], overrides: { nngp: nngpOptions } }).score(
      ARCH,
    );
    // naswot takes 128 images, so 128 are loaded: NNGP must still use the first 60.
    const mixed = await metricScorer({
      ...base,
      metrics: ["naswot", "nngp"],
      overrides: { nngp: nngpOptions },
    }).score(ARCH);
    for (const r of [alone, mixed]) {
      assert.equal(r.values.score, before.score);
      assert.equal(r.values.held_out_score, before.heldOutScore);
      assert.equal(r.values.best_epsilon, before.bestEpsilon);
      assert.equal(r.values.failed_epsilons, before.failedEpsilons);
      assert.deepEqual(r.reasons, {});
    }
    assert.equal(typeof mixed.values.naswot, "number");
  });

  it("hands linear regions the space's thin network: the same count as on that network directly", async () => {
    const options = { batchSize: 200, batches: 1, repeats: 1 };
    const r = await metricScorer({
      ...base,
      metrics: ["linear_regions"],
      overrides: { linear_regions: options },
    }).score(ARCH);
    const data = takeFirst(loadDataset("fashion-mnist", { seed: 0, trainCount: 256 }).train, 256);
    const direct = await linearRegions.compute(
      { graph: nb201.thinNetwork!(nb201.parse(ARCH), 10), data, seed: 0, runtime: { threads: 1 } },
      options,
    );
    assert.equal(r.values.linear_regions, direct.values.linear_regions);
    assert.ok(r.values.linear_regions! > 1);
  });

  it("checks every option before loading any data", () => {
    const bad = { ...base, data: "nowhere-data" };
    assert.throws(
      () => metricScorer({ ...bad, metrics: ["naswot"], overrides: { naswot: { batchSize: -3 } } }),
      {
        message: "naswot.batchSize=-3: must be an integer ≥ 1",
      },
    );
    assert.throws(
      () => metricScorer({ ...bad, metrics: ["nngp"], overrides: { nngp: { nval: 3 } } }),
      /nngp has no option nval/,
    );
    assert.throws(() => metricScorer({ ...bad, metrics: ["bogus"] }), /unknown metric "bogus"/);
    assert.throws(() => metricScorer({ ...bad, metrics: [] }), /no metrics/);
  });

  it("records NNGP in its result files' format and the others by name with the options given", () => {
    const o = { data: "d", dataSeed: 0, overrides: { ntk: { batchSize: 4 }, nngp: { nTrain: 40 } } };
    assert.deepEqual(recordGroups(["naswot", "nngp", "ntk"]), [
      { label: "nngp", metrics: ["nngp"] },
      { label: "zero-cost", metrics: ["naswot", "ntk"] },
    ]);
    assert.deepEqual(recordedSettings(o, resolveMetrics(["nngp"], { nngp: { nTrain: 40 } })), {
      data: "d",
      data_seed: 0,
      n_train: 40,
      n_val: 500,
      ensemble: 4,
      bn: "reference",
      bn_update_batch: 100,
      init: "variance_scaling",
    });
    assert.deepEqual(recordedSettings(o, resolveMetrics(["naswot", "ntk"], { ntk: { batchSize: 4 } })), {
      data: "d",
      data_seed: 0,
      metrics: ["naswot", "ntk"],
      options: { ntk: { batchSize: 4 } },
    });
  });
});

it("the flops metric counts as the space's benchmark does (NB-Macro's counter, not NB201's)", async () => {
  const scorer = metricScorer({
    space: nbmacro,
    data: "fashion-mnist",
    dataSeed: 0,
    seed: 0,
    runtime: { threads: 1 },
    metrics: ["flops"],
  });
  const arch = "02012100";
  const graph = nbmacro.build(nbmacro.parse(arch), { inputShape: [1, 28, 28], numClasses: 10 });
  const r = await scorer.score(arch);
  assert.equal(r.values.flops, nbmacro.flops!(graph));
  // NB201's counter adds one per linear output for the bias; NB-Macro's counts none.
  assert.equal(nb201Flops(graph) - r.values.flops!, 10);
});
