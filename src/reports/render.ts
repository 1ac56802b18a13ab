// Vega-Lite specs (charts.ts) rendered headless to an SVG document by Vega's string renderer, which
// png.ts rasterises; deterministic: no timestamps, the size fixed by the spec, text widths estimated
// by a fixed rule rather than measured by whatever canvas happens to be installed.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** Average advance of a character in em: DejaVu Sans digits are 0.636 em, most letters less. */
const CHAR_EM = 0.6;

/** Vega's text measurement (exported by vega at run time, absent from its type declarations). */
interface TextMetrics {
  width: (item: { fontSize?: number }, text?: unknown) => number;
}

// Without a canvas package Vega estimates 0.8 em a character, a third too wide, which squeezes the
// plot area to make room for text that is not there; with one, widths would depend on its fonts.
(vega as unknown as { textMetrics: TextMetrics }).textMetrics.width = (item, text) =>
  Math.ceil(CHAR_EM * [...String(text ?? "").trim()].length * (item.fontSize ?? 11));

/** Text escaped for SVG character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39" }[c]};`,
  );
}

/** The title text of a spec (a string, lines, or a title object's text). */
function titleText(spec: TopLevelSpec): string {
  const t = spec.title;
  const text = typeof t === "object" && t !== null && !Array.isArray(t) ? t.text : t;
  if (text === undefined) return "chart";
  return typeof text === "string" ? text : Array.isArray(text) ? text.join(" ") : String(text);
}

/**
 * The chart as a standalone SVG document. Vega's string renderer writes the description only to the
 * DOM container it is given (none here), so the root element gets `role="img"`, the description as
 * its `aria-label`, and `<title>`/`<desc>` children for screen readers and file viewers.
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    const svg = await view.toSVG();
    const title = escapeXml(titleText(spec));
    const description = escapeXml(spec.description ?? titleText(spec));
    const open = svg.indexOf(">");
    if (!svg.startsWith("<svg") || open < 0) throw new Error("vega returned no SVG document");
    return (
      `${svg.slice(0, open)} role="img" aria-label="${description}">` +
      `<title>${title}</title><desc>${description}</desc>${svg.slice(open + 1)}\n`
    );
  } finally {
    view.finalize();
  }
}
