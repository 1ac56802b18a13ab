// The few-label predictor: Gaussian-process regression from an architecture's training-free values
// to a cheap label (e.g. NB201's c10valid_valid_200, or our own short training), fitted on a handful
// of labelled architectures and used to rank the rest. Chosen on evidence (bench/predict-protocol.ts,
// docs/zero-cost-nb201.md "Few labels"): every value goes in as its normal score over all the
// architectures being ranked (ranks, so heavy-tailed and log-scale metrics weigh alike, NaN lowest);
// the labels as their normal scores too, so the fit is on the ranking and not pulled by NB201's
// cluster of 10 %-accuracy cells; the kernel is linear + RBF (the linear part carries the monotone
// trend a zero-label ranker already has, the RBF part its interactions); its weights, length-scale
// and noise are picked from a small grid by the log marginal likelihood, so nothing is tuned by
// hand per space. On 800 held-out NB201 cells an architecture one-hot encoding did not help (see the
// doc) and is left to `encodings`. Kernel algebra in fp64 (ml-matrix's Cholesky).
import { CholeskyDecomposition, Matrix } from "ml-matrix";

/** Φ⁻¹(p) for 0 < p < 1 (Acklam's rational approximation, relative error < 1.2e-9). */
export function probit(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`probit(${p}): p must lie in (0, 1)`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - low) return -probit(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Tie-averaged ranks 1…n, NaN ranked lowest (ties among NaN averaged too). */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const key = (i: number) => (Number.isNaN(values[i]!) ? Number.NEGATIVE_INFINITY : values[i]!);
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => key(i) - key(j) || i - j);
  const ranks = new Float64Array(n);
  for (let s = 0; s < n; ) {
    let e = s;
    while (e + 1 < n && key(order[e + 1]!) === key(order[s]!)) e++;
    for (let t = s; t <= e; t++) ranks[order[t]!] = (s + e) / 2 + 1;
    s = e + 1;
  }
  return ranks;
}

/** Normal scores Φ⁻¹((rank − ½)/n): ranks mapped onto a standard normal's quantiles. */
export function normalScores(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  return averageRanks(values).map((r) => probit((r - 0.5) / n));
}

export interface GpHyper {
  /** Weight of the linear kernel xᵀy/d. */
  readonly linear: number;
  /** Weight of the RBF kernel exp(−|x−y|²/(2ℓ²d)). */
  readonly rbf: number;
  /** ℓ, in units of √d (d = number of features). */
  readonly lengthScale: number;
  /** Noise variance added to the labelled kernel's diagonal. */
  readonly noise: number;
}

/** The hyper-parameter grid the marginal likelihood chooses from. */
export const GP_GRID: readonly GpHyper[] = (() => {
  const out: GpHyper[] = [];
  for (const lengthScale of [0.5, 1, 2, 4])
    for (const linear of [0, 0.03, 0.1, 0.3, 1, 3])
      for (const rbf of [0, 0.03, 0.1, 0.3, 1])
        for (const noise of [0.01, 0.1, 0.3, 1])
          if (linear + rbf > 0) out.push({ linear, rbf, lengthScale, noise });
  return out;
})();

function kernel(x: Float64Array, y: Float64Array, d: number, h: GpHyper): number {
  let dot = 0;
  let sq = 0;
  for (let k = 0; k < d; k++) {
    dot += x[k]! * y[k]!;
    sq += (x[k]! - y[k]!) ** 2;
  }
  return (h.linear * dot) / d + h.rbf * Math.exp(-sq / (2 * h.lengthScale ** 2 * d));
}

export interface GpFit {
  readonly hyper: GpHyper;
  /** c of the prior mean c·m (0 without a prior). */
  readonly priorScale: number;
  /** log p(t | X, hyper) of the labelled normal scores, up to the constant −n/2·log 2π. */
  readonly logMarginal: number;
  /** Posterior mean of every row of X (labelled ones included), on the labels' normal-score scale. */
  readonly mean: Float64Array;
}

/**
 * GP regression of `targets` (already on the scale to fit) at rows `labelled` of `rows`, the
 * hyper-parameters chosen from `grid` by the log marginal likelihood; predicts every row.
 */
export function fitGp(
  rows: readonly Float64Array[],
  labelled: readonly number[],
  targets: ArrayLike<number>,
  grid: readonly GpHyper[] = GP_GRID,
  prior?: { readonly mean: ArrayLike<number>; readonly scales: readonly number[] },
): GpFit {
  const n = labelled.length;
  if (n === 0) throw new Error("no labelled architectures to fit on");
  if (targets.length !== n) throw new Error(`${n} labelled rows but ${targets.length} targets`);
  const d = rows[0]!.length;
  const scales = prior?.scales ?? [0];
  // The GP models what the prior mean leaves: t − c·m at the labelled rows, one target per scale.
  const residuals = scales.map((c) =>
    Matrix.columnVector(Array.from(targets, (v, i) => v - (prior ? c * prior.mean[labelled[i]!]! : 0))),
  );
  // The kernel does not depend on the prior's scale: one factorisation per hyper-parameter serves
  // every scale. Ties in the likelihood go to the earliest (scale, hyper) pair, scales first.
  let best:
    | { hyper: GpHyper; priorScale: number; logMarginal: number; alpha: Matrix; order: number }
    | undefined;
  grid.forEach((hyper, h) => {
    const k = new Matrix(n, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = kernel(rows[labelled[i]!]!, rows[labelled[j]!]!, d, hyper) + (i === j ? hyper.noise : 0);
        k.set(i, j, v);
        k.set(j, i, v);
      }
    const chol = new CholeskyDecomposition(k);
    if (!chol.isPositiveDefinite()) return;
    const l = chol.lowerTriangularMatrix;
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += Math.log(l.get(i, i));
    residuals.forEach((t, c) => {
      const alpha = chol.solve(t);
      let fit = 0;
      for (let i = 0; i < n; i++) fit += t.get(i, 0) * alpha.get(i, 0);
      const logMarginal = -0.5 * fit - logDet;
      const order = c * grid.length + h;
      if (!best || logMarginal > best.logMarginal || (logMarginal === best.logMarginal && order < best.order))
        best = { hyper, priorScale: scales[c]!, logMarginal, alpha, order };
    });
  });
  if (!best) throw new Error("no hyper-parameters of the grid give a positive-definite kernel");
  const mean = new Float64Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    let s = prior ? best.priorScale * prior.mean[r]! : 0;
    for (let i = 0; i < n; i++)
      s += kernel(rows[r]!, rows[labelled[i]!]!, d, best.hyper) * best.alpha.get(i, 0);
    mean[r] = s;
  }
  return { hyper: best.hyper, priorScale: best.priorScale, logMarginal: best.logMarginal, mean };
}

export interface FewLabelResult extends GpFit {
  /** The feature columns used, in order. */
  readonly features: readonly string[];
  /** The value whose normal score is the prior mean, if one was given. */
  readonly prior?: string;
}

/** Scales of the prior mean the marginal likelihood chooses from (0: no prior). */
export const PRIOR_SCALES: readonly number[] = [0, 0.25, 0.5, 0.75, 1];

/**
 * Predicts a label for every architecture from its values: `columns` holds each feature over all
 * architectures (NaN where absent), `labelled` the rows with a label, `labels` their labels. Higher
 * predictions mean higher labels; features with lower-is-better values may be given as they are
 * (the fit learns the sign). `prior` names a column (a zero-label ranker, higher is better) whose
 * normal score, scaled by c ∈ PRIOR_SCALES, is the GP's prior mean: with few labels the fit then
 * starts from the ranker's order instead of from nothing, and c = 0 remains a choice.
 */
export function predictFewLabel(
  columns: ReadonlyMap<string, ArrayLike<number>>,
  labelled: readonly number[],
  labels: ArrayLike<number>,
  prior?: string,
): FewLabelResult {
  const features = [...columns.keys()];
  if (features.length === 0) throw new Error("no features to fit on");
  if (prior !== undefined && !columns.has(prior)) throw new Error(`prior ${prior}: not among the features`);
  const scored = new Map(features.map((f) => [f, normalScores(columns.get(f)!)]));
  const count = scored.get(features[0]!)!.length;
  const rows = Array.from({ length: count }, (_, r) =>
    Float64Array.from(features, (f) => scored.get(f)![r]!),
  );
  const fit = fitGp(
    rows,
    labelled,
    normalScores(labels),
    GP_GRID,
    prior !== undefined ? { mean: scored.get(prior)!, scales: PRIOR_SCALES } : undefined,
  );
  return { ...fit, features, ...(prior !== undefined ? { prior } : {}) };
}
