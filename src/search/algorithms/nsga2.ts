// NSGA-II (Deb et al. 2002) over the space's categorical code: binary tournaments on (front rank,
// crowding distance), uniform crossover, per-dimension mutation with probability 1/d, and elitist
// selection of the next population from parents ∪ offspring. The study's answer is the Pareto front
// of everything evaluated.
//
// Generations come from the finish order: the first P finished trials are the first parents, later
// ones accumulate as offspring, and every P offspring trigger a selection. The first P proposals are
// uniform codes; later ones are bred from the parents as they stand (uniform while the first parents
// are incomplete). Each proposal carries its code. With one worker this is the generational loop.
import * as v from "valibot";
import { defaultsOf, integer, type OptionsOf, option, resolveOptions } from "../../metrics/options.js";
import {
  type AlgorithmContext,
  codesOf,
  codingOf,
  decodeOrRedraw,
  interval,
  type Optimizer,
  rankable,
  sequential,
} from "../optimizer.js";
import { crowdingDistance, nonDominatedFronts } from "../pareto.js";
import type { Sampler } from "../sampler.js";

export const NSGA2_OPTIONS = v.strictObject({
  /** Parents per generation and offspring per selection (at least 2). */
  population: option(integer(2), 20),
  /** Chance that a child mixes two parents (uniform crossover) rather than copying one. */
  crossoverProbability: option(interval("[", 0, 1, "]"), 0.9),
});

export type Nsga2Options = OptionsOf<typeof NSGA2_OPTIONS>;
export const NSGA2_DEFAULTS: Nsga2Options = defaultsOf(NSGA2_OPTIONS);

interface Member {
  readonly codes: readonly number[];
  readonly fitness: readonly number[];
}

export interface Nsga2State {
  parents: Member[];
  /** Front rank and crowding distance of each parent (by index), once the parents are complete. */
  rank: number[];
  crowd: number[];
  offspring: Member[];
}

/** Ranks and crowding of `members`, by index, and the fronts. */
function sortMembers(members: readonly Member[]) {
  const points = members.map((m) => m.fitness);
  const fronts = nonDominatedFronts(points);
  const rank = new Array<number>(members.length).fill(0);
  const crowd = new Array<number>(members.length).fill(0);
  fronts.forEach((front, k) => {
    for (const [i, dist] of crowdingDistance(points, front)) {
      rank[i] = k;
      crowd[i] = dist;
    }
  });
  return { fronts, rank, crowd };
}

export function nsga2Sampler(
  ctx: AlgorithmContext,
  options: Partial<Nsga2Options> = {},
): Sampler<Nsga2State> {
  const o = resolveOptions("nsga2", NSGA2_OPTIONS, options);
  const coding = codingOf(ctx, "NSGA-II");
  const d = coding.choices.length;

  const setParents = (s: Nsga2State, parents: Member[]) => {
    const sorted = sortMembers(parents);
    s.parents = parents;
    s.rank = sorted.rank;
    s.crowd = sorted.crowd;
  };

  const select = (s: Nsga2State) => {
    const pool = [...s.parents, ...s.offspring];
    const { fronts, crowd } = sortMembers(pool);
    const next: Member[] = [];
    for (const front of fronts) {
      if (next.length + front.length <= o.population) {
        for (const i of front) next.push(pool[i]!);
      } else {
        const byCrowding = [...front].sort((a, b) => crowd[b]! - crowd[a]!);
        for (const i of byCrowding.slice(0, o.population - next.length)) next.push(pool[i]!);
        break;
      }
    }
    s.offspring = [];
    setParents(s, next);
  };

  return {
    init: () => ({ parents: [], rank: [], crowd: [], offspring: [] }),
    fold(s, trial) {
      const member = {
        codes: codesOf(ctx, trial.proposal, trial.archStr),
        fitness: trial.fitness.map(rankable),
      };
      if (s.parents.length < o.population) {
        s.parents.push(member);
        if (s.parents.length === o.population) setParents(s, s.parents);
        return s;
      }
      s.offspring.push(member);
      if (s.offspring.length === o.population) select(s);
      return s;
    },
    propose(s, { index, rng }) {
      const uniformCode = () => coding.choices.map((n) => rng.int(n));
      let child: number[];
      if (index < o.population || s.parents.length < o.population) child = uniformCode();
      else {
        const better = (a: number, b: number) =>
          s.rank[a]! < s.rank[b]! || (s.rank[a] === s.rank[b] && s.crowd[a]! > s.crowd[b]!) ? a : b;
        const tournament = () => s.parents[better(rng.int(s.parents.length), rng.int(s.parents.length))]!;
        const a = tournament().codes;
        const b = tournament().codes;
        const cross = rng.uniform() < o.crossoverProbability;
        child = a.map((x, i) => (cross && rng.uniform() < 0.5 ? b[i]! : x));
        for (let i = 0; i < d; i++) if (rng.uniform() < 1 / d) child[i] = rng.int(coding.choices[i]!);
      }
      // A child that names no architecture is replaced by a uniform code (repair by resampling).
      const drawn = decodeOrRedraw(ctx.space, child, (c) => c, uniformCode);
      return { archStr: drawn.archStr, proposal: { codes: drawn.proposal } };
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const nsga2 = (ctx: AlgorithmContext, options: Partial<Nsga2Options> = {}): Optimizer =>
  sequential(nsga2Sampler(ctx, options), ctx.seed, "nsga2");
