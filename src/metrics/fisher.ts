// Fisher (Theis et al. 2018; Turner et al. 2020) as zero-cost-nas scores it: for every conv/linear
// output channel k, ½·mean_n (Σ_spatial a·∂L/∂a)². The reference then copies each channel's value to
// every weight of that channel before summing, so a channel counts (fan-in) times.

import { numel } from "../ir/graph.js";
import {
  prunableLayers,
  sharedCrossEntropyPass,
  ZERO_COST_OPTIONS,
  type ZeroCostOptions,
} from "./gradientPass.js";
import { checkFinite, defineMetric, type Metric } from "./metric.js";

export const fisher: Metric<ZeroCostOptions> = defineMetric({
  name: "fisher",
  description:
    "channel saliency ½·mean_n(Σ a·∂L/∂a)² (zero-cost-nas; batch 64, cross-entropy, train-mode BN)",
  values: [{ name: "fisher", higherIsBetter: true, description: "summed per-channel Fisher saliency" }],
  options: ZERO_COST_OPTIONS,
  images: (o) => o.batchSize,
  async run(input, o) {
    const pass = await sharedCrossEntropyPass(input, o);
    let total = 0;
    for (const layer of prunableLayers(input.graph)) {
      const products = pass.activationGradients.get(layer.name)!;
      const channels = layer.shape[0]!;
      const n = products.length / channels;
      let sumSquares = 0;
      for (let i = 0; i < products.length; i++) sumSquares += products[i]! * products[i]!;
      const weightsPerChannel = numel(layer.params.find((p) => p.role === "weight")!.shape) / channels;
      // Σ_k fan-in·½·(1/n)·Σ_n g_nk²
      total += (weightsPerChannel * 0.5 * sumSquares) / n;
    }
    return checkFinite({ fisher: total });
  },
});
