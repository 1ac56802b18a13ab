import assert from "node:assert/strict";
import { test } from "node:test";
import { buildMlp } from "../spaces/mlp.js";
import { buildNb201, nb201ThinNetwork, parseNb201 } from "../spaces/nb201.js";
import { linearRegions } from "./linearRegions.js";
import { meco } from "./meco.js";
import { Memo } from "./metric.js";
import { ranker } from "./ranker.js";
import { gaussianImages } from "./testData.js";

const RUNTIME = { threads: 1 };
const data = gaussianImages(1000, [3, 8, 8], 3, 1);
const cell = (arch: string) => {
  const a = parseNb201(arch);
  return {
    graph: buildNb201(a, { inputShape: [3, 8, 8], numClasses: 3, channels: 6, cellsPerStage: 1 }),
    thinGraph: nb201ThinNetwork(a, 3),
  };
};

test("ranker is log meco + log meco_opt + log linear_regions of the same network, seed and data", async () => {
  for (const arch of [
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
    "|skip_connect~0|+|none~0|nor_conv_1x1~1|+|avg_pool_3x3~0|none~1|skip_connect~2|",
  ]) {
    const input = { ...cell(arch), data, seed: 3, runtime: RUNTIME };
    const r = await ranker.compute({ ...input, memo: new Memo() });
    const m = await meco.compute(input);
    const l = await linearRegions.compute(input);
    const expected =
      Math.log(m.values.meco!) + Math.log(m.values.meco_opt!) + Math.log(l.values.linear_regions!);
    assert.ok(Number.isFinite(expected));
    assert.equal(r.values.ranker, expected);
    assert.deepEqual(r.diagnostics, { ...m.values, ...l.values });
    const other = await ranker.compute({ ...input, seed: 4 });
    assert.notEqual(other.values.ranker, r.values.ranker, "another seed is another draw");
  }
});

test("ranker fails with its component's reason where MeCo has no feature map (an MLP)", async () => {
  const graph = buildMlp(
    { family: "mlp", layers: [{ activation: "relu" }, { activation: "relu" }] },
    { inputShape: [3, 8, 8], numClasses: 3, width: 16 },
  );
  const r = await ranker.compute({ graph, data, seed: 0, runtime: RUNTIME });
  assert.ok(Number.isNaN(r.values.ranker));
  assert.match(r.reason ?? "", /^meco: the graph has no feature map/);
});

test("without a thin network (NB101, NB-Macro, a model) the ranker is log meco + log meco_opt", async () => {
  const { graph } = cell(
    "|nor_conv_3x3~0|+|nor_conv_1x1~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|",
  );
  const input = { graph, data, seed: 1, runtime: RUNTIME };
  const r = await ranker.compute(input);
  const m = await meco.compute(input);
  assert.equal(r.values.ranker, Math.log(m.values.meco!) + Math.log(m.values.meco_opt!));
  assert.deepEqual(Object.keys(r.diagnostics ?? {}), ["meco", "meco_opt"]);
});
