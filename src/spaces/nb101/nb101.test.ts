import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { Rng } from "../../util/random.js";
import { sharedDataPath } from "../../util/sharedData.js";
import { SpaceError } from "../space.js";
import { edgeCount, matrixBits, type Nb101Cell, nb101Cell, opsCode } from "./cell.js";
import { packCell } from "./enumerate.js";
import { defaultCacheDir, HASH_INDEX_FILE, hashAll, hashIndex, makeHashIndex } from "./hashIndex.js";
import { NB101_SIZE, nb101, parseNb101 } from "./nb101.js";
import { shuffleTopologically } from "./testUtil.js";

const records = sharedDataPath("nb101/nb101_30.json");
type Rec = { hash: string; matrix: (0 | 1)[][]; ops: string[] };
const recs: Rec[] = records ? JSON.parse(readFileSync(records, "utf8")) : [];

function throwsSpace(f: () => unknown, pattern: RegExp) {
  assert.throws(f, (e: unknown) => e instanceof SpaceError && pattern.test(e.message));
}

/** An index over the 30 records' cells only, so tests need not hash the whole space. */
function recordIndex() {
  const packed = Uint32Array.from(recs, (r) => {
    const c = nb101Cell(r.matrix, r.ops);
    return packCell(c.matrix.length, matrixBits(c.matrix), opsCode(c.ops));
  });
  const index = makeHashIndex(packed, hashAll(packed));
  return () => index;
}

describe("NB101 strings", { skip: records === undefined && "../shared/data is absent" }, () => {
  it("formats the dataset's matrix, and isomorphic inputs format identically", () => {
    const rng = new Rng(2, "nb101-format");
    for (const r of recs) {
      const canonical = JSON.stringify({ matrix: r.matrix, ops: r.ops });
      const cell = nb101.parse(canonical);
      assert.equal(nb101.format(cell), canonical);
      assert.equal(nb101.format(shuffleTopologically(cell, rng)), canonical);
      assert.equal(nb101.format(nb101.parse(nb101.format(cell))), canonical);
    }
  });
  it("describes a cell by its dataset hash, vertex and edge counts", () => {
    for (const r of recs) {
      const facts = nb101.describe!(nb101.parse(JSON.stringify({ matrix: r.matrix, ops: r.ops })));
      assert.equal(facts.hash, r.hash);
      assert.equal(facts.vertices, r.ops.length);
      assert.equal(
        facts.edges,
        r.matrix.flat().reduce<number>((a, b) => a + b, 0),
      );
    }
  });
  it("parses a hash through the index, in either case", () => {
    const index = recordIndex();
    for (const r of recs) {
      const expected = { matrix: r.matrix, ops: r.ops };
      assert.deepEqual(parseNb101(r.hash, index), expected);
      assert.deepEqual(parseNb101(` ${r.hash.toUpperCase()} `, index), expected);
    }
    throwsSpace(
      () => parseNb101("0123456789abcdef0123456789abcdef", index),
      /hash 0123456789abcdef0123456789abcdef is not in the space/,
    );
  });
  it("parses hashes with the whole-space index (when its cache exists; bench/nb101-enumerate.ts builds it)", {
    skip: !existsSync(join(defaultCacheDir(), HASH_INDEX_FILE)) && "no cached NB101 hash index",
  }, () => {
    for (const r of recs) assert.deepEqual(nb101.parse(r.hash), { matrix: r.matrix, ops: r.ops });
    assert.equal(hashIndex().size, NB101_SIZE);
    throwsSpace(() => nb101.parse("ffffffffffffffffffffffffffffffff"), /hash f{32} is not in the space/);
  });
});

describe("NB101 parse errors name the fault", () => {
  it("rejects non-JSON, JSON without matrix/ops, and invalid cells", () => {
    throwsSpace(() => nb101.parse("conv3x3"), /must be \{"matrix".*or a 32-hex-digit hash/);
    throwsSpace(() => nb101.parse('{"matrix":[[0,1],[0,0]]}'), /needs "matrix" and "ops"/);
    throwsSpace(
      () => nb101.parse('{"matrix":[[0,1],[1,0]],"ops":["input","output"]}'),
      /not upper triangular/,
    );
    throwsSpace(
      () => nb101.parse('{"matrix":[[0,1,0],[0,0,1],[0,0,0]],"ops":["input","conv7x7","output"]}'),
      /unknown op "conv7x7"/,
    );
  });
});

describe("NB101 sampling and enumeration", () => {
  it("has size 423,624, the enumeration's length", () => {
    assert.equal(nb101.size, 423_624);
    let n = 0;
    for (const _ of nb101.enumerate!()) n++;
    assert.equal(n, nb101.size);
  });
  it("samples canonical cells reproducibly and uniformly over unique cells", () => {
    const draw = (seed: number) =>
      Array.from({ length: 5 }, (_, i) => nb101.format(nb101.sample(new Rng(seed, i))));
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
    // Uniform over the 423,624 classes: the share of 7-vertex cells is (423,624 − 64,542) / 423,624.
    const rng = new Rng(3, "nb101-uniform");
    const n = 20_000;
    let seven = 0;
    for (let i = 0; i < n; i++) {
      const cell = nb101.sample(rng);
      if (cell.matrix.length === 7) seven++;
      if (i < 200) assert.deepEqual(nb101Cell(cell.matrix, cell.ops), cell);
    }
    const p = (423_624 - 64_542) / 423_624;
    assert.ok(
      Math.abs(seven / n - p) < 4 * Math.sqrt((p * (1 - p)) / n),
      `7-vertex share ${seven / n} vs ${p}`,
    );
  });
});

describe("NB101 neighbours", () => {
  it("returns valid, canonical, distinct cells one edit away", () => {
    const rng = new Rng(4, "nb101-neighbours");
    for (let k = 0; k < 30; k++) {
      const cell = nb101.sample(rng);
      const self = nb101.format(cell);
      const ns = nb101.neighbours(cell);
      assert.ok(ns.length > 0);
      const strings = ns.map((n) => nb101.format(n));
      assert.equal(new Set(strings).size, ns.length);
      assert.ok(!strings.includes(self));
      for (const n of ns) {
        assert.deepEqual(nb101Cell(n.matrix, n.ops), n);
        // An insertion adds one vertex; a flip may prune several.
        assert.ok(n.matrix.length <= cell.matrix.length + 1);
      }
    }
  });
  it("grows the smallest cell by vertex insertion, and changes ops and edges of others", () => {
    const io = nb101.parse('{"matrix":[[0,1],[0,0]],"ops":["input","output"]}');
    const grown = nb101.neighbours(io).map((n) => nb101.format(n));
    // Inserting a vertex on a new path 0 → new → 1 keeps the existing 0→1 edge: three cells.
    assert.deepEqual(
      grown.sort(),
      ["conv1x1-bn-relu", "conv3x3-bn-relu", "maxpool3x3"]
        .map((op) =>
          JSON.stringify({
            matrix: [
              [0, 1, 1],
              [0, 0, 1],
              [0, 0, 0],
            ],
            ops: ["input", op, "output"],
          }),
        )
        .sort(),
    );
    // A 7-vertex chain of conv3x3: removing any edge disconnects it and 7 vertices leave no room to
    // insert, so the neighbours are the 15 skip edges (7 edges) and 10 op changes (6 edges).
    const chain: Nb101Cell = {
      matrix: Array.from({ length: 7 }, (_, r) => Array.from({ length: 7 }, (_, c) => (c === r + 1 ? 1 : 0))),
      ops: ["input", ...new Array(5).fill("conv3x3-bn-relu"), "output"],
    };
    const ns = nb101.neighbours(chain);
    assert.equal(ns.filter((n) => n.matrix.length === 7 && edgeCount(n) === 7).length, 15);
    assert.equal(ns.filter((n) => n.matrix.length === 7 && edgeCount(n) === 6).length, 10);
    assert.equal(ns.length, 25);
  });
});

describe("NB101 categorical coding", { skip: records === undefined && "../shared/data is absent" }, () => {
  const coding = nb101.categorical!;
  it("has 21 edge bits and 5 op choices and round-trips cells", () => {
    assert.deepEqual(coding.choices, [...new Array(21).fill(2), ...new Array(5).fill(3)]);
    const rng = new Rng(5, "nb101-code");
    const cells = [
      ...recs.map((r) => nb101Cell(r.matrix, r.ops)),
      ...Array.from({ length: 50 }, () => nb101.sample(rng)),
    ];
    for (const cell of cells) {
      const decoded = coding.decode(coding.encode(cell));
      assert.ok(decoded.ok);
      assert.equal(nb101.format(decoded.arch), nb101.format(cell));
    }
  });
  it("says why a code names no cell", () => {
    const none = coding.decode(new Array(26).fill(0));
    assert.deepEqual(none, { ok: false, reason: "NB101 cell has no path from input to output" });
    const dense = coding.decode([...new Array(21).fill(1), 0, 0, 0, 0, 0]);
    assert.equal(dense.ok, false);
    assert.match((dense as { reason: string }).reason, /21 edges after pruning; 9 at most/);
    assert.throws(() => coding.decode([1, 2]), /needs 26 entries/);
  });
});
