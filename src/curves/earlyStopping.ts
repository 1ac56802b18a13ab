// Predictive early stopping as in LC-PFN's model-selection experiment (Adriaensen et al. 2023, §4.4)
// and Domhan et al. 2015 (`terminationcriterion.py`, IMPROVEMENT_PROB_THRESHOLD = 0.05): after epoch
// t of a run of T epochs, stop it when P(y_T > y_best | y_1..t) < threshold, y_best being the best
// final value of the runs trained to the end so far. The probability is the posterior predictive of
// posterior.ts (LC-PFN's prior, sampled by MCMC instead of LC-PFN's transformer). automl/lcpfn ships
// no early-stopping code; the threshold default is Domhan's 5 % (LC-PFN writes it 1 − δ, δ = 0.95).
import * as v from "valibot";
import {
  between,
  defaultsOf,
  flag,
  integer,
  type OptionsOf,
  option,
  resolveOptions,
} from "../metrics/options.js";
import { Rng } from "../util/random.js";
import { fitPosterior, type PosteriorOptions } from "./posterior.js";

export const EARLY_STOPPING_OPTIONS = v.strictObject({
  /** Stop when P(y_T > best final so far) falls below this. */
  threshold: option(between(0, 1), 0.05),
  /** Never stop before this many epochs (one or two points leave the curve's shape to the prior). */
  minEpochs: option(integer(1), 3),
  /** Apply the rule every k-th epoch from minEpochs on (Domhan checked at intervals, LC-PFN each epoch). */
  every: option(integer(1), 1),
  /**
   * Skip the prediction (and continue) while the run's best observed value already beats y_best, as
   * Domhan's conservative criterion does; saves the fits of promising runs.
   */
  skipWhenAhead: option(flag(), true),
});

export type EarlyStoppingOptions = OptionsOf<typeof EARLY_STOPPING_OPTIONS>;
export const EARLY_STOPPING_DEFAULTS: EarlyStoppingOptions = defaultsOf(EARLY_STOPPING_OPTIONS);

/** What a rule needs of a prediction of y at the run's last epoch. */
export interface FinalPrediction {
  probabilityAbove(threshold: number): number;
}

/** The predictive of y_T given y_1..t of a run of `horizon` epochs. */
export type FinalPredictor = (observed: Float64Array, horizon: number) => FinalPrediction;

/**
 * The posterior predictive at the horizon, fitted afresh for each prefix; the sampler's seed is derived
 * from `posterior.seed` and t, so a decision is the same whenever it is asked again.
 */
export function posteriorPredictor(posterior: Partial<PosteriorOptions> = {}): FinalPredictor {
  const seed = posterior.seed ?? 0;
  return (observed, horizon) =>
    fitPosterior(observed, horizon, {
      ...posterior,
      seed: new Rng(seed, "early-stopping", observed.length).uint32() | 0,
    }).at(horizon);
}

export type StopReason = "too-early" | "off-schedule" | "no-best" | "ahead" | "unlikely" | "likely";

export interface StopDecision {
  readonly stop: boolean;
  /** P(y_T > best), when the rule computed it. */
  readonly probability: number | null;
  readonly reason: StopReason;
}

/** The rule after the epochs in `observed` (t = observed.length) of a run of `horizon` epochs. */
export function decideStop(
  observed: ArrayLike<number>,
  bestFinal: number | undefined,
  horizon: number,
  options: Partial<EarlyStoppingOptions> = {},
  predictor: FinalPredictor = posteriorPredictor(),
): StopDecision {
  const o = resolveOptions("earlyStopping", EARLY_STOPPING_OPTIONS, options);
  const t = observed.length;
  if (t < o.minEpochs) return { stop: false, probability: null, reason: "too-early" };
  if ((t - o.minEpochs) % o.every !== 0) return { stop: false, probability: null, reason: "off-schedule" };
  if (bestFinal === undefined) return { stop: false, probability: null, reason: "no-best" };
  if (o.skipWhenAhead) {
    let seen = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < t; i++) seen = Math.max(seen, observed[i]!);
    if (seen > bestFinal) return { stop: false, probability: null, reason: "ahead" };
  }
  const y = new Float64Array(t);
  for (let i = 0; i < t; i++) y[i] = observed[i]!;
  const probability = predictor(y, horizon).probabilityAbove(bestFinal);
  return probability < o.threshold
    ? { stop: true, probability, reason: "unlikely" }
    : { stop: false, probability, reason: "likely" };
}

export interface RunOutcome {
  /** Epochs trained: the horizon when never stopped. */
  readonly epochs: number;
  readonly stopped: boolean;
  /** The last value observed (the final one when not stopped). */
  readonly lastObserved: number;
  /** P(y_T > best) at each epoch where the rule computed it. */
  readonly probabilities: ReadonlyArray<{ readonly epoch: number; readonly probability: number }>;
}

/**
 * Replays `curve` (one value per epoch, the whole run) epoch by epoch under the rule against
 * `bestFinal`, as a search loop would train it, and says where it stopped. The rule is never asked
 * after the last epoch: a finished run has nothing left to save.
 */
export function replayWithEarlyStopping(
  curve: ArrayLike<number>,
  bestFinal: number | undefined,
  options: Partial<EarlyStoppingOptions> = {},
  predictor: FinalPredictor = posteriorPredictor(),
): RunOutcome {
  const horizon = curve.length;
  if (horizon < 1) throw new Error("a run needs at least one epoch");
  const prefix = Array.from(curve);
  const probabilities: Array<{ epoch: number; probability: number }> = [];
  for (let t = 1; t < horizon; t++) {
    const decision = decideStop(prefix.slice(0, t), bestFinal, horizon, options, predictor);
    if (decision.probability !== null) probabilities.push({ epoch: t, probability: decision.probability });
    if (decision.stop) return { epochs: t, stopped: true, lastObserved: prefix[t - 1]!, probabilities };
  }
  return { epochs: horizon, stopped: false, lastObserved: prefix[horizon - 1]!, probabilities };
}
