// Elementwise nonlinearities with closed-form dual kernels. For (u, v) ~ N(0, [[k11, k12], [k12, k22]])
// each gives E[φ(u)φ(v)] (the next NNGP) and E[φ'(u)φ'(v)] (the factor on the incoming NTK).
import type { Kernel } from "./kernel.js";
import { type Mat, zeros } from "./matrix.js";
import { Net, single } from "./net.js";
import { erf as erfFn, normalCdf, normalPdf } from "./special.js";

export interface Dual {
  readonly nngp: number;
  readonly dot: number;
}

export interface Activation {
  readonly name: string;
  fn(x: number): number;
  /** φ' where it exists; 0 on the measure-zero set where it does not (like autodiff). */
  grad(x: number): number;
  dual(k11: number, k12: number, k22: number): Dual;
}

const { PI } = Math;

/** Angle between u and v; π/2 when either has zero variance (their product is then 0 anyway). */
function angle(k11: number, k12: number, k22: number): number {
  const prod = k11 * k22;
  if (!(prod > 0)) return PI / 2;
  return Math.atan2(Math.sqrt(Math.max(0, prod - k12 * k12)), k12);
}

/**
 * a·min(x, 0) + b·max(x, 0) = b·relu(x) − a·relu(−x); its NNGP is (a − b)²·J₁ + ab·k12 with J₁ the
 * order-1 arc-cosine kernel (Cho & Saul 2009), so relu is (0, 1) and abs is (−1, 1).
 */
export function abReluActivation(a: number, b: number): Activation {
  const c = (a - b) ** 2;
  return {
    name: `abRelu(${a}, ${b})`,
    fn: (x) => (x > 0 ? b * x : a * x),
    grad: (x) => (x > 0 ? b : a),
    dual(k11, k12, k22) {
      const t = angle(k11, k12, k22);
      const arcCos1 = (Math.sqrt(Math.max(0, k11 * k22 - k12 * k12)) + (PI - t) * k12) / (2 * PI);
      return { nngp: c * arcCos1 + a * b * k12, dot: (c * (PI - t)) / (2 * PI) + a * b };
    },
  };
}

/** a·erf(b·x) + c: the arcsine kernel (Williams 1997); c only shifts the mean. */
export function erfActivation(a = 1, b = 1, c = 0): Activation {
  const s = 2 * b * b;
  return {
    name: `erf(${a}, ${b}, ${c})`,
    fn: (x) => a * erfFn(b * x) + c,
    grad: (x) => a * b * (2 / Math.sqrt(PI)) * Math.exp(-b * b * x * x),
    dual(k11, k12, k22) {
      const det = (1 + s * k11) * (1 + s * k22) - s * s * k12 * k12;
      const nngp = a * a * (2 / PI) * Math.atan2(s * k12, Math.sqrt(Math.max(0, det))) + c * c;
      return { nngp, dot: (a * a * 2 * s) / (PI * Math.sqrt(det)) };
    },
  };
}

/** x·Φ(x), exact (not the tanh approximation); NNGP of Tsuchida et al. (arXiv:2002.08517). */
export function geluActivation(): Activation {
  return {
    name: "gelu",
    fn: (x) => x * normalCdf(x),
    grad: (x) => normalCdf(x) + x * normalPdf(x),
    dual(p, c, q) {
      const s = (1 + p) * (1 + q);
      const d2 = s - c * c;
      const d = Math.sqrt(d2);
      const psi = Math.atan2(c, d); // arcsin(c / √s)
      const nngp = c / 4 + (c * psi + (c * c + p * q * d2) / (s * d)) / (2 * PI);
      const dot = 0.25 + psi / (2 * PI) + (c / (2 * PI * d)) * (1 / d2 + (2 + p + q) / s);
      return { nngp, dot };
    },
  };
}

/** a·sin(b·x + c), from E[cos(b(u ∓ v))] = exp(−b²(k11 + k22 ∓ 2k12)/2). */
export function sinActivation(a = 1, b = 1, c = 0): Activation {
  return {
    name: `sin(${a}, ${b}, ${c})`,
    fn: (x) => a * Math.sin(b * x + c),
    grad: (x) => a * b * Math.cos(b * x + c),
    dual(k11, k12, k22) {
      const minus = Math.exp((-b * b * (k11 + k22 - 2 * k12)) / 2);
      const plus = Math.cos(2 * c) * Math.exp((-b * b * (k11 + k22 + 2 * k12)) / 2);
      return { nngp: (a * a * (minus - plus)) / 2, dot: (a * a * b * b * (minus + plus)) / 2 };
    },
  };
}

/** sign(x): 1 − 2θ/π; zero gradient almost everywhere, so it blocks the NTK (as stax). */
export function signActivation(): Activation {
  return {
    name: "sign",
    fn: Math.sign,
    grad: () => 0,
    dual: (k11, k12, k22) => ({ nngp: 1 - (2 * angle(k11, k12, k22)) / PI, dot: 0 }),
  };
}

/** Heaviside step 1[x > 0]: the arc-cosine kernel of order 0, (π − θ)/2π. */
export function stepActivation(): Activation {
  return {
    name: "step",
    fn: (x) => (x > 0 ? 1 : 0),
    grad: () => 0,
    dual: (k11, k12, k22) => ({ nngp: (PI - angle(k11, k12, k22)) / (2 * PI), dot: 0 }),
  };
}

/** A layer applying `act` elementwise: kernel by its dual, finite network by fn and grad. */
export function elementwise(act: Activation): Net {
  const name = act.name;
  return new Net({
    name,
    kernelFn(flow): Kernel {
      const k = single(flow, name);
      const nngp = new Float64Array(k.nngp.length);
      const ntk = new Float64Array(k.ntk.length);
      for (let i = 0; i < k.n1; i++) {
        for (let j = 0; j < k.n2; j++) {
          const ij = i * k.n2 + j;
          const dual = act.dual(k.cov1[i]!, k.nngp[ij]!, k.cov2[j]!);
          nngp[ij] = dual.nngp;
          ntk[ij] = dual.dot === 0 ? 0 : k.ntk[ij]! * dual.dot;
        }
      }
      const diag = (cov: Float64Array) => cov.map((v) => act.dual(v, v, v).nngp);
      return { ...k, nngp, ntk, cov1: diag(k.cov1), cov2: diag(k.cov2), isGaussian: false };
    },
    initFn: (inWidth) => ({ params: null, outWidth: inWidth }),
    forward(_p, flow) {
      const x = single(flow, name);
      const y = zeros(x.rows, x.cols);
      for (let i = 0; i < y.data.length; i++) y.data[i] = act.fn(x.data[i]!);
      return { y, cache: x };
    },
    backward(_p, cache, flow) {
      const dy = single(flow, name);
      const x = cache as Mat;
      const dx = zeros(x.rows, x.cols);
      for (let i = 0; i < dx.data.length; i++) dx.data[i] = dy.data[i]! * act.grad(x.data[i]!);
      return dx;
    },
  });
}

export const relu = (): Net => elementwise(abReluActivation(0, 1));
export const abRelu = (a: number, b: number): Net => elementwise(abReluActivation(a, b));
export const leakyRelu = (alpha: number): Net => elementwise(abReluActivation(alpha, 1));
export const abs = (): Net => elementwise(abReluActivation(-1, 1));
export const erf = (a = 1, b = 1, c = 0): Net => elementwise(erfActivation(a, b, c));
/** stax's Sigmoid_like: 0.5·erf(x / 2.4020563531719796) + 0.5, fitted to the logistic on [−5, 5]. */
export const sigmoidLike = (): Net => erf(0.5, 1 / 2.4020563531719796, 0.5);
export const gelu = (): Net => elementwise(geluActivation());
export const sin = (a = 1, b = 1, c = 0): Net => elementwise(sinActivation(a, b, c));
export const sign = (): Net => elementwise(signActivation());
export const step = (): Net => elementwise(stepActivation());
