// The charts of search results as Vega-Lite specs: best-so-far curves over repeated runs (median and
// a quantile band), a value against another (a proxy score against a benchmark column), and a Pareto
// front. Pure functions with no Node APIs, so that the CLI (rendered headless, render.ts) and the
// browser dashboard draw from the same specs. Every spec carries its data inline, a fixed size, a
// title and a description (for screen readers).
import type { TopLevelSpec } from "vega-lite";
import {
  type ParetoDirections,
  type Point,
  paretoFront,
  paretoStaircase,
  quantileCurves,
} from "./chartData.js";

export * from "./chartData.js";

type LayerSpec = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

/**
 * A point of a scatter or Pareto plot; `label` (e.g. the architecture) shows in its tooltip. Other
 * fields of the object stay in its datum (e.g. a trial number for a dashboard's click handler).
 */
export interface LabelledPoint extends Point {
  label?: string;
}

/** Overall image size in px, axes, title and legend included (default 800 × 500). */
export interface ChartSize {
  width?: number;
  height?: number;
}

export const DEFAULT_WIDTH = 800;
export const DEFAULT_HEIGHT = 500;

/** Matplotlib's tab10 colours. */
export const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
] as const;

/** A series colour by index, cycling through the palette. */
export const paletteColor = (i: number): string => PALETTE[i % PALETTE.length]!;

const FONT = "DejaVu Sans, Helvetica, Arial, sans-serif";
const TEXT_COLOR = "#222";

const SUPERSCRIPT: Record<string, string> = {
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
  "-": "⁻",
};

/** "10⁶", "10⁻³": a power of ten with Unicode superscript digits. */
export function powerOfTen(exponent: number): string {
  return `10${[...String(exponent)].map((c) => SUPERSCRIPT[c] ?? c).join("")}`;
}

/** At most this many labelled decades on a log axis; wider ranges label every n-th power. */
const MAX_DECADE_TICKS = 10;

/** A log tick's label: plain decimals in [10⁻³, 10⁵), else "10⁶" or "2×10⁶". */
function logTickLabel(mantissa: number, exponent: number): string {
  const value = Number(`${mantissa}e${exponent}`);
  if (value >= 1e-3 && value < 1e5) return value.toFixed(Math.max(0, -exponent));
  return mantissa === 1 ? powerOfTen(exponent) : `${mantissa}×${powerOfTen(exponent)}`;
}

/**
 * Tick values and labels for a log axis over data in [lo, hi] (both > 0): the powers of ten of the
 * decades the data touches (every n-th beyond ten decades; with 2× and 5× between them over at most
 * two decades). Undefined when every value is one power of ten (Vega's own ticks then do).
 */
export function logAxisTicks(lo: number, hi: number): { values: number[]; labels: string[] } | undefined {
  if (!(lo > 0 && hi >= lo && Number.isFinite(hi))) return undefined;
  const first = Math.floor(Math.log10(lo) + 1e-9);
  const last = Math.ceil(Math.log10(hi) - 1e-9);
  if (last - first < 1) return undefined;
  const stride = Math.ceil((last - first) / MAX_DECADE_TICKS);
  const mantissas = last - first <= 2 ? [1, 2, 5] : [1];
  const values: number[] = [];
  const labels: string[] = [];
  for (let k = Math.ceil(first / stride) * stride; k <= last; k += stride)
    for (const m of mantissas) {
      if (k === last && m > 1) continue;
      // Parsed from text so that 1e-3 is the double nearest 0.001, not 10 ** -3 computed.
      values.push(Number(`${m}e${k}`));
      labels.push(logTickLabel(m, k));
    }
  return { values, labels };
}

/**
 * The axis and scale of a log axis over `values`: without a fixed `domain` the scale is "nice" (it
 * spans whole decades, so every tick lies inside it); with one, ticks outside it are dropped.
 */
function logAxis(values: readonly number[], title: string, domain?: [number, number]) {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const all = positive.length > 0 ? logAxisTicks(Math.min(...positive), Math.max(...positive)) : undefined;
  const inside = (v: number) => !domain || (v >= domain[0] * (1 - 1e-12) && v <= domain[1] * (1 + 1e-12));
  const ticks = all && {
    values: all.values.filter(inside),
    labels: all.labels.filter((_, i) => inside(all.values[i]!)),
  };
  if (!ticks || ticks.values.length < 2)
    return { axis: { title }, scale: { type: "log" as const, ...(domain ? { domain, nice: false } : {}) } };
  // Vega-Lite expressions compare the tick's value with each given value (all exact doubles).
  const labelExpr = ticks.values.reduceRight(
    (rest, v, i) => `datum.value === ${v} ? ${JSON.stringify(ticks.labels[i])} : ${rest}`,
    "''",
  );
  return {
    axis: { title, values: ticks.values, labelExpr },
    scale: { type: "log" as const, ...(domain ? { domain, nice: false } : { nice: true }) },
  };
}

/** Estimated advance of one character in em (DejaVu Sans digits are 0.636 em; most letters less). */
const CHAR_EM = 0.6;

/** A font size ≤ `size` (and ≥ 9) at which `text` fits in `maxWidth` px, by that estimate. */
function fitFontSize(text: string, size: number, maxWidth: number): number {
  return Math.max(9, Math.min(size, Math.floor((10 * maxWidth) / ([...text].length * CHAR_EM)) / 10));
}

/** Spec fields shared by every chart: size, fonts, colours, title and description. */
function frame(title: string, subtitle: string | undefined, description: string, size: ChartSize) {
  const width = size.width ?? DEFAULT_WIDTH;
  const height = size.height ?? DEFAULT_HEIGHT;
  for (const [name, v] of [
    ["width", width],
    ["height", height],
  ] as const)
    if (!(Number.isInteger(v) && v >= 100 && v <= 10_000))
      throw new Error(`chart ${name} must be an integer in [100, 10000] px, got ${v}`);
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: title,
      ...(subtitle ? { subtitle } : {}),
      anchor: "middle" as const,
      fontSize: fitFontSize(title, 16, width - 24),
      fontWeight: "normal" as const,
      color: "#111",
      subtitleFontSize: 12,
      subtitleColor: "#555",
      limit: width - 24,
    },
    description,
    width,
    height,
    // The width and height above are the whole image, axes and legend included.
    autosize: { type: "fit" as const, contains: "padding" as const },
    padding: 10,
    background: "#ffffff",
    config: {
      font: FONT,
      view: { stroke: "#333" },
      axis: {
        labelFontSize: 12,
        titleFontSize: 13,
        titleFontWeight: "normal" as const,
        labelColor: TEXT_COLOR,
        titleColor: TEXT_COLOR,
        gridColor: "#e6e6e6",
        domainColor: "#333",
        tickColor: "#333",
      },
      axisX: { labelSeparation: 8, labelOverlap: true },
      legend: {
        labelFontSize: 12,
        symbolOpacity: 1,
        labelColor: TEXT_COLOR,
        labelLimit: 0,
        fillColor: "#ffffffe0",
        strokeColor: "#bbb",
        padding: 6,
        cornerRadius: 3,
      },
    },
  };
}

const percent = (q: number) => `${+(q * 100).toFixed(1)}`;
const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

export interface BestSoFarSeries {
  label: string;
  /** Best-so-far value after each query, one array per run. */
  runs: number[][];
}

export interface BestSoFarPlotOptions extends ChartSize {
  title: string;
  xLabel: string;
  yLabel: string;
  series: BestSoFarSeries[];
  /** Band between these quantiles (default [0.25, 0.75]). */
  quantiles?: [number, number];
  /** Horizontal reference lines, e.g. the best accuracy in the table. */
  references?: { label: string; y: number }[];
  yRange?: [number, number];
  /** Log-scaled query axis. */
  logX?: boolean;
  /** Replaces the generated description (what a screen reader says about the chart). */
  description?: string;
}

const REFERENCE_DASHES = [
  [6, 4],
  [2, 3],
  [10, 3, 2, 3],
];

/** Horizontal dashed lines labelled at their right end. */
function referenceLayers(references: readonly { label: string; y: number }[]): LayerSpec[] {
  const values = references.filter((r) => Number.isFinite(r.y));
  if (values.length === 0) return [];
  const labels = values.map((r) => r.label);
  return [
    {
      name: "references",
      data: { values },
      mark: { type: "rule", color: "#444", strokeWidth: 1, clip: true },
      encoding: {
        y: { field: "y", type: "quantitative" },
        strokeDash: {
          field: "label",
          type: "nominal",
          scale: {
            domain: labels,
            range: labels.map((_, i) => REFERENCE_DASHES[i % REFERENCE_DASHES.length]!),
          },
          legend: null,
        },
      },
    },
    {
      name: "reference_labels",
      data: { values },
      mark: { type: "text", align: "right", baseline: "bottom", dx: -6, dy: -3, fontSize: 11, color: "#444" },
      encoding: {
        x: { value: "width" },
        y: { field: "y", type: "quantitative" },
        text: { field: "label" },
      },
    },
  ];
}

/** Median best-so-far curve and a translucent quantile band per series, over queries. */
export function bestSoFarSpec(o: BestSoFarPlotOptions): TopLevelSpec {
  const [qLo, qHi] = o.quantiles ?? [0.25, 0.75];
  if (!(qLo < qHi)) throw new Error(`bestSoFarSpec: quantiles must be increasing, got [${qLo}, ${qHi}]`);
  const labels: string[] = [];
  const rows: {
    series: string;
    x: number;
    median: number | null;
    lo: number | null;
    hi: number | null;
    runs: number;
  }[] = [];
  for (const s of o.series) {
    const label = `${s.label} (${s.runs.length === 1 ? "1 run" : `${s.runs.length} runs`})`;
    labels.push(label);
    const c = quantileCurves(s.runs, [qLo, qHi]);
    c.x.forEach((x, k) => {
      rows.push({
        series: label,
        x,
        median: finiteOrNull(c.median[k]!),
        lo: finiteOrNull(c.quantiles[0]![k]!),
        hi: finiteOrNull(c.quantiles[1]![k]!),
        runs: c.count[k]!,
      });
    });
  }
  // Queries from 0 (linear) or 1 (log) to the longest run.
  const longest = Math.max(0, ...rows.map((r) => r.x));
  const xDomain = longest > 1 ? [o.logX ? 1 : 0, longest] : undefined;
  // The legend goes to the corner the curves and reference lines leave emptiest.
  const occupied: Point[] = [];
  for (const label of labels) {
    const own = rows.filter((r) => r.series === label);
    for (const key of ["median", "lo", "hi"] as const)
      occupied.push(...densify(own.flatMap((r) => (r[key] === null ? [] : [{ x: r.x, y: r[key]! }]))));
  }
  for (const r of o.references ?? [])
    for (let x = 1; x <= longest; x += Math.max(1, longest / 50)) occupied.push({ x, y: r.y });
  const legendCorner = emptiestCorner(occupied, {
    ...(o.logX ? { logX: true } : {}),
    fraction: [0.4, 0.25],
    ...(xDomain ? { xDomain: xDomain as [number, number] } : {}),
    ...(o.yRange ? { yDomain: o.yRange } : {}),
  });
  const xAxis = o.logX
    ? logAxis(xDomain ?? [1], o.xLabel, xDomain as [number, number] | undefined)
    : {
        axis: { title: o.xLabel, tickMinStep: 1 },
        scale: { type: "linear" as const, ...(xDomain ? { domain: xDomain, nice: false } : {}) },
      };
  const x = { field: "x", type: "quantitative" as const, ...xAxis };
  const color = {
    field: "series",
    type: "nominal" as const,
    scale: { domain: labels, range: labels.map((_, i) => paletteColor(i)) },
    legend: { title: null, orient: LEGEND_ORIENT[legendCorner], symbolType: "stroke", symbolStrokeWidth: 2 },
  };
  const y = {
    type: "quantitative" as const,
    axis: { title: o.yLabel },
    scale: o.yRange ? { domain: o.yRange, nice: false, zero: false } : { zero: false },
  };
  const note = `line: median; band: ${percent(qLo)}–${percent(qHi)}th percentile`;
  const description =
    o.description ??
    `${o.title}. ${o.yLabel} against ${o.xLabel}: the median best-so-far curve of each series with a band ` +
      `from its ${percent(qLo)}th to ${percent(qHi)}th percentile across runs. Series: ${labels.join(", ")}.` +
      ((o.references ?? []).length > 0
        ? ` Reference lines: ${o.references!.map((r) => `${r.label} at ${r.y}`).join(", ")}.`
        : "");
  return {
    ...frame(o.title, note, description, o),
    layer: [
      {
        name: "band",
        data: { values: rows.filter((r) => r.lo !== null && r.hi !== null) },
        mark: { type: "area", opacity: 0.18, clip: true, aria: false },
        encoding: { x, y: { ...y, field: "lo", stack: null }, y2: { field: "hi" }, color },
      },
      {
        name: "median",
        data: { values: rows.filter((r) => r.median !== null) },
        mark: { type: "line", strokeWidth: 2, clip: true, strokeJoin: "round", strokeCap: "round" },
        encoding: { x, y: { ...y, field: "median" }, color },
      },
      ...referenceLayers(o.references ?? []),
    ],
  };
}

export type Corner = "upper left" | "upper right" | "lower right" | "lower left";

/** Vega-Lite's legend orientation inside the plot area for a corner. */
const LEGEND_ORIENT = {
  "upper left": "top-left",
  "upper right": "top-right",
  "lower right": "bottom-right",
  "lower left": "bottom-left",
} as const;

export interface CornerOptions {
  logX?: boolean;
  logY?: boolean;
  /** Size of the corner box as fractions of the plot's width and height (default [0.35, 0.3]). */
  fraction?: [number, number];
  /** The axis ranges shown, when fixed (default: the points' extent). */
  xDomain?: readonly [number, number];
  yDomain?: readonly [number, number];
}

/**
 * The corner of the plot area with the fewest points in a box of `fraction` of its width and height,
 * in the order upper left, upper right, lower right, lower left on ties (positions in axis space:
 * log10 of values on a log axis).
 */
export function emptiestCorner(points: readonly Point[], o: CornerOptions = {}): Corner {
  const [fx, fy] = o.fraction ?? [0.35, 0.3];
  const toX = (v: number) => (o.logX ? Math.log10(v) : v);
  const toY = (v: number) => (o.logY ? Math.log10(v) : v);
  const xs = points.map((p) => toX(p.x));
  const ys = points.map((p) => toY(p.y));
  const [x0, x1] = o.xDomain ? o.xDomain.map(toX) : [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = o.yDomain ? o.yDomain.map(toY) : [Math.min(...ys), Math.max(...ys)];
  const at = (v: number, lo: number, hi: number) => (hi > lo ? (v - lo) / (hi - lo) : 0.5);
  const order: Corner[] = ["upper left", "upper right", "lower right", "lower left"];
  const counts = order.map((corner) => {
    let n = 0;
    xs.forEach((xv, i) => {
      const u = at(xv, x0!, x1!);
      const v = at(ys[i]!, y0!, y1!);
      const inX = corner.endsWith("left") ? u <= fx : u >= 1 - fx;
      const inY = corner.startsWith("upper") ? v >= 1 - fy : v <= fy;
      if (inX && inY) n++;
    });
    return n;
  });
  return order[counts.indexOf(Math.min(...counts))]!;
}

/** Points every 1/`steps` of the way between neighbours, so that a line's path counts as occupied. */
function densify(points: readonly Point[], steps = 10): Point[] {
  const out: Point[] = [];
  points.forEach((p, i) => {
    out.push(p);
    const next = points[i + 1];
    if (next)
      for (let j = 1; j < steps; j++)
        out.push({ x: p.x + ((next.x - p.x) * j) / steps, y: p.y + ((next.y - p.y) * j) / steps });
  });
  return out;
}

/** Text lines in a corner of the plot area. */
function noteLayer(lines: readonly string[], corner: Corner): LayerSpec {
  const left = corner.endsWith("left");
  const upper = corner.startsWith("upper");
  const lineHeight = 17;
  return {
    name: "note",
    data: { values: [{ text: lines }] },
    mark: {
      type: "text",
      align: left ? "left" : "right",
      // Vega stacks further lines below the first whatever the baseline, so a block in a lower
      // corner is anchored by its top, one block height up.
      baseline: "top",
      dx: left ? 10 : -10,
      dy: upper ? 8 : -8 - lines.length * lineHeight,
      fontSize: 12,
      lineHeight,
      color: TEXT_COLOR,
    },
    encoding: {
      x: { value: left ? 0 : "width" },
      y: { value: upper ? 0 : "height" },
      text: { field: "text" },
    },
  };
}

/** Smaller, fainter dots for dense clouds, so that their density stays visible (size in px²). */
function dotStyle(n: number): { size: number; opacity: number } {
  if (n > 3000) return { size: 8, opacity: 0.25 };
  if (n > 300) return { size: 18, opacity: 0.45 };
  return { size: 38, opacity: 0.7 };
}

const drawable = (p: Point, logX?: boolean, logY?: boolean) =>
  Number.isFinite(p.x) && Number.isFinite(p.y) && (!logX || p.x > 0) && (!logY || p.y > 0);

function quantitativeAxis(values: readonly number[], title: string, log: boolean | undefined) {
  return log ? logAxis(values, title) : { axis: { title }, scale: { zero: false } };
}

export interface ScatterPlotOptions extends ChartSize {
  title: string;
  xLabel: string;
  yLabel: string;
  points: LabelledPoint[];
  /** Text in the emptiest corner, e.g. "Spearman ρ 0.79"; several lines split on "\n". */
  annotation?: string;
  logX?: boolean;
  logY?: boolean;
  /** Replaces the generated description. */
  description?: string;
}

/** One dot per point, with a tooltip; non-finite points (and values ≤ 0 on a log axis) are left out. */
export function scatterSpec(o: ScatterPlotOptions): TopLevelSpec {
  const points = o.points.filter((p) => drawable(p, o.logX, o.logY));
  const values = points.map((p) => ({ ...p }));
  const xAxis = quantitativeAxis(
    points.map((p) => p.x),
    o.xLabel,
    o.logX,
  );
  const yAxis = quantitativeAxis(
    points.map((p) => p.y),
    o.yLabel,
    o.logY,
  );
  const lines = o.annotation ? o.annotation.split("\n") : [];
  const description =
    o.description ??
    `${o.title}. Scatter plot of ${points.length} points, ${o.yLabel} against ${o.xLabel}` +
      `${o.logX ? " (log scale)" : ""}.${lines.length > 0 ? ` ${lines.join("; ")}.` : ""}`;
  const hasLabels = points.some((p) => p.label !== undefined);
  return {
    ...frame(o.title, undefined, description, o),
    layer: [
      {
        name: "points",
        data: { values },
        // No aria label per dot: thousands of them would drown the description.
        mark: { type: "circle", color: paletteColor(0), ...dotStyle(points.length), aria: false },
        encoding: {
          x: { field: "x", type: "quantitative", ...xAxis },
          y: { field: "y", type: "quantitative", ...yAxis },
          tooltip: [
            ...(hasLabels ? [{ field: "label", type: "nominal" as const, title: "architecture" }] : []),
            { field: "x", type: "quantitative", title: o.xLabel, format: ".6~g" },
            { field: "y", type: "quantitative", title: o.yLabel, format: ".6~g" },
          ],
        },
      },
      ...(lines.length > 0 ? [noteLayer(lines, emptiestCorner(points, o))] : []),
    ],
  };
}

export interface ParetoPlotOptions extends ParetoDirections, ChartSize {
  title: string;
  xLabel: string;
  yLabel: string;
  points: LabelledPoint[];
  /** The front to highlight; default `paretoFront(points, directions)`. */
  front?: LabelledPoint[];
  logX?: boolean;
  /** Replaces the generated description. */
  description?: string;
}

const BETTER_ARROW = {
  "lower-higher": "↖",
  "higher-higher": "↗",
  "lower-lower": "↙",
  "higher-lower": "↘",
} as const;

/**
 * All points faint, the front highlighted and joined by a staircase that outlines the region it
 * dominates (Vega's step interpolation: the corners are those of `paretoStaircase`).
 */
export function paretoSpec(o: ParetoPlotOptions): TopLevelSpec {
  const points = o.points.filter((p) => drawable(p, o.logX));
  const front = (o.front ?? paretoFront(points, o))
    .filter((p) => drawable(p, o.logX))
    .sort((a, b) => a.x - b.x);
  const arrow =
    BETTER_ARROW[`${o.xLowerIsBetter ? "lower" : "higher"}-${o.yHigherIsBetter ? "higher" : "lower"}`];
  const legendCorner = emptiestCorner(points.concat(densify(paretoStaircase(front, o))), {
    ...(o.logX ? { logX: true } : {}),
    fraction: [0.3, 0.2],
  });
  const allLabel = `all (${points.length})`;
  const frontLabel = `Pareto front (${front.length})`;
  const row = (p: LabelledPoint, set: string) => ({
    x: p.x,
    y: p.y,
    set,
    ...(p.label ? { label: p.label } : {}),
  });
  const xAxis = quantitativeAxis(
    points.concat(front).map((p) => p.x),
    o.xLabel,
    o.logX,
  );
  const x = { field: "x", type: "quantitative" as const, ...xAxis };
  const y = { field: "y", type: "quantitative" as const, axis: { title: o.yLabel }, scale: { zero: false } };
  const color = {
    field: "set",
    type: "nominal" as const,
    scale: { domain: [allLabel, frontLabel], range: ["#8a94a3", paletteColor(3)] },
    legend: { title: null, orient: LEGEND_ORIENT[legendCorner] },
  };
  const hasLabels = points.some((p) => p.label !== undefined);
  const tooltip = [
    ...(hasLabels ? [{ field: "label", type: "nominal" as const, title: "architecture" }] : []),
    { field: "x", type: "quantitative" as const, title: o.xLabel, format: ".6~g" },
    { field: "y", type: "quantitative" as const, title: o.yLabel, format: ".6~g" },
  ];
  const dense = points.length > 3000;
  const description =
    o.description ??
    `${o.title}. ${points.length} points, ${o.yLabel} (${o.yHigherIsBetter ? "higher" : "lower"} is better) ` +
      `against ${o.xLabel} (${o.xLowerIsBetter ? "lower" : "higher"} is better), with the ${front.length} ` +
      "points of the Pareto front joined by a staircase.";
  return {
    ...frame(o.title, `better: ${arrow}`, description, o),
    layer: [
      {
        name: "points",
        data: { values: points.map((p) => row(p, allLabel)) },
        mark: { type: "circle", size: dense ? 8 : 18, opacity: dense ? 0.25 : 0.4, aria: false },
        encoding: { x, y, color, tooltip },
      },
      {
        name: "staircase",
        data: { values: front.map((p) => row(p, frontLabel)) },
        mark: {
          type: "line",
          color: paletteColor(3),
          strokeWidth: 1.8,
          // The corner between neighbours takes the worse x and the worse y of the two.
          interpolate: o.xLowerIsBetter ? "step-after" : "step-before",
        },
        encoding: { x, y },
      },
      {
        name: "front",
        data: { values: front.map((p) => row(p, frontLabel)) },
        mark: { type: "circle", size: 50, opacity: 1, stroke: "#ffffff", strokeWidth: 1 },
        encoding: { x, y, color, tooltip },
      },
    ],
  };
}
