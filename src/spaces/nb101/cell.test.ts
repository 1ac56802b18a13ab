import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Rng } from "../../util/random.js";
import { sharedDataPath } from "../../util/sharedData.js";
import { SpaceError } from "../space.js";
import { bitsMatrix, canonicalCell, matrixBits, nb101Cell, pruneCell } from "./cell.js";
import { shuffleTopologically } from "./testUtil.js";

const C3 = "conv3x3-bn-relu";
const C1 = "conv1x1-bn-relu";
const MP = "maxpool3x3";

function throwsSpace(f: () => unknown, pattern: RegExp) {
  assert.throws(f, (e: unknown) => e instanceof SpaceError && pattern.test(e.message));
}

describe("NB101 cell validation names the fault", () => {
  const chain = [
    [0, 1, 0],
    [0, 0, 1],
    [0, 0, 0],
  ];
  it("accepts a valid chain", () => {
    assert.deepEqual(pruneCell(chain, ["input", C3, "output"]), {
      matrix: chain,
      ops: ["input", C3, "output"],
    });
  });
  it("rejects a cycle (entry below the diagonal) and a self-loop", () => {
    const cyc = [
      [0, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
    ];
    throwsSpace(() => pruneCell(cyc, ["input", C3, "output"]), /not upper triangular.*edge 2→1.*cycle/);
    const loop = [
      [0, 1, 0],
      [0, 1, 1],
      [0, 0, 0],
    ];
    throwsSpace(
      () => pruneCell(loop, ["input", C3, "output"]),
      /not upper triangular: self-loop at vertex 1/,
    );
  });
  it("rejects more than 9 edges after pruning, but prunes dangling edges first (as api.py)", () => {
    // 7 vertices, 10 edges, all on input→output paths.
    const m = bitsMatrix(7, 0);
    const edges = [
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 2],
      [2, 3],
      [3, 4],
      [4, 5],
      [5, 6],
      [1, 6],
      [0, 6],
    ];
    for (const [r, c] of edges) m[r!]![c!] = 1;
    const ops = ["input", C3, C1, MP, C3, C1, "output"];
    throwsSpace(() => pruneCell(m, ops), /10 edges after pruning; 9 at most/);
    // Move 4→5 to 4→6: vertex 5 loses its only in-edge, so it and 5→6 are pruned: 9 edges remain.
    m[4]![5] = 0;
    m[4]![6] = 1;
    const pruned = pruneCell(m, ops);
    assert.equal(pruned.matrix.length, 6);
    assert.equal(
      pruned.matrix.flat().reduce<number>((a, b) => a + b, 0),
      9,
    );
  });
  it("rejects unknown ops and wrong first/last labels", () => {
    throwsSpace(() => pruneCell(chain, ["input", "conv5x5", "output"]), /unknown op "conv5x5" at vertex 1/);
    throwsSpace(() => pruneCell(chain, ["input", "output", "output"]), /unknown op "output" at vertex 1/);
    throwsSpace(() => pruneCell(chain, [C3, C3, "output"]), /first op must be "input"/);
    throwsSpace(() => pruneCell(chain, ["input", C3, C3]), /last op must be "output"/);
  });
  it("rejects wrong vertex counts, op counts and shapes", () => {
    throwsSpace(() => pruneCell(chain, ["input", "output"]), /op count 2 differs from the vertex count 3/);
    throwsSpace(() => pruneCell(bitsMatrix(8, 1), new Array(8).fill(C3)), /8 vertices; 7 at most/);
    throwsSpace(() => pruneCell([[0]], ["input"]), /1 vertices; at least 2/);
    throwsSpace(
      () =>
        pruneCell(
          [
            [0, 1],
            [0, 0, 1],
          ],
          ["input", "output"],
        ),
      /not square: row 1 has 3 entries, expected 2/,
    );
    throwsSpace(
      () =>
        pruneCell(
          [
            [0, 2],
            [0, 0],
          ],
          ["input", "output"],
        ),
      /entry \[0\]\[1\] is 2, not 0 or 1/,
    );
  });
  it("rejects a cell with no input→output path", () => {
    const m = [
      [0, 1, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ];
    throwsSpace(() => pruneCell(m, ["input", C3, C1, "output"]), /no path from input to output/);
  });
});

describe("NB101 pruning", () => {
  it("drops vertices off every input→output path and keeps the order of the rest", () => {
    // The first cell of nb101_naslib_dev.json: vertex 2 has no in-edge, vertex 4 no out-edge.
    const m = [
      [0, 1, 0, 1, 1, 1, 0],
      [0, 0, 0, 1, 1, 0, 0],
      [0, 0, 0, 0, 1, 0, 1],
      [0, 0, 0, 0, 1, 0, 0],
      [0, 0, 0, 0, 0, 0, 0],
      [0, 0, 0, 0, 0, 0, 1],
      [0, 0, 0, 0, 0, 0, 0],
    ];
    const ops = ["input", MP, C1, C3, MP, MP, "output"];
    // Vertices 1 and 3 reach only 4 (a dead end), so they go too: input → 5 → output remains.
    assert.deepEqual(pruneCell(m, ops), {
      matrix: [
        [0, 1, 0],
        [0, 0, 1],
        [0, 0, 0],
      ],
      ops: ["input", MP, "output"],
    });
  });
});

describe("NB101 canonical form", () => {
  const records = sharedDataPath("nb101/nb101_30.json");
  it("is the edge bitmask order of generate_graphs (bit x + y(y-1)/2 for x→y)", () => {
    // Bits 0, 1, 3, 5 are edges 0→1, 0→2, 0→3, 2→3.
    const m = bitsMatrix(4, 0b101011);
    assert.deepEqual(m, [
      [0, 1, 1, 1],
      [0, 0, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ]);
    assert.equal(matrixBits(m), 0b101011);
  });
  it("picks the first isomorphic cell generate_graphs meets (smallest bitmask, then labelling)", () => {
    // Two parallel interior vertices: bitmask is the same either way, so the smaller labelling wins.
    const m: (0 | 1)[][] = [
      [0, 1, 1, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ];
    assert.deepEqual(canonicalCell({ matrix: m, ops: ["input", MP, C3, "output"] }).ops, [
      "input",
      C3,
      MP,
      "output",
    ]);
    // A chain with a skip 0→2 versus its mirror 1→3: the skip at bit 1 (0→2) beats bit 4 (1→3).
    const mirror = [
      [0, 1, 0, 0],
      [0, 0, 1, 1],
      [0, 0, 0, 1],
      [0, 0, 0, 0],
    ];
    assert.deepEqual(nb101Cell(mirror, ["input", C3, C1, "output"]).matrix, mirror);
  });
  it("reproduces the vertex order of all 30 dataset records, from any topological order", {
    skip: records === undefined && "../shared/data is absent",
  }, () => {
    const recs = JSON.parse(readFileSync(records!, "utf8")) as { matrix: (0 | 1)[][]; ops: string[] }[];
    const rng = new Rng(0, "nb101-canonical");
    let shuffledDiffer = 0;
    for (const r of recs) {
      const given = { matrix: r.matrix, ops: r.ops };
      assert.deepEqual(nb101Cell(r.matrix, r.ops), given);
      for (let k = 0; k < 5; k++) {
        const s = shuffleTopologically(nb101Cell(r.matrix, r.ops), rng);
        if (JSON.stringify(s) !== JSON.stringify(given)) shuffledDiffer++;
        assert.deepEqual(canonicalCell(s), given);
      }
    }
    assert.ok(shuffledDiffer > 30, `only ${shuffledDiffer} shuffles changed the order`);
  });
});
