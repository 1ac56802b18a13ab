// Every training-free metric by name, NNGP included: one list for the CLI, search objectives,
// reports and the API.
import { aznas } from "./aznas.js";
import { epsinas } from "./epsinas.js";
import { fisher } from "./fisher.js";
import { flops } from "./flops.js";
import { gradNorm } from "./gradNorm.js";
import { grasp } from "./grasp.js";
import { jacobCov } from "./jacobCov.js";
import { linearRegions } from "./linearRegions.js";
import { meco } from "./meco.js";
import type { Metric, MetricValueInfo } from "./metric.js";
import { naswot } from "./naswot.js";
import { nngp } from "./nngp.js";
import { ntk } from "./ntk.js";
import { params } from "./params.js";
import { ranker } from "./ranker.js";
import { snip } from "./snip.js";
import { swap } from "./swap.js";
import { synflow } from "./synflow.js";
import { zen } from "./zen.js";
import { zico } from "./zico.js";

export const METRICS: readonly Metric[] = [
  nngp,
  naswot,
  swap,
  meco,
  ranker,
  zen,
  epsinas,
  linearRegions,
  ntk,
  synflow,
  snip,
  grasp,
  fisher,
  gradNorm,
  jacobCov,
  aznas,
  zico,
  params,
  flops,
] as Metric[];

export const METRIC_NAMES = METRICS.map((m) => m.name);

export function getMetric(name: string): Metric {
  const metric = METRICS.find((m) => m.name === name);
  if (!metric) throw new Error(`unknown metric "${name}" (available: ${METRIC_NAMES.join(", ")})`);
  return metric;
}

/** What a named value means and its sign convention, for any metric's value (e.g. ntk_cond). */
export function valueInfo(valueName: string): MetricValueInfo | undefined {
  for (const m of METRICS) {
    const v = m.values.find((x) => x.name === valueName);
    if (v) return v;
  }
  return undefined;
}
