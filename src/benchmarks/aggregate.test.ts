import assert from "node:assert/strict";
import { test } from "node:test";
import { aggregateScores, orientedRanks } from "./aggregate.js";

const close = (a: ArrayLike<number>, b: readonly number[]) => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) < 1e-12, `${a[i]} vs ${b[i]} at ${i}`);
};

test("ranks are oriented (best = N), ties averaged, missing and non-finite values lowest", () => {
  close(orientedRanks([3, 1, 2], true), [3, 1, 2]);
  close(orientedRanks([3, 1, 2], false), [1, 3, 2]);
  close(orientedRanks([5, 5, 1, 9], true), [2.5, 2.5, 1, 4]);
  close(orientedRanks([Number.NaN, 4, Number.POSITIVE_INFINITY, 2], true), [1.5, 4, 1.5, 3]);
});

test("logrank is AZ-NAS's Σ log(rank/N), computed by hand on three architectures and two values", () => {
  // Value a (higher better) ranks 3, 1, 2; value b (lower better) ranks 3, 2, 1.
  const got = aggregateScores(
    "logrank",
    [
      [0.9, 0.1, 0.5],
      [10, 20, 30],
    ],
    [true, false],
  );
  close(got, [
    Math.log(3 / 3) + Math.log(3 / 3),
    Math.log(1 / 3) + Math.log(2 / 3),
    Math.log(2 / 3) + Math.log(1 / 3),
  ]);
  // The non-linearity: ranks (3, 3) of 4 beat (4, 2) under logrank; their mean ranks are equal.
  const [balanced, lopsided] = aggregateScores(
    "logrank",
    [
      [2, 3, 1],
      [2, 1, 3],
    ].map((c) => [...c, 0]),
    [true, true],
  );
  const mean = aggregateScores(
    "meanrank",
    [
      [2, 3, 1, 0],
      [2, 1, 3, 0],
    ],
    [true, true],
  );
  assert.ok(balanced! > lopsided!, "logrank prefers the architecture that is good on both values");
  assert.ok(Math.abs(mean[0]! - mean[1]!) < 1e-12, "mean rank ties them");
});

test("meanrank and borda on a hand example with a tie", () => {
  const cols = [
    [1, 1, 3],
    [2, 3, 1],
  ];
  // ranks: value 0 → 1.5, 1.5, 3; value 1 → 2, 3, 1.
  close(aggregateScores("meanrank", cols, [true, true]), [(1.5 + 2) / 6, (1.5 + 3) / 6, (3 + 1) / 6]);
  // strictly below: value 0 → 0, 0, 2; value 1 → 1, 2, 0.
  close(aggregateScores("borda", cols, [true, true]), [1, 2, 2]);
});

test("bad calls are refused in one line", () => {
  assert.throws(
    () => aggregateScores("median", [[1]], [true]),
    /unknown aggregation "median" \(known: logrank, meanrank, borda\)/,
  );
  assert.throws(() => aggregateScores("logrank", [], []), /no values/);
  assert.throws(() => aggregateScores("logrank", [[1, 2], [1]], [true, true]), /one entry per architecture/);
});

test("logrank is AZ-NAS's notebook aggregation: average ranks of tied values, non-finite (the reference's −∞) lowest", () => {
  const got = aggregateScores(
    "logrank",
    [
      [1, 2, 3],
      [5, 5, 1],
    ],
    [true, true],
  );
  close(got, [
    Math.log(1 / 3) + Math.log(2.5 / 3),
    Math.log(2 / 3) + Math.log(2.5 / 3),
    Math.log(3 / 3) + Math.log(1 / 3),
  ]);
  close(aggregateScores("logrank", [[Number.NaN, 0, -1]], [true]), [
    Math.log(1 / 3),
    Math.log(3 / 3),
    Math.log(2 / 3),
  ]);
});
