// The chart specs, checked on the SVG that Vega renders from them: titles, axes, log ticks, the
// quantile band, the number of dots, the Pareto staircase.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  bestSoFarSpec,
  emptiestCorner,
  logAxisTicks,
  PALETTE,
  paretoFront,
  paretoSpec,
  paretoStaircase,
  scatterSpec,
} from "./charts.js";
import { renderSvg } from "./render.js";

/** Inner markup of each group of the named layer's marks (Vega names them `NAME_marks`). */
function markGroups(svg: string, name: string): string[] {
  const re = new RegExp(`<g class="mark-\\w+ role-mark ${name}_marks"[^>]*>(.*?)</g>`, "gs");
  return [...svg.matchAll(re)].map((m) => m[1]!);
}

/** The text of every <text> element (lines of a multi-line text joined by "\n"), unescaped. */
function texts(markup: string): string[] {
  return [...markup.matchAll(/<text[^>]*>(.*?)<\/text>/gs)].map((m) =>
    m[1]!
      .replace(/<\/tspan><tspan[^>]*>/g, "\n")
      .replace(/<[^>]+>/g, "")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&amp;/g, "&"),
  );
}

/** Texts of the first group of `role` after `from` in the document (e.g. an axis's labels). */
function roleTexts(svg: string, role: string, from = 0): string[] {
  const start = svg.indexOf(`role-${role}"`, from);
  assert.ok(start >= 0, `no ${role} group`);
  return texts(svg.slice(start, svg.indexOf("</g>", start)));
}

/** Label texts and tick positions (x or y, in px) of an axis, found by its aria label ("X-axis …"). */
function axis(svg: string, which: "X" | "Y"): { labels: string[]; positions: number[] } {
  const at = svg.indexOf(`aria-label="${which}-axis`);
  assert.ok(at >= 0, `no ${which} axis`);
  const tickStart = svg.indexOf('role-axis-tick"', at);
  const tickGroup = svg.slice(tickStart, svg.indexOf("</g>", tickStart));
  const positions = [...tickGroup.matchAll(/<line transform="translate\(([-\d.e]+),([-\d.e]+)\)/g)].map((m) =>
    Number(which === "X" ? m[1] : m[2]),
  );
  const start = svg.indexOf('role-axis-label"', at);
  return { labels: texts(svg.slice(start, svg.indexOf("</g>", start))), positions };
}

/** Vertices of an SVG path made of M and L commands. */
function vertices(d: string): [number, number][] {
  return [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** Centres of a symbol group's dots. */
function centres(group: string): [number, number][] {
  return [...group.matchAll(/<path[^>]*transform="translate\(([-\d.e]+),([-\d.e]+)\)"/g)].map((m) => [
    Number(m[1]),
    Number(m[2]),
  ]);
}

const attr = (element: string, name: string) => element.match(new RegExp(` ${name}="([^"]*)"`))?.[1];

describe("bestSoFarSpec", () => {
  const options = {
    title: "search <REA vs RS>",
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
    yRange: [0, 7] as [number, number],
  };

  it("draws a quantile band and a median line per series, titled, with a legend and references", async () => {
    const svg = await renderSvg(bestSoFarSpec(options));
    assert.match(svg, /^<svg [^>]*width="800" height="500" viewBox="0 0 800 500"/);
    // Screen readers: the root is an image named by the description; title and desc elements follow.
    assert.match(
      svg,
      /^<svg [^>]*role="img" aria-label="search &lt;REA vs RS&gt;\. accuracy against queries/,
    );
    assert.ok(svg.includes("<title>search &lt;REA vs RS&gt;</title><desc>"));
    assert.deepEqual(roleTexts(svg, "title-text"), ["search <REA vs RS>"]);
    assert.deepEqual(roleTexts(svg, "title-subtitle"), ["line: median; band: 25–75th percentile"]);
    assert.ok(texts(svg).includes("queries") && texts(svg).includes("accuracy"));
    assert.deepEqual(
      texts(svg).filter((t) => t.endsWith("run)") || t.endsWith("runs)")),
      ["random (2 runs)", "evolution <REA> (1 run)"],
    );
    // One filled, closed, translucent band path per series, in the series' colours.
    const bands = markGroups(svg, "band");
    assert.equal(bands.length, 2);
    bands.forEach((band, i) => {
      const paths = band.match(/<path [^>]*\/>/g) ?? [];
      assert.equal(paths.length, 1);
      assert.equal(attr(paths[0]!, "fill"), PALETTE[i]);
      assert.equal(attr(paths[0]!, "opacity"), "0.18");
      assert.match(attr(paths[0]!, "d")!, /^M.*Z$/);
    });
    // The medians: [1.5, 2, 3.5] and [3, 3, 5, 6], one vertex per query, on the fixed 0–7 axis.
    const medians = markGroups(svg, "median").map((g) => vertices(attr(g, "d")!));
    assert.deepEqual(
      medians.map((m) => m.length),
      [3, 4],
    );
    const [a, b, c] = medians[0]!.map(([, y]) => y);
    assert.ok(Math.abs((a! - b!) / (b! - c!) - 0.5 / 1.5) < 1e-3, `${a} ${b} ${c}`);
    const y = axis(svg, "Y");
    assert.deepEqual([y.labels[0], y.labels.at(-1)], ["0.0", "7.0"]);
    // 7 at the top: the median 6 (the last vertex of the second series) sits 1/7 of the height below it.
    assert.equal(y.positions.length, y.labels.length);
    const top = y.positions.at(-1)!;
    const bottom = y.positions[0]!;
    const six = medians[1]!.at(-1)![1];
    assert.ok(Math.abs(six - (top + (bottom - top) / 7)) <= 1, `${six} vs ${top}…${bottom}`);
    // The reference line: dashed, labelled.
    const rule = markGroups(svg, "references")[0]!;
    assert.equal(attr(rule, "stroke-dasharray"), "6,4");
    assert.deepEqual(texts(markGroups(svg, "reference_labels")[0]!), ["optimum"]);
  });

  it("labels a log query axis with powers of ten, evenly spaced", async () => {
    const rng = new Rng(3);
    const runs = Array.from({ length: 5 }, () => {
      let best = 0;
      return Array.from({ length: 300 }, () => {
        best = Math.max(best, rng.uniform());
        return best;
      });
    });
    const svg = await renderSvg(
      bestSoFarSpec({
        title: "log",
        xLabel: "queries",
        yLabel: "y",
        series: [{ label: "rs", runs }],
        logX: true,
      }),
    );
    const x = axis(svg, "X");
    assert.deepEqual(x.labels, ["1", "10", "100"]);
    const [p1, p10, p100] = x.positions; // ticks are rounded to whole pixels
    assert.ok(Math.abs(p10! - p1! - (p100! - p10!)) <= 1, `${p1} ${p10} ${p100}`);
    // The median runs over all 300 queries, and the band has an upper and a lower edge of 300 each.
    assert.equal(vertices(attr(markGroups(svg, "median")[0]!, "d")!).length, 300);
    assert.equal(vertices(attr(markGroups(svg, "band")[0]!, "d")!).length, 600);
  });

  it("refuses quantiles out of order and sizes out of bounds", () => {
    assert.throws(
      () => bestSoFarSpec({ ...options, quantiles: [0.75, 0.25] }),
      /quantiles must be increasing/,
    );
    assert.throws(
      () => bestSoFarSpec({ ...options, width: 50 }),
      /chart width must be an integer in \[100, 10000\]/,
    );
  });
});

describe("scatterSpec", () => {
  it("draws one dot per finite point and the annotation lines", async () => {
    const svg = await renderSvg(
      scatterSpec({
        title: "naswot vs accuracy",
        xLabel: "naswot",
        yLabel: "accuracy",
        points: [
          { x: 1, y: 1 },
          { x: 2, y: Number.NaN },
          { x: Number.POSITIVE_INFINITY, y: 3 },
          { x: 4, y: 4, label: "|a|" },
          { x: 5, y: 2 },
        ],
        annotation: "Spearman ρ 0.79\nn = 3",
      }),
    );
    const dots = centres(markGroups(svg, "points")[0]!);
    assert.equal(dots.length, 3);
    // Higher values sit higher (smaller y in pixels); x grows to the right.
    assert.ok(dots[0]![0] < dots[1]![0] && dots[1]![0] < dots[2]![0]);
    assert.ok(dots[1]![1] < dots[2]![1] && dots[2]![1] < dots[0]![1]);
    assert.deepEqual(texts(markGroups(svg, "note")[0]!), ["Spearman ρ 0.79\nn = 3"]);
    // The two lines (baselines 17 px apart, 12 px glyphs) sit inside the plot area.
    const baseline = Number(markGroups(svg, "note")[0]!.match(/translate\([-\d.e]+,([-\d.e]+)\)/)![1]);
    assert.ok(baseline - 12 >= 0 && baseline + 17 + 4 <= axis(svg, "Y").positions[0]!, `note at ${baseline}`);
    assert.deepEqual(roleTexts(svg, "title-text"), ["naswot vs accuracy"]);
    assert.match(
      svg,
      /aria-label="naswot vs accuracy\. Scatter plot of 3 points, accuracy against naswot\. Spearman ρ 0\.79; n = 3\."/,
    );
  });

  it("puts a note in an empty lower corner inside the plot area", async () => {
    const svg = await renderSvg(
      scatterSpec({
        title: "t",
        xLabel: "x",
        yLabel: "y",
        points: [
          { x: 0, y: 10 },
          { x: 10, y: 10 },
          { x: 0, y: 0 },
          { x: 5, y: 5 },
        ],
        annotation: "a\nb\nc",
      }),
    );
    const note = markGroups(svg, "note")[0]!;
    assert.match(note, /text-anchor="end"/); // the right-hand corner
    // The first line's baseline; the third's is 34 px lower, and its descenders 4 px below that.
    const baseline = Number(note.match(/translate\([-\d.e]+,([-\d.e]+)\)/)![1]);
    const bottom = axis(svg, "Y").positions[0]!;
    assert.ok(
      baseline > bottom / 2 && baseline + 34 + 4 <= bottom,
      `note at ${baseline}, plot bottom ${bottom}`,
    );
  });

  it("labels log axes with powers of ten, drops values ≤ 0 there, and renders the same text twice", async () => {
    const points = Array.from({ length: 50 }, (_, i) => ({ x: 10 ** ((8 * i) / 49), y: i }));
    const spec = scatterSpec({
      title: "synflow",
      xLabel: "synflow",
      yLabel: "acc",
      points: [...points, { x: 0, y: 3 }, { x: -1, y: 2 }],
      logX: true,
    });
    const svg = await renderSvg(spec);
    assert.equal(centres(markGroups(svg, "points")[0]!).length, 50);
    assert.deepEqual(axis(svg, "X").labels, ["1", "10", "100", "1000", "10000", "10⁵", "10⁶", "10⁷", "10⁸"]);
    assert.equal(await renderSvg(spec), svg);
  });
});

describe("paretoSpec", () => {
  it("highlights the front over all points, with legend and direction", async () => {
    const points = [
      { x: 1, y: 1 },
      { x: 2, y: 3 },
      { x: 3, y: 2 },
    ];
    const dir = { xLowerIsBetter: true, yHigherIsBetter: true };
    const svg = await renderSvg(
      paretoSpec({
        title: "t",
        xLabel: "params",
        yLabel: "acc",
        points,
        front: paretoFront(points, dir),
        ...dir,
      }),
    );
    const legend = texts(svg.slice(svg.indexOf("role-legend")));
    assert.ok(legend.includes("all (3)") && legend.includes("Pareto front (2)"), legend.join("|"));
    assert.deepEqual(roleTexts(svg, "title-subtitle"), ["better: ↖"]);
    assert.equal(centres(markGroups(svg, "points")[0]!).length, 3);
    assert.equal(centres(markGroups(svg, "front")[0]!).length, 2);
  });

  for (const dir of [
    { xLowerIsBetter: true, yHigherIsBetter: true },
    { xLowerIsBetter: false, yHigherIsBetter: true },
    { xLowerIsBetter: true, yHigherIsBetter: false },
    { xLowerIsBetter: false, yHigherIsBetter: false },
  ])
    it(`draws the staircase through exactly the front and its corners (${JSON.stringify(dir)})`, async () => {
      const rng = new Rng(11);
      // A trade-off: the better x, the worse y (plus noise), so that the front has many points.
      const slope = dir.xLowerIsBetter === dir.yHigherIsBetter ? 1 : -1;
      const points = Array.from({ length: 200 }, () => {
        const x = 1 + rng.int(60);
        return { x, y: 100 + slope * x + 20 * rng.uniform() };
      });
      const front = paretoFront(points, dir);
      assert.ok(front.length >= 5, `${front.length} front points`);
      const svg = await renderSvg(paretoSpec({ title: "t", xLabel: "x", yLabel: "y", points, ...dir }));
      const dots = centres(markGroups(svg, "front")[0]!);
      assert.equal(dots.length, front.length);
      // Pixel positions of the front's coordinates, from its dots (in x order, as the front).
      const px = new Map(front.map((p, i) => [p.x, dots[i]![0]]));
      const py = new Map(front.map((p, i) => [p.y, dots[i]![1]]));
      const expected = paretoStaircase(front, dir).map((p) => [px.get(p.x)!, py.get(p.y)!]);
      const path = vertices(attr(markGroups(svg, "staircase")[0]!, "d")!);
      assert.equal(path.length, expected.length);
      path.forEach(([x, y], i) => {
        assert.ok(
          Math.abs(x - expected[i]![0]!) < 0.01 && Math.abs(y - expected[i]![1]!) < 0.01,
          `vertex ${i}`,
        );
      });
    });
});

describe("chart helpers", () => {
  it("picks power-of-ten ticks, with 2× and 5× over short ranges", () => {
    assert.deepEqual(logAxisTicks(3, 2e7)?.labels, [
      "1",
      "10",
      "100",
      "1000",
      "10000",
      "10⁵",
      "10⁶",
      "10⁷",
      "10⁸",
    ]);
    assert.deepEqual(logAxisTicks(1.5, 80)?.values, [1, 2, 5, 10, 20, 50, 100]);
    assert.deepEqual(logAxisTicks(0.002, 0.09)?.labels, [
      "0.001",
      "0.002",
      "0.005",
      "0.01",
      "0.02",
      "0.05",
      "0.1",
    ]);
    // Beyond ten decades every second power is labelled.
    assert.deepEqual(logAxisTicks(1e-7, 1e12)?.labels.slice(0, 3), ["10⁻⁶", "10⁻⁴", "0.01"]);
    assert.deepEqual(logAxisTicks(2, 8)?.values, [1, 2, 5, 10]);
    assert.equal(logAxisTicks(10, 10), undefined);
    assert.equal(logAxisTicks(0, 8), undefined);
  });

  it("finds the emptiest corner", () => {
    const diagonal = Array.from({ length: 20 }, (_, i) => ({ x: i, y: i }));
    assert.equal(emptiestCorner(diagonal), "upper left");
    assert.equal(emptiestCorner([...diagonal, { x: 0, y: 19 }, { x: 1, y: 18 }]), "lower right");
    assert.equal(
      emptiestCorner(
        [
          { x: 1, y: 1 },
          { x: 1000, y: 2 },
          { x: 5, y: 2 },
        ],
        { logX: true },
      ),
      "lower right",
    );
  });
});
