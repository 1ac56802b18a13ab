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
    assert.throws(() => svgToPng(svg, 0), /PNG width must be a positive integer/);
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
