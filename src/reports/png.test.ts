import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scatterPlot } from "./plots.js";
import { svgToPng, writePlot } from "./png.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which must come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.equal(png.toString("latin1", 12, 16), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const svg = scatterPlot({
  title: "test",
  xLabel: "x",
  yLabel: "y",
  points: [
    { x: 1, y: 2 },
    { x: 2, y: 3 },
  ],
  annotation: "Spearman ρ 1.000",
});

describe("svgToPng", () => {
  it("renders at the requested width, height in proportion", () => {
    assert.deepEqual(pngSize(svgToPng(svg, 400)), { width: 400, height: 250 });
    assert.deepEqual(pngSize(svgToPng(svg)), { width: 800, height: 500 });
    assert.throws(() => svgToPng(svg, 0), /PNG width must be an integer in \[100, 10000\] px, got 0/);
  });

  it("refuses sizes that would take gigabytes before allocating them", () => {
    // --width 100000 used to grow the process to 24 GB and get it OOM-killed.
    assert.throws(() => svgToPng(svg, 100_000), /must be an integer in \[100, 10000\] px, got 100000/);
    assert.throws(() => svgToPng(svg, 99), /got 99/);
    assert.throws(() => svgToPng(svg, 250.5), /got 250\.5/);
    // 10000 wide is 6250 tall here: 62.5 MP, over the pixel bound.
    assert.throws(
      () => svgToPng(svg, 10_000),
      /PNG of 10000×6250 px is too large \(at most 10000 px a side and 25 megapixels\)/,
    );
    const tall = svg
      .replace(/height="500"/, 'height="50000"')
      .replace(/viewBox="0 0 800 500"/, 'viewBox="0 0 800 50000"');
    assert.notEqual(tall, svg);
    assert.throws(() => svgToPng(tall), /PNG of 800×50000 px is too large/);
    assert.deepEqual(pngSize(svgToPng(svg, 100)), { width: 100, height: 63 });
  });
});

describe("writePlot", () => {
  const dir = mkdtempSync(join(tmpdir(), "nasprobe-plot-"));

  it("writes SVG text or a PNG by extension and leaves no temporary file", () => {
    writePlot(join(dir, "a.svg"), svg);
    assert.equal(readFileSync(join(dir, "a.svg"), "utf8"), svg);
    writePlot(join(dir, "b.PNG"), svg, { widthPx: 200 });
    assert.deepEqual(pngSize(readFileSync(join(dir, "b.PNG"))), { width: 200, height: 125 });
    assert.deepEqual(readdirSync(dir).sort(), ["a.svg", "b.PNG"]);
  });

  it("refuses other extensions and missing directories in one line", () => {
    assert.throws(
      () => writePlot(join(dir, "c.pdf"), svg),
      /^Error: plot output .*c\.pdf: unknown extension "\.pdf" \(use \.svg or \.png\)$/,
    );
    assert.throws(() => writePlot(join(dir, "noext"), svg), /unknown extension ""/);
    assert.throws(() => writePlot(join(dir, "missing", "d.svg"), svg), /directory .*missing does not exist/);
    assert.deepEqual(readdirSync(dir).sort(), ["a.svg", "b.PNG"]);
  });
});
