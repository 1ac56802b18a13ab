// A search space cut down to a fixed pool of architectures (what a prefilter keeps): sampling draws
// from the pool, and an architecture's neighbours are its nearest pool members. A kept pool is
// sparse (a few hundred of 15,625 NB201 cells), so one-edit neighbours are mostly absent; with only
// those, regularized evolution ping-pongs between two adjacent members. Instead, neighbours are the
// pool members within the smallest Hamming distance (on the categorical code) that holds at least
// NEAREST of them — exactly the one-edit neighbours where the pool is dense.
import type { SearchSpace } from "../spaces/space.js";

const NEAREST = 3;

export function restrictedSpace<A>(base: SearchSpace<A>, pool: readonly string[]): SearchSpace<A> {
  if (pool.length === 0) throw new Error("the prefilter kept no architectures");
  const members = new Set(pool);
  const archs = pool.map((s) => base.parse(s));
  const coding = base.categorical;
  const codes = coding ? archs.map((a) => coding.encode(a)) : [];
  return {
    name: `${base.name}[${pool.length} kept]`,
    description: `${pool.length} architectures of ${base.name} kept by a prefilter`,
    defaultBuild: base.defaultBuild,
    size: pool.length,
    parse: (text) => base.parse(text),
    format: (arch) => base.format(arch),
    sample: (rng) => archs[rng.int(archs.length)]!,
    enumerate: () => archs,
    neighbours(arch) {
      const direct = base.neighbours(arch).filter((n) => members.has(base.format(n)));
      if (!coding || direct.length >= NEAREST) return direct;
      const code = coding.encode(arch);
      const distance = codes.map((c) => c.reduce((d, x, i) => d + (x === code[i] ? 0 : 1), 0));
      const sorted = distance.filter((d) => d > 0).sort((a, b) => a - b);
      if (sorted.length === 0) return [];
      const radius = sorted[Math.min(NEAREST, sorted.length) - 1]!;
      return archs.filter((_, i) => distance[i]! > 0 && distance[i]! <= radius);
    },
    build: (arch, options) => base.build(arch, options),
  };
}
