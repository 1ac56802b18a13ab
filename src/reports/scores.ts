// Reading `nasprobe score` output for reports: one merged record per architecture.
import { existsSync } from "node:fs";
import { METRICS, valueInfo } from "../metrics/index.js";
import { type JsonlReadOptions, readJsonlContents } from "../store/jsonl.js";
import { canonicalJson } from "../util/canonical.js";

/** Record keys that describe a run rather than hold a value: the first record's are kept. */
const META_KEYS = new Set([
  "arch_str",
  "space",
  "metric",
  "seed",
  "settings",
  "version",
  "seconds",
  "reasons",
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The opening every record `nasprobe score` writes starts with. */
const RECORD_START = '{"arch_str"';

/**
 * How a scores file is read: every line a JSON object with a string `arch_str`, and only a last line
 * that is the start of such a record may be torn (anything else means it is not a scores file).
 */
export const SCORES_FILE: Readonly<Pick<JsonlReadOptions, "check" | "mayBeTorn" | "kind">> = {
  kind: "a nasprobe scores file",
  check: (value) =>
    isObject(value) && typeof value.arch_str === "string"
      ? undefined
      : `not a score record (a JSON object with an "arch_str" string)`,
  mayBeTorn: (tail) => {
    const t = tail.replace(/^\s*\{\s*/, "{");
    if (t.length <= RECORD_START.length) return RECORD_START.startsWith(t);
    return t.startsWith(RECORD_START) && /^\s*(:|$)/.test(t.slice(RECORD_START.length));
  },
};

export interface MergeOptions {
  /** 1-based file line of each record (default: its index + 1), for messages. */
  lines?: readonly number[];
  /** Keep only records of this seed (records without a seed are kept). */
  seed?: number;
  /** Told about values of one field that come from different seeds or settings across architectures. */
  warn?: (message: string) => void;
}

/** Score records merged by architecture, with where each value came from. */
export interface ScoreSet {
  readonly file: string;
  /** One record per architecture, in order of first appearance. */
  readonly merged: Map<string, Record<string, unknown>>;
  /** The file line a value of an architecture came from. */
  line(arch: string, field: string): number | undefined;
  /** Records left out because their seed is not the one asked for. */
  readonly otherSeeds: number;
  /** The line number of a torn last line (left out), if any. */
  readonly torn?: number;
}

const show = (v: unknown) => (JSON.stringify(v) ?? "undefined").slice(0, 60);

/**
 * What determines one value of a record: its seed and the settings that apply to the value's metric
 * (the metrics scored alongside it, and their options, do not matter; keys in any order are the same).
 */
function provenance(r: Record<string, unknown>, field: string): string {
  const seed = r.seed ?? null;
  const settings = r.settings;
  if (!isObject(settings)) return canonicalJson({ seed });
  const owner = METRICS.find((m) => m.values.some((v) => v.name === field));
  if (owner?.recordSettings) return canonicalJson({ seed, settings });
  const { metrics: _metrics, options, ...rest } = settings;
  const own = owner && isObject(options) ? (options[owner.name] ?? null) : (options ?? null);
  return canonicalJson({ seed, ...rest, options: own });
}

/**
 * One record per architecture, in order of first appearance: a file may hold NNGP lines and
 * zero-cost lines for the same architecture (see recordGroups in metrics/scorer.ts), whose values are
 * merged. The same value given twice for one architecture must agree: two different values (another
 * seed, other settings, or a forged line) are refused, naming both lines; `seed` picks one seed.
 */
export function mergeScores(
  records: readonly Record<string, unknown>[],
  file: string,
  opts: MergeOptions = {},
): ScoreSet {
  const merged = new Map<string, Record<string, unknown>>();
  const origin = new Map<string, Map<string, { line: number; record: Record<string, unknown> }>>();
  const provenances = new Map<string, Map<string, number>>(); // field → provenance → first line
  let otherSeeds = 0;
  records.forEach((r, i) => {
    const line = opts.lines?.[i] ?? i + 1;
    if (!isObject(r) || typeof r.arch_str !== "string")
      throw new Error(`${file}: line ${line}: a record has no arch_str`);
    if (opts.seed !== undefined && typeof r.seed === "number" && r.seed !== opts.seed) {
      otherSeeds++;
      return;
    }
    const arch = r.arch_str;
    const into = merged.get(arch) ?? {};
    const from = origin.get(arch) ?? new Map();
    for (const [k, v] of Object.entries(r)) {
      if (META_KEYS.has(k)) {
        if (!(k in into)) into[k] = v;
        continue;
      }
      const first = from.get(k);
      if (first) {
        if (JSON.stringify(first.record[k]) === JSON.stringify(v)) continue;
        const a = first.record;
        const why =
          JSON.stringify(a.seed) !== JSON.stringify(r.seed)
            ? `seed ${show(r.seed)} vs ${show(a.seed)}; pass --seed to pick one`
            : provenance(a, k) !== provenance(r, k)
              ? "other settings; keep one run per file"
              : "same seed and settings";
        throw new Error(
          `${file}: line ${line}: a second, different "${k}" for ${arch} (${show(v)}, but ${show(a[k])} on line ${first.line}: ${why})`,
        );
      }
      into[k] = v;
      from.set(k, { line, record: r });
      if (valueInfo(k) !== undefined) {
        const byProvenance = provenances.get(k) ?? new Map<string, number>();
        const p = provenance(r, k);
        if (!byProvenance.has(p)) byProvenance.set(p, line);
        provenances.set(k, byProvenance);
      }
    }
    merged.set(arch, into);
    origin.set(arch, from);
  });
  for (const [field, byProvenance] of provenances) {
    if (byProvenance.size > 1)
      opts.warn?.(
        `${file}: its "${field}" values come from ${byProvenance.size} different seeds or settings (lines ${[
          ...byProvenance.values(),
        ]
          .slice(0, 3)
          .join(", ")}${byProvenance.size > 3 ? ", …" : ""}); ranking them together (--seed picks one seed)`,
      );
  }
  return {
    file,
    merged,
    line: (arch, field) => origin.get(arch)?.get(field)?.line,
    otherSeeds,
  };
}

/** mergeScores' records only (see there). */
export function mergeScoreRecords(
  records: readonly Record<string, unknown>[],
  file: string,
  opts: MergeOptions = {},
): Map<string, Record<string, unknown>> {
  return mergeScores(records, file, opts).merged;
}

export interface ReadScoresOptions extends Pick<MergeOptions, "seed" | "warn"> {
  /** Keep only these architectures. */
  only?: ReadonlySet<string>;
  /** Where `only` comes from, for the message when none is left. */
  onlyFrom?: string;
  /** Told about a torn last line (a crashed `score`), which is left out. */
  note?: (message: string) => void;
}

/**
 * A scores file read and merged by architecture (see mergeScores). Throws one line when it is
 * missing, not a scores file, or holds no scores (for the seed asked for).
 */
export function readScoreSet(file: string, opts: ReadScoresOptions = {}): ScoreSet {
  if (!existsSync(file)) throw new Error(`scores file ${file}: file not found`);
  let torn: number | undefined;
  const contents = readJsonlContents<Record<string, unknown>>(file, {
    ...SCORES_FILE,
    onTorn: (line) => {
      torn = line;
    },
  });
  if (contents.records.length === 0)
    throw new Error(`${file} holds no scores${torn !== undefined ? ` (its line ${torn} is torn)` : ""}`);
  const keep = contents.records.map((r) => !opts.only || opts.only.has(r.arch_str as string));
  const set = mergeScores(
    contents.records.filter((_, i) => keep[i]),
    file,
    {
      lines: contents.lines.filter((_, i) => keep[i]),
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.warn ? { warn: opts.warn } : {}),
    },
  );
  if (set.merged.size === 0) {
    if (opts.seed !== undefined && set.otherSeeds > 0)
      throw new Error(`${file}: no records with seed ${opts.seed} (${set.otherSeeds} of other seeds)`);
    throw new Error(
      `none of the architectures of ${file} is in ${opts.onlyFrom ?? "the architectures asked for"}`,
    );
  }
  if (torn === undefined) return set;
  opts.note?.(`${file}: line ${torn} is torn (an interrupted write?); left out`);
  return { ...set, torn };
}

/** A scores file read and merged by architecture; throws when it is missing or empty. */
export function readScores(file: string, opts: ReadScoresOptions = {}): Map<string, Record<string, unknown>> {
  return readScoreSet(file, opts).merged;
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
  if (META_KEYS.has(metric)) throw new Error(`"${metric}" is not a metric value`);
  if (all.some((r) => metric in r)) return metric;
  const first = METRICS.find((m) => m.name === metric)?.values[0]?.name;
  if (first !== undefined && all.some((r) => first in r)) return first;
  const found = metricFields(all);
  throw new Error(
    `${file}: no "${metric}" values (${found.length > 0 ? `found: ${found.join(", ")}` : "no metric values found"})`,
  );
}
