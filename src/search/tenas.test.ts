import assert from "node:assert/strict";
import { test } from "node:test";
import { gaussianImages } from "../metrics/testData.js";
import { NB201_EDGES, type NB201_OPS, nb201, parseNb201 } from "../spaces/nb201.js";
import { chooseTenasPrunes, pyRound, roundTo, tenasPrune } from "./tenas.js";

const TENAS_OPS = nb201.supernet!.ops;

const data = gaussianImages(24, [3, 8, 8], 10, 7);
const TINY = {
  space: nb201,
  data,
  runtime: { threads: 1 },
  ntk: { batchSize: 4 },
  linearRegions: { batchSize: 60, batches: 1 },
  repeats: 1,
  channels: 2,
  cellsPerStage: 1,
} as const;

/** Candidates per round: Σ over undecided edges of their alive ops, k ops → k, k−1, …, 2. */
const expectedEvaluations = (k: number) => NB201_EDGES.length * ((k * (k + 1)) / 2 - 1);

test("Python's round and the reference's round_to", () => {
  assert.equal(pyRound(0.12345, 3), 0.123);
  assert.equal(pyRound(-0.1236, 3), -0.124);
  assert.equal(pyRound(0.0625, 3), 0.062, "an exact tie rounds to even");
  assert.equal(pyRound(0.1875, 3), 0.188, "an exact tie rounds to even");
  assert.equal(pyRound(2.5, 0), 2);
  assert.equal(pyRound(3.5, 0), 4);
  assert.equal(pyRound(-0.0625, 3), -0.062);
  assert.equal(roundTo(0.012345, 3), 0.0123);
  assert.equal(roundTo(-123.45, 3), -123);
  assert.equal(roundTo(0, 3), 0);
});

test("rank sums pick one op per edge as prune_tenas.py does, ties by NTK order", () => {
  const c = (edge: number, op: (typeof NB201_OPS)[number], ntkChange: number, regionsChange: number) => ({
    edge,
    op,
    ntkChange,
    regionsChange,
  });
  // NTK order (descending): a(0.3) b(0.2) c(0.2) d(0.1); ranks 0 1 1 2.
  // Regions order (ascending): d(-0.5) c(0) a(0.1) b(0.2); ranks 0 1 2 3.
  // Sums: a 2, b 4, c 2, d 2 → edge 0 (a, b): a; edge 1 (c, d): c (before d in NTK order).
  const picks = chooseTenasPrunes([
    c(0, "skip_connect", 0.3, 0.1),
    c(0, "nor_conv_1x1", 0.2, 0.2),
    c(1, "nor_conv_3x3", 0.2, 0),
    c(1, "avg_pool_3x3", 0.1, -0.5),
  ]);
  assert.deepEqual(picks, [
    { edge: 0, op: "skip_connect", ntkRank: 0, regionsRank: 2 },
    { edge: 1, op: "nor_conv_3x3", ntkRank: 1, regionsRank: 1 },
  ]);
  // A NaN change is never preferred for pruning.
  const nan = chooseTenasPrunes([c(0, "skip_connect", Number.NaN, Number.NaN), c(0, "nor_conv_1x1", -5, 5)]);
  assert.equal(nan[0]!.op, "nor_conv_1x1");
});

test("a tiny TE-NAS prune: one op per edge, the implied number of evaluations, rounds as expected", async () => {
  // The reference's 4 ops per edge give rounds of 24, 18 and 12 candidates; 3 ops (faster) 18 and 12.
  assert.equal(expectedEvaluations(TENAS_OPS.length), 24 + 18 + 12);
  const ops = ["nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"] as const;
  const r = await tenasPrune({ ...TINY, ops, seed: 0 });
  assert.equal(r.arch.length, NB201_EDGES.length);
  assert.ok(r.arch.every((op) => ops.includes(op as (typeof ops)[number])));
  assert.deepEqual(parseNb201(r.archStr), r.arch);
  assert.equal(r.evaluations, expectedEvaluations(3));
  assert.equal(r.evaluations, 30);
  assert.equal(r.ntkRuns, (2 + 30) * TINY.repeats);
  assert.equal(r.rounds.length, 2);
  for (const round of r.rounds) {
    assert.deepEqual(
      round.map((p) => p.edge),
      [0, 1, 2, 3, 4, 5],
    );
    for (const p of round) {
      assert.ok(Number.isFinite(p.ntkCond) && p.ntkCond >= 1, `κ ${p.ntkCond}`);
      assert.ok(p.linearRegions >= 1);
    }
  }
  // Every edge keeps the op no round pruned.
  NB201_EDGES.forEach((_, e) => {
    const pruned = r.rounds.map((round) => round.find((p) => p.edge === e)!.pruned);
    assert.deepEqual([...pruned, r.arch[e]].sort(), [...ops].sort());
  });
  assert.equal(r.settings.ntk.batchSize, 4);
  assert.equal(r.settings.edgeWeighting, "mean");
});

test("same seed, same arch and measurements; rounds reported as they end", async () => {
  const ops = ["skip_connect", "avg_pool_3x3"] as const;
  const seen: number[] = [];
  const a = await tenasPrune({ ...TINY, ops, seed: 3, onRound: (info) => seen.push(info.evaluations) });
  const b = await tenasPrune({ ...TINY, ops, seed: 3 });
  assert.equal(a.evaluations, expectedEvaluations(2));
  assert.deepEqual(seen, [12]);
  assert.equal(b.archStr, a.archStr);
  assert.deepEqual(b.rounds, a.rounds);
});
