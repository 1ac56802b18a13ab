import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { scatterSpec } from "./charts.js";
import { rasterize, svgToPng, writePlot } from "./png.js";
import { renderSvg } from "./render.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which must come first. */
function pngSize(png: Buffer): { width: number; height: number } {
  assert.deepEqual(png.subarray(0, 8), PNG_SIGNATURE);
  assert.equal(png.toString("latin1", 12, 16), "IHDR");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

const svg = await renderSvg(
  scatterSpec({
    title: "test chart title",
    xLabel: "x",
    yLabel: "y",
    points: [
      { x: 1, y: 2 },
      { x: 2, y: 3 },
    ],
    annotation: "Spearman ρ 1.000",
  }),
);

/** Pixels in rows [top, bottom) whose RGB matches `test`. */
function countPixels(
  image: { width: number; pixels: Buffer },
  [top, bottom]: [number, number],
  test: (r: number, g: number, b: number) => boolean,
): number {
  let n = 0;
  for (let i = top * image.width * 4; i < bottom * image.width * 4; i += 4)
    if (test(image.pixels[i]!, image.pixels[i + 1]!, image.pixels[i + 2]!)) n++;
  return n;
}

describe("svgToPng", () => {
  it("draws the chart's text (fonts found) and its dots on white", () => {
    const image = rasterize(svg);
    assert.deepEqual([image.width, image.height], [800, 500]);
    const all: [number, number] = [0, 500];
    const white = countPixels(image, all, (r, g, b) => r === 255 && g === 255 && b === 255);
    assert.ok(white > 0.8 * 800 * 500 && white < 0.99 * 800 * 500, `${white} white pixels`);
    // The title is dark text in the top rows: without a font resvg draws no glyphs there.
    const titleInk = countPixels(image, [0, 32], (r, g, b) => r + g + b < 300); // the plot starts lower
    assert.ok(titleInk > 100, `${titleInk} dark pixels in the title rows`);
    // Two dots in the palette's blue (#1f77b4 at opacity 0.7 on white: about 98, 160, 203).
    const blue = countPixels(image, all, (r, g, b) => b > 180 && r < 130 && g > 130 && g < 190);
    assert.ok(blue > 20, `${blue} blue pixels`);
  });

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
