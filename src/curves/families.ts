// Parametric learning-curve families and their parameter priors, as in the prior LC-PFN was trained on
// (Adriaensen et al. 2023; automl/lcpfn `lcpfn/curves.py`, "peaked" priors, and `domhan_prior.py`),
// which takes its families from Domhan et al. 2015 (IJCAI, "Speeding up automatic hyperparameter
// optimization of deep neural networks by extrapolation of learning curves";
// automl/pylearningcurvepredictor `curvefunctions.py`). Domhan's eleven families are here, each with
// the per-family prior LC-PFN's repository declares for it; LC-PFN's published model was trained on
// the three-family subset pow3, ilog2, Janoschek (`sample_from_prior`), our default. (The "exp3" of
// some write-ups is in neither repository.) Our own code; formulas and ranges are the references'.

/**
 * A parameter's prior, stated on a latent coordinate z that the sampler moves: z ~ U(low, high) or
 * z ~ N(mean, std), and the curve sees transform(z). A log-normal parameter is `exp` of a normal z, a
 * "ln(b) ~ U(0, 1)" parameter `exp` of a uniform z, so every latent prior is a plain uniform or normal.
 */
export type LatentPrior =
  | { readonly kind: "uniform"; readonly low: number; readonly high: number }
  | { readonly kind: "normal"; readonly mean: number; readonly std: number };

/** identity: value = z; exp: value = e^z; oneMinusExp: value = 1 − e^z (pow4's asymptote). */
export type ParamTransform = "identity" | "exp" | "oneMinusExp";

export interface ParamSpec {
  readonly name: string;
  readonly prior: LatentPrior;
  readonly transform: ParamTransform;
}

export const FAMILY_NAMES = [
  "pow3",
  "ilog2",
  "janoschek",
  "log_power",
  "weibull",
  "mmf",
  "vap",
  "loglog_linear",
  "exp4",
  "pow4",
  "dr_hill_zero_background",
] as const;

export type FamilyName = (typeof FAMILY_NAMES)[number];

/** The families of the curves LC-PFN's released weights were trained on (`sample_from_prior`). */
export const LCPFN_FAMILIES: readonly FamilyName[] = ["pow3", "ilog2", "janoschek"];

/** Domhan et al.'s eleven (the default `prior_weights` list of `domhan_prior.py`). */
export const DOMHAN_FAMILIES: readonly FamilyName[] = FAMILY_NAMES;

/**
 * Epoch positions with the logarithms every family needs, computed once per grid so that evaluating a
 * curve costs a handful of exp() per point.
 */
export class EpochGrid {
  readonly x: Float64Array;
  readonly logX: Float64Array;
  /** 1 / ln(x + 1), ilog2's only dependence on x. */
  readonly invLogXPlus1: Float64Array;
  readonly invX: Float64Array;

  constructor(positions: ArrayLike<number>) {
    const n = positions.length;
    this.x = Float64Array.from(positions);
    this.logX = new Float64Array(n);
    this.invLogXPlus1 = new Float64Array(n);
    this.invX = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = this.x[i]!;
      if (!(x > 0)) throw new Error(`epoch positions must be > 0, got ${x}`);
      this.logX[i] = Math.log(x);
      this.invLogXPlus1[i] = 1 / Math.log(x + 1);
      this.invX[i] = 1 / x;
    }
  }

  get length(): number {
    return this.x.length;
  }
}

export interface CurveFamily {
  readonly name: FamilyName;
  readonly params: readonly ParamSpec[];
  /**
   * out[i] += weight · f(grid.x[i]) for the parameters (already transformed) at p[offset…]. Adds so
   * that a weighted combination is one pass per family with no temporary arrays.
   */
  addTo(out: Float64Array, grid: EpochGrid, p: ArrayLike<number>, offset: number, weight: number): void;
}

const uniform = (low: number, high: number): LatentPrior => ({ kind: "uniform", low, high });
const normal = (mean: number, std: number): LatentPrior => ({ kind: "normal", mean, std });
const plain = (name: string, prior: LatentPrior): ParamSpec => ({ name, prior, transform: "identity" });
/** A parameter whose logarithm has the given prior. */
const logOf = (name: string, prior: LatentPrior): ParamSpec => ({ name, prior, transform: "exp" });

const FAMILIES: Record<FamilyName, CurveFamily> = {
  // c − a·x^(−α)
  pow3: {
    name: "pow3",
    params: [plain("c", uniform(0, 1.25)), plain("a", uniform(-0.6, 0.6)), logOf("alpha", normal(0, 2))],
    addTo(out, g, p, o, w) {
      const c = p[o]!;
      const a = p[o + 1]!;
      const alpha = p[o + 2]!;
      for (let i = 0; i < out.length; i++) out[i]! += w * (c - a * Math.exp(-alpha * g.logX[i]!));
    },
  },
  // c − a / ln(x + 1)
  ilog2: {
    name: "ilog2",
    params: [plain("c", uniform(0, 1)), plain("a", uniform(-0.5, 0.5))],
    addTo(out, g, p, o, w) {
      const c = p[o]!;
      const a = p[o + 1]!;
      for (let i = 0; i < out.length; i++) out[i]! += w * (c - a * g.invLogXPlus1[i]!);
    },
  },
  // a − (a − β)·exp(−k·x^δ)
  janoschek: {
    name: "janoschek",
    params: [
      plain("a", uniform(0, 1)),
      plain("beta", uniform(0, 2)),
      logOf("k", normal(-2, 1)),
      logOf("delta", normal(0, 0.5)),
    ],
    addTo(out, g, p, o, w) {
      const a = p[o]!;
      const beta = p[o + 1]!;
      const k = p[o + 2]!;
      const delta = p[o + 3]!;
      for (let i = 0; i < out.length; i++)
        out[i]! += w * (a - (a - beta) * Math.exp(-k * Math.exp(delta * g.logX[i]!)));
    },
  },
  // a / (1 + (x / e^b)^c)
  log_power: {
    name: "log_power",
    params: [plain("a", normal(0.8, 0.1)), plain("b", normal(1, 1)), plain("c", uniform(-3, 0))],
    addTo(out, g, p, o, w) {
      const a = p[o]!;
      const b = p[o + 1]!;
      const c = p[o + 2]!;
      for (let i = 0; i < out.length; i++) out[i]! += (w * a) / (1 + Math.exp(c * (g.logX[i]! - b)));
    },
  },
  // α − (α − β)·exp(−(κx)^δ)
  weibull: {
    name: "weibull",
    params: [
      plain("alpha", uniform(0, 1.5)),
      plain("beta", uniform(0, 1)),
      logOf("kappa", normal(-2, 1)),
      logOf("delta", normal(0, 0.5)),
    ],
    addTo(out, g, p, o, w) {
      const alpha = p[o]!;
      const beta = p[o + 1]!;
      const logKappa = Math.log(p[o + 2]!);
      const delta = p[o + 3]!;
      for (let i = 0; i < out.length; i++)
        out[i]! += w * (alpha - (alpha - beta) * Math.exp(-Math.exp(delta * (logKappa + g.logX[i]!))));
    },
  },
  // Morgan–Mercer–Flodin: α − (α − β) / (1 + (κx)^δ)
  mmf: {
    name: "mmf",
    params: [
      plain("alpha", normal(0.8, 0.1)),
      plain("beta", normal(0.2, 0.1)),
      logOf("kappa", normal(0, 2)),
      logOf("delta", normal(0, 1)),
    ],
    addTo(out, g, p, o, w) {
      const alpha = p[o]!;
      const beta = p[o + 1]!;
      const logKappa = Math.log(p[o + 2]!);
      const delta = p[o + 3]!;
      for (let i = 0; i < out.length; i++)
        out[i]! += w * (alpha - (alpha - beta) / (1 + Math.exp(delta * (logKappa + g.logX[i]!))));
    },
  },
  // Vapor pressure: exp(a + b/x + c·ln x)
  vap: {
    name: "vap",
    params: [plain("a", uniform(-2, 0)), plain("b", uniform(-4, 0)), logOf("c", uniform(-8, 0))],
    addTo(out, g, p, o, w) {
      const a = p[o]!;
      const b = p[o + 1]!;
      const c = p[o + 2]!;
      for (let i = 0; i < out.length; i++) out[i]! += w * Math.exp(a + b * g.invX[i]! + c * g.logX[i]!);
    },
  },
  // ln(a·ln x + b)
  loglog_linear: {
    name: "loglog_linear",
    params: [logOf("a", normal(-2, 1)), logOf("b", uniform(0, 1))],
    addTo(out, g, p, o, w) {
      const a = p[o]!;
      const b = p[o + 1]!;
      for (let i = 0; i < out.length; i++) out[i]! += w * Math.log(a * g.logX[i]! + b);
    },
  },
  // c − exp(−a·x^α + b)
  exp4: {
    name: "exp4",
    params: [
      plain("c", normal(0.8, 0.1)),
      logOf("a", normal(-2, 1)),
      logOf("b", normal(0, 0.5)),
      logOf("alpha", normal(0, 1)),
    ],
    addTo(out, g, p, o, w) {
      const c = p[o]!;
      const a = p[o + 1]!;
      const b = p[o + 2]!;
      const alpha = p[o + 3]!;
      for (let i = 0; i < out.length; i++)
        out[i]! += w * (c - Math.exp(-a * Math.exp(alpha * g.logX[i]!) + b));
    },
  },
  // c − (a·x + b)^(−α)
  pow4: {
    name: "pow4",
    params: [
      { name: "c", prior: uniform(-5, 0), transform: "oneMinusExp" },
      logOf("a", normal(-3, 2)),
      logOf("b", uniform(0, 1)),
      logOf("alpha", normal(0, 1)),
    ],
    addTo(out, g, p, o, w) {
      const c = p[o]!;
      const a = p[o + 1]!;
      const b = p[o + 2]!;
      const alpha = p[o + 3]!;
      for (let i = 0; i < out.length; i++) out[i]! += w * (c - Math.exp(-alpha * Math.log(a * g.x[i]! + b)));
    },
  },
  // θ·x^η / (κ^η + x^η) = θ / (1 + (κ/x)^η)
  dr_hill_zero_background: {
    name: "dr_hill_zero_background",
    params: [plain("theta", normal(0.8, 0.1)), logOf("eta", normal(1, 1)), logOf("kappa", normal(1, 2))],
    addTo(out, g, p, o, w) {
      const theta = p[o]!;
      const eta = p[o + 1]!;
      const logKappa = Math.log(p[o + 2]!);
      for (let i = 0; i < out.length; i++)
        out[i]! += (w * theta) / (1 + Math.exp(eta * (logKappa - g.logX[i]!)));
    },
  },
};

export function curveFamily(name: FamilyName): CurveFamily {
  return FAMILIES[name];
}

export function transformParam(spec: ParamSpec, z: number): number {
  switch (spec.transform) {
    case "identity":
      return z;
    case "exp":
      return Math.exp(z);
    case "oneMinusExp":
      return 1 - Math.exp(z);
  }
}

/** A latent coordinate drawn from its prior. */
export function sampleLatent(prior: LatentPrior, rng: { uniform(): number; normal(): number }): number {
  return prior.kind === "uniform"
    ? prior.low + (prior.high - prior.low) * rng.uniform()
    : prior.mean + prior.std * rng.normal();
}

const HALF_LOG_TWO_PI = 0.9189385332046727;

/** log density of z under its latent prior (−∞ outside a uniform's range). */
export function latentLogPrior(prior: LatentPrior, z: number): number {
  if (prior.kind === "uniform")
    return z >= prior.low && z <= prior.high ? -Math.log(prior.high - prior.low) : Number.NEGATIVE_INFINITY;
  const u = (z - prior.mean) / prior.std;
  return -0.5 * u * u - Math.log(prior.std) - HALF_LOG_TWO_PI;
}

/** LC-PFN's curves are `seq_len` = 100 epochs long (`domhan_prior.py`, `train_lcpfn.py`). */
export const LCPFN_PRIOR_EPOCHS = 100;

/** Noise: y_t = f(t) + ε, ε ~ N(0, σ²), ln σ ~ N(−4, 1) (`sample_prior_comb`: var_lnloc −4, var_lnscale 1, used as the std). */
export const NOISE_LOG_SIGMA_PRIOR: LatentPrior = { kind: "normal", mean: -4, std: 1 };

/** Each family's weight ~ U(0, 1), not normalised (`prior_weights`). */
export const WEIGHT_PRIOR: LatentPrior = { kind: "uniform", low: 0, high: 1 };

/**
 * Where a run's epochs sit on the prior's axis. "prior" maps a run of `horizon` epochs onto LC-PFN's
 * 100 (epoch 1 → 1, horizon → 100, linearly in between), so a 12-epoch run is read as an LC-PFN
 * curve observed at 1, 10, 19, …; "raw" uses the epoch numbers themselves. The map keeps every run
 * epoch inside the prior's grid: below x = 1 several families leave [0, 1] unchecked (pow3's x^−α).
 */
export type EpochScale = "prior" | "raw";

export function priorPositions(epochs: ArrayLike<number>, horizon: number, scale: EpochScale): Float64Array {
  if (scale === "raw") return Float64Array.from(epochs);
  const f = (LCPFN_PRIOR_EPOCHS - 1) / (horizon - 1);
  return Float64Array.from(epochs, (e) => 1 + (e - 1) * f);
}

/**
 * The positions where the prior's constraint is checked: LC-PFN's integer epochs 1..100 when the run
 * is mapped onto its axis, else the run's own epochs 1..horizon.
 */
export function constraintPositions(horizon: number, scale: EpochScale): Float64Array {
  return Float64Array.from(epochRange(scale === "prior" ? LCPFN_PRIOR_EPOCHS : horizon));
}

/** 1, 2, …, n. */
export const epochRange = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/**
 * The combined model of LC-PFN's prior: f(x) = Σ_k w_k f_k(x; θ_k) and Gaussian noise σ, on a latent
 * vector laid out as [w_1, θ_1…, w_2, θ_2…, …, ln σ]. The prior is the product of the latent priors
 * restricted (by rejection in LC-PFN) to curves with f(last) > f(first) and 0 ≤ f ≤ 1 on every epoch of
 * the horizon; the restriction's normaliser is a constant, so a posterior needs only the indicator.
 */
export class CurvePrior {
  readonly families: readonly CurveFamily[];
  /** Latent index of each family's weight; its parameters follow it. */
  readonly offsets: readonly number[];
  /** Latent length: one weight per family, the families' parameters, ln σ. */
  readonly dim: number;
  readonly specs: readonly ParamSpec[];

  constructor(names: readonly FamilyName[]) {
    if (names.length === 0) throw new Error("a curve prior needs at least one family");
    this.families = names.map(curveFamily);
    const offsets: number[] = [];
    const specs: ParamSpec[] = [];
    for (const family of this.families) {
      offsets.push(specs.length);
      specs.push({ name: `${family.name}.weight`, prior: WEIGHT_PRIOR, transform: "identity" });
      specs.push(...family.params.map((p) => ({ ...p, name: `${family.name}.${p.name}` })));
    }
    specs.push({ name: "log_sigma", prior: NOISE_LOG_SIGMA_PRIOR, transform: "identity" });
    this.offsets = offsets;
    this.specs = specs;
    this.dim = specs.length;
  }

  /** Index of ln σ in the latent vector. */
  get sigmaIndex(): number {
    return this.dim - 1;
  }

  /** Σ of the latent log priors (−∞ outside a uniform range); the curve constraint is separate. */
  logPrior(z: ArrayLike<number>, offset = 0): number {
    let lp = 0;
    for (let i = 0; i < this.dim; i++) {
      lp += latentLogPrior(this.specs[i]!.prior, z[offset + i]!);
      if (lp === Number.NEGATIVE_INFINITY) return lp;
    }
    return lp;
  }

  /** A latent vector from the unrestricted product prior. */
  sampleLatent(
    rng: { uniform(): number; normal(): number },
    into: Float64Array = new Float64Array(this.dim),
  ): Float64Array {
    for (let i = 0; i < this.dim; i++) into[i] = sampleLatent(this.specs[i]!.prior, rng);
    return into;
  }

  /** The transformed parameters of latent z into `values` (same layout; weights and ln σ unchanged). */
  transform(z: ArrayLike<number>, zOffset: number, values: Float64Array): Float64Array {
    for (let i = 0; i < this.dim; i++) values[i] = transformParam(this.specs[i]!, z[zOffset + i]!);
    return values;
  }

  /** out = f on the grid, from transformed parameters. */
  curve(
    values: ArrayLike<number>,
    grid: EpochGrid,
    out: Float64Array = new Float64Array(grid.length),
  ): Float64Array {
    out.fill(0);
    for (let k = 0; k < this.families.length; k++) {
      const o = this.offsets[k]!;
      this.families[k]!.addTo(out, grid, values, o + 1, values[o]!);
    }
    return out;
  }
}

/**
 * LC-PFN's restriction of the prior: the curve rises from the first to the last epoch and stays in
 * [0, 1] (`sample_prior_comb`'s rejection, range_constraint on). `f` holds the horizon's epochs.
 */
export function satisfiesCurveConstraint(f: ArrayLike<number>, horizonLength = f.length): boolean {
  if (!(f[horizonLength - 1]! > f[0]!)) return false;
  for (let i = 0; i < horizonLength; i++) {
    const y = f[i]!;
    if (!(y >= 0 && y <= 1)) return false; // also rejects NaN
  }
  return true;
}

export interface PriorCurveDraw {
  /** The latent vector (CurvePrior layout). */
  readonly latent: Float64Array;
  /** Noiseless f at epochs 1..horizon. */
  readonly curve: Float64Array;
  readonly sigma: number;
  /** curve + N(0, σ²) noise, as LC-PFN's training targets (not clipped to [0, 1], as there). */
  readonly noisy: Float64Array;
}

/**
 * One curve from the prior by rejection, as LC-PFN's `sample_prior_comb` draws its training curves
 * (constraint on `constraintPositions`), read at the run's epochs 1..horizon.
 */
export function samplePriorCurve(
  prior: CurvePrior,
  horizon: number,
  rng: { uniform(): number; normal(): number },
  scale: EpochScale = "raw",
  maxTries = 100_000,
): PriorCurveDraw {
  const checked = new EpochGrid(constraintPositions(horizon, scale));
  const run = new EpochGrid(priorPositions(epochRange(horizon), horizon, scale));
  const values = new Float64Array(prior.dim);
  const f = new Float64Array(checked.length);
  for (let tries = 0; tries < maxTries; tries++) {
    const latent = prior.sampleLatent(rng);
    prior.curve(prior.transform(latent, 0, values), checked, f);
    if (!satisfiesCurveConstraint(f)) continue;
    const curve = prior.curve(values, run);
    const sigma = Math.exp(latent[prior.sigmaIndex]!);
    const noisy = Float64Array.from(curve, (y) => y + sigma * rng.normal());
    return { latent, curve, sigma, noisy };
  }
  throw new Error(`no curve met the prior's constraint in ${maxTries} draws`);
}
