// grad_norm as zero-cost-nas scores it: Σ over conv/linear layers of ‖∂L/∂W‖₂ (per-layer Frobenius norms).

import {
  sharedCrossEntropyPass,
  sumOverLayers,
  ZERO_COST_OPTIONS,
  type ZeroCostOptions,
} from "./gradientPass.js";
import { checkFinite, defineMetric, type Metric } from "./metric.js";

export const gradNorm: Metric<ZeroCostOptions> = defineMetric({
  name: "grad_norm",
  description: "Σ per-layer ‖∂L/∂W‖ (zero-cost-nas; batch 64, cross-entropy, train-mode BN)",
  values: [{ name: "grad_norm", higherIsBetter: true, description: "sum of per-layer gradient norms" }],
  options: ZERO_COST_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const pass = await sharedCrossEntropyPass(input, o);
    const value = sumOverLayers(pass, input.graph, (_, g) => {
      let s = 0;
      for (let i = 0; i < g.length; i++) s += g[i]! * g[i]!;
      return Math.sqrt(s);
    });
    return checkFinite({ grad_norm: value });
  },
});
