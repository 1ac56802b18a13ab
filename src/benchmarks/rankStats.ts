// Rank statistics for judging a proxy score against benchmark accuracy. Conventions follow SciPy /
// scikit-learn: ties get average ranks, Kendall is tau-b, ROC-AUC counts a tie as half a win.
//
// Non-finite policy: every two-vector function first drops each pair in which either value is NaN
// or ±Infinity (see `pairwiseFinite`, which also reports how many were dropped). A caller that wants
// -Infinity to mean "worst" must map it to a finite value first. Higher is better for both the score
// and the truth wherever "top" is meant; flip the sign of a lower-is-better score before calling.

export type Vector = ArrayLike<number>;

export interface FinitePairs {
  score: Float64Array;
  truth: Float64Array;
  /** Pairs removed because either value was NaN or ±Infinity. */
  dropped: number;
}

function checkSameLength(a: ArrayLike<unknown>, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`vectors differ in length: ${a.length} vs ${b.length}`);
}

/** Keeps the pairs (score[i], truth[i]) where both are finite. */
export function pairwiseFinite(score: Vector, truth: Vector): FinitePairs {
  checkSameLength(score, truth);
  const keep: number[] = [];
  for (let i = 0; i < score.length; i++) {
    if (Number.isFinite(score[i]) && Number.isFinite(truth[i])) keep.push(i);
  }
  return {
    score: Float64Array.from(keep, (i) => score[i]!),
    truth: Float64Array.from(keep, (i) => truth[i]!),
    dropped: score.length - keep.length,
  };
}

const ascending = (x: Vector) => (a: number, b: number) => (x[a]! < x[b]! ? -1 : x[a]! > x[b]! ? 1 : 0);

/** 1-based ranks with ties given their average rank (scipy.stats.rankdata, method="average"). */
export function rankData(x: Vector): Float64Array {
  const n = x.length;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(x[i])) throw new Error(`rankData: NaN at index ${i}`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(ascending(x));
  const ranks = new Float64Array(n);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && x[order[end]!] === x[order[start]!]) end++;
    const averageRank = (start + 1 + end) / 2; // mean of ranks start+1 .. end
    for (let j = start; j < end; j++) ranks[order[j]!] = averageRank;
    start = end;
  }
  return ranks;
}

function pearsonFinite(x: Vector, y: Vector): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    meanX += x[i]!;
    meanY += y[i]!;
  }
  meanX /= n;
  meanY /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - meanX;
    const dy = y[i]! - meanY;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return Number.NaN; // a constant vector has no correlation
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Pearson correlation over finite pairs; NaN when fewer than 2 pairs or either side is constant. */
export function pearson(x: Vector, y: Vector): number {
  const p = pairwiseFinite(x, y);
  return pearsonFinite(p.score, p.truth);
}

/** Spearman ρ: Pearson correlation of tie-averaged ranks, over finite pairs. */
export function spearman(x: Vector, y: Vector): number {
  const p = pairwiseFinite(x, y);
  return pearsonFinite(rankData(p.score), rankData(p.truth));
}

/** Sum of t(t-1)/2 over runs of equal adjacent values, i.e. the number of tied pairs. */
function tiedPairs(n: number, same: (i: number) => boolean): number {
  let total = 0;
  let run = 1;
  for (let i = 1; i <= n; i++) {
    if (i < n && same(i)) {
      run++;
    } else {
      total += (run * (run - 1)) / 2;
      run = 1;
    }
  }
  return total;
}

/** Sorts `values` in place (stable merge sort) and returns the number of strict inversions. */
function sortCountingInversions(values: Float64Array): number {
  const n = values.length;
  let src: Float64Array = values;
  let dst: Float64Array = new Float64Array(n);
  let inversions = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Equal values take the left side first, so ties are not counted as inversions.
        if (src[j]! < src[i]!) {
          inversions += mid - i;
          dst[k++] = src[j++]!;
        } else {
          dst[k++] = src[i++]!;
        }
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < hi) dst[k++] = src[j++]!;
    }
    [src, dst] = [dst, src];
  }
  if (src !== values) values.set(src);
  return inversions;
}

/**
 * Kendall τ-b over finite pairs (scipy.stats.kendalltau default), in O(n log n) by Knight's
 * algorithm: sort by (x, y), then count the inversions left in y with a merge sort.
 * NaN when fewer than 2 pairs or either side is constant.
 */
export function kendallTauB(x: Vector, y: Vector): number {
  const p = pairwiseFinite(x, y);
  const xs = p.score;
  const ys = p.truth;
  const n = xs.length;
  if (n < 2) return Number.NaN;
  const byX = ascending(xs);
  const byY = ascending(ys);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => byX(a, b) || byY(a, b));
  const xTies = tiedPairs(n, (i) => xs[order[i]!] === xs[order[i - 1]!]);
  const jointTies = tiedPairs(
    n,
    (i) => xs[order[i]!] === xs[order[i - 1]!] && ys[order[i]!] === ys[order[i - 1]!],
  );
  const ySorted = Float64Array.from(order, (i) => ys[i]!);
  const discordant = sortCountingInversions(ySorted);
  const yTies = tiedPairs(n, (i) => ySorted[i] === ySorted[i - 1]);
  const totalPairs = (n * (n - 1)) / 2;
  const concordantMinusDiscordant = totalPairs - xTies - yTies + jointTies - 2 * discordant;
  const denominator = Math.sqrt(totalPairs - xTies) * Math.sqrt(totalPairs - yTies);
  if (denominator === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, concordantMinusDiscordant / denominator));
}

/** k itself when it is an integer ≥ 1; for 0 < k < 1, round(k·n) but at least 1. Capped at n. */
export function topKCount(kOrFraction: number, n: number): number {
  if (kOrFraction > 0 && kOrFraction < 1) return Math.min(n, Math.max(1, Math.round(kOrFraction * n)));
  if (Number.isInteger(kOrFraction) && kOrFraction >= 1) return Math.min(n, kOrFraction);
  throw new Error(`top-k: expected an integer k >= 1 or a fraction in (0, 1), got ${kOrFraction}`);
}

/** Indices of the k largest values; ties broken by lower index, so the result is deterministic. */
function topIndices(values: Vector, k: number): number[] {
  const order = Array.from({ length: values.length }, (_, i) => i);
  const byValue = ascending(values);
  order.sort((a, b) => byValue(b, a)); // Array.prototype.sort is stable
  return order.slice(0, k);
}

/**
 * Fraction of the top-k architectures by score that are also in the top-k by truth, over finite
 * pairs. `kOrFraction` as in `topKCount`. NaN when no pairs remain.
 */
export function topKPrecision(score: Vector, truth: Vector, kOrFraction: number): number {
  const p = pairwiseFinite(score, truth);
  const n = p.score.length;
  if (n === 0) return Number.NaN;
  const k = topKCount(kOrFraction, n);
  const bestByTruth = new Set(topIndices(p.truth, k));
  let hits = 0;
  for (const i of topIndices(p.score, k)) if (bestByTruth.has(i)) hits++;
  return hits / k;
}

/**
 * ROC-AUC of `score` for the positive `labels` (Mann–Whitney U / (n₊·n₋), a tie counts one half),
 * as sklearn.metrics.roc_auc_score. Non-finite scores are dropped. NaN when a class is empty.
 */
export function rocAuc(labels: ArrayLike<boolean>, score: Vector): number {
  checkSameLength(labels, score);
  const kept: number[] = [];
  for (let i = 0; i < score.length; i++) if (Number.isFinite(score[i])) kept.push(i);
  const ranks = rankData(kept.map((i) => score[i]!));
  let positives = 0;
  let positiveRankSum = 0;
  kept.forEach((i, j) => {
    if (labels[i]) {
      positives++;
      positiveRankSum += ranks[j]!;
    }
  });
  const negatives = kept.length - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface ThresholdAuc {
  threshold: number;
  /** ROC-AUC of the score for (truth > threshold); NaN when either class is empty. */
  auc: number;
  positives: number;
  negatives: number;
}

/**
 * Per-threshold ROC-AUC (PQETP): how well the score separates architectures with truth above each
 * threshold (accuracy in %) from the rest. Over finite pairs.
 */
export function pqetp(score: Vector, truth: Vector, thresholds: readonly number[] = [85, 87, 89, 91, 93]) {
  const p = pairwiseFinite(score, truth);
  return thresholds.map((threshold): ThresholdAuc => {
    const labels = Array.from(p.truth, (t) => t > threshold);
    const positives = labels.filter(Boolean).length;
    return { threshold, auc: rocAuc(labels, p.score), positives, negatives: labels.length - positives };
  });
}

/** Best truth among the top-N architectures by score, over finite pairs; NaN when none remain. */
export function discoveredPerformance(score: Vector, truth: Vector, topN = 10): number {
  const p = pairwiseFinite(score, truth);
  if (p.score.length === 0) return Number.NaN;
  let best = Number.NEGATIVE_INFINITY;
  for (const i of topIndices(p.score, topKCount(topN, p.score.length))) best = Math.max(best, p.truth[i]!);
  return best;
}
