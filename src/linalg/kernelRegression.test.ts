import assert from "node:assert/strict";
import { test } from "node:test";
import { Rng } from "../util/random.js";
import {
  type Dense,
  dense,
  kernelRegressor,
  multiplyDense,
  multiplyTransposed,
  regressionTargets,
  solveByCholesky,
  transpose,
  transposedMultiply,
} from "./kernelRegression.js";

function randomDense(rows: number, cols: number, rng: Rng): Dense {
  return dense(
    rows,
    cols,
    Float64Array.from({ length: rows * cols }, () => rng.normal()),
  );
}

function maxAbsDiff(a: Dense, b: Dense): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i]! - b.data[i]!));
  return m;
}

test("matrix products agree with the textbook triple loop", () => {
  const rng = new Rng(1);
  const a = randomDense(7, 5, rng);
  const b = randomDense(5, 6, rng);
  const naive = dense(7, 6);
  for (let i = 0; i < 7; i++)
    for (let j = 0; j < 6; j++)
      for (let k = 0; k < 5; k++) naive.data[i * 6 + j]! += a.data[i * 5 + k]! * b.data[k * 6 + j]!;
  assert.ok(maxAbsDiff(multiplyDense(a, b), naive) < 1e-12);
  assert.ok(maxAbsDiff(multiplyTransposed(a, transpose(b)), naive) < 1e-12);
  assert.ok(maxAbsDiff(transposedMultiply(transpose(a), b), naive) < 1e-12);
  const gram = multiplyTransposed(a, a);
  assert.ok(maxAbsDiff(gram, multiplyTransposed(a, dense(7, 5, a.data.slice()))) < 1e-12);
});

for (const [label, n, d] of [
  ["feature side (D < n)", 40, 12],
  ["sample side (D ≥ n)", 15, 24],
] as const) {
  test(`one eigendecomposition reproduces per-λ Cholesky solves: ${label}`, () => {
    const rng = new Rng(2, label);
    const gTrain = randomDense(n, d, rng);
    const gVal = randomDense(9, d, rng);
    const labels = Array.from({ length: n }, (_, i) => i % 4);
    const y = regressionTargets(labels, 4);
    const regressor = kernelRegressor(gTrain, gVal, y);
    const kTrain = multiplyTransposed(gTrain, gTrain);
    let trace = 0;
    for (let i = 0; i < n; i++) trace += kTrain.data[i * n + i]!;
    assert.ok(Math.abs(regressor.meanDiagonal - trace / n) < 1e-9 * trace);
    const kValTrain = multiplyTransposed(gVal, gTrain);
    for (const eps of [1e-6, 1e-3, 0.1, 10]) {
      const lambda = eps * regressor.meanDiagonal;
      const fast = regressor.predict(lambda)!;
      const slow = solveByCholesky(kTrain, kValTrain, y, lambda)!;
      const scale = Math.max(...slow.data.map(Math.abs));
      assert.ok(
        maxAbsDiff(fast, slow) < 1e-7 * scale,
        `ε=${eps}: ${maxAbsDiff(fast, slow)} vs scale ${scale}`,
      );
    }
  });
}

test("a singular kernel with no ridge fails like Cholesky does", () => {
  const rng = new Rng(3);
  const gTrain = randomDense(20, 5, rng); // rank 5 < 20
  const y = regressionTargets(
    Array.from({ length: 20 }, (_, i) => i % 2),
    2,
  );
  const regressor = kernelRegressor(gTrain, randomDense(4, 5, rng), y);
  assert.equal(regressor.predict(0), undefined);
  assert.equal(solveByCholesky(multiplyTransposed(gTrain, gTrain), randomDense(4, 20, rng), y, 0), undefined);
  assert.notEqual(regressor.predict(1e-3 * regressor.meanDiagonal), undefined);
});

test("regression targets are one-hot minus 0.1", () => {
  assert.deepEqual([...regressionTargets([2, 0], 3).data], [-0.1, -0.1, 0.9, 0.9, -0.1, -0.1]);
});
