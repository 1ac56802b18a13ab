import assert from "node:assert/strict";
import { test } from "node:test";
import { readBenchmarkTable } from "../benchmarks/table.js";
import type { ImageSet } from "../data/imageSet.js";
import { buildNb201, parseNb201 } from "../spaces/nb201.js";
import { sharedDataPath } from "../util/sharedData.js";
import { flops } from "./flops.js";
import { params } from "./params.js";

const csv = sharedDataPath("nb201/nb201.csv");
const ARCH =
  "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|";
const data: ImageSet = {
  name: "none",
  images: new Float32Array(0),
  labels: new Int32Array(0),
  count: 0,
  channels: 3,
  height: 32,
  width: 32,
  numClasses: 10,
};

test("params equals the NB201 table's params_c10_M", { skip: !csv }, async () => {
  const table = readBenchmarkTable(csv!);
  const row = table.indexOf(ARCH)!;
  const graph = buildNb201(parseNb201(ARCH), { inputShape: [3, 32, 32], numClasses: 10 });
  const r = await params.compute({ graph, data, seed: 0, runtime: {} });
  // The table stores millions with 6 decimals.
  assert.ok(Math.abs(r.values.params! - table.column("params_c10_M")[row]! * 1e6) < 0.6);
  assert.equal(params.values[0]!.higherIsBetter, true);
});

test("flops equals the NB201 table's flops_c10_M", { skip: !csv }, async () => {
  const table = readBenchmarkTable(csv!);
  const row = table.indexOf(ARCH)!;
  const graph = buildNb201(parseNb201(ARCH), { inputShape: [3, 32, 32], numClasses: 10 });
  const r = await flops.compute({ graph, data, seed: 0, runtime: {} });
  // The table stores millions with 6 decimals.
  assert.ok(Math.abs(r.values.flops! - table.column("flops_c10_M")[row]! * 1e6) < 0.6);
  assert.equal(flops.values[0]!.higherIsBetter, true);
});
