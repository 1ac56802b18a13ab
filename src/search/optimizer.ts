// The ask/tell contract every search algorithm implements (as Optuna's): the study asks for the
// next architecture, evaluates it however it likes (table lookup, a metric, training) and tells the
// result. An algorithm is a deterministic function of its seed and the results told to it, which
// is what lets a crashed study resume by replaying its stored trials.
import type { SearchSpace } from "../spaces/space.js";
import { Rng } from "../util/random.js";

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

/** A failed evaluation ranks below every real one. */
export const rankable = (fitness: number): number => (Number.isNaN(fitness) ? -Infinity : fitness);

/** Checks the ask → tell alternation that the sequential algorithms rely on. */
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

export const algorithmRng = (ctx: AlgorithmContext, name: string): Rng => new Rng(ctx.seed, "search", name);

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
