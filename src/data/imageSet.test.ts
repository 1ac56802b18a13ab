import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/random.js";
import {
  classHistogram,
  classInterleavedOrder,
  fitChannels,
  type ImageSet,
  normalizePerChannel,
  seededShuffle,
  subset,
  takeFirst,
} from "./imageSet.js";

/** `count` 2-channel 1×2 images; image i holds [10i, 10i+1 | 10i+2, 10i+3], label i mod 3. */
function tiny(count: number): ImageSet {
  const images = Float32Array.from({ length: count * 4 }, (_, j) => 10 * Math.floor(j / 4) + (j % 4));
  const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
  return { name: "tiny", images, labels, count, channels: 2, height: 1, width: 2, numClasses: 3 };
}

test("subset copies the chosen images and labels in order", () => {
  const set = tiny(5);
  const picked = subset(set, [4, 1, 1]);
  assert.equal(picked.count, 3);
  assert.deepEqual([...picked.images], [40, 41, 42, 43, 10, 11, 12, 13, 10, 11, 12, 13]);
  assert.deepEqual([...picked.labels], [1, 1, 1]);
  assert.deepEqual([picked.channels, picked.height, picked.width, picked.numClasses], [2, 1, 2, 3]);
  assert.throws(() => subset(set, [5]), /index 5 out of range for tiny \(5 images\)/);
  assert.deepEqual([...takeFirst(set, 2).labels], [0, 1]);
  assert.throws(() => takeFirst(set, 6), /asked for 6 images but tiny has 5/);
});

test("seededShuffle is a seed-determined permutation", () => {
  const set = tiny(50);
  const a = seededShuffle(set, 7);
  assert.deepEqual(seededShuffle(set, 7).images, a.images);
  assert.notDeepEqual(seededShuffle(set, 8).images, a.images);
  assert.notDeepEqual(a.images, set.images);
  const firsts = Array.from({ length: 50 }, (_, i) => a.images[4 * i]! / 10);
  assert.deepEqual(
    [...firsts].sort((x, y) => x - y),
    Array.from({ length: 50 }, (_, i) => i),
  );
  // Labels travel with their images.
  firsts.forEach((original, i) => {
    assert.equal(a.labels[i], original % 3);
  });
});

test("normalizePerChannel applies each channel's mean and std", () => {
  const set = tiny(2);
  const normalized = normalizePerChannel(set, [10, 20], [2, 4]);
  // Image 0 channel 0 is [0, 1], channel 1 is [2, 3]; image 1 adds 10.
  assert.deepEqual([...normalized.images], [-5, -4.5, -4.5, -4.25, 0, 0.5, -2, -1.75]);
  assert.deepEqual([...set.images.subarray(0, 2)], [0, 1], "input untouched");
  assert.throws(() => normalizePerChannel(set, [1], [1]), /tiny has 2 channels but got 1 means, 1 stds/);
  assert.throws(() => normalizePerChannel(set, [1, 1], [1, 0]), /std must be positive/);
});

test("classInterleavedOrder is a permutation whose prefixes are class-balanced", () => {
  // Classes of sizes 5, 3, 4 (labels shuffled so the order cannot come from position alone).
  const labels = new Rng(1).shuffle([0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
  const order = classInterleavedOrder(labels, 3, new Rng(2));
  assert.deepEqual(
    [...order].sort((a, b) => a - b),
    labels.map((_, i) => i),
  );
  const dealt = order.map((i) => labels[i]);
  // Rounds of 3 while all classes last, then the two larger ones, then class 0 alone.
  for (const [from, to] of [
    [0, 3],
    [3, 6],
    [6, 9],
  ]) {
    assert.deepEqual([...dealt.slice(from, to)].sort(), [0, 1, 2]);
  }
  assert.deepEqual([...dealt.slice(9, 11)].sort(), [0, 2]);
  assert.equal(dealt[11], 0);
  assert.deepEqual(classInterleavedOrder(labels, 3, new Rng(2)), order);
  assert.throws(() => classInterleavedOrder([0, 3], 3, new Rng(0)), /label 3 at 1 is outside 0\.\.2/);
});

test("classHistogram counts labels", () => {
  assert.deepEqual(classHistogram(tiny(7)), [3, 2, 2]);
});

test("fitChannels repeats a grey image across a model's channels and refuses other changes", () => {
  const grey = {
    name: "g",
    images: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
    labels: Int32Array.from([0, 1]),
    count: 2,
    channels: 1,
    height: 2,
    width: 2,
    numClasses: 2,
  };
  const rgb = fitChannels(grey, 3);
  assert.equal(rgb.channels, 3);
  assert.deepEqual([...rgb.images], [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8, 5, 6, 7, 8]);
  assert.equal(fitChannels(grey, 1), grey);
  assert.throws(() => fitChannels(rgb, 1), /g has 3 channels; a model taking 1 cannot read it/);
});
