// Non-dominated sorting and crowding distance (Deb et al. 2002), on fitness vectors where every
// objective is higher-is-better. Shared by NSGA-II and by the study's Pareto-front report.

/** a dominates b: no worse in every objective and better in one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! < b[i]!) return false;
    if (a[i]! > b[i]!) better = true;
  }
  return better;
}

/** Indices of `points` grouped into fronts, best front first. */
export function nonDominatedFronts(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy = new Array<number>(n).fill(0);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(points[i]!, points[j]!)) {
        dominating[i]!.push(j);
        dominatedBy[j]!++;
      } else if (dominates(points[j]!, points[i]!)) {
        dominating[j]!.push(i);
        dominatedBy[i]!++;
      }
    }
  }
  const fronts: number[][] = [];
  let front = [...Array(n).keys()].filter((i) => dominatedBy[i] === 0);
  while (front.length > 0) {
    fronts.push(front);
    const next: number[] = [];
    for (const i of front) {
      for (const j of dominating[i]!) if (--dominatedBy[j]! === 0) next.push(j);
    }
    front = next;
  }
  return fronts;
}

/** Crowding distance of each member of one front (boundary points get Infinity). */
export function crowdingDistance(
  points: readonly (readonly number[])[],
  front: readonly number[],
): Map<number, number> {
  const distance = new Map<number, number>(front.map((i) => [i, 0]));
  if (front.length === 0) return distance;
  const m = points[front[0]!]!.length;
  for (let k = 0; k < m; k++) {
    const sorted = [...front].sort((a, b) => points[a]![k]! - points[b]![k]!);
    const lo = points[sorted[0]!]![k]!;
    const hi = points[sorted[sorted.length - 1]!]![k]!;
    distance.set(sorted[0]!, Infinity);
    distance.set(sorted[sorted.length - 1]!, Infinity);
    if (hi === lo) continue;
    for (let r = 1; r < sorted.length - 1; r++) {
      const gap = (points[sorted[r + 1]!]![k]! - points[sorted[r - 1]!]![k]!) / (hi - lo);
      distance.set(sorted[r]!, distance.get(sorted[r]!)! + gap);
    }
  }
  return distance;
}
