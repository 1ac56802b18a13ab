// Local search (White, Nolen, Savani: "Exploring the loss landscape in NAS", UAI 2021; NASLib's
// LocalSearch): start from the best of a few random architectures, evaluate its neighbours one by one
// in random order, move to the best neighbour when it improves, and restart from a fresh random
// architecture at a local optimum. Architectures evaluated (or being evaluated) are not proposed
// again.
//
// The climb is a state machine folded from the finished trials: the phase, the current point, its
// neighbours in a shuffled order drawn from the seed and the point itself, and every known fitness.
// A neighbourhood is done when all its neighbours are known, however they came to be evaluated; the
// move then goes to its best (first in the shuffled order among equals). With several workers, a
// proposal in a climb is the next neighbour neither known nor pending; when only pending ones remain,
// it explores a random unevaluated architecture instead of waiting. Each proposal says its role
// (init, restart, neighbour, explore), so the fold knows whether a finished trial starts a climb.
import * as v from "valibot";
import { defaultsOf, integer, type OptionsOf, option, resolveOptions } from "../../metrics/options.js";
import { type AlgorithmContext, derivedRng, type Optimizer, rankable, sequential } from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const LS_OPTIONS = v.strictObject({
  /** Random architectures evaluated before the first climb (NASLib: 10). */
  initial: option(integer(1), 10),
});

export type LocalSearchOptions = OptionsOf<typeof LS_OPTIONS>;
export const LS_DEFAULTS: LocalSearchOptions = defaultsOf(LS_OPTIONS);

export type LocalSearchRole = "init" | "restart" | "neighbour" | "explore";

interface Point {
  readonly archStr: string;
  readonly fitness: number;
}

export interface LocalSearchState {
  phase: "init" | "climb" | "restart";
  /** The point whose neighbourhood is being evaluated (climb phase). */
  current: Point | undefined;
  /** Its neighbours, in the order they are proposed. */
  neighbours: string[];
  /** The best neighbour of the last finished neighbourhood (the point moved to when it improved). */
  bestNeighbour: Point | undefined;
  /** Fitness of every finished architecture (the first result where one was evaluated twice). */
  readonly known: Map<string, number>;
}

const roleOf = (proposal: unknown): LocalSearchRole | undefined =>
  (proposal as { role?: LocalSearchRole } | null | undefined)?.role;

export function localSearchSampler(
  ctx: AlgorithmContext,
  options: Partial<LocalSearchOptions> = {},
): Sampler<LocalSearchState> {
  const o = resolveOptions("ls", LS_OPTIONS, options);
  const space = ctx.space;

  const climbFrom = (s: LocalSearchState, p: Point) => {
    s.phase = "climb";
    s.current = p;
    const order = derivedRng(ctx.seed, "ls", p.archStr);
    s.neighbours = order.shuffle(space.neighbours(space.parse(p.archStr)).map((a) => space.format(a)));
  };

  /** Moves on while the current neighbourhood is fully known. */
  const settle = (s: LocalSearchState) => {
    while (s.phase === "climb" && s.neighbours.every((a) => s.known.has(a))) {
      let best: Point | undefined;
      for (const archStr of s.neighbours) {
        const fitness = s.known.get(archStr)!;
        if (!best || fitness > best.fitness) best = { archStr, fitness };
      }
      s.bestNeighbour = best;
      if (best && best.fitness > s.current!.fitness) climbFrom(s, best);
      else s.phase = "restart";
    }
  };

  return {
    init: () => ({
      phase: "init",
      current: undefined,
      neighbours: [],
      bestNeighbour: undefined,
      known: new Map(),
    }),
    fold(s, trial) {
      const fitness = rankable(trial.fitness[0]!);
      if (!s.known.has(trial.archStr)) s.known.set(trial.archStr, fitness);
      if (s.phase === "init" && s.known.size >= o.initial) {
        let top: Point | undefined;
        for (const [archStr, f] of s.known) if (!top || f > top.fitness) top = { archStr, fitness: f };
        climbFrom(s, top!);
      } else if (s.phase === "restart" && roleOf(trial.proposal) === "restart") {
        climbFrom(s, { archStr: trial.archStr, fitness });
      }
      settle(s);
      return s;
    },
    propose(s, { rng, pending }) {
      const busy = new Set(pending.map((p) => p.archStr));
      const free = (archStr: string) => !s.known.has(archStr) && !busy.has(archStr);
      if (s.phase === "climb") {
        const next = s.neighbours.find(free);
        if (next !== undefined) return { archStr: next, proposal: { role: "neighbour" } };
      }
      // A random unevaluated architecture: an init or restart point, or exploration while the rest of
      // the neighbourhood is being evaluated.
      if (space.size !== undefined) {
        let used = s.known.size;
        for (const archStr of busy) if (!s.known.has(archStr)) used++;
        if (used >= space.size) return undefined;
      }
      const role: LocalSearchRole = s.phase === "climb" ? "explore" : s.phase;
      for (;;) {
        const archStr = space.format(space.sample(rng));
        if (free(archStr)) return { archStr, proposal: { role } };
      }
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const localSearch = (ctx: AlgorithmContext, options: Partial<LocalSearchOptions> = {}): Optimizer =>
  sequential(localSearchSampler(ctx, options), ctx.seed, "ls");
