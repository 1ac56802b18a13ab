// The data behind the charts, as pure functions: quantile curves of best-so-far runs across seeds,
// and the Pareto front of two objectives with the staircase that outlines what it dominates. No Node
// APIs: the browser dashboard imports these through charts.ts.

export interface Point {
  x: number;
  y: number;
}

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
