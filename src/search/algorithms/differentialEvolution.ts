// Differential evolution for NAS (Awad, Mallik, Hutter, NAS workshop 2020; automl/DE-NAS):
// rand/1/bin on vectors in [0,1]^d, each coordinate mapped to a choice index of the space's
// categorical code (as ConfigSpace does); out-of-range coordinates are redrawn uniformly; a trial
// replaces its target as soon as it is at least as fit. Population 20, F = 0.5, CR = 0.5 there.
//
// Asynchronous form: the first P proposals are uniform vectors, and the first P of those to finish
// fill the population (in finish order). Proposal i ≥ P targets member (i − P) mod P, built from the
// population as it stands; until that member and three others exist it is a uniform vector instead
// (an init proposal that joins the population if there is room, or else competes with its target).
// Each proposal carries its vector and target, and the fold replaces the target if the trial is at
// least as fit. With one worker this is the sequential generation loop exactly.
import * as v from "valibot";
import { defaultsOf, integer, type OptionsOf, option, resolveOptions } from "../../metrics/options.js";
import {
  type AlgorithmContext,
  codingOf,
  decodeOrRedraw,
  interval,
  type Optimizer,
  rankable,
  sequential,
} from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const DE_OPTIONS = v.strictObject({
  /** Population size; rand/1 needs at least 4 (reference: 20). */
  population: option(integer(4), 20),
  /** F, the scale of the difference vector (reference: 0.5). */
  mutationFactor: option(interval("(", 0, 2, "]"), 0.5),
  /** CR, the binomial crossover's chance of taking a mutant coordinate (reference: 0.5). */
  crossoverProbability: option(interval("[", 0, 1, "]"), 0.5),
});

export type DifferentialEvolutionOptions = OptionsOf<typeof DE_OPTIONS>;
export const DE_DEFAULTS: DifferentialEvolutionOptions = defaultsOf(DE_OPTIONS);

interface Member {
  readonly vector: readonly number[];
  readonly fitness: number;
}

/** State: the population, in the order its slots were filled. */
export interface DifferentialEvolutionState {
  readonly members: Member[];
}

/** What a DE proposal carries. */
export interface DeProposal {
  readonly vector: number[];
  /** The member it competes with (absent for the first P init proposals). */
  readonly target?: number;
  /** A uniform vector that joins the population while it has room. */
  readonly init?: true;
}

export function differentialEvolutionSampler(
  ctx: AlgorithmContext,
  options: Partial<DifferentialEvolutionOptions> = {},
): Sampler<DifferentialEvolutionState> {
  const o = resolveOptions("de", DE_OPTIONS, options);
  const coding = codingOf(ctx, "differential evolution");
  const d = coding.choices.length;
  const toCodes = (x: readonly number[]) =>
    x.map((y, i) => Math.min(coding.choices[i]! - 1, Math.floor(y * coding.choices[i]!)));
  /** A trial's vector: its proposal's, or (for a trial DE did not propose) the middle of its code's cells. */
  const vectorOf = (p: Partial<DeProposal> | undefined, archStr: string): number[] =>
    Array.isArray(p?.vector) && p.vector.length === d
      ? p.vector
      : coding.encode(ctx.space.parse(archStr)).map((c, i) => (c + 0.5) / coding.choices[i]!);

  return {
    init: () => ({ members: [] }),
    fold(s, trial) {
      const p = (trial.proposal ?? undefined) as Partial<DeProposal> | undefined;
      const member = { vector: vectorOf(p, trial.archStr), fitness: rankable(trial.fitness[0]!) };
      const target = typeof p?.target === "number" ? p.target : undefined;
      if ((p?.init || target === undefined) && s.members.length < o.population) s.members.push(member);
      else if (
        target !== undefined &&
        target < s.members.length &&
        member.fitness >= s.members[target]!.fitness
      )
        s.members[target] = member;
      return s;
    },
    propose({ members }, { index, rng }) {
      const uniformVector = () => Array.from({ length: d }, () => rng.uniform());
      const target = index < o.population ? undefined : (index - o.population) % o.population;
      let vector: number[];
      let init = true;
      if (target === undefined || members.length < 4 || target >= members.length) vector = uniformVector();
      else {
        init = false;
        const picks: number[] = [];
        while (picks.length < 3) {
          const r = rng.int(members.length);
          if (!picks.includes(r)) picks.push(r);
        }
        const [a, b, c] = picks.map((r) => members[r]!.vector);
        const mutant = a!.map((x, i) => {
          const y = x + o.mutationFactor * (b![i]! - c![i]!);
          return y < 0 || y > 1 ? rng.uniform() : y;
        });
        const always = rng.int(d);
        vector = members[target]!.vector.map((x, i) =>
          i === always || rng.uniform() < o.crossoverProbability ? mutant[i]! : x,
        );
      }
      // A vector that names no architecture is replaced by a uniform one (repair by resampling).
      const drawn = decodeOrRedraw(ctx.space, vector, toCodes, uniformVector);
      const proposal: DeProposal = {
        vector: drawn.proposal,
        ...(target !== undefined ? { target } : {}),
        ...(init ? { init: true as const } : {}),
      };
      return { archStr: drawn.archStr, proposal };
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const differentialEvolution = (
  ctx: AlgorithmContext,
  options: Partial<DifferentialEvolutionOptions> = {},
): Optimizer => sequential(differentialEvolutionSampler(ctx, options), ctx.seed, "de");
