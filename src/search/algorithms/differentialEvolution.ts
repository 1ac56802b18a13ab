// Differential evolution for NAS (Awad, Mallik, Hutter, NAS workshop 2020; automl/DE-NAS):
// rand/1/bin on vectors in [0,1]^d, each coordinate mapped to a choice index of the space's
// categorical code (as ConfigSpace does); out-of-range coordinates are redrawn uniformly; a trial
// replaces its target as soon as it is at least as fit. Population 20, F = 0.5, CR = 0.5 there.
import {
  type AlgorithmContext,
  AskTellGuard,
  algorithmRng,
  decodeOrRedraw,
  type Optimizer,
  rankable,
} from "../optimizer.js";

export interface DifferentialEvolutionOptions {
  readonly population: number;
  readonly mutationFactor: number;
  readonly crossoverProbability: number;
}

export const DE_DEFAULTS: DifferentialEvolutionOptions = {
  population: 20,
  mutationFactor: 0.5,
  crossoverProbability: 0.5,
};

export function differentialEvolution(
  ctx: AlgorithmContext,
  options: Partial<DifferentialEvolutionOptions> = {},
): Optimizer {
  const o = { ...DE_DEFAULTS, ...options };
  const coding = ctx.space.categorical;
  if (!coding)
    throw new Error(`differential evolution needs a categorical coding, which ${ctx.space.name} lacks`);
  if (o.population < 4) throw new Error("differential evolution needs a population of at least 4");
  const rng = algorithmRng(ctx, "de");
  const guard = new AskTellGuard();
  const d = coding.choices.length;
  const toCodes = (v: readonly number[]) =>
    v.map((x, i) => Math.min(coding.choices[i]! - 1, Math.floor(x * coding.choices[i]!)));
  const uniformVector = () => Array.from({ length: d }, () => rng.uniform());
  const population: number[][] = [];
  const fitness: number[] = [];
  let target = 0; // the member the next trial competes with
  let pending: number[] = [];

  const trialFor = (j: number): number[] => {
    const picks: number[] = [];
    while (picks.length < 3) {
      const r = rng.int(o.population);
      if (!picks.includes(r)) picks.push(r);
    }
    const [a, b, c] = picks.map((r) => population[r]!) as [number[], number[], number[]];
    const mutant = a.map((x, i) => {
      const y = x + o.mutationFactor * (b[i]! - c[i]!);
      return y < 0 || y > 1 ? rng.uniform() : y;
    });
    const always = rng.int(d);
    return population[j]!.map((x, i) =>
      i === always || rng.uniform() < o.crossoverProbability ? mutant[i]! : x,
    );
  };

  return {
    ask() {
      // A vector that names no architecture is replaced by a uniform one (repair by resampling).
      const drawn = decodeOrRedraw(
        ctx.space,
        population.length < o.population ? uniformVector() : trialFor(target),
        toCodes,
        uniformVector,
      );
      pending = drawn.proposal;
      return guard.asked(drawn.archStr);
    },
    tell(archStr, f) {
      guard.told(archStr);
      const value = rankable(f[0]!);
      if (population.length < o.population) {
        population.push(pending);
        fitness.push(value);
        return;
      }
      if (value >= fitness[target]!) {
        population[target] = pending;
        fitness[target] = value;
      }
      target = (target + 1) % o.population;
    },
  };
}
