import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Chart, escapeXml, fmt, formatTicks, linearScale, logScale, niceStep, powerOfTen } from "./svg.js";

describe("scales and ticks", () => {
  it("maps data to pixels linearly and logarithmically", () => {
    const x = linearScale([0, 10], [100, 500]);
    assert.equal(x.map(2.5), 200);
    assert.equal(x.map(10), 500);
    const y = linearScale([0, 1], [400, 0]); // y grows upwards
    assert.equal(y.map(0.25), 300);
    const l = logScale([1, 1000], [0, 300]);
    assert.ok(Math.abs(l.map(10) - 100) < 1e-9);
    assert.ok(Math.abs(l.map(100) - 200) < 1e-9);
    assert.throws(() => logScale([0, 10], [0, 1]), /log axis needs a positive range/);
  });

  it("picks 1-2-2.5-5 steps and prints them with fixed decimals", () => {
    assert.equal(niceStep(0.13), 0.2);
    assert.equal(niceStep(11.1), 20);
    assert.equal(niceStep(2.2), 2.5);
    assert.equal(niceStep(2.2, true), 5);
    assert.equal(niceStep(0.3, true), 1);
    assert.equal(niceStep(1000), 1000);
    assert.deepEqual(formatTicks([0, 0.25, 0.5], 0.25), { labels: ["0.00", "0.25", "0.50"], exponent: 0 });
    assert.deepEqual(formatTicks([-1, 0, 1], 1), { labels: ["−1", "0", "1"], exponent: 0 });
    assert.deepEqual(formatTicks([0, 5e5, 1e6], 5e5), { labels: ["0.0", "0.5", "1.0"], exponent: 6 });
    assert.deepEqual(formatTicks([0.0001, 0.0002], 0.0001), { labels: ["100", "200"], exponent: -6 });
    assert.equal(powerOfTen(6), "10⁶");
    assert.equal(powerOfTen(-3), "10⁻³");
  });

  it("prints coordinates with at most two decimals and no negative zero", () => {
    assert.equal(fmt(1 / 3), "0.33");
    assert.equal(fmt(-0.001), "0");
    assert.equal(fmt(12), "12");
    assert.equal(fmt(0.1 + 0.2), "0.3");
  });

  it("escapes text for SVG", () => {
    assert.equal(escapeXml(`a < b & "c" > 'd'`), "a &lt; b &amp; &quot;c&quot; &gt; &#39;d&#39;");
  });
});

describe("Chart", () => {
  it("maps a known point through the axes to the SVG coordinates computed by hand", () => {
    // 800 × 500, no title or labels: top 16, bottom 34, so the plot is 450 px high. Y ticks
    // 0, 20, …, 100 (widest label "100" ≈ 21.6 px) give a left margin of ceil(12 + 21.6 + 8) = 42;
    // the right margin is 24, so the plot is 734 px wide.
    const chart = new Chart({ x: { range: [0, 10] }, y: { range: [0, 100] } });
    chart.points([{ x: 2.5, y: 25 }], { color: "#000" });
    const layout = chart.layout();
    assert.deepEqual(layout.plot, { left: 42, top: 16, width: 734, height: 450 });
    assert.deepEqual(
      layout.xTicks.map((t) => t.label),
      ["0", "2", "4", "6", "8", "10"],
    );
    assert.deepEqual(
      layout.yTicks.map((t) => t.label),
      ["0", "20", "40", "60", "80", "100"],
    );
    // x: 42 + 2.5 · 734/10 = 225.5; y: 16 + 450 − 25 · 450/100 = 353.5.
    const svg = chart.render();
    assert.match(svg, /<circle cx="225.5" cy="353.5" r="3"\/>/);
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="500"'));
    assert.equal(chart.render(), svg, "deterministic");
  });

  it("labels a log axis with powers of ten and scaled linear ticks with ×10ⁿ", () => {
    const log = new Chart({
      x: { range: [1, 1e6], log: true },
      y: { range: [0.001, 1], log: true },
    }).layout();
    assert.deepEqual(
      log.xTicks.map((t) => t.label),
      ["1", "10", "100", "1000", "10000", "10⁵", "10⁶"],
    );
    assert.deepEqual(
      log.yTicks.map((t) => t.label),
      ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"],
    );
    assert.equal(log.x.map(1000), log.plot.left + log.plot.width / 2);
    const scaled = new Chart({ y: { range: [0, 3e6], label: "params" } }).layout();
    assert.equal(scaled.yLabel, "params (×10⁶)");
    assert.deepEqual(
      scaled.yTicks.map((t) => t.label),
      ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5", "3.0"],
    );
  });

  it("breaks lines at values it cannot draw and splits bands the same way", () => {
    const chart = new Chart({ x: { range: [0, 4] }, y: { range: [0, 4] } });
    chart.line(
      [
        { x: 0, y: 0 },
        { x: 1, y: 1 },
        { x: 2, y: Number.NaN },
        { x: 3, y: 3 },
        { x: 4, y: 4 },
      ],
      { color: "#000" },
    );
    chart.band(
      [
        { x: 0, y: 0 },
        { x: 1, y: Number.POSITIVE_INFINITY },
        { x: 2, y: 1 },
      ],
      [
        { x: 0, y: 1 },
        { x: 1, y: 2 },
        { x: 2, y: 2 },
      ],
      { color: "#f00" },
    );
    const svg = chart.render();
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.equal(svg.match(/<polygon /g)?.length, 2);
    assert.throws(() => new Chart().band([{ x: 0, y: 0 }], [], { color: "#000" }), /differ in length/);
  });

  it("derives ranges from the data, escapes every text, and lists labelled layers in the legend", () => {
    const chart = new Chart({ title: `a < b & "c"`, x: { label: "x & y" }, y: { label: "<y>" } });
    chart.points(
      [
        { x: 1, y: 2 },
        { x: 3, y: 4 },
      ],
      { color: "#00f", label: "pts <1>" },
    );
    chart.hline(3, "ref & co");
    chart.note(["ρ 0.5", "n < 3"]);
    const layout = chart.layout();
    // Extent [1, 3] × [2, 4] padded by 4 % of the span at each end.
    assert.deepEqual(layout.x.domain, [0.92, 3.08]);
    assert.deepEqual(layout.y.domain, [1.92, 4.08]);
    const svg = chart.render();
    for (const raw of ["a < b", "<y>", "pts <1>", "ref & co", "n < 3", "x & y"])
      assert.ok(!svg.includes(raw), raw);
    for (const escaped of [
      "a &lt; b &amp; &quot;c&quot;",
      "&lt;y&gt;",
      "pts &lt;1&gt;",
      "ref &amp; co",
      "n &lt; 3",
    ])
      assert.ok(svg.includes(escaped), escaped);
    assert.match(svg, /<g class="legend">/);
    assert.match(svg, /<g class="note">/);
  });

  it("rejects a fixed range that is empty or not positive on a log axis", () => {
    assert.throws(() => new Chart({ x: { range: [1, 1] } }).layout(), /x range must be two finite numbers/);
    assert.throws(
      () => new Chart({ y: { range: [0, 1], log: true } }).layout(),
      /log y axis needs a positive/,
    );
  });
});
