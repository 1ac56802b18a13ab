// Parameter count as a metric: the baseline every proxy is compared with (on NB201 it alone ranks
// architectures with Spearman ρ ≈ 0.75 against CIFAR-10 test accuracy, DESIGN.md §4).

import * as v from "valibot";
import { paramCount } from "../ir/cost.js";
import { defineMetric, type Metric, type MetricResult } from "./metric.js";

export const params: Metric<Record<string, never>> = defineMetric({
  name: "params",
  description: "number of learnable parameters (conv, linear, BN γ and β), as the NB201 tables count them",
  values: [{ name: "params", higherIsBetter: true, description: "parameter count" }],
  options: v.strictObject({}),
  async run(input): Promise<MetricResult> {
    return { values: { params: paramCount(input.graph) } };
  },
});
