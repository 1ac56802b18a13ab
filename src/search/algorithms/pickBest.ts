// Training-free "sample N, keep the best" (NASWOT's protocol): N distinct uniformly drawn
// architectures, each scored once; the study's best trial is the answer. `budget` is N. A proposal
// redraws until it names an architecture neither finished nor pending (with any worker), and there is
// none once a finite space is used up.
import * as v from "valibot";
import { defaultsOf, type OptionsOf, resolveOptions } from "../../metrics/options.js";
import { type AlgorithmContext, type Optimizer, sequential } from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const PICK_OPTIONS = v.strictObject({});
export type PickBestOptions = OptionsOf<typeof PICK_OPTIONS>;
export const PICK_DEFAULTS: PickBestOptions = defaultsOf(PICK_OPTIONS);

/** State: the architectures of the finished trials. */
export type PickBestState = Set<string>;

export function pickBestSampler(
  ctx: AlgorithmContext,
  options: Partial<PickBestOptions> = {},
): Sampler<PickBestState> {
  resolveOptions("pick", PICK_OPTIONS, options);
  const space = ctx.space;
  return {
    init: () => new Set(),
    fold(finished, trial) {
      finished.add(trial.archStr);
      return finished;
    },
    propose(finished, { rng, pending }) {
      const busy = new Set(pending.map((p) => p.archStr));
      const taken = (archStr: string) => finished.has(archStr) || busy.has(archStr);
      if (space.size !== undefined) {
        let used = finished.size;
        for (const archStr of busy) if (!finished.has(archStr)) used++;
        if (used >= space.size) return undefined;
      }
      for (;;) {
        const archStr = space.format(space.sample(rng));
        if (!taken(archStr)) return { archStr };
      }
    },
  };
}

/** The sampler driven by one worker (ask/tell). */
export const pickBest = (ctx: AlgorithmContext, options: Partial<PickBestOptions> = {}): Optimizer =>
  sequential(pickBestSampler(ctx, options), ctx.seed, "pick");
