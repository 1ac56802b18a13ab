// Search algorithms by CLI name. Each takes the study's context and its own options (defaults from
// the reference implementations); TE-NAS and the prefilter are driven separately (src/search).
import type { AlgorithmContext, Optimizer } from "../optimizer.js";
import { DE_DEFAULTS, differentialEvolution } from "./differentialEvolution.js";
import { LS_DEFAULTS, localSearch } from "./localSearch.js";
import { NSGA2_DEFAULTS, nsga2 } from "./nsga2.js";
import { pickBest } from "./pickBest.js";
import { randomSearch } from "./randomSearch.js";
import { RE_DEFAULTS, regularizedEvolution } from "./regularizedEvolution.js";
import { REINFORCE_DEFAULTS, reinforce } from "./reinforce.js";

export interface Algorithm {
  readonly name: string;
  readonly description: string;
  readonly defaults: Record<string, number>;
  /** Whether it optimises several objectives at once. */
  readonly multiObjective: boolean;
  create(ctx: AlgorithmContext, options: Record<string, number>): Optimizer;
}

const algorithm = (
  name: string,
  description: string,
  defaults: object,
  create: (ctx: AlgorithmContext, options: Record<string, number>) => Optimizer,
  multiObjective = false,
): Algorithm => ({ name, description, defaults: defaults as Record<string, number>, create, multiObjective });

export const ALGORITHMS: readonly Algorithm[] = [
  algorithm("rs", "random search (uniform, with repeats)", {}, (ctx) => randomSearch(ctx)),
  algorithm("re", "regularized evolution (Real et al. 2019)", RE_DEFAULTS, regularizedEvolution),
  algorithm("de", "differential evolution (Awad et al. 2020)", DE_DEFAULTS, differentialEvolution),
  algorithm("ls", "local search with restarts (White et al. 2021)", LS_DEFAULTS, localSearch),
  algorithm("reinforce", "REINFORCE policy gradient (Williams 1992)", REINFORCE_DEFAULTS, reinforce),
  algorithm("pick", "sample N distinct architectures, keep the best (NASWOT protocol)", {}, (ctx) =>
    pickBest(ctx),
  ),
  algorithm("nsga2", "NSGA-II multi-objective evolution (Deb et al. 2002)", NSGA2_DEFAULTS, nsga2, true),
];

export function getAlgorithm(name: string): Algorithm {
  const a = ALGORITHMS.find((x) => x.name === name);
  if (!a)
    throw new Error(
      `unknown algorithm "${name}" (known: ${[...ALGORITHMS.map((x) => x.name), "tenas", "prefilter"].join(", ")})`,
    );
  return a;
}
