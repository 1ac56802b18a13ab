// CIFAR-style augmentation of a batch: torchvision's RandomCrop(size, padding=p) and
// RandomHorizontalFlip(0.5), applied to already-normalised images. The padding is what a black
// pixel normalises to, (0 − mean)/std per channel, as padding the raw image before Normalize gives.
import type { Rng } from "../util/random.js";

export interface AugmentOptions {
  /** Crop padding in pixels; 0 turns cropping off. */
  readonly cropPadding: number;
  readonly flip: boolean;
  /** Per-channel value of padded pixels in the normalised scale. */
  readonly padValue: readonly number[];
}

/**
 * Writes `count` augmented images of shape [c, h, w] from `source` (at `indices`) into `out`.
 * Draws per image: the crop offset (two ints in [0, 2p]) then the flip coin, in that order.
 */
export function augmentBatch(
  source: Float32Array,
  indices: ArrayLike<number>,
  shape: readonly [number, number, number],
  options: AugmentOptions,
  rng: Rng,
  out: Float32Array,
): void {
  const [c, h, w] = shape;
  const size = c * h * w;
  const p = options.cropPadding;
  for (let n = 0; n < indices.length; n++) {
    const from = indices[n]! * size;
    const to = n * size;
    const dy = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const dx = p > 0 ? rng.int(2 * p + 1) - p : 0;
    const flip = options.flip && rng.uniform() < 0.5;
    for (let ch = 0; ch < c; ch++) {
      const pad = options.padValue[ch] ?? 0;
      const plane = ch * h * w;
      for (let y = 0; y < h; y++) {
        const sy = y + dy;
        const row = to + plane + y * w;
        if (sy < 0 || sy >= h) {
          out.fill(pad, row, row + w);
          continue;
        }
        const srcRow = from + plane + sy * w;
        for (let x = 0; x < w; x++) {
          const sx = (flip ? w - 1 - x : x) + dx;
          out[row + x] = sx < 0 || sx >= w ? pad : source[srcRow + sx]!;
        }
      }
    }
  }
}

/** Copies `count` images at `indices` unchanged (no augmentation, or flat inputs). */
export function gatherBatch(
  source: Float32Array,
  indices: ArrayLike<number>,
  size: number,
  out: Float32Array,
): void {
  for (let n = 0; n < indices.length; n++)
    out.set(source.subarray(indices[n]! * size, (indices[n]! + 1) * size), n * size);
}
