// The plots of search results, as pure functions returning SVG documents: best-so-far curves over
// repeated runs (median and a quantile band), score-vs-accuracy scatter, and a Pareto front.
import { Chart, type Point, paletteColor } from "./svg.js";

export type { Point } from "./svg.js";

/** The q-quantile of ascending `sorted` values, interpolating linearly (numpy's default method). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1], got ${q}`);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  if (lo + 1 >= n) return a;
  return a + (h - lo) * (sorted[lo + 1]! - a);
}

export interface QuantileCurves {
  /** Query counts 1 … longest run (run[i] is the best after i + 1 queries). */
  x: number[];
  /** How many runs have a finite value at each x. */
  count: number[];
  /** Median over those runs (NaN where none). */
  median: number[];
  /** quantiles[j][i]: the qs[j]-quantile at x[i] (NaN where no run has a value). */
  quantiles: number[][];
}

/**
 * Per-query median and quantiles of best-so-far curves. Runs may differ in length: at each x only the
 * runs that reach it count; non-finite values are left out. Quantiles interpolate linearly between
 * order statistics, as `np.quantile(values, q)`.
 */
export function quantileCurves(runs: readonly (readonly number[])[], qs: readonly number[]): QuantileCurves {
  for (const q of qs) if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1], got ${q}`);
  const length = Math.max(0, ...runs.map((r) => r.length));
  const out: QuantileCurves = { x: [], count: [], median: [], quantiles: qs.map(() => []) };
  for (let i = 0; i < length; i++) {
    const values = runs
      .filter((r) => i < r.length && Number.isFinite(r[i]))
      .map((r) => r[i]!)
      .sort((a, b) => a - b);
    out.x.push(i + 1);
    out.count.push(values.length);
    out.median.push(quantileSorted(values, 0.5));
    qs.forEach((q, j) => {
      out.quantiles[j]!.push(quantileSorted(values, q));
    });
  }
  return out;
}

const percent = (q: number) => `${+(q * 100).toFixed(1)}`;

export interface BestSoFarSeries {
  label: string;
  /** Best-so-far value after each query, one array per run. */
  runs: number[][];
}

export interface BestSoFarPlotOptions {
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
  width?: number;
  height?: number;
}

/** Median best-so-far curve and a translucent quantile band per series. */
export function bestSoFarPlot(o: BestSoFarPlotOptions): string {
  const [qLo, qHi] = o.quantiles ?? [0.25, 0.75];
  if (!(qLo < qHi)) throw new Error(`bestSoFarPlot: quantiles must be increasing, got [${qLo}, ${qHi}]`);
  // Queries from 0 (linear) or 1 (log) to the longest run.
  const longest = Math.max(0, ...o.series.flatMap((s) => s.runs.map((r) => r.length)));
  const xRange: [number, number] | undefined = longest > 1 ? [o.logX ? 1 : 0, longest] : undefined;
  const chart = new Chart({
    title: o.title,
    ...(o.width ? { width: o.width } : {}),
    ...(o.height ? { height: o.height } : {}),
    x: { label: o.xLabel, integer: !o.logX, log: !!o.logX, ...(xRange ? { range: xRange } : {}) },
    y: { label: o.yLabel, ...(o.yRange ? { range: o.yRange } : {}) },
    legendNote: `line: median; band: ${percent(qLo)}–${percent(qHi)}th percentile`,
  });
  o.series.forEach((s, i) => {
    const color = paletteColor(i);
    const c = quantileCurves(s.runs, [qLo, qHi]);
    const at = (ys: number[]): Point[] => c.x.map((x, k) => ({ x, y: ys[k]! }));
    chart.band(at(c.quantiles[0]!), at(c.quantiles[1]!), { color, opacity: 0.18 });
    chart.line(at(c.median), { color, width: 2 });
    const runs = s.runs.length === 1 ? "1 run" : `${s.runs.length} runs`;
    chart.legendEntry({ label: `${s.label} (${runs})`, color, line: { width: 2 }, fillOpacity: 0.18 });
  });
  const dashes = ["6 4", "2 3", "10 3 2 3"];
  (o.references ?? []).forEach((r, i) => {
    chart.hline(r.y, r.label, { dash: dashes[i % dashes.length]! });
  });
  return chart.render();
}

export interface ScatterPlotOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  points: Point[];
  /** Text in a box in the emptiest corner, e.g. "Spearman ρ 0.79"; several lines split on "\n". */
  annotation?: string;
  logX?: boolean;
  width?: number;
  height?: number;
}

/** One dot per point; non-finite points (and x ≤ 0 on a log axis) are skipped. */
export function scatterPlot(o: ScatterPlotOptions): string {
  const points = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0));
  // Dense clouds get smaller, fainter dots so their density stays visible.
  const n = points.length;
  const style =
    n > 3000
      ? { radius: 1.6, opacity: 0.25 }
      : n > 300
        ? { radius: 2.4, opacity: 0.45 }
        : { radius: 3.5, opacity: 0.7 };
  const chart = new Chart({
    title: o.title,
    ...(o.width ? { width: o.width } : {}),
    ...(o.height ? { height: o.height } : {}),
    x: { label: o.xLabel, log: !!o.logX },
    y: { label: o.yLabel },
  });
  chart.points(points, { color: paletteColor(0), ...style });
  if (o.annotation) chart.note(o.annotation.split("\n"));
  return chart.render();
}

export interface ParetoDirections {
  xLowerIsBetter: boolean;
  yHigherIsBetter: boolean;
}

/**
 * The points no other point dominates (at least as good on both axes and better on one), sorted by
 * ascending x. Exact duplicates do not dominate each other, so every copy of a front point is kept
 * (in input order). Points with a non-finite coordinate are ignored.
 */
export function paretoFront<P extends Point>(points: readonly P[], dir: ParetoDirections): P[] {
  const xBetter = (a: number, b: number) => (dir.xLowerIsBetter ? a < b : a > b);
  const yBetter = (a: number, b: number) => (dir.yHigherIsBetter ? a > b : a < b);
  const finite = points
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => Number.isFinite(p.x) && Number.isFinite(p.y));
  // Best x first, then best y first: a point can only be dominated by points before it.
  finite.sort((a, b) =>
    a.p.x !== b.p.x
      ? xBetter(a.p.x, b.p.x)
        ? -1
        : 1
      : a.p.y !== b.p.y
        ? yBetter(a.p.y, b.p.y)
          ? -1
          : 1
        : a.index - b.index,
  );
  const front: { p: P; index: number }[] = [];
  let best: P | undefined; // the first point reaching the best y so far
  for (const item of finite) {
    const { p } = item;
    const dominated =
      best !== undefined && (yBetter(best.y, p.y) || (best.y === p.y && xBetter(best.x, p.x)));
    if (dominated) continue;
    front.push(item);
    if (best === undefined || yBetter(p.y, best.y)) best = p;
  }
  front.sort((a, b) => a.p.x - b.p.x || a.index - b.index);
  return front.map(({ p }) => p);
}

export interface ParetoPlotOptions extends ParetoDirections {
  title: string;
  xLabel: string;
  yLabel: string;
  points: Point[];
  /** The front to highlight, e.g. `paretoFront(points, directions)`. */
  front: Point[];
  logX?: boolean;
  width?: number;
  height?: number;
}

/**
 * The staircase through front points sorted by x: between neighbours it passes through the corner
 * that both dominate (worse x, worse y), i.e. it outlines the region the front dominates.
 */
export function paretoStaircase(front: readonly Point[], dir: ParetoDirections): Point[] {
  const sorted = [...front]
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .sort((a, b) => a.x - b.x);
  const worseX = (a: number, b: number) => (dir.xLowerIsBetter ? Math.max(a, b) : Math.min(a, b));
  const worseY = (a: number, b: number) => (dir.yHigherIsBetter ? Math.min(a, b) : Math.max(a, b));
  const out: Point[] = [];
  sorted.forEach((p, i) => {
    const prev = sorted[i - 1];
    if (prev) out.push({ x: worseX(prev.x, p.x), y: worseY(prev.y, p.y) });
    out.push(p);
  });
  return out;
}

const BETTER_ARROW = {
  "lower-higher": "↖",
  "higher-higher": "↗",
  "lower-lower": "↙",
  "higher-lower": "↘",
} as const;

/** All points faint, the front highlighted and joined by a staircase line. */
export function paretoPlot(o: ParetoPlotOptions): string {
  const points = o.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0));
  const front = o.front.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (!o.logX || p.x > 0));
  const arrow =
    BETTER_ARROW[
      `${o.xLowerIsBetter ? "lower" : "higher"}-${o.yHigherIsBetter ? "higher" : "lower"}` as const
    ];
  const chart = new Chart({
    title: o.title,
    ...(o.width ? { width: o.width } : {}),
    ...(o.height ? { height: o.height } : {}),
    x: { label: o.xLabel, log: !!o.logX },
    y: { label: o.yLabel },
    legendNote: `better: ${arrow}`,
  });
  const color = paletteColor(3);
  chart.points(points, {
    color: "#8a94a3",
    radius: points.length > 3000 ? 1.6 : 2.4,
    opacity: points.length > 3000 ? 0.25 : 0.4,
    label: `all (${points.length})`,
  });
  chart.line(paretoStaircase(front, o), { color, width: 1.8 });
  chart.points(front, { color, radius: 4, stroke: "#fff", label: `Pareto front (${front.length})` });
  return chart.render();
}
