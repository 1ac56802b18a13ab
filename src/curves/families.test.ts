import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Rng } from "../util/random.js";
import {
  CurvePrior,
  constraintPositions,
  curveFamily,
  DOMHAN_FAMILIES,
  EpochGrid,
  FAMILY_NAMES,
  type FamilyName,
  LCPFN_FAMILIES,
  latentLogPrior,
  priorPositions,
  samplePriorCurve,
  satisfiesCurveConstraint,
  transformParam,
} from "./families.js";

const close = (actual: number, expected: number, tol: number, what = "") =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} is not within ${tol} of ${expected}`);

/** One family at one x, parameters in its declared order (already transformed). */
function at(name: FamilyName, x: number, params: number[]): number {
  const out = new Float64Array(1);
  curveFamily(name).addTo(out, new EpochGrid([x]), params, 0, 1);
  return out[0]!;
}

describe("curve families", () => {
  it("evaluate the reference formulas (lcpfn/curves.py) at hand-computed points", () => {
    const x = 4;
    close(at("pow3", x, [0.8, 0.5, 0.5]), 0.8 - 0.5 * 4 ** -0.5, 1e-12, "pow3");
    close(at("ilog2", x, [0.9, 0.3]), 0.9 - 0.3 / Math.log(5), 1e-12, "ilog2");
    close(
      at("janoschek", x, [0.9, 0.1, 0.2, 1.5]),
      0.9 - 0.8 * Math.exp(-0.2 * 4 ** 1.5),
      1e-12,
      "janoschek",
    );
    close(at("log_power", x, [0.8, 1, -2]), 0.8 / (1 + (4 / Math.E) ** -2), 1e-12, "log_power");
    close(
      at("weibull", x, [0.9, 0.2, 0.3, 1.2]),
      0.9 - 0.7 * Math.exp(-((0.3 * 4) ** 1.2)),
      1e-12,
      "weibull",
    );
    close(at("mmf", x, [0.8, 0.2, 0.5, 2]), 0.8 - 0.6 / (1 + (0.5 * 4) ** 2), 1e-12, "mmf");
    close(at("vap", x, [-0.5, -1, 0.1]), Math.exp(-0.5 - 1 / 4 + 0.1 * Math.log(4)), 1e-12, "vap");
    close(at("loglog_linear", x, [0.2, 1.5]), Math.log(0.2 * Math.log(4) + 1.5), 1e-12, "loglog_linear");
    close(at("exp4", x, [0.8, 0.3, 1.2, 0.7]), 0.8 - Math.exp(-0.3 * 4 ** 0.7 + 1.2), 1e-12, "exp4");
    close(at("pow4", x, [0.9, 0.1, 1.5, 0.8]), 0.9 - (0.1 * 4 + 1.5) ** -0.8, 1e-12, "pow4");
    close(
      at("dr_hill_zero_background", x, [0.8, 2, 3]),
      (0.8 * 4 ** 2) / (3 ** 2 + 4 ** 2),
      1e-12,
      "dr_hill",
    );
  });

  it("add weight · f, so a combination is the weighted sum", () => {
    const out = new Float64Array([1, 1]);
    curveFamily("ilog2").addTo(out, new EpochGrid([1, 9]), [0.5, 0.2], 0, 0.25);
    close(out[0]!, 1 + 0.25 * (0.5 - 0.2 / Math.log(2)), 1e-12);
    close(out[1]!, 1 + 0.25 * (0.5 - 0.2 / Math.log(10)), 1e-12);
  });

  it("declare LC-PFN's eleven families with the latent priors of its repository", () => {
    assert.equal(FAMILY_NAMES.length, 11);
    assert.deepEqual([...LCPFN_FAMILIES], ["pow3", "ilog2", "janoschek"]);
    assert.equal(DOMHAN_FAMILIES.length, 11);
    // pow3.alpha ~ LogNormal(0, 2): its latent is N(0, 2) and the curve sees exp.
    const alpha = curveFamily("pow3").params.find((p) => p.name === "alpha")!;
    assert.deepEqual(alpha.prior, { kind: "normal", mean: 0, std: 2 });
    close(transformParam(alpha, Math.log(3)), 3, 1e-12);
    // pow4.c = 1 − exp(U(−5, 0)).
    const c = curveFamily("pow4").params.find((p) => p.name === "c")!;
    close(transformParam(c, -1), 1 - Math.exp(-1), 1e-12);
    assert.equal(latentLogPrior(c.prior, 0.5), Number.NEGATIVE_INFINITY);
    close(latentLogPrior(c.prior, -1), -Math.log(5), 1e-12);
    close(latentLogPrior(alpha.prior, 0), -Math.log(2) - 0.5 * Math.log(2 * Math.PI), 1e-12);
  });
});

describe("CurvePrior", () => {
  it("lays out weight, parameters per family, then ln σ", () => {
    const prior = new CurvePrior(LCPFN_FAMILIES);
    assert.equal(prior.dim, 1 + 3 + (1 + 2) + (1 + 4) + 1);
    assert.deepEqual([...prior.offsets], [0, 4, 7]);
    assert.equal(prior.specs[prior.sigmaIndex]!.name, "log_sigma");
    assert.equal(new CurvePrior(DOMHAN_FAMILIES).dim, 11 + (3 + 2 + 4 + 3 + 4 + 4 + 3 + 2 + 4 + 4 + 3) + 1);
  });

  it("maps a run's first and last epochs onto LC-PFN's 1 and 100", () => {
    const p = priorPositions([1, 12], 12, "prior");
    close(p[0]!, 1, 1e-12);
    close(p[1]!, 100, 1e-12);
    assert.deepEqual([...priorPositions([1, 5], 12, "raw")], [1, 5]);
    assert.equal(constraintPositions(12, "prior").length, 100);
    assert.equal(constraintPositions(12, "raw").length, 12);
  });

  it("draws curves that meet LC-PFN's constraint, with noise of the drawn σ, the same for a seed", () => {
    for (const names of [LCPFN_FAMILIES, DOMHAN_FAMILIES]) {
      const prior = new CurvePrior(names);
      let sumSquares = 0;
      let count = 0;
      for (let i = 0; i < 40; i++) {
        const d = samplePriorCurve(prior, 100, new Rng(i, "families-test"));
        assert.ok(satisfiesCurveConstraint(d.curve), "a prior curve breaks the constraint");
        for (let e = 0; e < 100; e++) {
          sumSquares += ((d.noisy[e]! - d.curve[e]!) / d.sigma) ** 2;
          count++;
        }
      }
      close(sumSquares / count, 1, 0.05, "standardised noise variance");
      const a = samplePriorCurve(prior, 30, new Rng(7, "same"));
      const b = samplePriorCurve(prior, 30, new Rng(7, "same"));
      assert.deepEqual(a.noisy, b.noisy);
      assert.notDeepEqual(a.noisy, samplePriorCurve(prior, 30, new Rng(8, "same")).noisy);
    }
  });

  it("puts ln σ at N(−4, 1) and the weights at U(0, 1) before the constraint", () => {
    const prior = new CurvePrior(LCPFN_FAMILIES);
    const rng = new Rng(3, "latent");
    let sum = 0;
    let sumSquares = 0;
    const n = 4000;
    for (let i = 0; i < n; i++) {
      const z = prior.sampleLatent(rng);
      const s = z[prior.sigmaIndex]!;
      sum += s;
      sumSquares += s * s;
      for (const o of prior.offsets) assert.ok(z[o]! >= 0 && z[o]! < 1);
    }
    close(sum / n, -4, 0.06, "mean ln σ");
    close(Math.sqrt(sumSquares / n - (sum / n) ** 2), 1, 0.05, "std ln σ");
  });

  it("rejects falling, out-of-range and NaN curves", () => {
    assert.ok(satisfiesCurveConstraint([0.1, 0.5, 0.6]));
    assert.ok(!satisfiesCurveConstraint([0.6, 0.5, 0.6]));
    assert.ok(!satisfiesCurveConstraint([0.1, 1.2, 0.6]));
    assert.ok(!satisfiesCurveConstraint([-0.1, 0.2, 0.6]));
    assert.ok(!satisfiesCurveConstraint([0.1, Number.NaN, 0.6]));
  });
});
