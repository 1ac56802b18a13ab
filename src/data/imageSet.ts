// The one in-memory dataset type every loader returns and every metric consumes.
import { Rng } from "../util/random.js";

/** Labelled images, NCHW float32, row-major. */
export interface ImageSet {
  readonly name: string;
  /** count × channels × height × width values. */
  readonly images: Float32Array;
  /** Class index per image, 0..numClasses-1. */
  readonly labels: Int32Array;
  readonly count: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly numClasses: number;
}

/** Which part of a dataset's official train/test split to load; "all" is train then test. */
export type Split = "train" | "test" | "all";

/** Values per image (channels × height × width). */
export function imageSize(set: ImageSet): number {
  return set.channels * set.height * set.width;
}

/** A new set holding the images at `indices`, in that order (repeats allowed). */
export function subset(set: ImageSet, indices: ArrayLike<number>, name = set.name): ImageSet {
  const size = imageSize(set);
  const images = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const j = indices[i]!;
    if (!(Number.isInteger(j) && j >= 0 && j < set.count)) {
      throw new Error(`subset: index ${j} out of range for ${set.name} (${set.count} images)`);
    }
    images.set(set.images.subarray(j * size, (j + 1) * size), i * size);
    labels[i] = set.labels[j]!;
  }
  return { ...set, name, images, labels, count: indices.length };
}

/** The first `count` images of `set` (its leading split). */
export function takeFirst(set: ImageSet, count: number, name = set.name): ImageSet {
  if (!(Number.isInteger(count) && count >= 0 && count <= set.count)) {
    throw new Error(`asked for ${count} images but ${set.name} has ${set.count}`);
  }
  return subset(
    set,
    Array.from({ length: count }, (_, i) => i),
    name,
  );
}

/** The set in a random order fixed by `seed`. */
export function seededShuffle(set: ImageSet, seed: number): ImageSet {
  return subset(set, new Rng(seed, "seededShuffle").permutation(set.count));
}

/**
 * A permutation of 0..labels.length-1 that deals classes round-robin (each round in a random class order),
 * drawing images within each class at random, so every prefix is class-balanced to within one image
 * until a class runs out. Minibatches cut from the front thus see every class.
 */
export function classInterleavedOrder(labels: ArrayLike<number>, numClasses: number, rng: Rng): number[] {
  const byClass: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < labels.length; i++) {
    const members = byClass[labels[i]!];
    if (members === undefined) throw new Error(`label ${labels[i]} at ${i} is outside 0..${numClasses - 1}`);
    members.push(i);
  }
  for (const members of byClass) rng.shuffle(members);
  const order: number[] = [];
  const classes = byClass.map((_, c) => c);
  for (let round = 0; order.length < labels.length; round++) {
    for (const c of rng.shuffle(classes)) {
      const members = byClass[c]!;
      if (round < members.length) order.push(members[round]!);
    }
  }
  return order;
}

/** A new set with each channel mapped to (x - mean[c]) / std[c]; constants are on the inputs' 0–255 scale. */
export function normalizePerChannel(
  set: ImageSet,
  mean: readonly number[],
  std: readonly number[],
): ImageSet {
  if (mean.length !== set.channels || std.length !== set.channels) {
    throw new Error(
      `normalizePerChannel: ${set.name} has ${set.channels} channels but got ${mean.length} means, ${std.length} stds`,
    );
  }
  if (std.some((s) => !(s > 0))) throw new Error(`normalizePerChannel: std must be positive, got [${std}]`);
  const plane = set.height * set.width;
  const images = new Float32Array(set.images.length);
  for (let start = 0; start < images.length; start += plane) {
    const c = (start / plane) % set.channels;
    const m = mean[c]!;
    const s = std[c]!;
    for (let k = start; k < start + plane; k++) images[k] = (set.images[k]! - m) / s;
  }
  return { ...set, images };
}

/** Images per class, index = class. */
export function classHistogram(set: ImageSet): number[] {
  const counts = new Array<number>(set.numClasses).fill(0);
  for (const label of set.labels) counts[label]! += 1;
  return counts;
}

/** Images shrunk by an integer factor, averaging each factor×factor block (reduced-resolution proxies). */
export function downsample(set: ImageSet, factor: number): ImageSet {
  if (factor === 1) return set;
  if (!(Number.isInteger(factor) && factor > 1 && set.height % factor === 0 && set.width % factor === 0))
    throw new Error(`cannot downsample ${set.height}×${set.width} images by ${factor}`);
  const h = set.height / factor;
  const w = set.width / factor;
  const images = new Float32Array(set.count * set.channels * h * w);
  const area = factor * factor;
  for (let p = 0; p < set.count * set.channels; p++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let s = 0;
        for (let dy = 0; dy < factor; dy++)
          for (let dx = 0; dx < factor; dx++)
            s += set.images[p * set.height * set.width + (y * factor + dy) * set.width + x * factor + dx]!;
        images[p * h * w + y * w + x] = s / area;
      }
  return { ...set, images, height: h, width: w };
}

/**
 * The set with `channels` input channels for a model that takes them: a one-channel image repeated
 * across every channel (a grey image as RGB); any other change of channel count is refused.
 */
export function fitChannels(set: ImageSet, channels: number): ImageSet {
  if (channels === set.channels) return set;
  if (set.channels !== 1)
    throw new Error(`${set.name} has ${set.channels} channels; a model taking ${channels} cannot read it`);
  const plane = set.height * set.width;
  const images = new Float32Array(set.count * channels * plane);
  for (let i = 0; i < set.count; i++) {
    const source = set.images.subarray(i * plane, (i + 1) * plane);
    for (let c = 0; c < channels; c++) images.set(source, (i * channels + c) * plane);
  }
  return { ...set, images, channels };
}
