// Time to enumerate the 423,624 unique NAS-Bench-101 cells and to build the hash → cell index, and a
// check that the canonical classes are the benchmark's hash classes (all digests distinct).
//   node --import tsx bench/nb101-enumerate.ts [--dedupe]
// --dedupe also reruns generate_graphs.py's own procedure (hash every labelled full DAG, ~1.3M hashes)
// and checks that it finds the same set of hashes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enumeratePacked, hashDedupe } from "../src/spaces/nb101/enumerate.js";
import { nb101Hash } from "../src/spaces/nb101/hash.js";
import { hashAll, loadHashIndex } from "../src/spaces/nb101/hashIndex.js";

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

let t0 = performance.now();
for (let v = 2; v <= 7; v++) {
  const t = performance.now();
  const n = enumeratePacked(v).length;
  console.log(`cells with ≤ ${v} vertices: ${n} (${seconds(t)} s)`);
}
t0 = performance.now();
const packed = enumeratePacked();
console.log(`enumerate all: ${packed.length} cells in ${seconds(t0)} s`);

t0 = performance.now();
const digests = hashAll(packed);
const hashSeconds = seconds(t0);
const distinct = new Set<string>();
for (let i = 0; i < packed.length; i++) distinct.add(digests.toString("hex", 16 * i, 16 * i + 16));
console.log(`hash all: ${hashSeconds} s; distinct hashes ${distinct.size} of ${packed.length}`);
if (distinct.size !== packed.length) throw new Error("two canonical cells share a hash");

const dir = mkdtempSync(join(tmpdir(), "nasprobe-nb101-"));
try {
  t0 = performance.now();
  const built = loadHashIndex({ cacheDir: dir });
  console.log(`index without cache (${built.source}): ${seconds(t0)} s`);
  t0 = performance.now();
  const cached = loadHashIndex({ cacheDir: dir });
  console.log(`index from cache (${cached.source}): ${seconds(t0)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv.includes("--dedupe")) {
  t0 = performance.now();
  const { hashes, labelled } = hashDedupe(nb101Hash);
  const same = hashes.size === distinct.size && [...hashes].every((h) => distinct.has(h));
  console.log(
    `generate_graphs dedupe: ${labelled} labelled graphs → ${hashes.size} hashes in ${seconds(t0)} s; same set: ${same}`,
  );
  if (!same) throw new Error("hash dedupe and canonical enumeration disagree");
}
