// What `nasprobe info` reports of an architecture: its key, parameter count, FLOPs as the space's
// benchmark counts and writes them, and whatever else the space describes (e.g. NB101's hash).
import { flops as nb201Flops, paramCount } from "../ir/cost.js";
import type { BuildOptions, SearchSpace } from "./space.js";

export type Facts = Readonly<Record<string, string | number>>;

/** The column name under which a space's architectures are written (its table's key column). */
const keyColumnOf = (space: SearchSpace<unknown>): string => space.benchmark?.keyColumn ?? "arch";

export function architectureFacts<A>(
  space: SearchSpace<A>,
  arch: A,
  options: BuildOptions = space.defaultBuild,
): Facts {
  const graph = space.build(arch, options);
  const count = space.flops ? space.flops(graph) : nb201Flops(graph);
  return {
    [keyColumnOf(space as SearchSpace<unknown>)]: space.format(arch),
    ...(space.describe?.(arch) ?? {}),
    params: paramCount(graph),
    flops: space.benchmark?.flopsUnit === "count" ? count : +(count / 1e6).toFixed(6),
  };
}
