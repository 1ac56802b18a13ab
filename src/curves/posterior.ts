// Bayesian posterior over LC-PFN's curve prior (families.ts) given the first t epochs of a curve, by
// MCMC as Domhan et al. 2015 did it (emcee's affine-invariant ensemble sampler, Goodman & Weare 2010,
// with the stretch move of Foreman-Mackey et al. 2013). LC-PFN approximates exactly this posterior
// predictive with a transformer; its weights are a download this workplace cannot reach, so we sample
// the posterior itself. Differences from Domhan's code, each for speed or fidelity to LC-PFN's prior:
// LC-PFN's priors (not Domhan's uniform boxes), no recency weighting of the likelihood, and walkers
// start at the best of a few thousand prior draws instead of at a least-squares fit.
import * as v from "valibot";
import { defaultsOf, integer, type OptionsOf, oneOf, option, resolveOptions } from "../metrics/options.js";
import { Rng } from "../util/random.js";
import {
  CurvePrior,
  constraintPositions,
  DOMHAN_FAMILIES,
  EpochGrid,
  type EpochScale,
  epochRange,
  LCPFN_FAMILIES,
  priorPositions,
  satisfiesCurveConstraint,
} from "./families.js";

export const POSTERIOR_OPTIONS = v.strictObject({
  /** lcpfn: pow3, ilog2, Janoschek (what LC-PFN's released model learnt); domhan: all eleven. */
  prior: option(oneOf(["lcpfn", "domhan"]), "lcpfn"),
  /**
   * raw: epoch numbers as they are, the constraint on the run's own epochs; prior: the run stretched
   * onto LC-PFN's 100 epochs (families.ts). raw predicted nasprobe's 12-epoch NB201 curves far better
   * (docs/learning-curves.md) and is 5× faster on short runs.
   */
  epochScale: option(oneOf(["raw", "prior"]), "raw"),
  /** Ensemble size (emcee needs ≥ 2·dim; the lcpfn prior has 13 dimensions). */
  walkers: option(integer(4), 32),
  /** Ensemble moves per walker, burn-in included. */
  steps: option(integer(1), 600),
  burnIn: option(integer(0), 300),
  /** Keep every thin-th state of each walker after burn-in. */
  thin: option(integer(1), 3),
  /** Prior draws (meeting the constraint) whose best start the walkers. */
  initDraws: option(integer(1), 1500),
  /** Least-squares fits (from the best prior draws) that half the walkers start around; 0: none. */
  leastSquaresStarts: option(integer(0), 4),
  /**
   * Times during burn-in that the worse half of the walkers restart from the better half. Off by
   * default: on prior draws it narrowed the predictive below its nominal coverage (30-epoch curves
   * cut at a third: 90 % interval covered 78 % with 3, 88 % with 0; mean log density 1.34 vs 1.47).
   */
  resamples: option(integer(0), 0),
  /** Stretch-move scale a (emcee's default 2). */
  stretch: option(v.pipe(v.number(), v.finite(), v.gtValue(1, "must be a number > 1")), 2),
  seed: option(integer(-2147483648, 2147483647), 0),
});

export type PosteriorOptions = OptionsOf<typeof POSTERIOR_OPTIONS>;
export const POSTERIOR_DEFAULTS: PosteriorOptions = defaultsOf(POSTERIOR_OPTIONS);

const LOG_TWO_PI = 1.8378770664093453;

// Numerical Recipes' erfcc: erfc(z) ≈ t·exp(−z² + Σ_i c_i tⁱ), t = 1/(1 + z/2), relative error < 1.2e-7.
const ERFC_COEFFICIENTS = [
  -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587,
  -0.82215223, 0.17087277,
];

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  let poly = 0;
  for (let i = ERFC_COEFFICIENTS.length - 1; i >= 0; i--) poly = poly * t + ERFC_COEFFICIENTS[i]!;
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** P(N(mu, sigma²) > y). */
const upperTail = (y: number, mu: number, sigma: number) => 0.5 * erfc((y - mu) / (sigma * Math.SQRT2));

/**
 * The posterior predictive of y_T (the noisy value one would observe at epoch T): an equal-weight
 * mixture of N(f_s(T), σ_s²) over the posterior samples s. Probabilities, quantiles and densities are
 * the mixture's, so they are smooth in their argument (not counts of samples).
 */
export class Predictive {
  /** Noiseless f_s(T) of each posterior sample. */
  readonly curve: Float64Array;
  /** σ_s of each posterior sample. */
  readonly sigma: Float64Array;
  readonly epoch: number;
  private readonly seed: number;
  private sortedCache: Float64Array | undefined;

  constructor(epoch: number, curve: Float64Array, sigma: Float64Array, seed: number) {
    this.epoch = epoch;
    this.curve = curve;
    this.sigma = sigma;
    this.seed = seed;
  }

  get size(): number {
    return this.curve.length;
  }

  /** E[y_T] = E[f(T)]. */
  get mean(): number {
    let s = 0;
    for (const f of this.curve) s += f;
    return s / this.curve.length;
  }

  /** Standard deviation of y_T: spread of f(T) plus the noise. */
  get std(): number {
    const m = this.mean;
    let s = 0;
    for (let i = 0; i < this.curve.length; i++) {
      const d = this.curve[i]! - m;
      s += d * d + this.sigma[i]! ** 2;
    }
    return Math.sqrt(s / this.curve.length);
  }

  get median(): number {
    return this.quantile(0.5);
  }

  /** P(y_T > threshold). */
  probabilityAbove(threshold: number): number {
    let p = 0;
    for (let i = 0; i < this.curve.length; i++) p += upperTail(threshold, this.curve[i]!, this.sigma[i]!);
    return p / this.curve.length;
  }

  cdf(y: number): number {
    return 1 - this.probabilityAbove(y);
  }

  /** The q-quantile of y_T, by bisection on the mixture's CDF. */
  quantile(q: number): number {
    if (!(q > 0 && q < 1)) throw new Error(`quantile needs 0 < q < 1, got ${q}`);
    const sorted = this.sorted();
    let maxSigma = 0;
    for (const s of this.sigma) maxSigma = Math.max(maxSigma, s);
    let lo = sorted[0]! - 10 * maxSigma;
    let hi = sorted[sorted.length - 1]! + 10 * maxSigma;
    for (let i = 0; i < 60 && hi - lo > 1e-9; i++) {
      const mid = 0.5 * (lo + hi);
      if (this.cdf(mid) < q) lo = mid;
      else hi = mid;
    }
    return 0.5 * (lo + hi);
  }

  /** [lower, upper] holding the central `mass` of y_T (e.g. 0.9: 5 % to 95 %). */
  interval(mass: number): [number, number] {
    const tail = (1 - mass) / 2;
    return [this.quantile(tail), this.quantile(1 - tail)];
  }

  /** log p(y_T = y) under the mixture (log-sum-exp). */
  logDensity(y: number): number {
    let max = Number.NEGATIVE_INFINITY;
    const terms = new Float64Array(this.curve.length);
    for (let i = 0; i < this.curve.length; i++) {
      const s = this.sigma[i]!;
      const u = (y - this.curve[i]!) / s;
      terms[i] = -0.5 * u * u - Math.log(s) - 0.5 * LOG_TWO_PI;
      if (terms[i]! > max) max = terms[i]!;
    }
    if (max === Number.NEGATIVE_INFINITY) return max;
    let sum = 0;
    for (const t of terms) sum += Math.exp(t - max);
    return max + Math.log(sum / this.curve.length);
  }

  /** `n` draws of y_T (default one per posterior sample), the same for the same posterior seed. */
  samples(n = this.curve.length): Float64Array {
    const rng = new Rng(this.seed, "predictive", this.epoch);
    return Float64Array.from({ length: n }, (_, i) => {
      const s = n === this.curve.length ? i : rng.int(this.curve.length);
      return this.curve[s]! + this.sigma[s]! * rng.normal();
    });
  }

  private sorted(): Float64Array {
    this.sortedCache ??= Float64Array.from(this.curve).sort();
    return this.sortedCache;
  }
}

export interface PosteriorDiagnostics {
  /** Fraction of stretch moves accepted after burn-in (Foreman-Mackey et al. suggest 0.2–0.5). */
  readonly acceptance: number;
  /** Log-posterior evaluations (prior draws included). */
  readonly evaluations: number;
  /** Prior draws tried until `initDraws` met the constraint. */
  readonly initTries: number;
  readonly milliseconds: number;
}

/** Posterior samples of the combined curve model given y_1..y_t, with predictions at any epoch. */
export class CurvePosterior {
  readonly prior: CurvePrior;
  readonly options: PosteriorOptions;
  readonly horizon: number;
  /** Observed epochs t. */
  readonly observed: number;
  /** Latent vectors, samples × prior.dim, row-major. */
  readonly latents: Float64Array;
  readonly diagnostics: PosteriorDiagnostics;
  private readonly cache = new Map<number, Predictive>();

  constructor(
    prior: CurvePrior,
    options: PosteriorOptions,
    horizon: number,
    observed: number,
    latents: Float64Array,
    diagnostics: PosteriorDiagnostics,
  ) {
    this.prior = prior;
    this.options = options;
    this.horizon = horizon;
    this.observed = observed;
    this.latents = latents;
    this.diagnostics = diagnostics;
  }

  get size(): number {
    return this.latents.length / this.prior.dim;
  }

  /** The predictive distribution of y at epoch T (default: the horizon). */
  at(epoch = this.horizon): Predictive {
    const cached = this.cache.get(epoch);
    if (cached) return cached;
    const { prior } = this;
    const grid = new EpochGrid(priorPositions([epoch], this.horizon, this.options.epochScale));
    const values = new Float64Array(prior.dim);
    const one = new Float64Array(1);
    const n = this.size;
    const curve = new Float64Array(n);
    const sigma = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      prior.transform(this.latents, s * prior.dim, values);
      curve[s] = prior.curve(values, grid, one)[0]!;
      sigma[s] = Math.exp(values[prior.sigmaIndex]!);
    }
    const predictive = new Predictive(epoch, curve, sigma, this.options.seed);
    this.cache.set(epoch, predictive);
    return predictive;
  }

  /** P(y_T > threshold) at epoch T (default: the horizon). */
  probabilityAbove(threshold: number, epoch = this.horizon): number {
    return this.at(epoch).probabilityAbove(threshold);
  }

  /** Noiseless f_s at epochs 1..upTo for posterior sample s (for plots and constraint checks). */
  sampleCurve(s: number, upTo = this.horizon): Float64Array {
    const grid = new EpochGrid(priorPositions(epochRange(upTo), this.horizon, this.options.epochScale));
    const values = this.prior.transform(this.latents, s * this.prior.dim, new Float64Array(this.prior.dim));
    return this.prior.curve(values, grid);
  }
}

/**
 * Unnormalised log posterior of the latent vector: latent priors, LC-PFN's constraint on the horizon's
 * epochs, Gaussian likelihood of y_1..y_t.
 */
class LogPosterior {
  readonly prior: CurvePrior;
  private readonly grid: EpochGrid;
  private readonly y: Float64Array;
  /** Grid points [0, checked) carry the constraint; y_i sits at grid point observedAt + i. */
  private readonly checked: number;
  private readonly observedAt: number;
  private readonly values: Float64Array;
  private readonly f: Float64Array;
  evaluations = 0;

  constructor(prior: CurvePrior, y: Float64Array, horizon: number, scale: EpochScale) {
    this.prior = prior;
    this.y = y;
    const checked = constraintPositions(horizon, scale);
    const observed = priorPositions(epochRange(y.length), horizon, scale);
    // When the observed epochs are the first constraint points (raw scale, or a 100-epoch run) one
    // curve evaluation serves both.
    const shared = observed.length <= checked.length && observed.every((x, i) => x === checked[i]);
    const positions = shared ? checked : Float64Array.from([...checked, ...observed]);
    this.checked = checked.length;
    this.observedAt = shared ? 0 : checked.length;
    this.grid = new EpochGrid(positions);
    this.values = new Float64Array(prior.dim);
    this.f = new Float64Array(positions.length);
  }

  /** The prior part alone, −∞ when the constraint fails (for drawing starting points). */
  logPriorWithConstraint(z: Float64Array, offset = 0): number {
    const lp = this.prior.logPrior(z, offset);
    if (lp === Number.NEGATIVE_INFINITY) return lp;
    this.prior.curve(this.prior.transform(z, offset, this.values), this.grid, this.f);
    return satisfiesCurveConstraint(this.f, this.checked) ? lp : Number.NEGATIVE_INFINITY;
  }

  /** Log likelihood of the curve left in `f` by the last logPriorWithConstraint. */
  private logLikelihoodOfLastCurve(logSigma: number): number {
    const inv = Math.exp(-logSigma);
    let ss = 0;
    for (let i = 0; i < this.y.length; i++) {
      const r = (this.y[i]! - this.f[this.observedAt + i]!) * inv;
      ss += r * r;
    }
    return -0.5 * ss - this.y.length * (logSigma + 0.5 * LOG_TWO_PI);
  }

  /** y − f into `out` (length t); false outside the prior's support or constraint. */
  residuals(z: Float64Array, out: Float64Array): boolean {
    this.evaluations++;
    if (this.logPriorWithConstraint(z) === Number.NEGATIVE_INFINITY) return false;
    for (let i = 0; i < this.y.length; i++) out[i] = this.y[i]! - this.f[this.observedAt + i]!;
    return true;
  }

  get observedLength(): number {
    return this.y.length;
  }

  evaluate(z: Float64Array, offset = 0): number {
    this.evaluations++;
    const lp = this.logPriorWithConstraint(z, offset);
    if (lp === Number.NEGATIVE_INFINITY) return lp;
    return lp + this.logLikelihoodOfLastCurve(z[offset + this.prior.sigmaIndex]!);
  }
}

/** Solves the small dense system A x = b in place by Gaussian elimination with partial pivoting. */
function solveDense(a: Float64Array, b: Float64Array, n: number): boolean {
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]!) > Math.abs(a[pivot * n + c]!)) pivot = r;
    if (!(Math.abs(a[pivot * n + c]!) > 1e-300)) return false;
    if (pivot !== c) {
      for (let k = 0; k < n; k++) {
        const t = a[c * n + k]!;
        a[c * n + k] = a[pivot * n + k]!;
        a[pivot * n + k] = t;
      }
      const t = b[c]!;
      b[c] = b[pivot]!;
      b[pivot] = t;
    }
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c]! / a[c * n + c]!;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k]! -= f * a[c * n + k]!;
      b[r]! -= f * b[c]!;
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r]!;
    for (let k = r + 1; k < n; k++) sum -= a[r * n + k]! * b[k]!;
    b[r] = sum / a[r * n + r]!;
  }
  return true;
}

/**
 * Least squares of the curve parameters (every latent but ln σ) by Levenberg–Marquardt with a
 * forward-difference Jacobian, steps that leave the prior's support or constraint rejected, as
 * Domhan's code starts its sampler from a least-squares fit. Then ln σ is set to the fit's RMS.
 * Without it the ensemble rarely finds the narrow ridge of a curve the data pin down.
 */
function leastSquaresStart(target: LogPosterior, start: Float64Array, iterations: number): Float64Array {
  const dim = start.length;
  const p = dim - 1;
  const t = target.observedLength;
  const z = Float64Array.from(start);
  const r = new Float64Array(t);
  const rStep = new Float64Array(t);
  const jac = new Float64Array(t * p);
  const a = new Float64Array(p * p);
  const g = new Float64Array(p);
  const trial = new Float64Array(dim);
  if (!target.residuals(z, r)) return z;
  let ss = r.reduce((acc, v) => acc + v * v, 0);
  let lambda = 1e-3;
  for (let it = 0; it < iterations && ss > 0; it++) {
    for (let j = 0; j < p; j++) {
      const h = 1e-6 * Math.max(1, Math.abs(z[j]!));
      const saved = z[j]!;
      z[j] = saved + h;
      let ok = target.residuals(z, rStep);
      let step = h;
      if (!ok) {
        z[j] = saved - h;
        ok = target.residuals(z, rStep);
        step = -h;
      }
      z[j] = saved;
      for (let i = 0; i < t; i++) jac[i * p + j] = ok ? (rStep[i]! - r[i]!) / step : 0;
    }
    for (let j = 0; j < p; j++) {
      let gj = 0;
      for (let i = 0; i < t; i++) gj += jac[i * p + j]! * r[i]!;
      g[j] = gj;
    }
    let improved = false;
    for (let attempt = 0; attempt < 12 && !improved; attempt++) {
      for (let j = 0; j < p; j++)
        for (let k = 0; k <= j; k++) {
          let sum = 0;
          for (let i = 0; i < t; i++) sum += jac[i * p + j]! * jac[i * p + k]!;
          a[j * p + k] = sum;
          a[k * p + j] = sum;
        }
      const delta = new Float64Array(p);
      for (let j = 0; j < p; j++) {
        a[j * p + j] = a[j * p + j]! * (1 + lambda) + 1e-12;
        delta[j] = -g[j]!;
      }
      if (!solveDense(a, delta, p)) {
        lambda *= 4;
        continue;
      }
      trial.set(z);
      for (let j = 0; j < p; j++) trial[j]! += delta[j]!;
      if (target.residuals(trial, rStep)) {
        const ssTrial = rStep.reduce((acc, v) => acc + v * v, 0);
        if (ssTrial < ss) {
          const gain = ss - ssTrial;
          z.set(trial);
          r.set(rStep);
          ss = ssTrial;
          lambda = Math.max(lambda / 3, 1e-9);
          improved = true;
          if (gain < 1e-12 * Math.max(ss, 1e-300)) it = iterations;
          continue;
        }
      }
      lambda *= 4;
    }
    if (!improved) break;
  }
  z[p] = Math.log(Math.max(Math.sqrt(ss / t), 1e-4));
  return z;
}

/**
 * Burn-in only: walkers in the worse half of the ensemble restart from copies of the better half,
 * jittered by a tenth of the better half's spread. The stretch move scales its steps with the
 * ensemble's spread, so walkers left in poor modes keep the good ones from refining a curve that pins
 * the parameters to a narrow ridge. This breaks detailed balance, hence burn-in only; the sampling
 * phase is plain emcee.
 */
function resampleStuckWalkers(x: Float64Array, lp: Float64Array, dim: number, rng: Rng): void {
  const walkers = lp.length;
  const order = Array.from({ length: walkers }, (_, i) => i).sort((a, b) => lp[b]! - lp[a]!);
  const good = order.slice(0, walkers >> 1);
  const spread = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let mean = 0;
    for (const k of good) mean += x[k * dim + d]!;
    mean /= good.length;
    let ss = 0;
    for (const k of good) ss += (x[k * dim + d]! - mean) ** 2;
    spread[d] = Math.sqrt(ss / good.length);
  }
  for (const k of order.slice(walkers >> 1)) {
    const from = good[rng.int(good.length)]!;
    for (let d = 0; d < dim; d++) x[k * dim + d] = x[from * dim + d]! + 0.1 * spread[d]! * rng.normal();
    lp[k] = Number.NaN; // recomputed by the caller
  }
}

/**
 * The posterior of LC-PFN's curve model given `observed` = y_1..y_t (accuracies as fractions, epochs
 * 1..t) for a run of `horizon` epochs. Deterministic in `options.seed`.
 */
export function fitPosterior(
  observed: ArrayLike<number>,
  horizon: number,
  options: Partial<PosteriorOptions> = {},
): CurvePosterior {
  const started = performance.now();
  const opts = resolveOptions("posterior", POSTERIOR_OPTIONS, options);
  if (!(Number.isInteger(horizon) && horizon >= 2))
    throw new Error(`horizon must be an integer ≥ 2, got ${horizon}`);
  if (observed.length < 1) throw new Error("a posterior needs at least one observed epoch");
  const y = new Float64Array(observed.length);
  for (let i = 0; i < y.length; i++) y[i] = observed[i]!;
  for (const value of y)
    if (!Number.isFinite(value)) throw new Error(`observed values must be finite, got ${value}`);
  const prior = new CurvePrior(opts.prior === "lcpfn" ? LCPFN_FAMILIES : DOMHAN_FAMILIES);
  const dim = prior.dim;
  const walkers = Math.max(opts.walkers, 2 * dim) + (Math.max(opts.walkers, 2 * dim) % 2); // even, ≥ 2·dim
  const target = new LogPosterior(prior, y, horizon, opts.epochScale);
  const rng = new Rng(opts.seed, "curve-posterior");

  // Starting ensemble: the walkers best-scoring prior draws that meet the constraint.
  const initDraws = Math.max(opts.initDraws, walkers);
  const pool = new Float64Array(initDraws * dim);
  const poolLp = new Float64Array(initDraws);
  let initTries = 0;
  const z = new Float64Array(dim);
  for (let n = 0; n < initDraws; ) {
    if (++initTries > 1000 * initDraws) throw new Error("the curve prior's constraint rejects every draw");
    prior.sampleLatent(rng, z);
    if (target.logPriorWithConstraint(z) === Number.NEGATIVE_INFINITY) continue;
    pool.set(z, n * dim);
    poolLp[n] = target.evaluate(z);
    n++;
  }
  const order = Array.from({ length: initDraws }, (_, i) => i).sort((a, b) => poolLp[b]! - poolLp[a]!);
  // Half the walkers in a small ball around least-squares fits from the best prior draws, half at the
  // next-best prior draws (other modes); burn-in resampling sorts out which survive.
  const fits: Float64Array[] = [];
  for (let k = 0; k < Math.min(opts.leastSquaresStarts, initDraws); k++) {
    const fit = leastSquaresStart(target, pool.subarray(order[k]! * dim, (order[k]! + 1) * dim), 40);
    if (target.evaluate(fit) > Number.NEGATIVE_INFINITY) fits.push(fit);
  }
  const x = new Float64Array(walkers * dim);
  const lp = new Float64Array(walkers);
  const ball = fits.length > 0 ? walkers >> 1 : 0;
  const candidate = new Float64Array(dim);
  for (let k = 0; k < ball; k++) {
    const centre = fits[k % fits.length]!;
    // A walker must start inside the support; shrink the jitter until it does.
    for (let scale = 1e-3; ; scale /= 4) {
      for (let d = 0; d < dim; d++) {
        const pr = prior.specs[d]!.prior;
        const width = pr.kind === "uniform" ? pr.high - pr.low : pr.std;
        candidate[d] = centre[d]! + scale * width * rng.normal();
      }
      const value = target.evaluate(candidate);
      if (value > Number.NEGATIVE_INFINITY || scale < 1e-12) {
        x.set(value > Number.NEGATIVE_INFINITY ? candidate : centre, k * dim);
        lp[k] = value > Number.NEGATIVE_INFINITY ? value : target.evaluate(centre);
        break;
      }
    }
  }
  for (let k = ball; k < walkers; k++) {
    const from = order[k - ball]!;
    x.set(pool.subarray(from * dim, (from + 1) * dim), k * dim);
    lp[k] = poolLp[from]!;
  }

  // Stretch moves, updating one half of the ensemble against the other (emcee's parallel scheme).
  const half = walkers / 2;
  const a = opts.stretch;
  const proposal = new Float64Array(dim);
  const kept = Math.max(0, Math.floor((opts.steps - opts.burnIn) / opts.thin));
  const latents = new Float64Array(kept * walkers * dim);
  let stored = 0;
  let accepted = 0;
  let proposed = 0;
  const resampleAt = new Set(
    Array.from({ length: opts.resamples }, (_, r) =>
      Math.floor((opts.burnIn * (r + 1)) / (opts.resamples + 1)),
    ),
  );
  for (let step = 0; step < opts.steps; step++) {
    if (step > 0 && resampleAt.has(step)) {
      resampleStuckWalkers(x, lp, dim, rng);
      for (let k = 0; k < walkers; k++)
        if (Number.isNaN(lp[k]!)) lp[k] = target.evaluate(x.subarray(k * dim, (k + 1) * dim));
    }
    for (let part = 0; part < 2; part++) {
      const from = part * half;
      const other = (1 - part) * half;
      for (let k = from; k < from + half; k++) {
        const j = other + rng.int(half);
        const u = rng.uniform();
        const zScale = ((a - 1) * u + 1) ** 2 / a;
        for (let d = 0; d < dim; d++) {
          const xj = x[j * dim + d]!;
          proposal[d] = xj + zScale * (x[k * dim + d]! - xj);
        }
        const lpNew = target.evaluate(proposal);
        const logAccept = (dim - 1) * Math.log(zScale) + lpNew - lp[k]!;
        const take =
          lpNew > Number.NEGATIVE_INFINITY && (logAccept >= 0 || Math.log(rng.uniform()) < logAccept);
        if (step >= opts.burnIn) {
          proposed++;
          if (take) accepted++;
        }
        if (take) {
          x.set(proposal, k * dim);
          lp[k] = lpNew;
        }
      }
    }
    const after = step - opts.burnIn + 1;
    if (after > 0 && after % opts.thin === 0 && stored < kept * walkers) {
      latents.set(x, stored * dim);
      stored += walkers;
    }
  }
  if (stored === 0) {
    // steps ≤ burnIn: the final ensemble is the sample.
    return new CurvePosterior(prior, opts, horizon, y.length, Float64Array.from(x), {
      acceptance: Number.NaN,
      evaluations: target.evaluations,
      initTries,
      milliseconds: performance.now() - started,
    });
  }
  return new CurvePosterior(prior, opts, horizon, y.length, latents.slice(0, stored * dim), {
    acceptance: proposed > 0 ? accepted / proposed : Number.NaN,
    evaluations: target.evaluations,
    initTries,
    milliseconds: performance.now() - started,
  });
}
