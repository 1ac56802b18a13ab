import assert from "node:assert/strict";
import { test } from "node:test";
import { decodeImageSet, encodeImageSet } from "./imageSetBytes.js";
import { loadDataset } from "./index.js";

test("an encoded image set decodes to the same images, labels and shape", () => {
  const set = loadDataset("fashion-mnist", { seed: 3, trainCount: 40 }).train;
  const bytes = encodeImageSet(set, { data: "fashion-mnist", data_seed: 3 });
  const { set: back, header } = decodeImageSet(bytes);
  assert.deepEqual(header.provenance, { data: "fashion-mnist", data_seed: 3 });
  assert.equal(back.count, 40);
  assert.deepEqual([back.channels, back.height, back.width, back.numClasses], [1, 28, 28, 10]);
  assert.deepEqual(back.images, set.images);
  assert.deepEqual(back.labels, set.labels);
  assert.equal(back.name, set.name);
});

test("truncated, foreign or inconsistent bytes are refused in one line", () => {
  const set = loadDataset("fashion-mnist", { seed: 0, trainCount: 2 }).train;
  const bytes = encodeImageSet(set);
  assert.throws(
    () => decodeImageSet(bytes.subarray(0, bytes.length - 1)),
    /holds \d+ bytes, its header describes/,
  );
  assert.throws(() => decodeImageSet(new TextEncoder().encode("PK\u0003\u0004 zip")), /not an image set/);
  assert.throws(() => decodeImageSet(bytes.subarray(0, 20)), /truncated in its header/);
});
