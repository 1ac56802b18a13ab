// Random search: architectures drawn uniformly, with repeats, as NAS-Bench-201's baseline. It keeps
// no state; each proposal is one draw from its own Rng.
import * as v from "valibot";
import { defaultsOf, type OptionsOf, resolveOptions } from "../../metrics/options.js";
import { type AlgorithmContext, type Optimizer, sequential } from "../optimizer.js";
import type { Sampler } from "../sampler.js";

export const RS_OPTIONS = v.strictObject({});
export type RandomSearchOptions = OptionsOf<typeof RS_OPTIONS>;
export const RS_DEFAULTS: RandomSearchOptions = defaultsOf(RS_OPTIONS);

export function randomSearchSampler(
  ctx: AlgorithmContext,
  options: Partial<RandomSearchOptions> = {},
): Sampler<null> {
  resolveOptions("rs", RS_OPTIONS, options);
  return {
    init: () => null,
    fold: (state) => state,
    propose: (_state, { rng }) => ({ archStr: ctx.space.format(ctx.space.sample(rng)) }),
  };
}

/** The sampler driven by one worker (ask/tell). */
export const randomSearch = (ctx: AlgorithmContext, options: Partial<RandomSearchOptions> = {}): Optimizer =>
  sequential(randomSearchSampler(ctx, options), ctx.seed, "rs");
