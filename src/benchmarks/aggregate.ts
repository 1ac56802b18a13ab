// Zero-label rank aggregation: several training-free values per architecture combined into one
// score by their ranks over the architectures scored together, with no accuracy labels. Ranks are
// oriented so that the best architecture of a value gets rank N; ties share their average rank
// (scipy.stats.rankdata); an architecture missing a value, or whose value is not finite, ranks
// below every other for that value (ties with the others missing it).
import { rankData, type Vector } from "./rankStats.js";

export interface Aggregation {
  readonly name: string;
  readonly description: string;
  /** One score per architecture from each value's oriented ranks (1 … N, N best). */
  combine(ranks: readonly Float64Array[], n: number): Float64Array;
}

const sumOver = (ranks: readonly Float64Array[], n: number, term: (rank: number) => number) => {
  const out = new Float64Array(n);
  for (const r of ranks) for (let i = 0; i < n; i++) out[i]! += term(r[i]!);
  return out;
};

export const AGGREGATIONS: readonly Aggregation[] = [
  {
    name: "logrank",
    description:
      "AZ-NAS's non-linear rank aggregation (Lee & Ham, CVPR 2024): Σ log(rank/N), so one bad rank costs more than a good one gains",
    combine: (ranks, n) => sumOver(ranks, n, (r) => Math.log(r / n)),
  },
  {
    name: "meanrank",
    description: "the mean of the values' ranks, divided by N",
    combine: (ranks, n) => sumOver(ranks, n, (r) => r / (n * ranks.length)),
  },
  {
    name: "borda",
    description:
      "Borda count: for each value, the number of architectures ranked strictly below (ties score alike)",
    combine: (ranks, n) => {
      const out = new Float64Array(n);
      for (const r of ranks) {
        // With average ranks, a tie group of size t starting after b strictly-below architectures has
        // average rank b + (t + 1)/2; counting strictly below needs the group's size.
        const size = new Map<number, number>();
        for (let i = 0; i < n; i++) size.set(r[i]!, (size.get(r[i]!) ?? 0) + 1);
        for (let i = 0; i < n; i++) out[i]! += r[i]! - (size.get(r[i]!)! + 1) / 2;
      }
      return out;
    },
  },
];

export const AGGREGATION_NAMES = AGGREGATIONS.map((a) => a.name);

export function getAggregation(name: string): Aggregation {
  const a = AGGREGATIONS.find((x) => x.name === name);
  if (!a) throw new Error(`unknown aggregation "${name}" (known: ${AGGREGATION_NAMES.join(", ")})`);
  return a;
}

/** Ranks of one value oriented so that the best is N; missing or non-finite values rank lowest. */
export function orientedRanks(values: Vector, higherIsBetter: boolean): Float64Array {
  const oriented = Float64Array.from({ length: values.length }, (_, i) => {
    const v = values[i]!;
    if (!Number.isFinite(v)) return Number.NEGATIVE_INFINITY;
    return higherIsBetter ? v : -v;
  });
  return rankData(oriented);
}

/**
 * The aggregate score of each architecture (higher is better) from `columns[j][i]`, value j of
 * architecture i, each oriented by `higherIsBetter[j]`.
 */
export function aggregateScores(
  method: string,
  columns: readonly Vector[],
  higherIsBetter: readonly boolean[],
): Float64Array {
  const aggregation = getAggregation(method);
  if (columns.length === 0) throw new Error("aggregate: no values to combine");
  if (columns.length !== higherIsBetter.length) throw new Error("aggregate: one direction per value");
  const n = columns[0]!.length;
  if (columns.some((c) => c.length !== n))
    throw new Error("aggregate: every value needs one entry per architecture");
  if (n === 0) return new Float64Array(0);
  return aggregation.combine(
    columns.map((c, j) => orientedRanks(c, higherIsBetter[j]!)),
    n,
  );
}
