// Search algorithms by CLI name. Each is a Sampler (../sampler.ts) built from the study's context and
// its options, which are declared as a valibot schema (types, ranges, defaults) as metrics' are, so
// `--set re.population=…` is read and checked the same way. `create` gives the same algorithm as a
// one-worker ask/tell Optimizer for scripts and simulations. TE-NAS and the prefilter are driven
// separately (src/search).
import type { OptionsOf, OptionsSchema } from "../../metrics/options.js";
import { defaultsOf, resolveOptions } from "../../metrics/options.js";
import { type AlgorithmContext, type Optimizer, sequential } from "../optimizer.js";
import type { Sampler } from "../sampler.js";
import { DE_OPTIONS, differentialEvolutionSampler } from "./differentialEvolution.js";
import { LS_OPTIONS, localSearchSampler } from "./localSearch.js";
import { NSGA2_OPTIONS, nsga2Sampler } from "./nsga2.js";
import { PICK_OPTIONS, pickBestSampler } from "./pickBest.js";
import { RS_OPTIONS, randomSearchSampler } from "./randomSearch.js";
import {
  RE_OPTIONS,
  regularizedEvolutionSampler,
  resolveRegularizedEvolution,
} from "./regularizedEvolution.js";
import { REINFORCE_OPTIONS, reinforceSampler } from "./reinforce.js";

// A type (not an interface) so that it is a plain record too, as `--set` owners are (cli/options.ts).
export type Algorithm = {
  /** The CLI name, also the label of each proposal's Rng (`proposalRng(seed, name, index)`). */
  readonly name: string;
  readonly description: string;
  /** Whether it optimises several objectives at once. */
  readonly multiObjective: boolean;
  /** Its options: one valibot strict object, each key with its type, range and default. */
  readonly options: OptionsSchema;
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * `given` checked (including checks across options) and completed with defaults; throws a
   * MetricOptionError whose message is one line (`de.crossoverProbability=7: must be a number in [0, 1]`).
   */
  resolve(given?: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The sampler for a study (options as `resolve` returns them; checked again). */
  sampler(ctx: AlgorithmContext, options?: Readonly<Record<string, unknown>>): Sampler;
  /** The sampler driven by one worker: ask = propose (index = number asked, nothing pending), tell = fold. */
  create(ctx: AlgorithmContext, options?: Readonly<Record<string, unknown>>): Optimizer;
};

function algorithm<S extends OptionsSchema>(spec: {
  name: string;
  description: string;
  options: S;
  sampler: (ctx: AlgorithmContext, options: OptionsOf<S>) => Sampler;
  resolve?: (given: Readonly<Record<string, unknown>>) => OptionsOf<S>;
  multiObjective?: boolean;
}): Algorithm {
  const resolve = (given: Readonly<Record<string, unknown>> = {}) =>
    spec.resolve ? spec.resolve(given) : resolveOptions(spec.name, spec.options, given);
  const sampler = (ctx: AlgorithmContext, options: Readonly<Record<string, unknown>> = {}) =>
    spec.sampler(ctx, resolve(options));
  return {
    name: spec.name,
    description: spec.description,
    multiObjective: spec.multiObjective ?? false,
    options: spec.options,
    defaults: defaultsOf(spec.options),
    resolve,
    sampler,
    create: (ctx, options = {}) => sequential(sampler(ctx, options), ctx.seed, spec.name),
  };
}

export const ALGORITHMS: readonly Algorithm[] = [
  algorithm({
    name: "rs",
    description: "random search (uniform, with repeats)",
    options: RS_OPTIONS,
    sampler: randomSearchSampler,
  }),
  algorithm({
    name: "re",
    description: "regularized evolution, asynchronous (Real et al. 2019)",
    options: RE_OPTIONS,
    resolve: resolveRegularizedEvolution,
    sampler: regularizedEvolutionSampler,
  }),
  algorithm({
    name: "de",
    description: "differential evolution, asynchronous (Awad et al. 2020)",
    options: DE_OPTIONS,
    sampler: differentialEvolutionSampler,
  }),
  algorithm({
    name: "ls",
    description: "local search with restarts (White et al. 2021)",
    options: LS_OPTIONS,
    sampler: localSearchSampler,
  }),
  algorithm({
    name: "reinforce",
    description: "REINFORCE policy gradient (Williams 1992)",
    options: REINFORCE_OPTIONS,
    sampler: reinforceSampler,
  }),
  algorithm({
    name: "pick",
    description: "sample N distinct architectures, keep the best (NASWOT protocol)",
    options: PICK_OPTIONS,
    sampler: pickBestSampler,
  }),
  algorithm({
    name: "nsga2",
    description: "NSGA-II multi-objective evolution (Deb et al. 2002)",
    options: NSGA2_OPTIONS,
    sampler: nsga2Sampler,
    multiObjective: true,
  }),
];

export function getAlgorithm(name: string): Algorithm {
  const a = ALGORITHMS.find((x) => x.name === name);
  if (!a)
    throw new Error(
      `unknown algorithm "${name}" (known: ${[...ALGORITHMS.map((x) => x.name), "tenas", "prefilter"].join(", ")})`,
    );
  return a;
}
