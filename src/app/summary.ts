// What a study amounts to: its settings, trials by state, cost, and its best trial (one objective)
// or Pareto front (several), with the benchmark's report columns for them when a table is at hand.
// Read-only: opening a storage for a summary never writes to it.
import { existsSync } from "node:fs";
import { spaceTable } from "../benchmarks/spaceTable.js";
import { type BenchmarkTable, readBenchmarkTable } from "../benchmarks/table.js";
import { type ObjectiveTerm, parseObjectives } from "../search/objective.js";
import { nonDominatedFronts } from "../search/pareto.js";
import { bestTrialIndex } from "../search/study.js";
import { loadSpace } from "../spaces/index.js";
import type { SearchSpace } from "../spaces/space.js";
import { openStorage } from "../store/index.js";
import type { Storage, Study, StudyInfo, Trial, TrialState } from "../store/study.js";
import { TRIAL_STATES } from "../store/study.js";

export interface StudySummary {
  readonly label: string;
  readonly info: StudyInfo;
  readonly terms: readonly ObjectiveTerm[];
  readonly trials: number;
  readonly byState: Readonly<Record<TrialState, number>>;
  /** Trials failed because their worker was lost (each retried by another trial). */
  readonly retried: number;
  readonly cost: number;
  readonly best?: { readonly trial: Trial; readonly benchmark: Record<string, number> };
  readonly front?: readonly Trial[];
}

function benchmarkRow(
  archStr: string,
  table?: BenchmarkTable,
  space?: SearchSpace<unknown>,
): Record<string, number> {
  const row = table?.indexOf(archStr);
  if (!table || row === undefined) return {};
  const cols = (space?.benchmark?.reportColumns ?? []).filter((c) => table.has(c));
  return Object.fromEntries(cols.map((c) => [c, table.column(c)[row]!]));
}

export async function summarizeStudy(
  study: Study,
  context: { table?: BenchmarkTable; space?: SearchSpace<unknown> } = {},
): Promise<StudySummary> {
  const info = await study.info();
  const trials = await study.trials();
  const terms = info.config.objectives.map((s) => parseObjectives(s)[0]!);
  const byState = Object.fromEntries(
    TRIAL_STATES.map((s) => [s, trials.filter((t) => t.state === s).length]),
  ) as Record<TrialState, number>;
  const base = {
    label: study.label,
    info,
    terms,
    trials: trials.length,
    byState,
    retried: trials.filter((t) => t.retriedBy !== undefined).length,
    cost: trials.reduce((s, t) => s + t.cost, 0),
  };
  if (terms.length === 1) {
    const best = bestTrialIndex(trials, terms[0]!.higherIsBetter);
    if (best < 0) return base;
    const trial = trials[best]!;
    return { ...base, best: { trial, benchmark: benchmarkRow(trial.archStr, context.table, context.space) } };
  }
  const complete = trials.filter((t) => t.state === "complete");
  const fitness = complete.map((t) =>
    terms.map((term, i) => (term.higherIsBetter ? 1 : -1) * t.objectives[i]!),
  );
  const front = nonDominatedFronts(fitness)[0] ?? [];
  const unique = new Map(front.map((i) => [complete[i]!.archStr, complete[i]!]));
  return { ...base, front: [...unique.values()].sort((a, b) => a.objectives[1]! - b.objectives[1]!) };
}

/** The study's space and table where they can still be found (a moved space file costs only the table). */
export async function studyContext(
  info: StudyInfo,
): Promise<{ table?: BenchmarkTable; space?: SearchSpace<unknown> }> {
  const space = await loadSpace(info.config.space).catch(() => undefined);
  const tablePath = info.config.evaluation.table;
  const table =
    typeof tablePath === "string" && existsSync(tablePath)
      ? space
        ? spaceTable(space, tablePath)
        : readBenchmarkTable(tablePath)
      : undefined;
  return { ...(space ? { space } : {}), ...(table ? { table } : {}) };
}

/**
 * Opens a storage read-only and the studies named (all when `name` is undefined); `fn` gets them.
 * One-line errors for a missing store, a missing study, or a store with no study.
 */
export async function readStudies<T>(
  spec: string,
  name: string | undefined,
  fn: (studies: Study[], storage: Storage) => Promise<T>,
): Promise<T> {
  const storage = await openStorage(spec, { readOnly: true });
  try {
    const names = name !== undefined ? [name] : (await storage.studies()).map((s) => s.name);
    if (names.length === 0) throw new Error(`${storage.location} holds no nasprobe study`);
    const studies: Study[] = [];
    for (const n of names) {
      const study = await storage.study(n);
      if (!study) {
        const known = (await storage.studies()).map((s) => s.name);
        throw new Error(`no study ${n} in ${storage.location} (studies: ${known.join(", ") || "none"})`);
      }
      studies.push(study);
    }
    return await fn(studies, storage);
  } finally {
    await storage.close();
  }
}
