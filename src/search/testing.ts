// Test helpers for search: a synthetic objective over NB201 with a known optimum, a loop that drives
// an optimizer without a store, and a deterministic event simulation of several workers sharing one
// study (random evaluation times, trials finishing out of order, proposals seeing pending trials).
import { isDeepStrictEqual } from "node:util";
import { NB201_OPS, nb201 } from "../spaces/nb201.js";
import { Rng } from "../util/random.js";
import type { Evaluation, Objective, ObjectiveTerm } from "./objective.js";
import { type Optimizer, viaJson } from "./optimizer.js";
import {
  type FinishedTrial,
  type PendingTrial,
  type Proposal,
  proposalRng,
  type Sampler,
  SamplerReplica,
} from "./sampler.js";

/** Fitness = Σ over edges of the op's index (0 = none … 4 = avg_pool): unique optimum, all avg_pool. */
export const opIndexSum = (archStr: string): number =>
  nb201.parse(archStr).reduce((s, op) => s + NB201_OPS.indexOf(op), 0);

export const SYNTHETIC_TERM: ObjectiveTerm = {
  spec: "synthetic",
  kind: "metric",
  valueName: "synthetic",
  higherIsBetter: true,
  cost: 1,
};

export function syntheticObjective(
  f: (archStr: string) => number = opIndexSum,
): Objective & { calls: string[] } {
  const calls: string[] = [];
  return {
    terms: [SYNTHETIC_TERM],
    calls,
    async evaluate(archStr): Promise<Evaluation> {
      calls.push(archStr);
      const v = f(archStr);
      return { values: { synthetic: v }, objectives: [v], cost: 1, seconds: 0 };
    },
  };
}

/** Asks and tells `n` times with fitness f; returns the asked architectures in order. */
export function drive(optimizer: Optimizer, f: (archStr: string) => number[], n: number): string[] {
  const asked: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = optimizer.ask();
    if (a === undefined) break;
    asked.push(a);
    optimizer.tell(a, f(a));
  }
  return asked;
}

/**
 * One worker through a SamplerReplica, as a store-backed runner drives it: propose trial i, evaluate,
 * fold it. `from` finished trials (e.g. the start of an earlier run) are folded first, as a resumed
 * worker does; the proposals after them are returned with the finished trials.
 */
export function driveReplica(
  sampler: Sampler,
  seed: number,
  name: string,
  f: (archStr: string) => number[],
  n: number,
  from: readonly FinishedTrial[] = [],
): FinishedTrial[] {
  const replica = new SamplerReplica(sampler, seed, name);
  replica.fold(from);
  const trials = [...from];
  for (let i = from.length; i < n; i++) {
    const p = replica.propose(i);
    if (!p) break;
    const trial = { number: i, archStr: p.archStr, proposal: viaJson(p.proposal), fitness: f(p.archStr) };
    replica.fold([trial]);
    trials.push(trial);
  }
  return trials;
}

export interface SimulatedProposal {
  readonly number: number;
  readonly archStr: string;
  readonly worker: number;
  readonly time: number;
  /** Trials finished (and folded) when it was proposed. */
  readonly finishedBefore: number;
  /** Architectures of the trials running when it was proposed. */
  readonly pending: readonly string[];
}

export interface Simulation {
  /** Every trial, in proposal order. */
  readonly proposals: SimulatedProposal[];
  /** Every trial, in finish order (the order folded). */
  readonly finished: FinishedTrial[];
}

export interface SimulateOptions {
  readonly sampler: Sampler;
  readonly seed: number;
  readonly name: string;
  readonly workers: number;
  /** Trials proposed in all. */
  readonly trials: number;
  readonly fitness: (archStr: string) => number[];
  /** Seed of the evaluation times (uniform in [0.2, 1.8) time units per trial). */
  readonly timing?: number;
  /** Throw when a proposal changes the sampler's state (checked with a deep copy; slower). */
  readonly checkPure?: boolean;
}

/**
 * A deterministic event simulation of `workers` workers sharing one study: each evaluation takes a
 * random time, the earliest to finish is folded first (ties: lower trial number), and a free worker
 * then proposes with every running trial pending. A worker the sampler gives nothing while others
 * run waits for the next finish; nothing to propose with nothing running ends the run.
 */
export function simulateWorkers(o: SimulateOptions): Simulation {
  let state = o.sampler.init();
  const proposals: SimulatedProposal[] = [];
  const finished: FinishedTrial[] = [];
  const running: (PendingTrial & { worker: number; end: number })[] = [];
  let now = 0;
  let done = false;
  const propose = (worker: number) => {
    if (done || proposals.length >= o.trials) return;
    const index = proposals.length;
    const pending = running.map(({ number, archStr, proposal }) => ({ number, archStr, proposal }));
    const before = o.checkPure ? structuredClone(state) : undefined;
    const p: Proposal | undefined = o.sampler.propose(state, {
      index,
      rng: proposalRng(o.seed, o.name, index),
      pending,
    });
    if (o.checkPure && !isDeepStrictEqual(before, state))
      throw new Error(`${o.name}: propose(${index}) changed the state`);
    if (!p) {
      if (running.length === 0) done = true;
      return;
    }
    const duration =
      0.2 + 1.6 * new Rng(new Rng(o.timing ?? 0, "simulated evaluation", index).uint32()).uniform();
    running.push({
      number: index,
      archStr: p.archStr,
      proposal: viaJson(p.proposal),
      worker,
      end: now + duration,
    });
    proposals.push({
      number: index,
      archStr: p.archStr,
      worker,
      time: now,
      finishedBefore: finished.length,
      pending: pending.map((t) => t.archStr),
    });
  };
  for (let w = 0; w < o.workers; w++) propose(w);
  const idle = new Set<number>();
  for (let w = 0; w < o.workers; w++) if (!running.some((t) => t.worker === w)) idle.add(w);
  while (running.length > 0) {
    let k = 0;
    for (let i = 1; i < running.length; i++) {
      const a = running[i]!;
      const b = running[k]!;
      if (a.end < b.end || (a.end === b.end && a.number < b.number)) k = i;
    }
    const [t] = running.splice(k, 1) as [(typeof running)[number]];
    now = t.end;
    const trial = {
      number: t.number,
      archStr: t.archStr,
      proposal: t.proposal,
      fitness: o.fitness(t.archStr),
    };
    state = o.sampler.fold(state, trial);
    finished.push(trial);
    idle.add(t.worker);
    for (const w of [...idle].sort((a, b) => a - b)) {
      propose(w);
      if (running.some((r) => r.worker === w)) idle.delete(w);
    }
  }
  return { proposals, finished };
}
