// Evaluates a fixed list in order, best-ranked first: the NNGP-NAS protocol of training the top-k
// architectures by a cheap score (used inside a prefilter). Each proposal is the first entry neither
// finished nor pending; there is none once every entry is.
import { type Optimizer, sequential } from "../optimizer.js";
import type { Sampler } from "../sampler.js";

/** State: the architectures of the finished trials. */
export type RankedState = Set<string>;

export function rankedSampler(order: readonly string[]): Sampler<RankedState> {
  return {
    init: () => new Set(),
    fold(finished, trial) {
      finished.add(trial.archStr);
      return finished;
    },
    propose(finished, { pending }) {
      const busy = new Set(pending.map((p) => p.archStr));
      const archStr = order.find((a) => !finished.has(a) && !busy.has(a));
      return archStr === undefined ? undefined : { archStr };
    },
  };
}

/** The list evaluated by one worker (ask/tell). */
export const ranked = (order: readonly string[]): Optimizer => sequential(rankedSampler(order), 0, "ranked");
