// SNIP (Lee et al. 2019) as zero-cost-nas scores it: Σ |w ⊙ ∂L/∂w| over conv and linear weights.

import {
  sharedCrossEntropyPass,
  sumOverLayers,
  ZERO_COST_OPTIONS,
  type ZeroCostOptions,
} from "./gradientPass.js";
import { checkFinite, defineMetric, type Metric } from "./metric.js";

export const snip: Metric<ZeroCostOptions> = defineMetric({
  name: "snip",
  description: "connection sensitivity Σ|w·∂L/∂w| (zero-cost-nas; batch 64, cross-entropy, train-mode BN)",
  values: [{ name: "snip", higherIsBetter: true, description: "Σ|w·∂L/∂w| over conv/linear weights" }],
  options: ZERO_COST_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const pass = await sharedCrossEntropyPass(input, o);
    const value = sumOverLayers(pass, input.graph, (w, g) => {
      let s = 0;
      for (let i = 0; i < w.length; i++) s += Math.abs(w[i]! * g[i]!);
      return s;
    });
    return checkFinite({ snip: value });
  },
});
