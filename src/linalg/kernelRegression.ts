// Kernel ridge regression with the Monte-Carlo NNGP kernel K = G Gᵀ, all in float64.
//
// The reference solves (K_tt + λI) X = Y by Cholesky for each of 20 λ. Here K is factorised once:
// with C = G_tᵀ G_t = V S Vᵀ (D×D, D = features × ensemble) the push-through identity
// G_tᵀ (G_t G_tᵀ + λI)⁻¹ = (C + λI)⁻¹ G_tᵀ gives Ŷ_v = (G_v V) diag(1/(s+λ)) (Vᵀ G_tᵀ Y), so each λ
// costs O(n_v·D·classes). When D ≥ n_t, K_tt itself is eigendecomposed instead. Both are exact; the
// per-λ Cholesky path is kept as `solveByCholesky` for cross-checks.
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from "ml-matrix";

/** Row-major float64 matrix. */
export interface Dense {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function dense(rows: number, cols: number, data: Float64Array = new Float64Array(rows * cols)): Dense {
  if (data.length !== rows * cols) throw new Error(`dense: ${data.length} values for ${rows}×${cols}`);
  return { rows, cols, data };
}

export function transpose(a: Dense): Dense {
  const out = new Float64Array(a.rows * a.cols);
  const src = a.data;
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) out[j * a.rows + i] = src[i * a.cols + j]!;
  return dense(a.cols, a.rows, out);
}

/**
 * A Bᵀ for row-major A (m×k) and B (n×k): every entry is a dot product of two contiguous rows,
 * unrolled by four, which V8 runs ~3× faster than the textbook i-k-j loop.
 */
export function multiplyTransposed(a: Dense, b: Dense): Dense {
  if (a.cols !== b.cols) throw new Error(`A Bᵀ: inner sizes ${a.cols} and ${b.cols} differ`);
  const k = a.cols;
  const ad = a.data;
  const bd = b.data;
  const out = new Float64Array(a.rows * b.rows);
  const symmetric = a === b;
  for (let i = 0; i < a.rows; i++) {
    const ai = i * k;
    for (let j = symmetric ? i : 0; j < b.rows; j++) {
      const bj = j * k;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t = 0;
      for (; t + 3 < k; t += 4) {
        s0 += ad[ai + t]! * bd[bj + t]!;
        s1 += ad[ai + t + 1]! * bd[bj + t + 1]!;
        s2 += ad[ai + t + 2]! * bd[bj + t + 2]!;
        s3 += ad[ai + t + 3]! * bd[bj + t + 3]!;
      }
      for (; t < k; t++) s0 += ad[ai + t]! * bd[bj + t]!;
      const s = s0 + s1 + s2 + s3;
      out[i * b.rows + j] = s;
      if (symmetric) out[j * b.rows + i] = s;
    }
  }
  return dense(a.rows, b.rows, out);
}

/** Aᵀ B for row-major A (n×p) and B (n×q). */
export function transposedMultiply(a: Dense, b: Dense): Dense {
  if (a.rows !== b.rows) throw new Error(`Aᵀ B: outer sizes ${a.rows} and ${b.rows} differ`);
  const at = transpose(a);
  return multiplyTransposed(at, a === b ? at : transpose(b));
}

/** A B for row-major A (m×k) and B (k×n). */
export function multiplyDense(a: Dense, b: Dense): Dense {
  if (a.cols !== b.rows) throw new Error(`A B: inner sizes ${a.cols} and ${b.rows} differ`);
  return multiplyTransposed(a, transpose(b));
}

function toMatrix(a: Dense): Matrix {
  const m = new Matrix(a.rows, a.cols);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) m.set(i, j, a.data[i * a.cols + j]!);
  return m;
}

function fromMatrix(m: Matrix): Dense {
  return dense(m.rows, m.columns, Float64Array.from(m.to1DArray()));
}

/** Symmetric eigendecomposition: values and column eigenvectors (row-major n×n). */
export function symmetricEigen(a: Dense): { values: Float64Array; vectors: Dense } {
  const evd = new EigenvalueDecomposition(toMatrix(a), { assumeSymmetric: true });
  return { values: Float64Array.from(evd.realEigenvalues), vectors: fromMatrix(evd.eigenvectorMatrix) };
}

/** One-hot labels minus 0.1, the reference's regression targets. */
export function regressionTargets(labels: ArrayLike<number>, numClasses: number): Dense {
  const y = dense(labels.length, numClasses);
  for (let i = 0; i < labels.length; i++) {
    for (let c = 0; c < numClasses; c++) y.data[i * numClasses + c] = (labels[i] === c ? 1 : 0) - 0.1;
  }
  return y;
}

export function argmaxAccuracy(
  predictions: Dense,
  labels: ArrayLike<number>,
  rows?: ArrayLike<number>,
): number {
  const which = rows ?? Array.from({ length: predictions.rows }, (_, i) => i);
  let correct = 0;
  for (let t = 0; t < which.length; t++) {
    const i = which[t]!;
    let best = 0;
    for (let c = 1; c < predictions.cols; c++) {
      if (predictions.data[i * predictions.cols + c]! > predictions.data[i * predictions.cols + best]!)
        best = c;
    }
    if (best === labels[i]) correct++;
  }
  return correct / which.length;
}

/** Predicts Ŷ_v = K_vt (K_tt + λ·I)⁻¹ Y_t for many λ from one factorisation. */
export interface KernelRegressor {
  /** tr(K_tt)/n_t: the reference scales ε by it. */
  readonly meanDiagonal: number;
  /** Predictions for ridge λ, or undefined where K_tt + λI is not numerically positive definite. */
  predict(lambda: number): Dense | undefined;
}

/**
 * @param gTrain n_t × D features (ensemble members concatenated and scaled by 1/√M), so K_tt = G_t G_tᵀ.
 * @param gVal n_v × D features.
 */
export function kernelRegressor(gTrain: Dense, gVal: Dense, targets: Dense): KernelRegressor {
  const n = gTrain.rows;
  let trace = 0;
  for (const v of gTrain.data) trace += v * v;
  const meanDiagonal = trace / n;
  const dim = gTrain.cols;
  const useFeatureSide = dim < n;
  // Feature side: C = G_tᵀG_t = V S Vᵀ; left = G_v V, right = Vᵀ G_tᵀ Y.
  // Sample side: K_tt = U S Uᵀ; left = K_vt U, right = Uᵀ Y.
  const { values, vectors } = symmetricEigen(
    useFeatureSide ? transposedMultiply(gTrain, gTrain) : multiplyTransposed(gTrain, gTrain),
  );
  const left = useFeatureSide
    ? multiplyDense(gVal, vectors)
    : multiplyDense(multiplyTransposed(gVal, gTrain), vectors);
  const right = useFeatureSide
    ? transposedMultiply(vectors, transposedMultiply(gTrain, targets))
    : transposedMultiply(vectors, targets);
  let maxValue = 0;
  for (const v of values) maxValue = Math.max(maxValue, Math.abs(v));
  // Cholesky of K+λI breaks down when its smallest eigenvalue is lost in rounding; mirror that test.
  // On the feature side K also has n−D zero eigenvalues, so its smallest is min(0, s_min) + λ.
  const roundoff = n * Number.EPSILON * (maxValue + meanDiagonal);
  let smallest = Number.POSITIVE_INFINITY;
  for (const v of values) smallest = Math.min(smallest, v);
  if (useFeatureSide) smallest = Math.min(smallest, 0);
  return {
    meanDiagonal,
    predict(lambda: number): Dense | undefined {
      if (!(smallest + lambda > roundoff)) return undefined;
      const k = values.length;
      const scaled = dense(k, right.cols);
      for (let i = 0; i < k; i++) {
        const f = 1 / (values[i]! + lambda);
        for (let j = 0; j < right.cols; j++)
          scaled.data[i * right.cols + j] = right.data[i * right.cols + j]! * f;
      }
      return multiplyDense(left, scaled);
    },
  };
}

/** The reference computation: Cholesky of K_tt + λI for one λ, then K_vt X. Undefined if it fails. */
export function solveByCholesky(
  kTrain: Dense,
  kValTrain: Dense,
  targets: Dense,
  lambda: number,
): Dense | undefined {
  const m = toMatrix(kTrain);
  for (let i = 0; i < kTrain.rows; i++) m.set(i, i, m.get(i, i) + lambda);
  const chol = new CholeskyDecomposition(m);
  if (!chol.isPositiveDefinite()) return undefined;
  const x = fromMatrix(chol.solve(toMatrix(targets)));
  return multiplyDense(kValTrain, x);
}

/** ε grid of the reference: logspace(-7, 2, 20). */
export function logspace(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => 10 ** (from + ((to - from) * i) / (count - 1)));
}
