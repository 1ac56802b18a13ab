// Synthetic labelled images for metric tests: seeded Gaussian pixels, labels cycling over classes.
import type { ImageSet } from "../data/imageSet.js";
import { Rng } from "../util/random.js";

export function gaussianImages(
  count: number,
  shape: readonly [number, number, number],
  classes: number,
  seed = 0,
): ImageSet {
  const rng = new Rng(seed, "gaussian-images");
  const [channels, height, width] = shape;
  return {
    name: "gaussian",
    images: Float32Array.from({ length: count * channels * height * width }, () => rng.normal()),
    labels: Int32Array.from({ length: count }, (_, i) => i % classes),
    count,
    channels,
    height,
    width,
    numClasses: classes,
  };
}
