// Reading `nasprobe score` output for reports: one merged record per architecture.
import { existsSync } from "node:fs";
import { METRICS, valueInfo } from "../metrics/index.js";
import { readJsonl } from "../store/jsonl.js";

/**
 * One record per architecture, in order of first appearance; a field comes from the first record of
 * that architecture that has it (a file may hold NNGP lines and zero-cost lines for the same
 * architecture, see recordGroups in metrics/scorer.ts). The same rule as `nasprobe correlate`.
 */
export function mergeScoreRecords(
  records: readonly Record<string, unknown>[],
  file: string,
): Map<string, Record<string, unknown>> {
  const merged = new Map<string, Record<string, unknown>>();
  for (const r of records) {
    const arch = r.arch_str;
    if (typeof arch !== "string") throw new Error(`${file}: a record has no arch_str`);
    const into = merged.get(arch) ?? {};
    for (const [k, v] of Object.entries(r)) if (!(k in into)) into[k] = v;
    merged.set(arch, into);
  }
  return merged;
}

/** A scores file read and merged by architecture; throws when it is missing or empty. */
export function readScores(file: string): Map<string, Record<string, unknown>> {
  if (!existsSync(file)) throw new Error(`scores file ${file}: file not found`);
  const merged = mergeScoreRecords(readJsonl<Record<string, unknown>>(file), file);
  if (merged.size === 0) throw new Error(`${file} holds no scores`);
  return merged;
}

/** Metric value names present in the records (those the metric registry knows), sorted. */
export function metricFields(records: Iterable<Record<string, unknown>>): string[] {
  const names = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) if (valueInfo(k) !== undefined) names.add(k);
  return [...names].sort();
}

/**
 * The record field holding a metric's value: the name itself when present (a value name such as
 * ntk_cond, or a metric named after its value), else the metric's first value (nngp → score,
 * ntk → ntk_cond), as search objectives read metric names.
 */
export function resolveMetricField(
  records: Iterable<Record<string, unknown>>,
  metric: string,
  file: string,
): string {
  const all = [...records];
  if (all.some((r) => metric in r)) return metric;
  const first = METRICS.find((m) => m.name === metric)?.values[0]?.name;
  if (first !== undefined && all.some((r) => first in r)) return first;
  const found = metricFields(all);
  throw new Error(
    `${file}: no "${metric}" values (${found.length > 0 ? `found: ${found.join(", ")}` : "no metric values found"})`,
  );
}
