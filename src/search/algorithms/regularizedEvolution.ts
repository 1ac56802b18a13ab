// Regularized evolution (Real et al., AAAI 2019) as NAS-Bench-201 runs it (Dong & Yang,
// exps/NATS-algos/regularized_ea.py): a population of P random architectures; each cycle draws S
// members with replacement, mutates the fittest by one random edit, adds the child and removes the
// oldest member. P = 10, S = 3 there.
import {
  type AlgorithmContext,
  AskTellGuard,
  algorithmRng,
  mutate,
  type Optimizer,
  rankable,
} from "../optimizer.js";

export interface RegularizedEvolutionOptions {
  readonly population: number;
  readonly sampleSize: number;
}

export const RE_DEFAULTS: RegularizedEvolutionOptions = { population: 10, sampleSize: 3 };

export function regularizedEvolution(
  ctx: AlgorithmContext,
  options: Partial<RegularizedEvolutionOptions> = {},
): Optimizer {
  const o = { ...RE_DEFAULTS, ...options };
  if (o.population < 1 || o.sampleSize < 1)
    throw new Error("regularized evolution needs population, sample size ≥ 1");
  const rng = algorithmRng(ctx, "re");
  const guard = new AskTellGuard();
  const space = ctx.space;
  const population: { arch: unknown; fitness: number }[] = []; // oldest first
  let told = 0;
  let pending: unknown;
  return {
    ask() {
      if (told < o.population) {
        pending = space.sample(rng);
      } else {
        let parent = population[rng.int(population.length)]!;
        for (let i = 1; i < o.sampleSize; i++) {
          const candidate = population[rng.int(population.length)]!;
          if (candidate.fitness > parent.fitness) parent = candidate;
        }
        pending = mutate(space, parent.arch, rng);
      }
      return guard.asked(space.format(pending));
    },
    tell(archStr, fitness) {
      guard.told(archStr);
      population.push({ arch: pending, fitness: rankable(fitness[0]!) });
      if (told >= o.population) population.shift();
      told++;
    },
  };
}
