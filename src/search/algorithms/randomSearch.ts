// Random search: architectures drawn uniformly, with repeats, as NAS-Bench-201's baseline.
import { type AlgorithmContext, AskTellGuard, algorithmRng, type Optimizer } from "../optimizer.js";

export function randomSearch(ctx: AlgorithmContext): Optimizer {
  const rng = algorithmRng(ctx, "rs");
  const guard = new AskTellGuard();
  return {
    ask: () => guard.asked(ctx.space.format(ctx.space.sample(rng))),
    tell: (archStr) => guard.told(archStr),
  };
}
