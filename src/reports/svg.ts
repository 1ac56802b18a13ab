// A small dependency-free SVG chart builder: linear or log axes with "nice" ticks, polylines, filled
// bands, scatter points, horizontal reference lines, a legend and a text note. The output is
// deterministic — coordinates are printed with at most two decimals, tick labels with a fixed number
// of decimals chosen from the tick step — so tests can assert on it.
//
// Layers are recorded first and laid out on `render()`: axis ranges not given are taken from the
// data (padded a little), then tick labels decide the margins, then the legend and the note go to
// the corners of the plot area that cover the fewest data.

export interface Point {
  x: number;
  y: number;
}

export type Corner = "upper left" | "upper right" | "lower left" | "lower right";

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

const FONT_FAMILY = "DejaVu Sans, Helvetica, Arial, sans-serif";
const TICK_FONT = 12;
const LABEL_FONT = 13;
const TITLE_FONT = 16;
const LEGEND_FONT = 12;
/** Estimated advance of one character in em (DejaVu Sans digits are 0.636 em; most letters less). */
const CHAR_EM = 0.6;

/** Text escaped for SVG character data and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ "&": "amp", "<": "lt", ">": "gt", '"': "quot", "'": "#39" }[c]};`,
  );
}

/** A coordinate as printed in the SVG: rounded to two decimals, no trailing zeros, never "-0". */
export function fmt(value: number): string {
  const r = Math.round(value * 100) / 100;
  return r === 0 ? "0" : String(r);
}

/** Estimated rendered width of a one-line text, in px. */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * CHAR_EM;
}

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

/** Fewest decimals (0–15) that print every multiple of `step` exactly. */
function decimalsFor(step: number): number {
  for (let d = 0; d < 15; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) <= 1e-6 * Math.max(1, Math.abs(scaled))) return d;
  }
  return 15;
}

/** Steps of the form m·10^k, m in `mantissas`, ascending. */
const STEP_MANTISSAS = [1, 2, 2.5, 5] as const;
const INTEGER_MANTISSAS = [1, 2, 5] as const;

/** The smallest nice step (1, 2, 2.5 or 5 times a power of ten) that is ≥ `rough`. */
export function niceStep(rough: number, integer = false): number {
  if (!(rough > 0) || !Number.isFinite(rough))
    throw new Error(`niceStep: expected a positive step, got ${rough}`);
  if (integer && rough <= 1) return 1;
  const mantissas = integer ? INTEGER_MANTISSAS : STEP_MANTISSAS;
  let exponent = Math.floor(Math.log10(rough));
  for (;;) {
    for (const m of mantissas) {
      const step = m * 10 ** exponent;
      if (step >= rough * (1 - 1e-9)) return step;
    }
    exponent++;
  }
}

export interface Tick {
  value: number;
  label: string;
}

export interface Scale {
  /** Data interval shown, [low, high]. */
  readonly domain: readonly [number, number];
  /** Pixel positions of domain[0] and domain[1] (for y, bottom then top). */
  readonly range: readonly [number, number];
  readonly log: boolean;
  /** Pixel position of a data value (not clamped). */
  map(value: number): number;
}

/** A linear map from `domain` to the pixel `range`. */
export function linearScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const k = (r1 - r0) / (d1 - d0);
  return { domain, range, log: false, map: (v) => r0 + (v - d0) * k };
}

/** A base-10 logarithmic map from `domain` (both ends > 0) to the pixel `range`. */
export function logScale(domain: readonly [number, number], range: readonly [number, number]): Scale {
  const [d0, d1] = domain;
  if (!(d0 > 0 && d1 > 0)) throw new Error(`log axis needs a positive range, got [${d0}, ${d1}]`);
  const [r0, r1] = range;
  const l0 = Math.log10(d0);
  const k = (r1 - r0) / (Math.log10(d1) - l0);
  return { domain, range, log: true, map: (v) => r0 + (Math.log10(v) - l0) * k };
}

/**
 * Tick labels for multiples of `step`. Values of magnitude ≥ 10⁵ or < 10⁻³ are divided by a power
 * of ten that is a multiple of 3, returned as `exponent` for the axis label ("×10⁶").
 */
export function formatTicks(values: readonly number[], step: number): { labels: string[]; exponent: number } {
  const maxAbs = Math.max(0, ...values.map(Math.abs));
  const exponent =
    maxAbs >= 1e5 || (maxAbs > 0 && maxAbs < 1e-3) ? Math.floor(Math.log10(maxAbs) / 3) * 3 : 0;
  const scale = 10 ** exponent;
  const decimals = decimalsFor(step / scale);
  const labels = values.map((v) => {
    const s = (v / scale).toFixed(decimals);
    return Number(s) === 0 ? (0).toFixed(decimals) : s.replace("-", "−");
  });
  return { labels, exponent };
}

interface AxisTicks {
  ticks: Tick[];
  /** Power of ten the labels are divided by (0 when none). */
  exponent: number;
}

/** Multiples of `step` inside [d0, d1]. */
function multiplesIn(d0: number, d1: number, step: number): number[] {
  const first = Math.ceil(d0 / step - 1e-9);
  const last = Math.floor(d1 / step + 1e-9);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(i * step === 0 ? 0 : i * step);
  return values;
}

/**
 * Ticks for a linear axis `lengthPx` long: about one per `spacingPx`, and — for a horizontal axis —
 * spread far enough apart that the labels do not overlap.
 */
function linearTicks(
  scale: Scale,
  lengthPx: number,
  horizontal: boolean,
  integer: boolean,
  values?: (step: number) => number[],
): AxisTicks {
  const [d0, d1] = scale.domain;
  const target = Math.max(2, Math.floor(lengthPx / (horizontal ? 90 : 48)));
  let step = niceStep((d1 - d0) / target, integer);
  for (let attempt = 0; ; attempt++) {
    const vs = values ? values(step) : multiplesIn(d0, d1, step);
    const { labels, exponent } = formatTicks(vs, step);
    const ticks = vs.map((value, i) => ({ value, label: labels[i]! }));
    if (attempt >= 30 || !crowded(scale, ticks, horizontal)) return { ticks, exponent };
    step = niceStep(step * 1.01, integer);
  }
}

/** Whether neighbouring tick labels would overlap (or sit closer than a few px). */
function crowded(scale: Scale, ticks: readonly Tick[], horizontal: boolean): boolean {
  for (let i = 1; i < ticks.length; i++) {
    const gap = Math.abs(scale.map(ticks[i]!.value) - scale.map(ticks[i - 1]!.value));
    const need = horizontal
      ? (textWidth(ticks[i]!.label, TICK_FONT) + textWidth(ticks[i - 1]!.label, TICK_FONT)) / 2 + 12
      : TICK_FONT + 6;
    if (gap < need) return true;
  }
  return false;
}

function logLabel(value: number, mantissa: number, exponent: number): string {
  if (value >= 1e-3 && value < 1e5) return value.toFixed(Math.max(0, -exponent));
  return mantissa === 1 ? powerOfTen(exponent) : `${mantissa}×${powerOfTen(exponent)}`;
}

/** Ticks for a log axis: 1·2·5 per decade over few decades, else powers of ten (every n-th). */
function logTicks(scale: Scale, lengthPx: number, horizontal: boolean): AxisTicks {
  const [d0, d1] = scale.domain;
  const lo = Math.log10(d0);
  const hi = Math.log10(d1);
  if (hi - lo < 1) {
    // Less than a decade: nice linear values, placed on the log scale.
    return linearTicks(scale, lengthPx, horizontal, false, (step) => multiplesIn(d0, d1, step));
  }
  const candidates: Array<{ mantissas: number[]; stride: number }> = [
    { mantissas: [1, 2, 5], stride: 1 },
    { mantissas: [1], stride: 1 },
  ];
  for (let stride = 2; stride <= 40; stride++) candidates.push({ mantissas: [1], stride });
  let ticks: Tick[] = [];
  for (const { mantissas, stride } of candidates) {
    ticks = [];
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      if (k % stride !== 0) continue;
      for (const m of mantissas) {
        const value = m * 10 ** k;
        if (value >= d0 * (1 - 1e-9) && value <= d1 * (1 + 1e-9))
          ticks.push({ value, label: logLabel(value, m, k) });
      }
    }
    if (ticks.length >= 2 && !crowded(scale, ticks, horizontal)) break;
  }
  return { ticks, exponent: 0 };
}

export interface AxisSpec {
  label?: string;
  /** Base-10 logarithmic axis; values ≤ 0 are left out. */
  log?: boolean;
  /** Fixed [low, high]; default: the data's extent, padded by `pad`. */
  range?: readonly [number, number];
  /** Padding added to each end of a data-derived range, as a fraction of its span (default 0.04). */
  pad?: number;
  /** Integer-valued axis (e.g. query counts): no ticks between integers. */
  integer?: boolean;
}

export interface ChartSpec {
  /** Image size in px (default 800 × 500). */
  width?: number;
  height?: number;
  title?: string;
  x?: AxisSpec;
  y?: AxisSpec;
  /** Where the legend goes; "auto" (default) picks the corner with the fewest data under it. */
  legend?: Corner | "auto" | "none";
  /** Extra line(s) of plain text at the bottom of the legend box. */
  legendNote?: string | readonly string[];
}

export interface LineStyle {
  color: string;
  width?: number;
  dash?: string;
  opacity?: number;
  /** Legend label; no legend entry when absent. */
  label?: string;
}

export interface BandStyle {
  color: string;
  opacity?: number;
  label?: string;
}

export interface PointStyle {
  color: string;
  radius?: number;
  opacity?: number;
  /** Outline colour (default none). */
  stroke?: string;
  label?: string;
}

export interface LegendEntry {
  label: string;
  color: string;
  /** Draw a line swatch of this width. */
  line?: { width?: number; dash?: string };
  /** Draw a filled box swatch with this opacity (under the line, if both). */
  fillOpacity?: number;
  /** Draw a marker swatch. */
  marker?: { radius?: number; opacity?: number; stroke?: string };
}

type Layer =
  | { kind: "line"; points: readonly Point[]; style: LineStyle }
  | { kind: "band"; lower: readonly Point[]; upper: readonly Point[]; style: BandStyle }
  | { kind: "points"; points: readonly Point[]; style: PointStyle }
  | { kind: "hline"; y: number; label: string; style: LineStyle };

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Layout {
  x: Scale;
  y: Scale;
  xTicks: Tick[];
  yTicks: Tick[];
  /** The label as drawn, with "(×10ⁿ)" appended when tick labels are scaled. */
  xLabel?: string;
  yLabel?: string;
  plot: PlotArea;
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const isDrawable = (log: boolean) => (v: number) => Number.isFinite(v) && (!log || v > 0);

/** The finite (and, on a log axis, positive) [min, max] of some values, or undefined when none. */
function extent(values: Iterable<number>, log: boolean): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  const ok = isDrawable(log);
  for (const v of values) {
    if (!ok(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : undefined;
}

/** A data extent widened by `pad` of its span at both ends (in log space on a log axis). */
function paddedDomain(ext: [number, number] | undefined, log: boolean, pad: number): [number, number] {
  if (ext === undefined) return log ? [1, 10] : [0, 1];
  let [lo, hi] = log ? [Math.log10(ext[0]), Math.log10(ext[1])] : ext;
  if (hi === lo) {
    const half = log ? 0.5 : lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= half;
    hi += half;
  } else {
    const span = hi - lo;
    lo -= span * pad;
    hi += span * pad;
  }
  return log ? [10 ** lo, 10 ** hi] : [lo, hi];
}

/** Splits a polyline at points that cannot be drawn (non-finite, or ≤ 0 on a log axis). */
function segments(points: readonly Point[], xLog: boolean, yLog: boolean): Point[][] {
  const okX = isDrawable(xLog);
  const okY = isDrawable(yLog);
  const out: Point[][] = [];
  let current: Point[] = [];
  for (const p of points) {
    if (okX(p.x) && okY(p.y)) current.push(p);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

const attr = (name: string, value: string | number | undefined): string =>
  value === undefined ? "" : ` ${name}="${typeof value === "number" ? fmt(value) : escapeXml(value)}"`;

/** A one-line text element; `halo` draws a white outline under the glyphs for readability. */
function text(
  x: number,
  y: number,
  content: string,
  opts: {
    size: number;
    anchor?: "start" | "middle" | "end";
    rotate?: boolean;
    fill?: string;
    halo?: boolean;
  },
): string {
  return (
    `<text${attr("x", x)}${attr("y", y)}${attr("font-size", opts.size)}` +
    `${attr("text-anchor", opts.anchor ?? "start")}${attr("fill", opts.fill ?? "#222")}` +
    `${opts.halo ? ' stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"' : ""}` +
    `${opts.rotate ? ` transform="rotate(-90 ${fmt(x)} ${fmt(y)})"` : ""}>${escapeXml(content)}</text>`
  );
}

/** A font size ≤ `size` at which `content` fits in `maxWidth` px (never below 8). */
const fitFont = (content: string, size: number, maxWidth: number): number =>
  Math.max(8, Math.min(size, maxWidth / Math.max(1, [...content].length * CHAR_EM)));

const polyPoints = (pts: readonly Point[], layout: Layout): string =>
  pts.map((p) => `${fmt(layout.x.map(p.x))},${fmt(layout.y.map(p.y))}`).join(" ");

const withExponent = (label: string | undefined, exponent: number): string | undefined =>
  exponent === 0 ? label : `${label ?? ""}${label ? " " : ""}(×${powerOfTen(exponent)})`;

/** Lines of the legend / note boxes. */
const LEGEND_ROW = 18;
const LEGEND_PAD = 8;
const SWATCH = 26;

export class Chart {
  private readonly spec: ChartSpec;
  private readonly layers: Layer[] = [];
  private readonly legendEntries: LegendEntry[] = [];
  private noteLines: string[] = [];
  private noteCorner: Corner | "auto" = "auto";

  constructor(spec: ChartSpec = {}) {
    this.spec = spec;
  }

  get width(): number {
    return this.spec.width ?? 800;
  }

  get height(): number {
    return this.spec.height ?? 500;
  }

  /** A polyline through the points, broken where a point cannot be drawn. */
  line(points: readonly Point[], style: LineStyle): this {
    this.layers.push({ kind: "line", points, style });
    if (style.label !== undefined)
      this.legendEntries.push({
        label: style.label,
        color: style.color,
        line: { width: style.width ?? 2, ...(style.dash ? { dash: style.dash } : {}) },
      });
    return this;
  }

  /** A filled area between two curves sampled at the same x values (lower[i].x === upper[i].x). */
  band(lower: readonly Point[], upper: readonly Point[], style: BandStyle): this {
    if (lower.length !== upper.length)
      throw new Error(`band: lower and upper differ in length (${lower.length} vs ${upper.length})`);
    this.layers.push({ kind: "band", lower, upper, style });
    if (style.label !== undefined)
      this.legendEntries.push({ label: style.label, color: style.color, fillOpacity: style.opacity ?? 0.2 });
    return this;
  }

  /** Scatter points (circles); points that cannot be drawn are skipped. */
  points(points: readonly Point[], style: PointStyle): this {
    this.layers.push({ kind: "points", points, style });
    if (style.label !== undefined)
      this.legendEntries.push({
        label: style.label,
        color: style.color,
        marker: {
          radius: style.radius ?? 3,
          opacity: Math.max(0.6, style.opacity ?? 1),
          ...(style.stroke ? { stroke: style.stroke } : {}),
        },
      });
    return this;
  }

  /** A horizontal reference line across the plot with a label at its end. */
  hline(y: number, label: string, style: Partial<LineStyle> = {}): this {
    this.layers.push({
      kind: "hline",
      y,
      label,
      style: { color: "#444", dash: "6 4", width: 1.2, ...style },
    });
    return this;
  }

  /** An explicit legend entry (e.g. one entry for a line and its band). */
  legendEntry(entry: LegendEntry): this {
    this.legendEntries.push(entry);
    return this;
  }

  /** A boxed text note (one or more lines) in a corner of the plot area. */
  note(lines: string | readonly string[], corner: Corner | "auto" = "auto"): this {
    this.noteLines = typeof lines === "string" ? [lines] : [...lines];
    this.noteCorner = corner;
    return this;
  }

  private dataValues(axis: "x" | "y"): number[] {
    const values: number[] = [];
    for (const layer of this.layers) {
      if (layer.kind === "hline") {
        if (axis === "y") values.push(layer.y);
      } else if (layer.kind === "band") {
        for (const p of layer.lower) values.push(p[axis]);
        for (const p of layer.upper) values.push(p[axis]);
      } else for (const p of layer.points) values.push(p[axis]);
    }
    return values;
  }

  private domain(axis: "x" | "y"): [number, number] {
    const spec = this.spec[axis] ?? {};
    const log = spec.log ?? false;
    if (spec.range) {
      const [lo, hi] = spec.range;
      if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo < hi))
        throw new Error(`${axis} range must be two finite numbers, low < high; got [${lo}, ${hi}]`);
      if (log && lo <= 0) throw new Error(`log ${axis} axis needs a positive range, got [${lo}, ${hi}]`);
      return [lo, hi];
    }
    return paddedDomain(extent(this.dataValues(axis), log), log, spec.pad ?? 0.04);
  }

  /** Scales, ticks and plot area. Deterministic for a given chart. */
  layout(): Layout {
    const xs = this.spec.x ?? {};
    const ys = this.spec.y ?? {};
    const top = this.spec.title ? 44 : 16;
    const bottom = 34 + (xs.label ? 22 : 0);
    const plotHeight = this.height - top - bottom;
    const makeScale = (log: boolean, domain: [number, number], range: [number, number]) =>
      log ? logScale(domain, range) : linearScale(domain, range);
    const yScale = makeScale(ys.log ?? false, this.domain("y"), [top + plotHeight, top]);
    const yt = ys.log
      ? logTicks(yScale, plotHeight, false)
      : linearTicks(yScale, plotHeight, false, !!ys.integer);
    const yLabel = withExponent(ys.label, yt.exponent);
    const yTickWidth = Math.max(0, ...yt.ticks.map((t) => textWidth(t.label, TICK_FONT)));
    const left = Math.ceil(12 + (yLabel ? LABEL_FONT + 8 : 0) + yTickWidth + 8);
    // Leave room for half of the last x tick label beyond the right edge.
    const xDomain = this.domain("x");
    let right = 24;
    let xScale = makeScale(xs.log ?? false, xDomain, [left, this.width - right]);
    let xt = xs.log
      ? logTicks(xScale, this.width - left - right, true)
      : linearTicks(xScale, this.width - left - right, true, !!xs.integer);
    const last = xt.ticks.at(-1);
    if (last) {
      const overhang = xScale.map(last.value) + textWidth(last.label, TICK_FONT) / 2 + 6 - this.width;
      if (overhang > 0) {
        right += Math.ceil(overhang);
        xScale = makeScale(xs.log ?? false, xDomain, [left, this.width - right]);
        xt = xs.log
          ? logTicks(xScale, this.width - left - right, true)
          : linearTicks(xScale, this.width - left - right, true, !!xs.integer);
      }
    }
    const xLabel = withExponent(xs.label, xt.exponent);
    return {
      x: xScale,
      y: yScale,
      xTicks: xt.ticks,
      yTicks: yt.ticks,
      ...(xLabel !== undefined ? { xLabel } : {}),
      ...(yLabel !== undefined ? { yLabel } : {}),
      plot: { left, top, width: this.width - left - right, height: plotHeight },
    };
  }

  /** Pixel positions of the data, sampled densely enough to judge which corner is empty. */
  private occupancy(layout: Layout): Point[] {
    const out: Point[] = [];
    const px = (p: Point): Point => ({ x: layout.x.map(p.x), y: layout.y.map(p.y) });
    const densify = (pts: readonly Point[]) => {
      for (let i = 0; i < pts.length; i++) {
        const a = px(pts[i]!);
        out.push(a);
        const next = pts[i + 1];
        if (!next) continue;
        const b = px(next);
        const n = Math.min(200, Math.floor(Math.hypot(b.x - a.x, b.y - a.y) / 4));
        for (let j = 1; j < n; j++)
          out.push({ x: a.x + ((b.x - a.x) * j) / n, y: a.y + ((b.y - a.y) * j) / n });
      }
    };
    const xLog = !!this.spec.x?.log;
    const yLog = !!this.spec.y?.log;
    for (const layer of this.layers) {
      if (layer.kind === "line") for (const s of segments(layer.points, xLog, yLog)) densify(s);
      else if (layer.kind === "points")
        for (const s of segments(layer.points, xLog, yLog)) out.push(...s.map(px));
      else if (layer.kind === "hline") {
        const y = layout.y.map(layer.y);
        for (let x = layout.plot.left; x <= layout.plot.left + layout.plot.width; x += 4) out.push({ x, y });
      } else {
        layer.lower.forEach((lo, i) => {
          const hi = layer.upper[i]!;
          const a = px(lo);
          const b = px(hi);
          if (![a.x, a.y, b.y].every(Number.isFinite)) return;
          for (let y = Math.min(a.y, b.y); y <= Math.max(a.y, b.y); y += 4) out.push({ x: a.x, y });
        });
      }
    }
    return out;
  }

  /** The corner box for a w × h box inside the plot area. */
  private static cornerBox(plot: PlotArea, corner: Corner, w: number, h: number): Box {
    const inset = 8;
    return {
      x: corner.endsWith("left") ? plot.left + inset : plot.left + plot.width - inset - w,
      y: corner.startsWith("upper") ? plot.top + inset : plot.top + plot.height - inset - h,
      width: w,
      height: h,
    };
  }

  private static place(
    plot: PlotArea,
    wanted: Corner | "auto",
    w: number,
    h: number,
    data: readonly Point[],
    taken: readonly Box[],
  ): Box {
    if (wanted !== "auto") return Chart.cornerBox(plot, wanted, w, h);
    const order: Corner[] = ["upper left", "upper right", "lower right", "lower left"];
    let best: Box | undefined;
    let bestCost = Number.POSITIVE_INFINITY;
    for (const corner of order) {
      const box = Chart.cornerBox(plot, corner, w, h);
      const overlapsTaken = taken.some(
        (t) =>
          box.x < t.x + t.width &&
          t.x < box.x + box.width &&
          box.y < t.y + t.height &&
          t.y < box.y + box.height,
      );
      let cost = overlapsTaken ? 1e9 : 0;
      for (const p of data)
        if (p.x >= box.x - 4 && p.x <= box.x + w + 4 && p.y >= box.y - 4 && p.y <= box.y + h + 4) cost++;
      if (cost < bestCost) {
        bestCost = cost;
        best = box;
      }
    }
    return best!;
  }

  private renderLegend(box: Box, notes: readonly string[]): string {
    const parts: string[] = [
      `<rect${attr("x", box.x)}${attr("y", box.y)}${attr("width", box.width)}${attr("height", box.height)} fill="#fff" fill-opacity="0.88" stroke="#bbb" rx="3"/>`,
    ];
    this.legendEntries.forEach((e, i) => {
      const cy = box.y + LEGEND_PAD + LEGEND_ROW * i + LEGEND_ROW / 2;
      const x0 = box.x + LEGEND_PAD;
      if (e.fillOpacity !== undefined)
        parts.push(
          `<rect${attr("x", x0)}${attr("y", cy - 6)}${attr("width", SWATCH)} height="12"${attr("fill", e.color)}${attr("fill-opacity", e.fillOpacity)}/>`,
        );
      if (e.line)
        parts.push(
          `<line${attr("x1", x0)}${attr("y1", cy)}${attr("x2", x0 + SWATCH)}${attr("y2", cy)}${attr("stroke", e.color)}${attr("stroke-width", e.line.width ?? 2)}${attr("stroke-dasharray", e.line.dash)}/>`,
        );
      if (e.marker)
        parts.push(
          `<circle${attr("cx", x0 + SWATCH / 2)}${attr("cy", cy)}${attr("r", e.marker.radius ?? 3)}${attr("fill", e.color)}${attr("fill-opacity", e.marker.opacity)}${attr("stroke", e.marker.stroke)}/>`,
        );
      parts.push(text(x0 + SWATCH + 6, cy + 4, e.label, { size: LEGEND_FONT }));
    });
    notes.forEach((line, j) => {
      const y = box.y + LEGEND_PAD + LEGEND_ROW * (this.legendEntries.length + j) + LEGEND_ROW / 2 + 4;
      parts.push(text(box.x + LEGEND_PAD, y, line, { size: LEGEND_FONT - 1, fill: "#555" }));
    });
    return `<g class="legend">${parts.join("")}</g>`;
  }

  private renderNote(box: Box): string {
    const parts = [
      `<rect${attr("x", box.x)}${attr("y", box.y)}${attr("width", box.width)}${attr("height", box.height)} fill="#fff" fill-opacity="0.88" stroke="#bbb" rx="3"/>`,
    ];
    this.noteLines.forEach((line, i) => {
      parts.push(
        text(box.x + LEGEND_PAD, box.y + LEGEND_PAD + LEGEND_ROW * i + 13, line, { size: LEGEND_FONT }),
      );
    });
    return `<g class="note">${parts.join("")}</g>`;
  }

  /** The chart as a standalone SVG document. */
  render(): string {
    const layout = this.layout();
    const { plot, x, y } = layout;
    const xLog = !!this.spec.x?.log;
    const yLog = !!this.spec.y?.log;
    const out: string[] = [];
    out.push(
      `<svg xmlns="http://www.w3.org/2000/svg"${attr("width", this.width)}${attr("height", this.height)} viewBox="0 0 ${fmt(this.width)} ${fmt(this.height)}"${attr("font-family", FONT_FAMILY)}>`,
      // A title element names the image for screen readers (and satisfies a11y linters).
      `<title>${escapeXml(this.spec.title ?? "chart")}</title>`,
      `<rect width="100%" height="100%" fill="#fff"/>`,
      `<defs><clipPath id="plot-area"><rect${attr("x", plot.left)}${attr("y", plot.top)}${attr("width", plot.width)}${attr("height", plot.height)}/></clipPath></defs>`,
    );
    // Grid.
    const grid: string[] = [];
    for (const t of layout.xTicks) {
      const px = x.map(t.value);
      grid.push(
        `<line${attr("x1", px)}${attr("y1", plot.top)}${attr("x2", px)}${attr("y2", plot.top + plot.height)}/>`,
      );
    }
    for (const t of layout.yTicks) {
      const py = y.map(t.value);
      grid.push(
        `<line${attr("x1", plot.left)}${attr("y1", py)}${attr("x2", plot.left + plot.width)}${attr("y2", py)}/>`,
      );
    }
    out.push(`<g class="grid" stroke="#e6e6e6" stroke-width="1">${grid.join("")}</g>`);
    // Data, clipped to the plot area.
    const data: string[] = [];
    for (const layer of this.layers) {
      if (layer.kind === "band") {
        const s = layer.style;
        // Split where either edge cannot be drawn, so each polygon is one contiguous piece.
        const okX = isDrawable(xLog);
        const okY = isDrawable(yLog);
        let lo: Point[] = [];
        let hi: Point[] = [];
        const flush = () => {
          if (lo.length > 0)
            data.push(
              `<polygon points="${polyPoints([...hi, ...lo.reverse()], layout)}"${attr("fill", s.color)}${attr("fill-opacity", s.opacity ?? 0.2)} stroke="none"/>`,
            );
          lo = [];
          hi = [];
        };
        layer.lower.forEach((l, i) => {
          const u = layer.upper[i]!;
          if (okX(l.x) && okY(l.y) && okX(u.x) && okY(u.y)) {
            lo.push(l);
            hi.push(u);
          } else flush();
        });
        flush();
      } else if (layer.kind === "line") {
        const s = layer.style;
        for (const seg of segments(layer.points, xLog, yLog)) {
          if (seg.length === 1) {
            const p = seg[0]!;
            data.push(
              `<circle${attr("cx", x.map(p.x))}${attr("cy", y.map(p.y))}${attr("r", s.width ?? 2)}${attr("fill", s.color)}/>`,
            );
            continue;
          }
          data.push(
            `<polyline points="${polyPoints(seg, layout)}" fill="none"${attr("stroke", s.color)}${attr("stroke-width", s.width ?? 2)}${attr("stroke-opacity", s.opacity)}${attr("stroke-dasharray", s.dash)} stroke-linejoin="round" stroke-linecap="round"/>`,
          );
        }
      } else if (layer.kind === "points") {
        const s = layer.style;
        const circles: string[] = [];
        for (const seg of segments(layer.points, xLog, yLog))
          for (const p of seg)
            circles.push(
              `<circle${attr("cx", x.map(p.x))}${attr("cy", y.map(p.y))}${attr("r", s.radius ?? 3)}/>`,
            );
        data.push(
          `<g${attr("fill", s.color)}${attr("fill-opacity", s.opacity)}${attr("stroke", s.stroke)}${s.stroke ? ' stroke-width="1"' : ""}>${circles.join("")}</g>`,
        );
      }
    }
    out.push(`<g class="data" clip-path="url(#plot-area)">${data.join("")}</g>`);
    // Reference lines and their labels (a label moves to the left end when it would collide).
    const hlines = this.layers.filter((l): l is Extract<Layer, { kind: "hline" }> => l.kind === "hline");
    const placed: Array<{ y: number; side: "end" | "start" }> = [];
    for (const h of [...hlines].sort((a, b) => b.y - a.y)) {
      if (!isDrawable(yLog)(h.y)) continue;
      const py = y.map(h.y);
      if (py < plot.top - 0.5 || py > plot.top + plot.height + 0.5) continue;
      const s = h.style;
      out.push(
        `<line${attr("x1", plot.left)}${attr("y1", py)}${attr("x2", plot.left + plot.width)}${attr("y2", py)}${attr("stroke", s.color)}${attr("stroke-width", s.width)}${attr("stroke-dasharray", s.dash)}/>`,
      );
      const clash = (side: "end" | "start") => placed.some((p) => p.side === side && Math.abs(p.y - py) < 15);
      const side = clash("end") && !clash("start") ? "start" : "end";
      placed.push({ y: py, side });
      // Above the line, unless that would touch the top of the frame.
      const labelY = py - 4 < plot.top + 15 ? py + 14 : py - 4;
      const lx = side === "end" ? plot.left + plot.width - 6 : plot.left + 6;
      out.push(text(lx, labelY, h.label, { size: 11, anchor: side, fill: s.color, halo: true }));
    }
    // Frame, tick marks and tick labels.
    out.push(
      `<rect${attr("x", plot.left)}${attr("y", plot.top)}${attr("width", plot.width)}${attr("height", plot.height)} fill="none" stroke="#333" stroke-width="1"/>`,
    );
    const marks: string[] = [];
    const labels: string[] = [];
    const baseline = plot.top + plot.height;
    for (const t of layout.xTicks) {
      const px = x.map(t.value);
      marks.push(
        `<line${attr("x1", px)}${attr("y1", baseline)}${attr("x2", px)}${attr("y2", baseline + 5)}/>`,
      );
      labels.push(text(px, baseline + 19, t.label, { size: TICK_FONT, anchor: "middle" }));
    }
    for (const t of layout.yTicks) {
      const py = y.map(t.value);
      marks.push(
        `<line${attr("x1", plot.left - 5)}${attr("y1", py)}${attr("x2", plot.left)}${attr("y2", py)}/>`,
      );
      labels.push(text(plot.left - 8, py + 4, t.label, { size: TICK_FONT, anchor: "end" }));
    }
    out.push(`<g class="ticks" stroke="#333" stroke-width="1">${marks.join("")}</g>`, ...labels);
    // Axis labels and title.
    if (layout.xLabel)
      out.push(
        text(plot.left + plot.width / 2, this.height - 12, layout.xLabel, {
          size: fitFont(layout.xLabel, LABEL_FONT, this.width - 20),
          anchor: "middle",
        }),
      );
    if (layout.yLabel)
      out.push(
        text(12 + LABEL_FONT - 2, plot.top + plot.height / 2, layout.yLabel, {
          size: fitFont(layout.yLabel, LABEL_FONT, plot.height + 20),
          anchor: "middle",
          rotate: true,
        }),
      );
    if (this.spec.title)
      out.push(
        text(this.width / 2, 28, this.spec.title, {
          size: fitFont(this.spec.title, TITLE_FONT, this.width - 20),
          anchor: "middle",
          fill: "#111",
        }),
      );
    // Legend and note, in the emptiest corners.
    const occupied = this.legendEntries.length > 0 || this.noteLines.length > 0 ? this.occupancy(layout) : [];
    const taken: Box[] = [];
    const legendPosition = this.spec.legend ?? "auto";
    const notes = this.spec.legendNote === undefined ? [] : [this.spec.legendNote].flat();
    if (legendPosition !== "none" && this.legendEntries.length > 0) {
      const w =
        Math.max(
          ...this.legendEntries.map((e) => SWATCH + 6 + textWidth(e.label, LEGEND_FONT)),
          ...notes.map((n) => textWidth(n, LEGEND_FONT - 1)),
        ) +
        2 * LEGEND_PAD;
      const h = LEGEND_ROW * (this.legendEntries.length + notes.length) + 2 * LEGEND_PAD - 4;
      const box = Chart.place(plot, legendPosition, w, h, occupied, taken);
      taken.push(box);
      out.push(this.renderLegend(box, notes));
    }
    if (this.noteLines.length > 0) {
      const w = Math.max(...this.noteLines.map((n) => textWidth(n, LEGEND_FONT))) + 2 * LEGEND_PAD;
      const h = LEGEND_ROW * this.noteLines.length + 2 * LEGEND_PAD - 4;
      const box = Chart.place(plot, this.noteCorner, w, h, occupied, taken);
      out.push(this.renderNote(box));
    }
    out.push("</svg>");
    return `${out.join("\n")}\n`;
  }
}
