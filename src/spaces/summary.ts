// One space's size and declared hooks, for `nasprobe spaces` and the API.
import type { SearchSpace } from "./space.js";

export interface SpaceSummary {
  readonly name: string;
  readonly description: string;
  /** Unique architectures, or "unbounded". */
  readonly size: number | "unbounded";
  readonly hooks: readonly string[];
}

export function spaceSummary(space: SearchSpace<unknown>): SpaceSummary {
  const b = space.benchmark;
  const hooks = [
    `build ${space.defaultBuild.inputShape.join("x")} → ${space.defaultBuild.numClasses} classes`,
    ...(space.enumerate ? ["enumerate"] : []),
    ...(space.categorical ? [`categorical code (${space.categorical.choices.length} dims)`] : []),
    ...(space.thinNetwork ? ["thin network (linear regions)"] : []),
    ...(space.supernet ? ["supernet (TE-NAS)"] : []),
    ...(space.flops ? ["own FLOP counter"] : []),
    ...(b
      ? [`benchmark ${b.table} keyed by ${b.keyColumn} (default objective table:${b.defaultObjective})`]
      : []),
  ];
  return { name: space.name, description: space.description, size: space.size ?? "unbounded", hooks };
}
