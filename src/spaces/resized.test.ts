import assert from "node:assert/strict";
import { test } from "node:test";
import { paramCount } from "../ir/cost.js";
import { getSpace } from "./index.js";
import { nb101Cell } from "./nb101/cell.js";
import { buildNb101 } from "./nb101/network.js";
import { buildNb201, parseNb201 } from "./nb201.js";

const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";

test("resized NB201/NB101 spaces build the benchmark's network with the given macro sizes and keep the arch strings", () => {
  const small = getSpace("nb201:cells=1,channels=8");
  assert.equal(small.name, "nb201:cells=1,channels=8");
  const graph = small.build(small.parse(ARCH), small.defaultBuild);
  const expected = buildNb201(parseNb201(ARCH), { ...small.defaultBuild, cellsPerStage: 1, channels: 8 });
  assert.equal(paramCount(graph), paramCount(expected));
  assert.ok(
    paramCount(graph) < paramCount(getSpace("nb201").build(parseNb201(ARCH), small.defaultBuild)) / 5,
  );
  assert.equal(small.format(small.parse(ARCH)), ARCH);
  assert.equal(small.benchmark?.table, "nb201/nb201.csv");

  const nb101 = getSpace("nb101:stem=16,cells=1");
  const cellText = JSON.stringify({
    matrix: [
      [0, 1, 1, 0, 0],
      [0, 0, 0, 1, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0],
    ],
    ops: ["input", "conv3x3-bn-relu", "maxpool3x3", "conv1x1-bn-relu", "output"],
  });
  const cell = nb101.parse(cellText);
  const built = nb101.build(cell, nb101.defaultBuild);
  const direct = buildNb101(nb101Cell(cell.matrix, cell.ops), {
    ...nb101.defaultBuild,
    stemChannels: 16,
    cellsPerStack: 1,
  });
  assert.equal(paramCount(built), paramCount(direct));
  assert.throws(
    () => getSpace("nb201:depth=2"),
    /space nb201 has no option depth \(options: cells, channels\)/,
  );
  assert.throws(() => getSpace("nb101:stem=0"), /stem=0 must be a positive integer/);
});
