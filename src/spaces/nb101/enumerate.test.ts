import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { canonicalCell, edgeCount, MAX_EDGES, matrixBits, opsCode, pruneCell } from "./cell.js";
import { allPacked, enumeratePacked, hashDedupe, packCell, unpackCell } from "./enumerate.js";
import { nb101Hash } from "./hash.js";

describe("NB101 enumeration", () => {
  it("finds the same classes as generate_graphs' hash dedupe, up to 5 vertices", () => {
    // Up to 3 vertices by hand: input→output; input→op→output with or without the skip, 3 ops each.
    assert.equal(enumeratePacked(2).length, 1);
    assert.equal(enumeratePacked(3).length, 7);
    for (const v of [4, 5]) {
      const cells = enumeratePacked(v);
      const ours = new Set(Array.from(cells, (p) => nb101Hash(unpackCell(p))));
      assert.equal(ours.size, cells.length, `two canonical cells with ≤ ${v} vertices share a hash`);
      const { hashes } = hashDedupe(nb101Hash, v);
      assert.equal(hashes.size, cells.length);
      for (const h of hashes) assert.ok(ours.has(h));
    }
    assert.equal(enumeratePacked(4).length, 91);
    assert.equal(enumeratePacked(5).length, 2532);
  });
  it("counts 423,624 unique cells (64,542 with ≤ 6 vertices)", () => {
    // 423,624 is the count nasbench's generate_graphs.py reports; bench/nb101-enumerate.ts checks that
    // all of them hash differently and (--dedupe) that its full hash dedupe finds the same set.
    assert.equal(enumeratePacked(6).length, 64_542);
    assert.equal(allPacked().length, 423_624);
  });
  it("lists valid, pruned, canonical cells with at most 9 edges, each once", () => {
    const all = allPacked();
    assert.equal(new Set(all).size, all.length);
    for (let i = 0; i < all.length; i += 97) {
      const cell = unpackCell(all[i]!);
      assert.ok(edgeCount(cell) <= MAX_EDGES);
      assert.deepEqual(pruneCell(cell.matrix, cell.ops), cell); // nothing to prune
      assert.deepEqual(canonicalCell(cell), cell);
    }
  });
  it("packs and unpacks", () => {
    const cell = unpackCell(allPacked()[123_456]!);
    assert.equal(
      packCell(cell.matrix.length, matrixBits(cell.matrix), opsCode(cell.ops)),
      allPacked()[123_456],
    );
  });
});
