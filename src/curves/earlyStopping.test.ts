import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetricOptionError } from "../metrics/options.js";
import {
  decideStop,
  type FinalPredictor,
  posteriorPredictor,
  replayWithEarlyStopping,
} from "./earlyStopping.js";

const horizon = 20;
/** A pow3-shaped curve rising towards `ceiling`, with a fixed wiggle instead of random noise. */
const curve = (ceiling: number) =>
  Array.from({ length: horizon }, (_, i) => ceiling - 0.35 * (i + 1) ** -0.8 + 0.004 * Math.sin(3 * i));

// Fewer MCMC steps than the default keep the replays quick; the rule's inputs are unchanged.
const predictor = posteriorPredictor({ seed: 1, steps: 300, burnIn: 150 });

describe("predictive early stopping", () => {
  it("stops a clearly worse run soon after the minimum epochs", () => {
    const worse = curve(0.55);
    const outcome = replayWithEarlyStopping(worse, 0.9, { minEpochs: 3 }, predictor);
    assert.ok(outcome.stopped, "a run heading for 0.55 was trained to the end against a best of 0.9");
    assert.ok(outcome.epochs <= 5, `stopped only after ${outcome.epochs} epochs`);
    assert.equal(outcome.lastObserved, worse[outcome.epochs - 1]);
    assert.ok(outcome.probabilities.at(-1)!.probability < 0.05);
  });

  it("keeps a clearly better run, even when every epoch is predicted", () => {
    const better = curve(0.9);
    const outcome = replayWithEarlyStopping(
      better,
      0.6,
      { minEpochs: 3, every: 4, skipWhenAhead: false },
      predictor,
    );
    assert.ok(!outcome.stopped, `a run heading for 0.9 was stopped at ${outcome.epochs} against 0.6`);
    assert.equal(outcome.epochs, horizon);
    assert.ok(outcome.probabilities.length >= 3);
    for (const { probability } of outcome.probabilities) assert.ok(probability > 0.5, `P = ${probability}`);
  });

  it("skips the fit while the run is ahead, before minEpochs, off schedule and without a best", () => {
    const never: FinalPredictor = () => {
      throw new Error("the rule asked for a prediction it should not need");
    };
    const y = [0.5, 0.6, 0.7, 0.75];
    assert.equal(decideStop(y, 0.72, horizon, {}, never).reason, "ahead");
    assert.equal(decideStop(y.slice(0, 2), 0.9, horizon, { minEpochs: 3 }, never).reason, "too-early");
    assert.equal(decideStop(y, 0.9, horizon, { minEpochs: 3, every: 2 }, never).reason, "off-schedule");
    assert.equal(decideStop(y, undefined, horizon, {}, never).reason, "no-best");
  });

  it("compares the predicted probability with the threshold", () => {
    const fixed =
      (p: number): FinalPredictor =>
      () => ({ probabilityAbove: () => p });
    const y = [0.3, 0.35, 0.4];
    assert.equal(decideStop(y, 0.9, horizon, { threshold: 0.05 }, fixed(0.049)).stop, true);
    assert.equal(decideStop(y, 0.9, horizon, { threshold: 0.05 }, fixed(0.051)).stop, false);
    assert.equal(decideStop(y, 0.9, horizon, { threshold: 0 }, fixed(0)).stop, false);
    const outcome = replayWithEarlyStopping(curve(0.5), 0.9, { threshold: 0.2, minEpochs: 6 }, fixed(0.1));
    assert.deepEqual([outcome.stopped, outcome.epochs], [true, 6]);
  });

  it("gives the same replay for the same seed", () => {
    const y = curve(0.7);
    const options = { minEpochs: 4, every: 5, skipWhenAhead: false };
    const a = replayWithEarlyStopping(y, 0.72, options, predictor);
    const b = replayWithEarlyStopping(
      y,
      0.72,
      options,
      posteriorPredictor({ seed: 1, steps: 300, burnIn: 150 }),
    );
    assert.deepEqual(a, b);
  });

  it("checks its options", () => {
    assert.throws(() => decideStop([0.5], 0.9, horizon, { threshold: 2 }), MetricOptionError);
    assert.throws(() => decideStop([0.5], 0.9, horizon, { minEpochs: 0 }), MetricOptionError);
  });
});
