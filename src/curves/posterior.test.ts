import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MetricOptionError } from "../metrics/options.js";
import { Rng } from "../util/random.js";
import { CurvePrior, LCPFN_FAMILIES, samplePriorCurve, satisfiesCurveConstraint } from "./families.js";
import { fitPosterior, Predictive } from "./posterior.js";

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);

describe("Predictive", () => {
  // Two components N(0.4, 0.05²) and N(0.6, 0.05²): mixture facts by hand.
  const p = new Predictive(10, new Float64Array([0.4, 0.6]), new Float64Array([0.05, 0.05]), 0);

  it("gives the mixture's mean, std, tail probability and median", () => {
    close(p.mean, 0.5, 1e-12);
    close(p.std, Math.sqrt(0.1 ** 2 + 0.05 ** 2), 1e-12);
    close(p.probabilityAbove(0.5), 0.5, 1e-7);
    // P(N(0.4, .05²) > 0.55) = P(Z > 3) = 0.0013499; P(N(0.6, .05²) > 0.55) = P(Z > −1) = 0.8413447.
    close(p.probabilityAbove(0.55), (0.0013499 + 0.8413447) / 2, 1e-6);
    close(p.median, 0.5, 1e-7);
  });

  it("inverts its CDF in quantile", () => {
    for (const q of [0.05, 0.3, 0.9]) close(p.cdf(p.quantile(q)), q, 1e-6, `q=${q}`);
    const single = new Predictive(1, new Float64Array([0.5]), new Float64Array([0.1]), 0);
    close(single.quantile(0.95), 0.5 + 1.6448536 * 0.1, 1e-5);
    const [lo, hi] = single.interval(0.9);
    close(lo, 0.5 - 1.6448536 * 0.1, 1e-5);
    close(hi, 0.5 + 1.6448536 * 0.1, 1e-5);
  });

  it("has a log density that integrates to one and peaks at the components", () => {
    let integral = 0;
    const h = 1e-4;
    for (let y = 0; y < 1; y += h) integral += Math.exp(p.logDensity(y)) * h;
    close(integral, 1, 1e-4);
    const peak = Math.log(0.5 / (0.05 * Math.sqrt(2 * Math.PI)));
    close(p.logDensity(0.4), peak, 1e-3); // the other component adds e^−8 of it
  });

  it("draws samples with the mixture's mean and std, the same each time", () => {
    const many = new Predictive(3, new Float64Array(4000).fill(0.7), new Float64Array(4000).fill(0.02), 5);
    const s = many.samples();
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    const std = Math.sqrt(s.reduce((a, b) => a + (b - mean) ** 2, 0) / s.length);
    close(mean, 0.7, 0.002);
    close(std, 0.02, 0.002);
    assert.deepEqual(many.samples(), s);
  });
});

describe("fitPosterior", () => {
  const prior = new CurvePrior(LCPFN_FAMILIES);

  it("recovers curves drawn from the prior: close finals, nominal 90 % coverage, better than last value", () => {
    const horizon = 30;
    const cutoff = 10;
    const draws = 30;
    let covered = 0;
    let error = 0;
    let naiveError = 0;
    let logDensity = 0;
    for (let i = 0; i < draws; i++) {
      const d = samplePriorCurve(prior, horizon, new Rng(i, "posterior-test-draw"));
      const post = fitPosterior(d.noisy.subarray(0, cutoff), horizon, { seed: i });
      const predictive = post.at(horizon);
      const truth = d.noisy[horizon - 1]!;
      const [lo, hi] = predictive.interval(0.9);
      if (truth >= lo && truth <= hi) covered++;
      error += Math.abs(predictive.mean - d.curve[horizon - 1]!);
      naiveError += Math.abs(d.noisy[cutoff - 1]! - d.curve[horizon - 1]!);
      logDensity += predictive.logDensity(truth);
    }
    // 30 draws at p = 0.9: 27 expected, sd 1.6; below 23 (or all 30 with wide intervals) fails.
    assert.ok(covered >= 23, `90 % interval covered ${covered}/${draws}`);
    assert.ok(error / draws < 0.06, `mean |posterior mean − true final| = ${error / draws}`);
    assert.ok(
      error < naiveError,
      `posterior error ${error / draws} ≥ last-value error ${naiveError / draws}`,
    );
    // A predictive that knew nothing (uniform on [0, 1]) scores 0.
    assert.ok(logDensity / draws > 1, `mean log density of the true final ${logDensity / draws}`);
  });

  it("predicts a perfectly flat curve flat", () => {
    const post = fitPosterior(new Array(25).fill(0.7), 50, { seed: 3 });
    const p = post.at(50);
    close(p.median, 0.7, 0.015, "median");
    close(p.mean, 0.7, 0.03, "mean");
    assert.ok(p.probabilityAbove(0.8) < 0.05, `P(y > 0.8) = ${p.probabilityAbove(0.8)}`);
    assert.ok(p.probabilityAbove(0.65) > 0.95, `P(y > 0.65) = ${p.probabilityAbove(0.65)}`);
  });

  it("extrapolates a rising curve upwards", () => {
    const y = Array.from({ length: 10 }, (_, i) => 0.85 - 0.5 * (i + 1) ** -0.7);
    const p = fitPosterior(y, 40, { seed: 2 }).at(40);
    assert.ok(p.mean > y[9]! + 0.02, `mean ${p.mean} vs last observed ${y[9]}`);
    assert.ok(p.mean < 0.95, `mean ${p.mean}`);
  });

  it("keeps every posterior curve inside LC-PFN's constraint, even against a ceiling", () => {
    for (const scale of ["prior", "raw"] as const) {
      // Near 1 and still rising: the constraint, not the data, caps the extrapolation.
      const y = Array.from({ length: 10 }, (_, i) => 0.99 - 0.2 * (i + 1) ** -1);
      const post = fitPosterior(y, 100, { seed: 1, epochScale: scale });
      for (let s = 0; s < post.size; s += 7) {
        const f = post.sampleCurve(s);
        assert.ok(satisfiesCurveConstraint(f), `sample ${s} (${scale}) leaves [0, 1] or falls`);
      }
      const p = post.at(100);
      let maxCurve = 0;
      for (const f of p.curve) maxCurve = Math.max(maxCurve, f);
      assert.ok(maxCurve <= 1, `noiseless final ${maxCurve} above 1`);
      // The prior allows a later fall (only f(last) > f(first) is required) but never a rise past 1.
      assert.ok(p.mean <= 1 && p.mean > 0.85, `mean ${p.mean}`);
      assert.ok(p.probabilityAbove(1.05) < 0.01, `P(y > 1.05) = ${p.probabilityAbove(1.05)}`);
    }
  });

  it("is deterministic in its seed", () => {
    const y = [0.3, 0.45, 0.52, 0.58, 0.6];
    const a = fitPosterior(y, 20, { seed: 11, steps: 100, burnIn: 50 });
    const b = fitPosterior(y, 20, { seed: 11, steps: 100, burnIn: 50 });
    const c = fitPosterior(y, 20, { seed: 12, steps: 100, burnIn: 50 });
    assert.deepEqual(a.latents, b.latents);
    assert.equal(a.at(20).quantile(0.9), b.at(20).quantile(0.9));
    assert.notDeepEqual(a.latents, c.latents);
  });

  it("samples with a sane acceptance rate and keeps walkers × (steps − burnIn) / thin samples", () => {
    const post = fitPosterior([0.2, 0.35, 0.41, 0.47], 12, {
      seed: 0,
      walkers: 40,
      steps: 90,
      burnIn: 30,
      thin: 3,
    });
    assert.equal(post.size, 40 * 20);
    const { acceptance } = post.diagnostics;
    assert.ok(acceptance > 0.03 && acceptance < 0.8, `acceptance ${acceptance}`);
  });

  it("checks its options", () => {
    assert.throws(() => fitPosterior([0.5], 10, { walkers: 1 }), MetricOptionError);
    assert.throws(() => fitPosterior([0.5], 10, { prior: "gp" as "lcpfn" }), MetricOptionError);
    assert.throws(() => fitPosterior([], 10), /at least one/);
    assert.throws(() => fitPosterior([Number.NaN], 10), /finite/);
  });
});
