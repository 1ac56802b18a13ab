// What the search algorithms share: the context a study gives them, how a failed trial ranks, the
// one-edit mutation and the categorical-code repair, option schemas with open bounds, and the
// sequential ask/tell adapter over a Sampler (sampler.ts) for scripts and simulations that drive one
// algorithm step by step without a store.
import * as v from "valibot";
import { MetricOptionError } from "../metrics/options.js";
import type { SearchSpace } from "../spaces/space.js";
import { Rng } from "../util/random.js";
import { type Proposal, proposalRng, type Sampler } from "./sampler.js";

export interface Optimizer {
  /** The next architecture to evaluate (canonical string), or undefined when the algorithm is done. */
  ask(): string | undefined;
  /**
   * The result for the architecture just asked: one fitness per objective, oriented so that higher
   * is better; NaN for a failed evaluation (ranked below everything).
   */
  tell(archStr: string, fitness: readonly number[]): void;
}

export interface AlgorithmContext {
  // biome-ignore lint/suspicious/noExplicitAny: algorithms work on any space's architecture type.
  readonly space: SearchSpace<any>;
  readonly seed: number;
  /** Number of objectives the study optimises (1 except for multi-objective algorithms). */
  readonly objectives: number;
}

/**
 * Randomness a fold needs (REINFORCE's initial logits, a neighbourhood's order), from the seed and
 * stable labels, never from a proposal's stream. Seeded like `proposalRng` (sampler.ts): labels that
 * differ only a little give Rngs whose first draws correlate, so the labelled Rng's first word seeds
 * the one used.
 */
export const derivedRng = (seed: number, ...labels: Array<string | number>): Rng =>
  new Rng(new Rng(seed, "search", ...labels).uint32());

/** A failed evaluation ranks below every real one. */
export const rankable = (fitness: number): number => (Number.isNaN(fitness) ? -Infinity : fitness);

/** Checks the ask → tell alternation of the sequential adapter. */
export class AskTellGuard {
  private pending: string | undefined;

  asked(archStr: string | undefined): string | undefined {
    if (this.pending !== undefined) throw new Error(`ask() called again before tell() for ${this.pending}`);
    this.pending = archStr;
    return archStr;
  }

  told(archStr: string): void {
    if (archStr !== this.pending)
      throw new Error(`tell(${archStr}) does not answer the last ask (${this.pending})`);
    this.pending = undefined;
  }
}

/** What a store gives back for a proposal: its JSON text read again (undefined stays undefined). */
export const viaJson = (proposal: unknown): unknown =>
  proposal === undefined ? undefined : JSON.parse(JSON.stringify(proposal));

/**
 * One worker, no store: ask = propose trial `index` (the number asked so far) with nothing pending,
 * tell = fold it. The sequence is exactly what a SamplerReplica driven one trial at a time proposes,
 * and the proposal JSON goes through a JSON round trip as it would through a store.
 */
export function sequential<S>(sampler: Sampler<S>, seed: number, name: string): Optimizer {
  const guard = new AskTellGuard();
  let state = sampler.init();
  let asked = 0;
  let last: Proposal | undefined;
  return {
    ask() {
      last = sampler.propose(state, { index: asked, rng: proposalRng(seed, name, asked), pending: [] });
      if (last) asked++;
      return guard.asked(last?.archStr);
    },
    tell(archStr, fitness) {
      guard.told(archStr);
      state = sampler.fold(state, { number: asked - 1, archStr, proposal: viaJson(last?.proposal), fitness });
    },
  };
}

/** A uniformly random neighbour (one edit), or a fresh sample when the space offers none. */
export function mutate<A>(space: SearchSpace<A>, arch: A, rng: Rng): A {
  const options = space.neighbours(arch);
  return options.length > 0 ? options[rng.int(options.length)]! : space.sample(rng);
}

/**
 * The architecture a categorical code names. Where the code names none (an NB101 cell with too
 * many edges, say), `redraw` proposes another — each algorithm says how (DE and NSGA-II draw a
 * fresh uniform proposal, REINFORCE samples its policy again) — until one decodes; the proposal
 * that decoded is returned with it, so the algorithm learns from what was evaluated.
 */
export function decodeOrRedraw<P>(
  space: AlgorithmContext["space"],
  proposal: P,
  toCodes: (p: P) => readonly number[],
  redraw: () => P,
): { proposal: P; archStr: string } {
  const coding = space.categorical!;
  let first: string | undefined;
  for (let tries = 0; tries < 10_000; tries++) {
    const decoded = coding.decode(toCodes(proposal));
    if (decoded.ok) return { proposal, archStr: space.format(decoded.arch) };
    first ??= decoded.reason;
    proposal = redraw();
  }
  throw new Error(`${space.name}: no valid architecture in 10,000 codes (first fault: ${first})`);
}

/** The categorical coding an algorithm needs, or a one-line error naming the space. */
export function codingOf(ctx: AlgorithmContext, algorithm: string) {
  const coding = ctx.space.categorical;
  if (!coding) throw new Error(`${algorithm} needs a categorical coding, which ${ctx.space.name} lacks`);
  return coding;
}

/**
 * A finite number in an interval with open or closed ends, e.g. `interval("(", 0, 2, "]")` for
 * (0, 2]; the message says which (`must be a number in (0, 2]`), as options.ts's `between` does.
 */
export function interval(open: "(" | "[", min: number, max: number, close: ")" | "]") {
  const m = `must be a number in ${open}${min}, ${max}${close}`;
  return v.pipe(
    v.number(m),
    v.finite(m),
    open === "(" ? v.gtValue(min, m) : v.minValue(min, m),
    close === ")" ? v.ltValue(max, m) : v.maxValue(max, m),
  );
}

/** A categorical code a trial carried in its proposal (`{ codes }`), or the code of its architecture. */
export function codesOf(ctx: AlgorithmContext, proposal: unknown, archStr: string): number[] {
  const codes = (proposal as { codes?: unknown } | null | undefined)?.codes;
  if (Array.isArray(codes) && codes.every((c) => Number.isInteger(c))) return codes as number[];
  return ctx.space.categorical!.encode(ctx.space.parse(archStr));
}

/** A one-line error for a check across two options (`re.sampleSize=20: must be an integer in [1, population = 10]`). */
export function optionConflict(
  algorithm: string,
  key: string,
  value: unknown,
  allowed: string,
): MetricOptionError {
  return new MetricOptionError(algorithm, key, allowed, `${algorithm}.${key}=${String(value)}: ${allowed}`);
}
