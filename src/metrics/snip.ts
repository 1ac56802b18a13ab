// SNIP (Lee et al. 2019) as zero-cost-nas scores it: Σ |w ⊙ ∂L/∂w| over conv and linear weights.

import {
  sharedCrossEntropyPass,
  sumOverLayers,
  ZERO_COST_DEFAULTS,
  type ZeroCostOptions,
} from "./gradientPass.js";
import { checkFinite, type Metric } from "./metric.js";

export const snip: Metric<ZeroCostOptions> = {
  name: "snip",
  description: "connection sensitivity Σ|w·∂L/∂w| (zero-cost-nas; batch 64, cross-entropy, train-mode BN)",
  values: [{ name: "snip", higherIsBetter: true, description: "Σ|w·∂L/∂w| over conv/linear weights" }],
  defaults: ZERO_COST_DEFAULTS,
  async compute(input, options) {
    const o = { ...ZERO_COST_DEFAULTS, ...options };
    const pass = await sharedCrossEntropyPass(input, o);
    const value = sumOverLayers(pass, input.graph, (w, g) => {
      let s = 0;
      for (let i = 0; i < w.length; i++) s += Math.abs(w[i]! * g[i]!);
      return s;
    });
    return checkFinite({ snip: value });
  },
};
