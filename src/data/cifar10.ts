// Loader for the official CIFAR-10 binary release (cifar-10-batches-bin).
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { ImageSet, Split } from "./imageSet.js";

export const CIFAR10_CLASSES = [
  "airplane",
  "automobile",
  "bird",
  "cat",
  "deer",
  "dog",
  "frog",
  "horse",
  "ship",
  "truck",
] as const;
/** Per-channel (R, G, B) mean and std on the 0–255 scale, over the CIFAR-10 training set. */
export const CIFAR10_MEAN: readonly number[] = [125.3, 123.0, 113.9];
export const CIFAR10_STD: readonly number[] = [63.0, 62.1, 66.7];

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
/** One label byte, then the red, green and blue planes. */
const RECORD_BYTES = 1 + PIXELS;

/** The batch files for `split`, in load order: data_batch_1..n (numerically), then test_batch. */
export function cifar10Files(dir: string, split: Split): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`CIFAR-10: no such directory ${dir}`);
  const names = readdirSync(dir);
  const train = names
    .filter((n) => /^data_batch_\d+\.bin$/.test(n))
    .sort((a, b) => Number.parseInt(a.slice(11), 10) - Number.parseInt(b.slice(11), 10));
  const files: string[] = [];
  if (split !== "test") {
    if (train.length === 0) throw new Error(`CIFAR-10: no data_batch_*.bin files in ${dir}`);
    files.push(...train);
  }
  if (split !== "train") {
    if (!names.includes("test_batch.bin")) throw new Error(`CIFAR-10: no test_batch.bin in ${dir}`);
    files.push("test_batch.bin");
  }
  return files.map((n) => path.join(dir, n));
}

/** CIFAR-10 images as NCHW floats 0..255 (train: every data_batch_*.bin; all: train then test). */
export function loadCifar10(dir: string, options: { split: Split } = { split: "train" }): ImageSet {
  const buffers = cifar10Files(dir, options.split).map((file) => {
    const bytes = readFileSync(file);
    if (bytes.length === 0 || bytes.length % RECORD_BYTES !== 0) {
      throw new Error(
        `CIFAR-10: ${file} is ${bytes.length} bytes, not a positive multiple of ${RECORD_BYTES} (truncated or not CIFAR-10 binary)`,
      );
    }
    for (let r = 0; r < bytes.length; r += RECORD_BYTES) {
      if (bytes[r]! > 9) {
        throw new Error(`CIFAR-10: ${file} record ${r / RECORD_BYTES} has label ${bytes[r]}, expected 0..9`);
      }
    }
    return bytes;
  });
  const count = buffers.reduce((n, b) => n + b.length / RECORD_BYTES, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let i = 0;
  for (const bytes of buffers) {
    for (let r = 0; r < bytes.length; r += RECORD_BYTES, i++) {
      labels[i] = bytes[r]!;
      // Records are already channel-major, row-major: the 3072 pixel bytes map straight onto CHW.
      images.set(bytes.subarray(r + 1, r + RECORD_BYTES), i * PIXELS);
    }
  }
  return {
    name: `cifar10-${options.split}`,
    images,
    labels,
    count,
    channels: 3,
    height: SIDE,
    width: SIDE,
    numClasses: 10,
  };
}
