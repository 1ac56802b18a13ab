import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { Rng } from "../../util/random.js";
import { sharedDataPath } from "../../util/sharedData.js";
import { nb101Cell, pruneCell } from "./cell.js";
import { hashModule, nb101Hash } from "./hash.js";
import { shuffleTopologically } from "./testUtil.js";

const records = sharedDataPath("nb101/nb101_30.json");

describe("NB101 module hash", () => {
  it("is graph_util.hash_module on known inputs", () => {
    // Values printed by nasbench's own graph_util.hash_module (Python 3, numpy matrices).
    const io = [
      [0, 1],
      [0, 0],
    ];
    assert.equal(hashModule(io, [-1, -2]), "043721b9c7fe8c5fad811d47d83132ec");
    const pool: (0 | 1)[][] = [
      [0, 1, 1],
      [0, 0, 1],
      [0, 0, 0],
    ];
    assert.equal(hashModule(pool, [-1, 2, -2]), "6f6257bc3b12d87b8736e81cd4b7ed8b");
    assert.equal(
      nb101Hash({ matrix: pool, ops: ["input", "maxpool3x3", "output"] }),
      "6f6257bc3b12d87b8736e81cd4b7ed8b",
    );
  });
  it("equals the dataset's hash for all 30 records", {
    skip: records === undefined && "../shared/data is absent",
  }, () => {
    const recs = JSON.parse(readFileSync(records!, "utf8")) as {
      hash: string;
      matrix: number[][];
      ops: string[];
    }[];
    assert.equal(recs.length, 30);
    let matched = 0;
    for (const r of recs) if (nb101Hash(pruneCell(r.matrix, r.ops)) === r.hash) matched++;
    assert.equal(matched, 30);
  });
  it("is invariant under vertex reordering and separates op changes", {
    skip: records === undefined && "no data",
  }, () => {
    const recs = JSON.parse(readFileSync(records!, "utf8")) as {
      hash: string;
      matrix: number[][];
      ops: string[];
    }[];
    const rng = new Rng(1, "nb101-hash");
    for (const r of recs) {
      const cell = nb101Cell(r.matrix, r.ops);
      for (let k = 0; k < 3; k++) assert.equal(nb101Hash(shuffleTopologically(cell, rng)), r.hash);
      const ops = [...cell.ops];
      ops[1] = ops[1] === "maxpool3x3" ? "conv3x3-bn-relu" : "maxpool3x3";
      assert.notEqual(nb101Hash({ matrix: cell.matrix, ops }), r.hash);
    }
  });
});
