// The contract every search algorithm implements: a sampler is a pure function of the stored trials
// (as Optuna's samplers are), so any number of workers sharing one study can each rebuild it from the
// store and propose the next trial, and a crashed worker loses nothing but the trial it was running.
//
// State is folded from the finished trials in the order they finished (the store's finish sequence,
// which only ever grows at the end), so a worker keeps its folded state and folds only what finished
// since. A proposal draws its randomness from an Rng of its own (seed, algorithm, proposal index), so
// one worker with a seed proposes exactly the same trials as before a crash, and as any other run.
import { Rng } from "../util/random.js";

/** A finished trial as a sampler sees it. */
export interface FinishedTrial {
  readonly number: number;
  readonly archStr: string;
  /** What the sampler attached when it proposed the trial (JSON), e.g. DE's vector and target. */
  readonly proposal: unknown;
  /** One fitness per objective, oriented so that higher is better; NaN for a failed evaluation. */
  readonly fitness: readonly number[];
}

/** A trial proposed (by any worker) and not finished yet. */
export interface PendingTrial {
  readonly number: number;
  readonly archStr: string;
  readonly proposal: unknown;
}

export interface ProposeContext {
  /** How many trials were proposed before this one (re-queued retries do not count). */
  readonly index: number;
  /** This proposal's own randomness: Rng(seed, "search", algorithm, index). */
  readonly rng: Rng;
  /** Trials other workers are evaluating; an algorithm that avoids repeats avoids these too. */
  readonly pending: readonly PendingTrial[];
}

export interface Proposal {
  /** Canonical architecture string. */
  readonly archStr: string;
  /** JSON the sampler wants back when the trial is folded (omit when the string says it all). */
  readonly proposal?: unknown;
}

export interface Sampler<S = unknown> {
  /** State before any trial finished. */
  init(): S;
  /** Folds one finished trial into the state, in finish order; may update `state` in place. */
  fold(state: S, trial: FinishedTrial): S;
  /**
   * The next trial, or undefined when there is none to propose now: the algorithm is done, or it
   * waits for pending trials (the runner tells these apart by whether any are pending). Must not
   * change `state`, which stays cached and is folded onward.
   */
  propose(state: S, ctx: ProposeContext): Proposal | undefined;
}

/**
 * The randomness of proposal `index` of algorithm `name` under `seed`. Rngs whose labels differ only
 * in a trailing index start almost alike (the first uniform of Rng(seed, …, i) and of …, i + 1
 * correlate at 0.88: FNV-1a barely spreads a last-character change and xoroshiro128+'s seeding
 * does not mix it), and a proposal uses mostly first draws; so the labelled Rng's first word seeds
 * a fresh one, which decorrelates neighbouring indices (tested in algorithms.test.ts).
 */
export const proposalRng = (seed: number, name: string, index: number): Rng =>
  new Rng(new Rng(seed, "search", name, index).uint32());

/**
 * A sampler's state kept up to date with a growing list of finished trials: `catchUp` folds only
 * the trials it has not seen (the list's order must be the finish order, appended to only).
 */
export class SamplerReplica<S = unknown> {
  private state: S;
  private seen = 0;

  constructor(
    readonly sampler: Sampler<S>,
    readonly seed: number,
    readonly name: string,
  ) {
    this.state = sampler.init();
  }

  /** Number of finished trials folded so far. */
  get folded(): number {
    return this.seen;
  }

  fold(trials: readonly FinishedTrial[]): void {
    for (const t of trials) this.state = this.sampler.fold(this.state, t);
    this.seen += trials.length;
  }

  propose(index: number, pending: readonly PendingTrial[] = []): Proposal | undefined {
    return this.sampler.propose(this.state, {
      index,
      rng: proposalRng(this.seed, this.name, index),
      pending,
    });
  }
}
