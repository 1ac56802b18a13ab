import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  bestSoFarPlot,
  paretoFront,
  paretoPlot,
  paretoStaircase,
  quantileCurves,
  quantileSorted,
  scatterPlot,
} from "./plots.js";

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

describe("plots", () => {
  it("bestSoFarPlot draws one band and one median line per series, with references and legend", () => {
    const svg = bestSoFarPlot({
      title: "search",
      xLabel: "queries",
      yLabel: "accuracy",
      series: [
        {
          label: "random",
          runs: [
            [1, 2, 3],
            [2, 2, 4],
          ],
        },
        { label: "evolution <REA>", runs: [[3, 3, 5, 6]] },
      ],
      references: [{ label: "optimum", y: 6.5 }],
      yRange: [0, 7],
    });
    assert.equal(svg.match(/<polygon /g)?.length, 2);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    for (const text of [
      "random (2 runs)",
      "evolution &lt;REA&gt; (1 run)",
      "optimum",
      "band: 25–75th percentile",
    ])
      assert.ok(svg.includes(text), text);
    // The first median line has one vertex per query.
    const first = svg.match(/<polyline points="([^"]*)"/)![1]!;
    assert.equal(first.split(" ").length, 3);
  });

  it("scatterPlot skips non-finite points and shows the annotation", () => {
    const svg = scatterPlot({
      title: "naswot vs accuracy",
      xLabel: "naswot",
      yLabel: "accuracy",
      points: [
        { x: 1, y: 1 },
        { x: 2, y: Number.NaN },
        { x: Number.POSITIVE_INFINITY, y: 3 },
        { x: 4, y: 4 },
        { x: 5, y: 2 },
      ],
      annotation: "Spearman ρ 0.79\nn = 3",
    });
    const data = svg.match(/<g class="data"[^\n]*/)![0];
    assert.equal(data.match(/<circle /g)?.length, 3);
    assert.ok(svg.includes(">Spearman ρ 0.79</text>"));
    assert.ok(svg.includes(">n = 3</text>"));
  });

  it("paretoPlot highlights the front over all points", () => {
    const points = [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 2 },
    ];
    const dir = { xLowerIsBetter: true, yHigherIsBetter: true };
    const svg = paretoPlot({
      title: "t",
      xLabel: "params",
      yLabel: "acc",
      points,
      front: paretoFront(points, dir),
      ...dir,
    });
    assert.ok(svg.includes(">all (3)</text>"));
    assert.ok(svg.includes(">Pareto front (2)</text>"));
    assert.ok(svg.includes(">better: ↖</text>"));
    assert.equal(svg.match(/<polyline /g)?.length, 1);
  });
});
