// nasprobe's recommended zero-label ranker: the log of the product of MeCo, MeCo_opt and the number
// of linear regions, each at its reference settings. Chosen by bench/aggregate-protocol.ts
// (docs/zero-cost-nb201.md, "The ranker"): on the tuning split (the first 200 cells of the seed-0
// NB201 sample, by CIFAR-10 validation accuracy) it was the best of every subset of up to four
// forward-only values scored on the whole space, combined either by AZ-NAS's log-rank sum or by
// this log-product, and a grid of weights {0, ½, 1, 2} per value chose equal ones. A product of
// values, unlike a rank aggregate, needs no population: each architecture's value is its own, so
// searches, `score` and one-off models can use it alike. Forward passes only (MeCo: one image;
// linear regions: the space's thin network), so a whole-space sweep stays cheap.
import * as v from "valibot";
import { linearRegions } from "./linearRegions.js";
import { meco } from "./meco.js";
import { defineMetric, type Metric, type MetricResult } from "./metric.js";
import type { OptionsOf } from "./options.js";

export const RANKER_OPTIONS = v.strictObject({});

export type RankerOptions = OptionsOf<typeof RANKER_OPTIONS>;

/** The values multiplied, by the metric that yields each (all higher-is-better, all ≥ 0). */
export const RANKER_COMPONENTS = [
  { metric: meco, value: "meco" },
  { metric: meco, value: "meco_opt" },
  { metric: linearRegions, value: "linear_regions" },
] as const;

export const ranker: Metric<RankerOptions> = defineMetric({
  name: "ranker",
  description:
    "nasprobe's zero-label ranker: log(MeCo · MeCo_opt · linear regions on the space's thin network, where it has one), reference settings",
  values: [
    {
      name: "ranker",
      higherIsBetter: true,
      description: "log meco + log meco_opt + log linear_regions (docs/zero-cost-nb201.md)",
    },
  ],
  options: RANKER_OPTIONS,
  images: () => Math.max(...RANKER_COMPONENTS.map((c) => (c.metric as Metric).images(c.metric.defaults))),
  async run(input): Promise<MetricResult> {
    // Linear regions are counted on the space's thin network (TE-NAS's); a space without one
    // (NB101, NB-Macro, imported models) has no network small enough to count patterns on, and its
    // ranker is the product of the other factors.
    const used = RANKER_COMPONENTS.filter((c) => c.metric !== linearRegions || input.thinGraph !== undefined);
    const parts: Record<string, number> = {};
    for (const m of new Set(used.map((c) => c.metric as Metric))) {
      const r = await m.run(input, m.defaults);
      if (r.reason) return { values: { ranker: Number.NaN }, reason: `${m.name}: ${r.reason}` };
      Object.assign(parts, r.values);
    }
    const ranker = used.reduce((sum, c) => sum + Math.log(parts[c.value]!), 0);
    const diagnostics = Object.fromEntries(used.map((c) => [c.value, parts[c.value]!]));
    if (Number.isFinite(ranker)) return { values: { ranker }, diagnostics };
    const zero = used.filter((c) => !(parts[c.value]! > 0)).map((c) => `${c.value}=${parts[c.value]}`);
    return {
      values: { ranker: Number.NaN },
      diagnostics,
      reason: `a factor is not positive (${zero.join(", ")}): the product's log is −∞`,
    };
  },
});
