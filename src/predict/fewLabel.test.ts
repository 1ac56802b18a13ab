import assert from "node:assert/strict";
import { test } from "node:test";
import { kendallTauB as kendall } from "../benchmarks/rankStats.js";
import { Rng } from "../util/random.js";
import { averageRanks, fitGp, normalScores, predictFewLabel, probit } from "./fewLabel.js";

test("probit matches the standard normal's quantiles", () => {
  // Φ⁻¹ at 0.5, 0.975, 0.999 and 1e-6 (tables / scipy.stats.norm.ppf).
  for (const [p, z] of [
    [0.5, 0],
    [0.975, 1.959963984540054],
    [0.999, 3.090232306167813],
    [1e-6, -4.753424308822899],
  ] as const)
    assert.ok(Math.abs(probit(p) - z) < 1e-8 * Math.max(1, Math.abs(z)), `${p}: ${probit(p)} vs ${z}`);
  assert.throws(() => probit(1), /must lie in \(0, 1\)/);
});

test("ranks average ties and put NaN lowest; normal scores are symmetric", () => {
  assert.deepEqual([...averageRanks([3, Number.NaN, 3, 1])], [3.5, 1, 3.5, 2]);
  const z = normalScores([10, 20, 30, 40]);
  assert.ok(Math.abs(z[0]! + z[3]!) < 1e-12 && Math.abs(z[1]! + z[2]!) < 1e-12 && z[3]! > z[2]!);
});

test("the linear kernel's posterior mean is ridge regression in feature space (dual = primal)", () => {
  const rng = new Rng(5, "gp-test");
  const d = 3;
  const rows = Array.from({ length: 12 }, () => Float64Array.from({ length: d }, () => rng.normal()));
  const labelled = [0, 2, 3, 5, 7, 8, 11];
  const t = labelled.map((i) => 2 * rows[i]![0]! - rows[i]![1]! + 0.1 * rng.normal());
  const hyper = { linear: 1, rbf: 0, lengthScale: 1, noise: 0.3 };
  const fit = fitGp(rows, labelled, t, [hyper]);
  // Primal: k(x, y) = xᵀy / d, so β = (XᵀX + noise·d·I)⁻¹ Xᵀt and the mean is xᵀβ.
  const a = Array.from({ length: d }, () => new Float64Array(d));
  const b = new Float64Array(d);
  labelled.forEach((i, n) => {
    for (let p = 0; p < d; p++) {
      b[p]! += rows[i]![p]! * t[n]!;
      for (let q = 0; q < d; q++) a[p]![q]! += rows[i]![p]! * rows[i]![q]!;
    }
  });
  for (let p = 0; p < d; p++) a[p]![p]! += hyper.noise * d;
  // Gaussian elimination (d = 3), independent of the Cholesky path.
  const m = a.map((row, p) => [...row, b[p]!]);
  for (let p = 0; p < d; p++)
    for (let r = p + 1; r < d; r++) {
      const f = m[r]![p]! / m[p]![p]!;
      for (let c = p; c <= d; c++) m[r]![c]! -= f * m[p]![c]!;
    }
  const beta = new Float64Array(d);
  for (let p = d - 1; p >= 0; p--) {
    let s = m[p]![d]!;
    for (let q = p + 1; q < d; q++) s -= m[p]![q]! * beta[q]!;
    beta[p] = s / m[p]![p]!;
  }
  rows.forEach((x, r) => {
    const primal = x[0]! * beta[0]! + x[1]! * beta[1]! + x[2]! * beta[2]!;
    assert.ok(Math.abs(fit.mean[r]! - primal) < 1e-10, `row ${r}: ${fit.mean[r]} vs ${primal}`);
  });
});

test("the marginal likelihood picks less noise for noise-free targets than for noisy ones", () => {
  const rng = new Rng(1, "gp-noise");
  const rows = Array.from({ length: 40 }, () => Float64Array.from({ length: 2 }, () => rng.normal()));
  const labelled = Array.from({ length: 40 }, (_, i) => i);
  const clean = rows.map((x) => Math.sin(x[0]!) + x[1]!);
  const noisy = clean.map((v) => v + 1.5 * rng.normal());
  assert.ok(fitGp(rows, labelled, clean).hyper.noise < fitGp(rows, labelled, noisy).hyper.noise);
});

test("a few labels of a monotone function of the values rank the rest; a useless value does not spoil it", () => {
  const rng = new Rng(2, "few-label");
  const n = 300;
  const signal = Float64Array.from({ length: n }, () => rng.normal());
  const other = Float64Array.from({ length: n }, () => rng.normal());
  const truth = signal.map((s, i) => Math.exp(s) + 0.3 * other[i]!);
  const junk = Float64Array.from({ length: n }, () => rng.normal());
  const labelled = rng.permutation(n).slice(0, 20);
  const fit = predictFewLabel(
    new Map([
      ["signal", signal.map((s) => 1000 * s ** 3)], // heavy-tailed: only its ranks matter
      ["other", other],
      ["junk", junk],
    ]),
    labelled,
    labelled.map((i) => truth[i]!),
  );
  const held = Array.from({ length: n }, (_, i) => i).filter((i) => !labelled.includes(i));
  const tau = kendall(
    Float64Array.from(held, (i) => fit.mean[i]!),
    Float64Array.from(held, (i) => truth[i]!),
  );
  // The signal alone ranks at τ(exp(s), exp(s) + 0.3·o) ≈ 0.8; the fit must use both values.
  const alone = kendall(
    Float64Array.from(held, (i) => signal[i]!),
    Float64Array.from(held, (i) => truth[i]!),
  );
  assert.ok(tau > alone && tau > 0.8, `τ ${tau} (signal alone ${alone})`);
});

test("a prior ranker's order survives few labels: the fit keeps its scale and its ranking", () => {
  const rng = new Rng(4, "prior");
  const n = 200;
  const ranker = Float64Array.from({ length: n }, () => rng.normal());
  const truth = ranker.map((r) => r + 0.2 * rng.normal());
  const junk = Float64Array.from({ length: n }, () => rng.normal());
  const labelled = rng.permutation(n).slice(0, 8);
  const columns = new Map([
    ["ranker", ranker],
    ["junk", junk],
  ]);
  const fit = predictFewLabel(
    columns,
    labelled,
    labelled.map((i) => truth[i]!),
    "ranker",
  );
  assert.ok(fit.priorScale > 0, `prior scale ${fit.priorScale}`);
  const held = Array.from({ length: n }, (_, i) => i).filter((i) => !labelled.includes(i));
  const tau = (x: ArrayLike<number>) =>
    kendall(
      Float64Array.from(held, (i) => x[i]!),
      Float64Array.from(held, (i) => truth[i]!),
    );
  assert.ok(tau(fit.mean) > tau(ranker) - 0.05, `τ ${tau(fit.mean)} vs the prior's ${tau(ranker)}`);
  assert.throws(
    () => predictFewLabel(columns, labelled, [1, 2, 3, 4, 5, 6, 7, 8], "zen"),
    /not among the features/,
  );
});
