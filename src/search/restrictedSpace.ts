// A search space cut down to a fixed pool of architectures (what a prefilter keeps): sampling draws
// from the pool and neighbours are the base space's neighbours that are in the pool.
import type { SearchSpace } from "../spaces/space.js";

export function restrictedSpace<A>(base: SearchSpace<A>, pool: readonly string[]): SearchSpace<A> {
  if (pool.length === 0) throw new Error("the prefilter kept no architectures");
  const members = new Set(pool);
  const archs = pool.map((s) => base.parse(s));
  return {
    name: `${base.name}[${pool.length} kept]`,
    size: pool.length,
    parse: (text) => base.parse(text),
    format: (arch) => base.format(arch),
    sample: (rng) => archs[rng.int(archs.length)]!,
    enumerate: () => archs,
    neighbours: (arch) => base.neighbours(arch).filter((n) => members.has(base.format(n))),
    build: (arch, options) => base.build(arch, options),
  };
}
