// Test helpers for search: a synthetic objective over NB201 with a known optimum, and a loop that
// drives an optimizer without a store.
import { NB201_OPS, nb201 } from "../spaces/nb201.js";
import type { Evaluation, Objective, ObjectiveTerm } from "./objective.js";
import type { Optimizer } from "./optimizer.js";

/** Fitness = Σ over edges of the op's index (0 = none … 4 = avg_pool): unique optimum, all avg_pool. */
export const opIndexSum = (archStr: string): number =>
  nb201.parse(archStr).reduce((s, op) => s + NB201_OPS.indexOf(op), 0);

export const SYNTHETIC_TERM: ObjectiveTerm = {
  spec: "synthetic",
  kind: "metric",
  valueName: "synthetic",
  higherIsBetter: true,
  cost: 1,
};

export function syntheticObjective(
  f: (archStr: string) => number = opIndexSum,
): Objective & { calls: string[] } {
  const calls: string[] = [];
  return {
    terms: [SYNTHETIC_TERM],
    calls,
    async evaluate(archStr): Promise<Evaluation> {
      calls.push(archStr);
      const v = f(archStr);
      return { values: { synthetic: v }, objectives: [v], cost: 1, seconds: 0 };
    },
  };
}

/** Asks and tells `n` times with fitness f; returns the asked architectures in order. */
export function drive(optimizer: Optimizer, f: (archStr: string) => number[], n: number): string[] {
  const asked: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = optimizer.ask();
    if (a === undefined) break;
    asked.push(a);
    optimizer.tell(a, f(a));
  }
  return asked;
}
