// Rasterising the SVG plots (render.ts) with resvg (a native renderer shipped inside its npm
// packages), and writing a plot as .svg or .png.
import { extname } from "node:path";
import { Resvg } from "@resvg/resvg-js";
import { atomicWriteFile, checkOutputPath } from "../util/atomicWrite.js";

/** The charts name DejaVu Sans first; resvg falls back to it for the generic sans-serif family too. */
const PREFERRED_FONT = "DejaVu Sans";

/** PNG width and height bounds, in px (`--width`). */
export const PNG_MIN_SIDE = 100;
export const PNG_MAX_SIDE = 10_000;
/** At most this many pixels (4 bytes each while rendering): 25 MP, 100 MB. */
export const PNG_MAX_PIXELS = 25_000_000;

/** Throws a one-line error unless `widthPx` is an integer PNG width in [PNG_MIN_SIDE, PNG_MAX_SIDE]. */
export function checkPngWidth(widthPx: number, shown = "PNG width"): void {
  if (!(Number.isInteger(widthPx) && widthPx >= PNG_MIN_SIDE && widthPx <= PNG_MAX_SIDE))
    throw new Error(`${shown} must be an integer in [${PNG_MIN_SIDE}, ${PNG_MAX_SIDE}] px, got ${widthPx}`);
}

/** RGBA pixels of an image, row by row. */
export interface Raster {
  width: number;
  height: number;
  pixels: Buffer;
  png(): Buffer;
}

/** The SVG rendered to PNG, `widthPx` wide (height in proportion); default: the SVG's own size. */
export function svgToPng(svg: string, widthPx?: number): Buffer {
  return rasterize(svg, widthPx).png();
}

/** The SVG rasterised on white, `widthPx` wide (height in proportion); default: the SVG's own size. */
export function rasterize(svg: string, widthPx?: number): Raster {
  if (widthPx !== undefined) checkPngWidth(widthPx);
  const resvg = new Resvg(svg, {
    fitTo: widthPx === undefined ? { mode: "original" } : { mode: "width", value: widthPx },
    font: { loadSystemFonts: true, defaultFontFamily: PREFERRED_FONT, sansSerifFamily: PREFERRED_FONT },
    background: "#ffffff",
    logLevel: "off",
  });
  // Check the size before rendering: the pixel buffer is allocated whole.
  const width = widthPx ?? Math.ceil(resvg.width);
  const height = Math.ceil(widthPx === undefined ? resvg.height : (resvg.height * widthPx) / resvg.width);
  if (!(width >= 1 && height >= 1 && height <= PNG_MAX_SIDE && width * height <= PNG_MAX_PIXELS))
    throw new Error(
      `PNG of ${width}×${height} px is too large (at most ${PNG_MAX_SIDE} px a side and ${PNG_MAX_PIXELS / 1e6} megapixels)`,
    );
  const image = resvg.render();
  return { width: image.width, height: image.height, pixels: image.pixels, png: () => image.asPng() };
}

export interface WritePlotOptions {
  /** PNG width in px (default: the SVG's own width). Ignored for .svg. */
  widthPx?: number;
  /** Files the command read: the plot must not overwrite any of them (see atomicWriteFile). */
  inputs?: readonly (string | undefined)[];
}

/** Throws a one-line error unless `path` is a plot output writePlot would take (creates nothing). */
export function checkPlotPath(path: string, inputs: WritePlotOptions["inputs"] = []): void {
  const ext = extname(path).toLowerCase();
  if (ext !== ".svg" && ext !== ".png")
    throw new Error(`plot output ${path}: unknown extension "${ext}" (use .svg or .png)`);
  checkOutputPath(path, { inputs, label: "plot output" });
}

/**
 * Writes the plot as SVG text or a PNG image, chosen by the extension of `path` (.svg or .png).
 * The file appears whole or not at all (atomicWriteFile), and never replaces a symlink, a non-regular
 * file, a SQLite study or one of `inputs`.
 */
export function writePlot(path: string, svg: string, opts: WritePlotOptions = {}): void {
  checkPlotPath(path, opts.inputs);
  const data = extname(path).toLowerCase() === ".svg" ? svg : svgToPng(svg, opts.widthPx);
  atomicWriteFile(path, data, { label: "plot output", ...(opts.inputs ? { inputs: opts.inputs } : {}) });
}
