// Dual kernels for the IR's activations (ir/ops/act.ts), so a built graph can be given its
// infinite-width kernel: closed forms where they exist (relu, leaky_relu, erf, gelu, identity), and
// otherwise Mehler's Hermite series for E[φ(u)φ(v)] and E[φ'(u)φ'(v)] over the bivariate Gaussian,
// with a 2-D quadrature where the series has not converged (tanh, sigmoid, swish, elu, softplus, and
// any other registered activation through the IR's own reference value). The tests check every φ
// against the IR's reference forward and the series against closed forms and the polar quadrature.
import { ACTIVATIONS, type Activation as IrActivation, type Node } from "../ir/graph.js";
import { act as actOp } from "../ir/ops/act.js";
import {
  type Activation,
  abReluActivation,
  type Dual,
  erfActivation,
  geluActivation,
} from "./activations.js";
import { gaussianExpectation2d, gaussLegendre } from "./quadrature.js";

/** Probabilists' Gauss–Hermite rule: Σ w_k g(z_k) ≈ E[g(Z)], Z ~ N(0, 1). Newton on H_n (physicists'). */
export function gaussHermite(n: number): { z: Float64Array; w: Float64Array } {
  // Beyond ~180 nodes the outer polynomial values underflow and Newton finds repeated roots.
  if (!(Number.isInteger(n) && n >= 1 && n <= 180))
    throw new Error(`Gauss–Hermite needs 1..180 nodes, got ${n}`);
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  const pim4 = Math.PI ** -0.25;
  let r = 0;
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    // Initial guesses of Numerical Recipes' gauher, largest root first.
    if (i === 0) r = Math.sqrt(2 * n + 1) - 1.85575 * (2 * n + 1) ** (-1 / 6);
    else if (i === 1) r -= (1.14 * n ** 0.426) / r;
    else if (i === 2) r = 1.86 * r - 0.86 * x[0]!;
    else if (i === 3) r = 1.91 * r - 0.91 * x[1]!;
    else r = 2 * r - x[i - 2]!;
    let dp = 0;
    for (let iter = 0; iter < 100; iter++) {
      // Orthonormal Hermite recurrence, stable for large n.
      let p1 = pim4;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = r * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      dp = Math.sqrt(2 * n) * p2;
      const dr = p1 / dp;
      r -= dr;
      if (Math.abs(dr) < 1e-15) break;
    }
    x[i] = r;
    x[n - 1 - i] = -r;
    w[i] = 2 / (dp * dp);
    w[n - 1 - i] = w[i]!;
  }
  // ∫ e^{-x²} g(x) dx = Σ w g(x)  ⇒  E[g(Z)] = Σ (w/√π) g(√2 x).
  return { z: x.map((v) => Math.SQRT2 * v), w: w.map((v) => v / Math.sqrt(Math.PI)) };
}

/**
 * E[g(Z)] ≈ Σ w_i g(z_i) for Z ~ N(0, 1): Gauss–Legendre pieces split at 0, ±3, ±6, ±12, ±20 up to
 * ±30, so a kink at 0 (ELU's φ', relu's) sits on a boundary, and h_96² (mass out to |z| ≈ 20) is
 * integrated in full.
 */
export function standardNormalRule(): { z: Float64Array; w: Float64Array } {
  const cuts = [0, 3, 6, 12, 20, 30];
  const z: number[] = [];
  const w: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const rule = gaussLegendre(48, cuts[i]!, cuts[i + 1]!);
    rule.x.forEach((x, j) => {
      const density = (rule.w[j]! * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
      z.push(x, -x);
      w.push(density, density);
    });
  }
  return { z: Float64Array.from(z), w: Float64Array.from(w) };
}

/** Hermite terms of the Mehler series. */
export interface MehlerOptions {
  readonly terms?: number;
  /** Truncation bound, relative to √(E[φ(u)²]E[φ(v)²]), above which a pair is integrated in 2-D. */
  readonly tolerance?: number;
}

interface Coefficients {
  /** a_k = E[φ(sZ) h_k(Z)], b_k = E[φ'(sZ) h_k(Z)] with h_k = He_k/√k! orthonormal. */
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** E[φ(sZ)²], E[φ'(sZ)²]. */
  readonly phi2: number;
  readonly grad2: number;
  /** What the truncated series misses of phi2 and grad2 (≥ 0 by Bessel's inequality). */
  readonly aTail: number;
  readonly bTail: number;
}

/**
 * A dual kernel by Mehler's formula: with φ(s·z) = Σ_k a_k(s) h_k(z) in orthonormal Hermite
 * polynomials, E[φ(u)φ(v)] = Σ_k a_k(√k11) a_k(√k22) ρ^k (ρ the correlation), and likewise for φ'.
 * Coefficients are computed once per variance (1-D Gauss–Hermite), so a pair costs `terms`
 * multiply-adds. The series' remainder is bounded by |ρ|^{K+1}·√(tail₁·tail₂) (Cauchy–Schwarz, the
 * tails known exactly from E[φ²] − Σ a_k²); pairs whose bound exceeds the tolerance (highly
 * correlated pairs of a kinked φ) fall back to the polar 2-D quadrature of quadrature.ts.
 */
export function mehlerActivation(
  name: string,
  fn: (x: number) => number,
  grad: (x: number) => number,
  options: MehlerOptions = {},
): Activation {
  const terms = options.terms ?? 96;
  const tolerance = options.tolerance ?? 1e-6;
  const { z, w } = standardNormalRule();
  const cache = new Map<number, Coefficients>();
  const coefficients = (variance: number): Coefficients => {
    let c = cache.get(variance);
    if (c) return c;
    const s = Math.sqrt(Math.max(0, variance));
    const a = new Float64Array(terms + 1);
    const b = new Float64Array(terms + 1);
    let phi2 = 0;
    let grad2 = 0;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i]!;
      const f = w[i]! * fn(s * zi);
      const g = w[i]! * grad(s * zi);
      phi2 += f * fn(s * zi);
      grad2 += g * grad(s * zi);
      let hPrev = 0;
      let h = 1;
      for (let k = 0; k <= terms; k++) {
        a[k]! += f * h;
        b[k]! += g * h;
        const next = (zi * h - Math.sqrt(k) * hPrev) / Math.sqrt(k + 1);
        hPrev = h;
        h = next;
      }
    }
    const tail = (total: number, coef: Float64Array) =>
      Math.max(0, total - coef.reduce((acc, v) => acc + v * v, 0));
    c = { a, b, phi2, grad2, aTail: tail(phi2, a), bTail: tail(grad2, b) };
    if (cache.size > 100_000) cache.clear();
    cache.set(variance, c);
    return c;
  };
  return {
    name,
    fn,
    grad,
    dual(k11, k12, k22): Dual {
      const c1 = coefficients(k11);
      const c2 = coefficients(k22);
      const s = Math.sqrt(Math.max(0, k11 * k22));
      const rho = s > 0 ? Math.max(-1, Math.min(1, k12 / s)) : 0;
      if (rho === 1 && k11 === k22) return { nngp: c1.phi2, dot: c1.grad2 };
      let nngp = 0;
      let dot = 0;
      let power = 1;
      for (let k = 0; k <= terms; k++) {
        nngp += c1.a[k]! * c2.a[k]! * power;
        dot += c1.b[k]! * c2.b[k]! * power;
        power *= rho;
      }
      const rest = Math.abs(power);
      const ok = (t1: number, t2: number, e1: number, e2: number) =>
        rest * Math.sqrt(t1 * t2) <= tolerance * Math.sqrt(e1 * e2);
      if (!ok(c1.aTail, c2.aTail, c1.phi2, c2.phi2))
        nngp = gaussianExpectation2d((u, v) => fn(u) * fn(v), k11, k12, k22);
      if (!ok(c1.bTail, c2.bTail, c1.grad2, c2.grad2))
        dot = gaussianExpectation2d((u, v) => grad(u) * grad(v), k11, k12, k22);
      return { nngp, dot };
    },
  };
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** An IR activation as the graph holds it: the function and its parameter where it has one. */
export interface IrActivationOp {
  readonly fn: IrActivation;
  readonly alpha?: number;
}

/** φ(x) as the IR's reference forward computes it (ir/ops/act.ts), for any registered activation. */
export function irActivationValue(op: IrActivationOp): (x: number) => number {
  const node: Node = { id: 0, name: op.fn, op: { kind: "act", ...op }, inputs: [], shape: [1], params: [] };
  const input = new Float64Array(1);
  const out = new Float64Array(1);
  const context = {
    node,
    op: { kind: "act" as const, ...op },
    inputs: [input],
    inShapes: [[1]],
    out,
    batch: 1,
    weight: (name: string): Float32Array => {
      throw new Error(`an activation has no weight ${name}`);
    },
    weights: new Map<string, Float32Array>(),
    options: { bnMode: "inference" as const },
  };
  return (x) => {
    input[0] = x;
    actOp.reference(context);
    return out[0]!;
  };
}

/** Central difference, for activations without a derivative here (exact away from kinks). */
function numericGrad(fn: (x: number) => number): (x: number) => number {
  return (x) => {
    const h = 1e-5 * Math.max(1, Math.abs(x));
    return (fn(x + h) - fn(x - h)) / (2 * h);
  };
}

/**
 * The kernel-side activation of an IR activation: closed forms for relu, leaky_relu (any slope),
 * identity, erf and gelu; Mehler series for the rest, with exact derivatives for tanh, sigmoid,
 * swish, elu and softplus, and for any other registered activation (relu6, hswish, …) the IR's own
 * φ with a central-difference φ' (kinks away from 0 then cost accuracy, ~1e-4; see the tests).
 */
export function irActivation(op: IrActivationOp): Activation | undefined {
  const { fn } = op;
  if (!ACTIVATIONS.includes(fn)) return undefined; // e.g. a graph read from elsewhere
  switch (fn) {
    case "relu":
      return { ...abReluActivation(0, 1), name: "relu" };
    case "leaky_relu":
      return { ...abReluActivation(op.alpha ?? 0.01, 1), name: "leaky_relu" };
    case "identity":
      return { ...abReluActivation(1, 1), name: "identity" };
    case "erf":
      return { ...erfActivation(1, 1, 0), name: "erf" };
    case "gelu":
      return geluActivation();
    case "tanh":
      return mehlerActivation("tanh", Math.tanh, (x) => 1 - Math.tanh(x) ** 2);
    case "sigmoid":
      return mehlerActivation("sigmoid", sigmoid, (x) => sigmoid(x) * (1 - sigmoid(x)));
    case "swish":
      return mehlerActivation(
        "swish",
        (x) => x * sigmoid(x),
        (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))),
      );
    case "elu": {
      const alpha = op.alpha ?? 1;
      return mehlerActivation(
        "elu",
        (x) => (x > 0 ? x : alpha * Math.expm1(x)),
        (x) => (x > 0 ? 1 : alpha * Math.exp(x)),
      );
    }
    case "softplus":
      return mehlerActivation(
        "softplus",
        (x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))),
        sigmoid,
      );
    default: {
      const value = irActivationValue(op);
      return mehlerActivation(fn, value, numericGrad(value));
    }
  }
}

/** How an IR activation's kernel is computed. */
export function irActivationKernelKind(fn: IrActivation): "closed form" | "series" {
  return ["relu", "leaky_relu", "identity", "erf", "gelu"].includes(fn) ? "closed form" : "series";
}
