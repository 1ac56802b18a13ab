// NSGA-II (Deb et al. 2002) over the space's categorical code: binary tournaments on (front rank,
// crowding distance), uniform crossover, per-dimension mutation with probability 1/d, and elitist
// selection of the next population from parents ∪ offspring. The study's answer is the Pareto front
// of everything evaluated.
import {
  type AlgorithmContext,
  AskTellGuard,
  algorithmRng,
  decodeOrRedraw,
  type Optimizer,
  rankable,
} from "../optimizer.js";
import { crowdingDistance, nonDominatedFronts } from "../pareto.js";

export interface Nsga2Options {
  readonly population: number;
  readonly crossoverProbability: number;
}

export const NSGA2_DEFAULTS: Nsga2Options = { population: 20, crossoverProbability: 0.9 };

interface Member {
  readonly codes: readonly number[];
  readonly fitness: readonly number[];
}

export function nsga2(ctx: AlgorithmContext, options: Partial<Nsga2Options> = {}): Optimizer {
  const o = { ...NSGA2_DEFAULTS, ...options };
  const coding = ctx.space.categorical;
  if (!coding) throw new Error(`NSGA-II needs a categorical coding, which ${ctx.space.name} lacks`);
  if (o.population < 2) throw new Error("NSGA-II needs a population of at least 2");
  const rng = algorithmRng(ctx, "nsga2");
  const guard = new AskTellGuard();
  const d = coding.choices.length;
  const uniformCode = () => coding.choices.map((n) => rng.int(n));
  let parents: Member[] = [];
  let rank = new Map<number, number>();
  let crowd = new Map<number, number>();
  let offspring: Member[] = [];
  let pending: number[] = [];

  const better = (a: number, b: number) =>
    rank.get(a)! < rank.get(b)! || (rank.get(a) === rank.get(b) && crowd.get(a)! > crowd.get(b)!) ? a : b;
  const tournament = () => parents[better(rng.int(parents.length), rng.int(parents.length))]!;

  /** Ranks and crowding of `members`, keyed by index. */
  const sortMembers = (members: readonly Member[]) => {
    const fronts = nonDominatedFronts(members.map((m) => m.fitness));
    const r = new Map<number, number>();
    const c = new Map<number, number>();
    fronts.forEach((front, k) => {
      for (const [i, dist] of crowdingDistance(
        members.map((m) => m.fitness),
        front,
      )) {
        r.set(i, k);
        c.set(i, dist);
      }
    });
    return { fronts, r, c };
  };

  const select = () => {
    const pool = [...parents, ...offspring];
    const { fronts, c } = sortMembers(pool);
    const next: Member[] = [];
    for (const front of fronts) {
      if (next.length + front.length <= o.population) {
        for (const i of front) next.push(pool[i]!);
      } else {
        const byCrowding = [...front].sort((a, b) => c.get(b)! - c.get(a)!);
        for (const i of byCrowding.slice(0, o.population - next.length)) next.push(pool[i]!);
        break;
      }
    }
    parents = next;
    offspring = [];
    const sorted = sortMembers(parents);
    rank = sorted.r;
    crowd = sorted.c;
  };

  return {
    ask() {
      if (parents.length < o.population) {
        pending = uniformCode();
      } else {
        const a = tournament().codes;
        const b = tournament().codes;
        const cross = rng.uniform() < o.crossoverProbability;
        pending = a.map((x, i) => (cross && rng.uniform() < 0.5 ? b[i]! : x));
        for (let i = 0; i < d; i++) if (rng.uniform() < 1 / d) pending[i] = rng.int(coding.choices[i]!);
      }
      // A child that names no architecture is replaced by a uniform code (repair by resampling).
      const drawn = decodeOrRedraw(ctx.space, pending, (c) => c, uniformCode);
      pending = drawn.proposal;
      return guard.asked(drawn.archStr);
    },
    tell(archStr, fitness) {
      guard.told(archStr);
      const member = { codes: pending, fitness: fitness.map(rankable) };
      if (parents.length < o.population) {
        parents.push(member);
        if (parents.length === o.population) {
          const sorted = sortMembers(parents);
          rank = sorted.r;
          crowd = sorted.c;
        }
        return;
      }
      offspring.push(member);
      if (offspring.length === o.population) select();
    },
  };
}
