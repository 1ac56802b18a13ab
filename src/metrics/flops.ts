// FLOPs as a metric: a baseline proxy, counted per image as the space's benchmark counts them
// (MetricInput.countFlops), else as NAS-Bench-201's tables do (multiply-accumulates of conv and
// linear layers, see ir/cost.ts).

import * as v from "valibot";
import { flops as countFlops } from "../ir/cost.js";
import { defineMetric, type Metric, type MetricResult } from "./metric.js";

export const flops: Metric<Record<string, never>> = defineMetric({
  name: "flops",
  description: "FLOPs per image as the space's benchmark counts them (default: NB201's multiply-accumulates)",
  values: [{ name: "flops", higherIsBetter: true, description: "FLOPs per image" }],
  options: v.strictObject({}),
  async run(input): Promise<MetricResult> {
    return { values: { flops: (input.countFlops ?? countFlops)(input.graph) } };
  },
});
