// Training-free "sample N, keep the best" (NASWOT's protocol): N distinct uniformly drawn
// architectures, each scored once; the study's best trial is the answer. `budget` is N.
import { type AlgorithmContext, AskTellGuard, algorithmRng, type Optimizer } from "../optimizer.js";

export function pickBest(ctx: AlgorithmContext): Optimizer {
  const rng = algorithmRng(ctx, "pick");
  const guard = new AskTellGuard();
  const seen = new Set<string>();
  return {
    ask() {
      if (ctx.space.size !== undefined && seen.size >= ctx.space.size) return guard.asked(undefined);
      for (;;) {
        const archStr = ctx.space.format(ctx.space.sample(rng));
        if (!seen.has(archStr)) {
          seen.add(archStr);
          return guard.asked(archStr);
        }
      }
    },
    tell: (archStr) => guard.told(archStr),
  };
}
