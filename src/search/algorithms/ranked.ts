// Evaluates a fixed list in order, best-ranked first: the NNGP-NAS protocol of training the top-k
// architectures by a cheap score (used inside a prefilter).
import { AskTellGuard, type Optimizer } from "../optimizer.js";

export function ranked(order: readonly string[]): Optimizer {
  const guard = new AskTellGuard();
  let next = 0;
  return {
    ask: () => guard.asked(order[next]),
    tell(archStr) {
      guard.told(archStr);
      next++;
    },
  };
}
