import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { scratchDirectories } from "../util/scratch.js";
import { sharedDataPath } from "../util/sharedData.js";
import { cifar10Files, loadCifar10 } from "./cifar10.js";
import { classHistogram } from "./imageSet.js";

const subsetDir = sharedDataPath("cifar10-subset") ?? "";
const skip = subsetDir ? false : "no shared data (../shared/data/cifar10-subset)";

/** Label histogram counted straight from the file bytes, independent of the loader. */
function rawHistogram(file: string): number[] {
  const bytes = readFileSync(file);
  const counts = new Array<number>(10).fill(0);
  for (let r = 0; r < bytes.length; r += 3073) counts[bytes[r]!]! += 1;
  return counts;
}

test("loads the 4,000 + 1,000 image subset with its labels", { skip }, () => {
  const train = loadCifar10(subsetDir, { split: "train" });
  const testSet = loadCifar10(subsetDir, { split: "test" });
  const all = loadCifar10(subsetDir, { split: "all" });
  assert.deepEqual([train.count, testSet.count, all.count], [4000, 1000, 5000]);
  assert.deepEqual([train.channels, train.height, train.width, train.numClasses], [3, 32, 32, 10]);
  assert.equal(train.images.length, 4000 * 3072);
  assert.deepEqual(classHistogram(train), rawHistogram(path.join(subsetDir, "data_batch_1.bin")));
  assert.deepEqual(classHistogram(testSet), rawHistogram(path.join(subsetDir, "test_batch.bin")));
  // Known values of the subset (the official batches' first records: frog, truck / cat, ship).
  assert.deepEqual(classHistogram(train), [396, 366, 420, 384, 422, 393, 414, 385, 407, 413]);
  assert.deepEqual([...train.labels.subarray(0, 2)], [6, 9]);
  assert.deepEqual([...testSet.labels.subarray(0, 2)], [3, 8]);
  assert.equal(all.labels[4000], testSet.labels[0]);
});

test("pixels are the raw bytes in CHW order, as floats 0..255", { skip }, () => {
  const raw = readFileSync(path.join(subsetDir, "test_batch.bin"));
  const all = loadCifar10(subsetDir, { split: "all" });
  for (const [image, channel, row, col] of [
    [0, 0, 0, 0],
    [123, 1, 5, 7],
    [999, 2, 31, 31],
  ] as const) {
    const expected = raw[image * 3073 + 1 + channel * 1024 + row * 32 + col]!;
    const actual = all.images[(4000 + image) * 3072 + channel * 1024 + row * 32 + col];
    assert.equal(actual, expected, `test image ${image} c${channel} (${row},${col})`);
  }
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of all.images) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  assert.deepEqual([min, max], [0, 255]);
});

const scratch = scratchDirectories("cifar10");
const batchDir = scratch.withFiles;

function records(labels: number[]): Uint8Array {
  const bytes = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    bytes[i * 3073] = label;
    bytes.fill(i + 1, i * 3073 + 1, (i + 1) * 3073);
  });
  return bytes;
}

test("orders data_batch files numerically and concatenates them", () => {
  const dir = batchDir("ordered", {
    "data_batch_10.bin": records([9]),
    "data_batch_2.bin": records([2, 3]),
    "test_batch.bin": records([5]),
  });
  assert.deepEqual(
    cifar10Files(dir, "all").map((f) => path.basename(f)),
    ["data_batch_2.bin", "data_batch_10.bin", "test_batch.bin"],
  );
  const all = loadCifar10(dir, { split: "all" });
  assert.deepEqual([...all.labels], [2, 3, 9, 5]);
  assert.equal(all.images[3 * 3072 + 100], 1);
  assert.equal(all.images[1 * 3072], 2);
});

test("rejects missing, truncated and mislabelled files with the file named", () => {
  assert.throws(() => loadCifar10(path.join(scratch.root, "absent")), /no such directory .*absent/);
  const testOnly = batchDir("test-only", { "test_batch.bin": records([1]) });
  assert.throws(
    () => loadCifar10(testOnly, { split: "train" }),
    /no data_batch_\*\.bin files in .*test-only/,
  );
  assert.equal(loadCifar10(testOnly, { split: "test" }).count, 1);
  const trainOnly = batchDir("train-only", { "data_batch_1.bin": records([1]) });
  assert.throws(() => loadCifar10(trainOnly, { split: "all" }), /no test_batch\.bin in .*train-only/);
  const truncated = batchDir("truncated", { "data_batch_1.bin": records([1, 2]).subarray(0, 6141) });
  assert.throws(
    () => loadCifar10(truncated),
    /data_batch_1\.bin is 6141 bytes, not a positive multiple of 3073/,
  );
  const badLabel = batchDir("bad-label", { "data_batch_1.bin": records([0, 10]) });
  assert.throws(() => loadCifar10(badLabel), /data_batch_1\.bin record 1 has label 10, expected 0\.\.9/);
});
