// The application layer of `score`: which architectures a request names, and scoring them with a
// set of metrics into a sink of records (a JSON-lines file for the CLI), one record per
// architecture and metric group, skipping what the sink already holds for the same metric group,
// seed and settings. Settings compare as canonical JSON, so options given in another order are the
// same settings and nothing is scored twice.
import { getMetric } from "../metrics/index.js";
import type { MetricValueInfo } from "../metrics/metric.js";
import {
  type ArchScore,
  type MetricOverrides,
  metricScorer,
  recordedSettings,
  recordGroups,
  resolveMetrics,
} from "../metrics/scorer.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import type { SearchSpace } from "../spaces/space.js";
import { canonicalJson } from "../util/canonical.js";
import { Rng } from "../util/random.js";
import { VERSION } from "../version.js";
import { scorerPool, threadsPerWorker } from "./scorerPool.js";

/** Which architectures: listed, a seeded sample of distinct ones, or all. */
export type ArchSelection =
  | { readonly archs: readonly string[] }
  | { readonly sample: number }
  | { readonly all: true };

export interface ScoreRequest {
  /** The space as named on the command line (recorded in each record). */
  readonly spaceName: string;
  readonly space: SearchSpace<unknown>;
  readonly metrics: readonly string[];
  readonly select: ArchSelection;
  readonly seed: number;
  readonly data: string;
  readonly dataSeed: number;
  /** Option overrides by metric (checked against each metric's schema here). */
  readonly overrides: MetricOverrides;
  readonly runtime?: RuntimeOptions;
  /**
   * Worker threads scoring side by side (default 1: this thread). More than one needs
   * `spaceSource`; each worker's sessions get `runtime.threads` or the cores shared out.
   */
  readonly workers?: number;
  /** The space's name or file, from which each worker loads it again. */
  readonly spaceSource?: string;
  /**
   * Further settings that determine the values (e.g. how an imported model was read); recorded in
   * every record's settings, so resuming compares them too.
   */
  readonly settings?: Readonly<Record<string, unknown>>;
  /** Further fields of every record (e.g. the model file an architecture came from). */
  readonly recordFields?: Readonly<Record<string, unknown>>;
}

/** Where records go and what is already there. */
export interface ScoreSink {
  /** The records stored so far. */
  records(): readonly Record<string, unknown>[];
  append(record: Record<string, unknown>): void;
}

export interface ScoreHooks {
  /** Before a group's sweep: how many architectures it scores and how many it skips. */
  onGroup?(group: ScoredGroup, todo: number, skipped: number): void;
  onScored?(archStr: string, score: ArchScore, group: ScoredGroup): void;
}

export interface ScoredGroup {
  /** The records' `metric` label (NNGP's records are "nngp", the others "zero-cost"). */
  readonly label: string;
  readonly metrics: readonly string[];
  /** The settings every record of this group carries. */
  readonly settings: Record<string, unknown>;
  /** The value the group is ranked by: its first metric's first value. */
  readonly first: MetricValueInfo;
}

export interface ScoreRun {
  readonly archStrs: readonly string[];
  /** Architectures named twice (same canonical form) and scored once. */
  readonly repeated: number;
  readonly groups: readonly ScoredGroup[];
}

/** The architectures a selection names, canonical and distinct; the same seed gives the same ones. */
export function chooseArchitectures(
  space: SearchSpace<unknown>,
  select: ArchSelection,
  seed: number,
): { archStrs: string[]; repeated: number } {
  if ("archs" in select) {
    const given = select.archs.map((s) => space.format(space.parse(s)));
    const unique = [...new Set(given)];
    return { archStrs: unique, repeated: given.length - unique.length };
  }
  const all = "all" in select;
  if (!space.enumerate) {
    if (all) throw new Error(`space ${space.name} is too large or unbounded to list; use --sample`);
    return { archStrs: distinctSamples(space, select.sample, new Rng(seed, "sample-archs")), repeated: 0 };
  }
  // A seeded shuffle of the whole list: the same cells for the same seed as every earlier release.
  const list = [...space.enumerate()].map((a) => space.format(a));
  if (!all && select.sample > list.length)
    throw new Error(`--sample ${select.sample} exceeds the space's ${list.length}`);
  return {
    archStrs: all ? list : new Rng(seed, "sample-archs").shuffle(list).slice(0, select.sample),
    repeated: 0,
  };
}

/** `count` distinct seeded draws of an unbounded space (fails when the space runs out of new ones). */
function distinctSamples(space: SearchSpace<unknown>, count: number, rng: Rng): string[] {
  const seen = new Set<string>();
  for (let tries = 0; seen.size < count; tries++) {
    if (tries > 100 * count)
      throw new Error(`space ${space.name}: fewer than ${count} distinct architectures drawn`);
    seen.add(space.format(space.sample(rng)));
  }
  return [...seen];
}

/** Whether a stored record belongs to `group` under `seed` (its settings compared canonically). */
export function isRecordOf(group: ScoredGroup, seed: number): (r: Record<string, unknown>) => boolean {
  const settings = canonicalJson(group.settings);
  return (r) => r.metric === group.label && r.seed === seed && canonicalJson(r.settings) === settings;
}

/** The metric groups of a request, with the settings their records carry (all checked; no work). */
export function scoreGroups(
  request: Pick<ScoreRequest, "metrics" | "overrides" | "data" | "dataSeed" | "settings">,
): ScoredGroup[] {
  resolveMetrics(request.metrics, request.overrides); // every name, key and value checked first
  return recordGroups(request.metrics).map(({ label, metrics }) => {
    const overrides = Object.fromEntries(
      metrics.filter((n) => request.overrides[n]).map((n) => [n, request.overrides[n]!]),
    );
    const settings = {
      ...recordedSettings(
        { data: request.data, dataSeed: request.dataSeed, overrides },
        resolveMetrics(metrics, overrides),
      ),
      ...request.settings,
    };
    return { label, metrics, settings, first: getMetric(metrics[0]!).values[0]! };
  });
}

/** Scores the selected architectures into `sink`; a failing metric is recorded with its reason. */
export async function scoreArchitectures(
  request: ScoreRequest,
  sink: ScoreSink,
  hooks: ScoreHooks = {},
): Promise<ScoreRun> {
  const groups = scoreGroups(request);
  const { archStrs, repeated } = chooseArchitectures(request.space, request.select, request.seed);
  for (const group of groups) {
    const mine = isRecordOf(group, request.seed);
    const done = new Set(
      sink
        .records()
        .filter(mine)
        .map((r) => r.arch_str as string),
    );
    const todo = archStrs.filter((a) => !done.has(a));
    hooks.onGroup?.(group, todo.length, archStrs.length - todo.length);
    if (todo.length === 0) continue;
    const overrides = Object.fromEntries(
      group.metrics.filter((n) => request.overrides[n]).map((n) => [n, request.overrides[n]!]),
    );
    const scorerOptions = {
      data: request.data,
      dataSeed: request.dataSeed,
      seed: request.seed,
      runtime: request.runtime ?? {},
      metrics: group.metrics,
      overrides,
    };
    const workers = Math.min(request.workers ?? 1, todo.length);
    const append = (archStr: string, r: ArchScore) => {
      sink.append({
        arch_str: archStr,
        space: request.spaceName,
        ...request.recordFields,
        metric: group.label,
        seed: request.seed,
        settings: group.settings,
        version: VERSION,
        ...r.values,
        ...(Object.keys(r.reasons).length > 0 ? { reasons: r.reasons } : {}),
        seconds: r.seconds,
      });
      hooks.onScored?.(archStr, r, group);
    };
    if (workers <= 1) {
      const scorer = metricScorer({ ...scorerOptions, space: request.space });
      for (const archStr of todo) append(archStr, await scorer.score(archStr));
      continue;
    }
    if (request.spaceSource === undefined)
      throw new Error("scoring on several workers needs the space's name or file (spaceSource)");
    const pool = await scorerPool(
      {
        ...scorerOptions,
        spaceSource: request.spaceSource,
        runtime: { ...request.runtime, threads: request.runtime?.threads ?? threadsPerWorker(workers) },
      },
      workers,
    );
    try {
      // All queued at once; records are appended in the selection's order as each is ready.
      const pending = todo.map((archStr) => pool.score(archStr));
      for (const p of pending) p.catch(() => {}); // awaited below, in order
      for (let i = 0; i < todo.length; i++) append(todo[i]!, await pending[i]!);
    } finally {
      await pool.close();
    }
  }
  return { archStrs, repeated, groups };
}
