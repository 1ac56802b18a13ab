// Rasterising the SVG plots with resvg (a native renderer shipped inside its npm packages), and
// writing a plot as .svg or .png.
import { randomBytes } from "node:crypto";
import { existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join } from "node:path";
import { Resvg } from "@resvg/resvg-js";

/** The plots name DejaVu Sans first; resvg falls back to it for the generic sans-serif family too. */
const PREFERRED_FONT = "DejaVu Sans";

/** The SVG rendered to PNG, `widthPx` wide (height in proportion); default: the SVG's own size. */
export function svgToPng(svg: string, widthPx?: number): Buffer {
  if (widthPx !== undefined && !(Number.isInteger(widthPx) && widthPx > 0))
    throw new Error(`PNG width must be a positive integer, got ${widthPx}`);
  const resvg = new Resvg(svg, {
    fitTo: widthPx === undefined ? { mode: "original" } : { mode: "width", value: widthPx },
    font: { loadSystemFonts: true, defaultFontFamily: PREFERRED_FONT, sansSerifFamily: PREFERRED_FONT },
    background: "#ffffff",
    logLevel: "off",
  });
  return resvg.render().asPng();
}

export interface WritePlotOptions {
  /** PNG width in px (default: the SVG's own width). Ignored for .svg. */
  widthPx?: number;
}

/**
 * Writes the plot as SVG text or a PNG image, chosen by the extension of `path` (.svg or .png).
 * The file appears whole or not at all: it is written to a temporary file beside it, then renamed.
 */
export function writePlot(path: string, svg: string, opts: WritePlotOptions = {}): void {
  const ext = extname(path).toLowerCase();
  if (ext !== ".svg" && ext !== ".png")
    throw new Error(`plot output ${path}: unknown extension "${ext}" (use .svg or .png)`);
  const dir = dirname(path);
  if (!existsSync(dir)) throw new Error(`plot output ${path}: directory ${dir} does not exist`);
  const data = ext === ".svg" ? svg : svgToPng(svg, opts.widthPx);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`plot output ${path}: cannot write (${(err as Error).message})`);
  }
}
