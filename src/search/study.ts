// Runs one worker of a study: asks the store for a trial (the store numbers it and, inside the same
// transaction, the algorithm proposes it from the stored trials), evaluates it while beating its
// heartbeat, stores the result, and repeats until the study's budget is spent. Any number of
// workers, in any number of processes, can run one study; one worker with a seed gives exactly the
// trials of an uninterrupted run, however often it is stopped and restarted.
import { hostname } from "node:os";
import type { Budget, Study, Trial, WorkerId } from "../store/study.js";
import { type Evaluation, fitnessOf, type Objective } from "./objective.js";
import { type FinishedTrial, type Sampler, SamplerReplica } from "./sampler.js";

export interface RunStudyOptions {
  readonly study: Study;
  /** The algorithm, its name (it keys the proposals' randomness) and the study's seed. */
  readonly sampler: Sampler;
  readonly algorithm: string;
  readonly seed: number;
  readonly objective: Objective;
  readonly budget: Budget;
  readonly worker?: WorkerId;
  /** Seconds between heartbeats of the running trial (Optuna's heartbeat_interval). */
  readonly heartbeatSeconds?: number;
  /** A running trial of another worker silent for longer than this is failed and retried. */
  readonly graceSeconds?: number;
  /** Milliseconds to wait when other workers' trials must finish first. */
  readonly pollMs?: number;
  /** Called after every trial this worker finished. */
  readonly onTrial?: (trial: Trial) => void;
  /** Called for trials of lost workers this worker failed and queued again. */
  readonly onRecovered?: (trial: Trial) => void;
  readonly signal?: AbortSignal;
}

export interface StudyRun {
  readonly trials: Trial[];
  /** Finished trials found in the store when this worker started. */
  readonly resumed: number;
  /** Trials this worker evaluated. */
  readonly ran: number;
  /** Whether the algorithm ran out of architectures before the budget. */
  readonly exhausted: boolean;
}

export const DEFAULT_HEARTBEAT_SECONDS = 10;
export const DEFAULT_GRACE_SECONDS = 60;

let workerCount = 0;
/** This process's identity as a worker; `tag` tells several workers of one process apart. */
export function workerId(tag = `${Date.now().toString(36)}${(workerCount++).toString(36)}`): WorkerId {
  const host = hostname();
  return { id: `${host}:${process.pid}:${tag}`, host, pid: process.pid };
}

const evaluationOf = (t: Trial): Evaluation => ({
  values: t.values,
  objectives: t.objectives,
  cost: t.cost,
  seconds: t.seconds,
  ...(t.reason !== undefined ? { reason: t.reason } : {}),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runStudy(o: RunStudyOptions): Promise<StudyRun> {
  const { study, objective } = o;
  const worker = o.worker ?? workerId();
  const replica = new SamplerReplica(o.sampler, o.seed, o.algorithm);
  // An architecture asked again is not re-evaluated: its stored result is reused (and still costs a query).
  const known = new Map<string, Evaluation>();
  const fold = (finished: readonly Trial[]) => {
    const fresh = finished.filter((t) => t.finishSeq! > replica.folded);
    replica.fold(
      fresh.map(
        (t): FinishedTrial => ({
          number: t.number,
          archStr: t.archStr,
          proposal: t.proposal,
          fitness: fitnessOf(objective.terms, t.objectives),
        }),
      ),
    );
    for (const t of fresh)
      if (t.state === "complete" && !known.has(t.archStr)) known.set(t.archStr, evaluationOf(t));
  };
  const before = await study.finishedAfter(0);
  fold(before);

  let ran = 0;
  let exhausted = false;
  const beatEvery = (o.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS) * 1000;
  while (!o.signal?.aborted) {
    const allocation = await study.allocate({
      worker,
      budget: o.budget,
      finishedAfter: replica.folded,
      graceSeconds: o.graceSeconds ?? DEFAULT_GRACE_SECONDS,
      propose(snapshot) {
        fold(snapshot.finished);
        return replica.propose(
          snapshot.index,
          snapshot.pending.map((t) => ({ number: t.number, archStr: t.archStr, proposal: t.proposal })),
        );
      },
    });
    for (const t of allocation.recovered) o.onRecovered?.(t);
    if (allocation.kind === "done") {
      exhausted = allocation.why === "exhausted";
      break;
    }
    if (allocation.kind === "wait") {
      await sleep(o.pollMs ?? 500);
      continue;
    }
    const { trial } = allocation;
    const beat = setInterval(
      () => void study.heartbeat(trial.number, worker).catch(() => undefined),
      beatEvery,
    );
    beat.unref();
    let evaluation = known.get(trial.archStr);
    try {
      if (!evaluation) {
        try {
          evaluation = await objective.evaluate(trial.archStr);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          evaluation = {
            values: {},
            objectives: objective.terms.map(() => null),
            cost: 0,
            seconds: 0,
            reason,
          };
        }
      }
    } finally {
      clearInterval(beat);
    }
    const ok = evaluation.objectives.every((v) => v !== null);
    const result = { ...evaluation, state: ok ? ("complete" as const) : ("failed" as const) };
    if (ok && !known.has(trial.archStr)) known.set(trial.archStr, evaluation);
    // False when another worker took the trial as lost meanwhile: its retry will run it again.
    if (await study.finish(trial.number, worker, result)) {
      ran++;
      o.onTrial?.({ ...trial, ...result });
    }
  }
  return { trials: await study.trials(), resumed: before.length, ran, exhausted };
}

/** Index of the best finished trial by the first objective (ties: earliest), or -1. */
export function bestTrialIndex(trials: readonly Trial[], higherIsBetter: boolean): number {
  let best = -1;
  trials.forEach((t, i) => {
    const v = t.objectives[0];
    if (t.state !== "complete" || v === null || v === undefined) return;
    const bv = best < 0 ? undefined : trials[best]!.objectives[0]!;
    if (bv === undefined || (higherIsBetter ? v > bv : v < bv)) best = i;
  });
  return best;
}
