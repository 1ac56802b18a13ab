// Regularized evolution (Real et al., AAAI 2019) in its asynchronous form, as NAS-Bench-201 runs it
// (Dong & Yang, exps/NATS-algos/regularized_ea.py; P = 10, S = 3 there): the first P proposals are
// random architectures; after them the population is the last P finished trials in finish order
// (aging: the oldest finished drops out), each proposal draws S members with replacement and
// mutates the fittest by one random edit. With one worker this is the sequential cycle exactly.
import * as v from "valibot";
import { defaultsOf, integer, type OptionsOf, option, resolveOptions } from "../../metrics/options.js";
import {
  type AlgorithmContext,
  mutate,
  type Optimizer,
  optionConflict,
  rankable,
  sequential,
} from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const RE_OPTIONS = v.strictObject({
  /** Members in the population: the last P finished trials (reference: 10). */
  population: option(integer(1), 10),
  /** Members drawn (with replacement) per tournament, at most the population (reference: 3). */
  sampleSize: option(integer(1), 3),
});

export type RegularizedEvolutionOptions = OptionsOf<typeof RE_OPTIONS>;
export const RE_DEFAULTS: RegularizedEvolutionOptions = defaultsOf(RE_OPTIONS);

/** `given` checked and completed, including sampleSize ≤ population. */
export function resolveRegularizedEvolution(
  given: Readonly<Record<string, unknown>> = {},
): RegularizedEvolutionOptions {
  const o = resolveOptions("re", RE_OPTIONS, given);
  if (o.sampleSize > o.population)
    throw optionConflict(
      "re",
      "sampleSize",
      o.sampleSize,
      `must be an integer in [1, population = ${o.population}]`,
    );
  return o;
}

interface Member {
  readonly arch: unknown;
  readonly fitness: number;
}

/** State: the last P finished trials, oldest first. */
export interface RegularizedEvolutionState {
  readonly population: Member[];
}

export function regularizedEvolutionSampler(
  ctx: AlgorithmContext,
  options: Partial<RegularizedEvolutionOptions> = {},
): Sampler<RegularizedEvolutionState> {
  const o = resolveRegularizedEvolution(options);
  const space = ctx.space;
  return {
    init: () => ({ population: [] }),
    fold(state, trial) {
      state.population.push({ arch: space.parse(trial.archStr), fitness: rankable(trial.fitness[0]!) });
      if (state.population.length > o.population) state.population.shift();
      return state;
    },
    propose({ population }, { index, rng }) {
      if (index < o.population || population.length === 0)
        return { archStr: space.format(space.sample(rng)) };
      let parent = population[rng.int(population.length)]!;
      for (let i = 1; i < o.sampleSize; i++) {
        const candidate = population[rng.int(population.length)]!;
        if (candidate.fitness > parent.fitness) parent = candidate;
      }
      return { archStr: space.format(mutate(space, parent.arch, rng)) };
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const regularizedEvolution = (
  ctx: AlgorithmContext,
  options: Partial<RegularizedEvolutionOptions> = {},
): Optimizer => sequential(regularizedEvolutionSampler(ctx, options), ctx.seed, "re");
