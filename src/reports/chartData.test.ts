import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import { paretoFront, paretoStaircase, quantileCurves, quantileSorted } from "./chartData.js";

const close = (actual: number, expected: number, tol = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${actual} is not within ${tol} of ${expected}`);

describe("quantileCurves", () => {
  it("matches hand-computed np.quantile values with runs of different lengths", () => {
    // At x = 1 the values are [1, 4, 2, 10] (the NaN run does not count), sorted [1, 2, 4, 10]:
    // q at position h = 3q: q 0.25 → 1 + 0.75·1 = 1.75, median → 2 + 0.5·2 = 3, 0.75 → 4 + 0.25·6 = 5.5,
    // 0.9 → 4 + 0.7·6 = 8.2. At x = 2: [3, 4, 8]; x = 3: [6, 7]; x = 4: [7].
    const runs = [[1, 3], [4, 4, 6], [2, 8, 7, 7], [10], [Number.NaN]];
    const c = quantileCurves(runs, [0.25, 0.75, 0.9]);
    assert.deepEqual(c.x, [1, 2, 3, 4]);
    assert.deepEqual(c.count, [4, 3, 2, 1]);
    assert.deepEqual(c.median, [3, 4, 6.5, 7]);
    assert.deepEqual(c.quantiles[0], [1.75, 3.5, 6.25, 7]);
    assert.deepEqual(c.quantiles[1], [5.5, 6, 6.75, 7]);
    const q90 = c.quantiles[2]!;
    for (const [i, v] of [8.2, 4 + 0.8 * 4, 6.9, 7].entries()) close(q90[i]!, v);
  });

  it("gives NaN where no run has a value and rejects quantiles outside [0, 1]", () => {
    const c = quantileCurves([[Number.NEGATIVE_INFINITY, 1]], [0.5]);
    assert.ok(Number.isNaN(c.median[0]));
    assert.equal(c.median[1], 1);
    assert.deepEqual(quantileCurves([], [0.5]), { x: [], count: [], median: [], quantiles: [[]] });
    assert.throws(() => quantileCurves([[1]], [1.5]), /quantile must be in \[0, 1\]/);
    assert.equal(quantileSorted([5], 0.3), 5);
    assert.equal(quantileSorted([0, 10], 0.3), 3);
  });
});

describe("paretoFront", () => {
  const pts = [
    { id: "A", x: 1, y: 5 },
    { id: "B", x: 2, y: 7 },
    { id: "C", x: 2, y: 6 }, // same x as B, lower y
    { id: "D", x: 3, y: 7 }, // same y as B, larger x
    { id: "E", x: 4, y: 9 },
    { id: "F", x: 4, y: 9 }, // duplicate of E
    { id: "G", x: 0.5, y: 1 },
    { id: "H", x: 5, y: 8 },
    { id: "I", x: Number.NaN, y: 10 }, // ignored
    { id: "J", x: 1, y: 5 }, // duplicate of A
    { id: "K", x: 6, y: 10 },
  ];
  const ids = (ps: { id: string }[]) => ps.map((p) => p.id).join("");

  it("keeps the non-dominated points, duplicates included, sorted by x", () => {
    // Fewer parameters and higher accuracy are better.
    assert.equal(ids(paretoFront(pts, { xLowerIsBetter: true, yHigherIsBetter: true })), "GAJBEFK");
    // Higher x and lower y better: D beats B (larger x, same y), H beats E and F.
    assert.equal(ids(paretoFront(pts, { xLowerIsBetter: false, yHigherIsBetter: false })), "GAJCDHK");
    // Higher on both: K dominates every other finite point.
    assert.equal(ids(paretoFront(pts, { xLowerIsBetter: false, yHigherIsBetter: true })), "K");
    // Lower on both: G dominates every other finite point.
    assert.equal(ids(paretoFront(pts, { xLowerIsBetter: true, yHigherIsBetter: false })), "G");
  });

  it("agrees with the O(n²) definition on random points with many ties", () => {
    const rng = new Rng(7);
    const points = Array.from({ length: 300 }, (_, i) => ({ id: i, x: rng.int(15), y: rng.int(15) }));
    for (const xLowerIsBetter of [true, false])
      for (const yHigherIsBetter of [true, false]) {
        const better = (a: number, b: number, lower: boolean) => (lower ? a <= b : a >= b);
        const dominates = (p: (typeof points)[0], q: (typeof points)[0]) =>
          better(p.x, q.x, xLowerIsBetter) &&
          better(p.y, q.y, !yHigherIsBetter) &&
          (p.x !== q.x || p.y !== q.y);
        const expected = points
          .filter((q) => !points.some((p) => dominates(p, q)))
          .sort((a, b) => a.x - b.x || a.id - b.id);
        assert.deepEqual(paretoFront(points, { xLowerIsBetter, yHigherIsBetter }), expected);
      }
  });

  it("joins the front by a staircase through the corners both neighbours dominate", () => {
    const front = [
      { x: 2, y: 7 },
      { x: 0.5, y: 1 },
      { x: 1, y: 5 },
    ];
    assert.deepEqual(paretoStaircase(front, { xLowerIsBetter: true, yHigherIsBetter: true }), [
      { x: 0.5, y: 1 },
      { x: 1, y: 1 },
      { x: 1, y: 5 },
      { x: 2, y: 5 },
      { x: 2, y: 7 },
    ]);
    assert.deepEqual(
      paretoStaircase(
        [
          { x: 1, y: 9 },
          { x: 3, y: 4 },
        ],
        { xLowerIsBetter: false, yHigherIsBetter: true },
      ),
      [
        { x: 1, y: 9 },
        { x: 1, y: 4 },
        { x: 3, y: 4 },
      ],
    );
  });
});
