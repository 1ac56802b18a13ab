// Runs a study: asks the algorithm, evaluates, stores, tells — and resumes. On start it replays the
// finished trials through a fresh algorithm (which is deterministic given its seed and the results
// told), checking that it asks for the same architectures; a trial left running by a crash is
// evaluated again under its own number. So an interrupted study continues exactly where an
// uninterrupted one would be, with no trial lost or duplicated.
import type { StudyConfig, StudyStore, Trial } from "../store/study.js";
import { type Evaluation, fitnessOf, type Objective } from "./objective.js";
import type { Optimizer } from "./optimizer.js";

export interface Budget {
  /** Stop after this many trials (queries). */
  readonly queries?: number;
  /** Stop once the summed cost (training epochs) reaches this. */
  readonly cost?: number;
}

export interface RunStudyOptions {
  readonly store: StudyStore;
  readonly config: StudyConfig;
  readonly version: string;
  readonly optimizer: () => Optimizer;
  readonly objective: Objective;
  readonly budget: Budget;
  /** Called after every new trial (not replayed ones). */
  readonly onTrial?: (trial: Trial, done: number) => void;
}

export interface StudyRun {
  readonly trials: Trial[];
  /** Finished trials found in the store and replayed. */
  readonly resumed: number;
  /** Whether the algorithm ran out of architectures before the budget. */
  readonly exhausted: boolean;
}

function firstDifference(a: unknown, b: unknown, path = ""): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        path ? `${path}.${k}` : k,
      );
      if (d) return d;
    }
  }
  return `${path || "config"} was ${JSON.stringify(a)}, now ${JSON.stringify(b)}`;
}

const evaluationOf = (t: Trial): Evaluation => ({
  values: t.values,
  objectives: t.objectives,
  cost: t.cost,
  seconds: t.seconds,
  ...(t.reason !== undefined ? { reason: t.reason } : {}),
});

export async function runStudy(o: RunStudyOptions): Promise<StudyRun> {
  const { store, objective } = o;
  const info = await store.info();
  if (!info) await store.create(o.config, o.version);
  else {
    const diff = firstDifference(info.config, o.config);
    if (diff) throw new Error(`study ${store.location} was created with other settings: ${diff}`);
  }
  const stored = await store.trials();
  stored.forEach((t, i) => {
    if (t.number !== i) throw new Error(`study ${store.location}: trial ${i} is missing`);
    if (t.status === "running" && i !== stored.length - 1)
      throw new Error(`study ${store.location}: trial ${i} is marked running but is not the last`);
  });
  const finished = stored.filter((t) => t.status !== "running");

  const optimizer = o.optimizer();
  // An architecture asked again is not re-evaluated: its stored result is reused (and still costs a query).
  const known = new Map<string, Evaluation>();
  for (const t of finished) {
    const asked = optimizer.ask();
    if (asked !== t.archStr)
      throw new Error(
        `study ${store.location} does not replay: trial ${t.number} is ${t.archStr} but the algorithm now asks ${asked ?? "nothing"} (changed code?)`,
      );
    optimizer.tell(asked, fitnessOf(objective.terms, t.objectives));
    if (t.status === "complete" && !known.has(t.archStr)) known.set(t.archStr, evaluationOf(t));
  }

  const trials = [...finished];
  let spent = finished.reduce((s, t) => s + t.cost, 0);
  const withinBudget = () =>
    (o.budget.queries === undefined || trials.length < o.budget.queries) &&
    (o.budget.cost === undefined || spent < o.budget.cost);
  let exhausted = false;
  while (withinBudget()) {
    const archStr = optimizer.ask();
    if (archStr === undefined) {
      exhausted = true;
      break;
    }
    const number = trials.length;
    // Replaces a row left running by a crash under the same number.
    await store.startTrial({ number, archStr, seed: o.config.seed, version: o.version });
    let evaluation = known.get(archStr);
    if (!evaluation) {
      try {
        evaluation = await objective.evaluate(archStr);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        evaluation = { values: {}, objectives: objective.terms.map(() => null), cost: 0, seconds: 0, reason };
      }
    }
    const ok = evaluation.objectives.every((v) => v !== null);
    await store.finishTrial(number, { ...evaluation, status: ok ? "complete" : "failed" });
    if (ok && !known.has(archStr)) known.set(archStr, evaluation);
    optimizer.tell(archStr, fitnessOf(objective.terms, evaluation.objectives));
    spent += evaluation.cost;
    const trial: Trial = {
      number,
      archStr,
      status: ok ? "complete" : "failed",
      values: evaluation.values,
      objectives: evaluation.objectives,
      cost: evaluation.cost,
      seconds: evaluation.seconds,
      ...(evaluation.reason !== undefined ? { reason: evaluation.reason } : {}),
      seed: o.config.seed,
      version: o.version,
      startedAt: "",
    };
    trials.push(trial);
    o.onTrial?.(trial, trials.length);
  }
  return { trials: await store.trials(), resumed: finished.length, exhausted };
}

/** Index of the best finished trial by the first objective (ties: earliest), or -1. */
export function bestTrialIndex(trials: readonly Trial[], higherIsBetter: boolean): number {
  let best = -1;
  trials.forEach((t, i) => {
    const v = t.objectives[0];
    if (t.status !== "complete" || v === null || v === undefined) return;
    const bv = best < 0 ? undefined : trials[best]!.objectives[0]!;
    if (bv === undefined || (higherIsBetter ? v > bv : v < bv)) best = i;
  });
  return best;
}
