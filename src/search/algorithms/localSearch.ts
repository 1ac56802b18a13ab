// Local search (White, Nolen, Savani: "Exploring the loss landscape in NAS", UAI 2021; NASLib's
// LocalSearch): start from the best of a few random architectures, evaluate its neighbours one by one
// in random order, move to the best neighbour when it improves, and restart from a fresh random
// architecture at a local optimum. Architectures already evaluated are not asked again.
import { type AlgorithmContext, AskTellGuard, algorithmRng, type Optimizer, rankable } from "../optimizer.js";

export interface LocalSearchOptions {
  /** Random architectures evaluated before the first climb (NASLib: 10). */
  readonly initial: number;
}

export const LS_DEFAULTS: LocalSearchOptions = { initial: 10 };

interface Point {
  readonly archStr: string;
  readonly fitness: number;
}

export function localSearch(ctx: AlgorithmContext, options: Partial<LocalSearchOptions> = {}): Optimizer {
  const o = { ...LS_DEFAULTS, ...options };
  const rng = algorithmRng(ctx, "ls");
  const guard = new AskTellGuard();
  const space = ctx.space;
  const known = new Map<string, number>();
  let phase: "init" | "climb" | "restart" = "init";
  let current: Point | undefined;
  let bestNeighbour: Point | undefined;
  let queue: string[] = [];

  const climbFrom = (p: Point) => {
    phase = "climb";
    current = p;
    bestNeighbour = undefined;
    queue = rng.shuffle(space.neighbours(space.parse(p.archStr)).map((a) => space.format(a)));
  };
  const seeNeighbour = (p: Point) => {
    if (!bestNeighbour || p.fitness > bestNeighbour.fitness) bestNeighbour = p;
  };

  return {
    ask() {
      for (;;) {
        if (space.size !== undefined && known.size >= space.size) return guard.asked(undefined);
        if (phase === "init") {
          if (known.size >= o.initial) {
            let top: Point | undefined;
            for (const [archStr, fitness] of known)
              if (!top || fitness > top.fitness) top = { archStr, fitness };
            climbFrom(top!);
            continue;
          }
          const archStr = space.format(space.sample(rng));
          if (!known.has(archStr)) return guard.asked(archStr);
        } else if (phase === "restart") {
          const archStr = space.format(space.sample(rng));
          const fitness = known.get(archStr);
          if (fitness === undefined) return guard.asked(archStr);
          climbFrom({ archStr, fitness });
        } else {
          const archStr = queue.shift();
          if (archStr === undefined) {
            if (bestNeighbour && bestNeighbour.fitness > current!.fitness) climbFrom(bestNeighbour);
            else phase = "restart";
            continue;
          }
          const fitness = known.get(archStr);
          if (fitness === undefined) return guard.asked(archStr);
          seeNeighbour({ archStr, fitness });
        }
      }
    },
    tell(archStr, fitness) {
      guard.told(archStr);
      const p = { archStr, fitness: rankable(fitness[0]!) };
      known.set(archStr, p.fitness);
      if (phase === "restart") climbFrom(p);
      else if (phase === "climb") seeNeighbour(p);
    },
  };
}
