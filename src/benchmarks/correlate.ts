// How well a proxy score predicts benchmark accuracy: the numbers `nasprobe correlate` prints.
import {
  discoveredPerformance,
  kendallTauB,
  pairwiseFinite,
  pearson,
  pqetp,
  spearman,
  type ThresholdAuc,
  topKCount,
  topKPrecision,
  type Vector,
} from "./rankStats.js";

export interface CorrelationOptions {
  /** Whether a higher score predicts a better architecture. Default true. */
  higherIsBetter?: boolean;
  /** Top fractions for top-k precision. Default 10%, 5%, 1%. */
  topFractions?: readonly number[];
  /** Accuracy thresholds (%) for PQETP. Default 85, 87, 89, 91, 93. */
  thresholds?: readonly number[];
  /** How many top-scored architectures `discovered` looks at. Default 10. */
  topN?: number;
}

export interface CorrelationReport {
  /** Pairs used (both values finite). */
  n: number;
  /** Pairs dropped because the score or the truth was NaN or ±Infinity. */
  dropped: number;
  /**
   * Sign convention: all statistics use the score oriented so that higher predicts better (negated
   * when `higherIsBetter` is false); a positive correlation therefore means a useful proxy.
   */
  higherIsBetter: boolean;
  spearman: number;
  kendall: number;
  pearson: number;
  topK: Array<{ fraction: number; k: number; precision: number }>;
  pqetp: ThresholdAuc[];
  /** Best truth among the top-N by score, next to the best truth overall. */
  discovered: { topN: number; best: number; optimum: number };
}

export function correlationReport(
  score: Vector,
  truth: Vector,
  opts: CorrelationOptions = {},
): CorrelationReport {
  const higherIsBetter = opts.higherIsBetter ?? true;
  const topN = opts.topN ?? 10;
  const pairs = pairwiseFinite(score, truth);
  const oriented = higherIsBetter ? pairs.score : pairs.score.map((s) => -s);
  const t = pairs.truth;
  const n = t.length;
  return {
    n,
    dropped: pairs.dropped,
    higherIsBetter,
    spearman: spearman(oriented, t),
    kendall: kendallTauB(oriented, t),
    pearson: pearson(oriented, t),
    topK: (opts.topFractions ?? [0.1, 0.05, 0.01]).map((fraction) => ({
      fraction,
      k: n === 0 ? 0 : topKCount(fraction, n),
      precision: topKPrecision(oriented, t, fraction),
    })),
    pqetp: pqetp(oriented, t, opts.thresholds),
    discovered: {
      topN,
      best: discoveredPerformance(oriented, t, topN),
      optimum: n === 0 ? Number.NaN : t.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
    },
  };
}

const fixed = (x: number, digits = 3) => (Number.isNaN(x) ? "n/a" : x.toFixed(digits));

const row = (label: string, value: string) => `${label.padEnd(20)}${value}`;

/** The report as aligned text lines, for the CLI. */
export function formatCorrelationReport(report: CorrelationReport): string {
  const { n, dropped, discovered } = report;
  return [
    row("pairs", dropped > 0 ? `${n} (${dropped} dropped: non-finite)` : `${n}`),
    row("orientation", report.higherIsBetter ? "higher score = better" : "lower score = better (negated)"),
    row("Spearman rho", fixed(report.spearman)),
    row("Kendall tau-b", fixed(report.kendall)),
    row("Pearson r", fixed(report.pearson)),
    ...report.topK.map(({ fraction, k, precision }) =>
      row(`top-${+(fraction * 100).toFixed(2)}% (k=${k})`, fixed(precision)),
    ),
    ...report.pqetp.map(({ threshold, auc, positives }) =>
      row(`AUC acc>${threshold}`, `${fixed(auc)}  (${positives} above)`),
    ),
    row(
      `best of top-${discovered.topN}`,
      `${fixed(discovered.best, 2)}  (optimum ${fixed(discovered.optimum, 2)})`,
    ),
  ].join("\n");
}
