// FLOPs as a metric: a baseline proxy, counted per image as NAS-Bench-201's tables count them
// (multiply-accumulates of conv and linear layers, see ir/cost.ts).

import * as v from "valibot";
import { flops as countFlops } from "../ir/cost.js";
import { defineMetric, type Metric, type MetricResult } from "./metric.js";

export const flops: Metric<Record<string, never>> = defineMetric({
  name: "flops",
  description: "multiply-accumulates per image of conv and linear layers (NB201's FLOP convention)",
  values: [{ name: "flops", higherIsBetter: true, description: "FLOPs per image" }],
  options: v.strictObject({}),
  async run(input): Promise<MetricResult> {
    return { values: { flops: countFlops(input.graph) } };
  },
});
