// Numerical Gaussian expectations, independent of the closed forms, to check them.

/** Gauss–Legendre nodes and weights on [lo, hi] (Newton on P_n from the Chebyshev-like guess). */
export function gaussLegendre(n: number, lo = -1, hi = 1): { x: number[]; w: number[] } {
  const x = new Array<number>(n).fill(0);
  const w = new Array<number>(n).fill(0);
  const mid = (hi + lo) / 2;
  const half = (hi - lo) / 2;
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p = 1;
      let pPrev = 0;
      for (let j = 1; j <= n; j++) {
        const pOld = pPrev;
        pPrev = p;
        p = ((2 * j - 1) * z * pPrev - (j - 1) * pOld) / j;
      }
      dp = (n * (z * p - pPrev)) / (z * z - 1);
      const dz = p / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    const wi = (2 * half) / ((1 - z * z) * dp * dp);
    x[i] = mid - half * z;
    x[n - 1 - i] = mid + half * z;
    w[i] = wi;
    w[n - 1 - i] = wi;
  }
  return { x, w };
}

const RADIAL = [
  gaussLegendre(48, 0, 3),
  gaussLegendre(48, 3, 6),
  gaussLegendre(48, 6, 12), // e^{-72} beyond: nothing left
];
const ANGULAR = gaussLegendre(32);

/**
 * E[g(u, v)] for (u, v) ~ N(0, [[k11, k12], [k12, k22]]), as a 2-D quadrature in polar coordinates
 * of the standard normal (z1, z2): u = √k11·z1, v = √k22·(ρ z1 + √(1−ρ²) z2). The angular integral
 * is split where u or v changes sign, so kinks and jumps of relu/sign/step sit on piece boundaries.
 */
export function gaussianExpectation2d(
  g: (u: number, v: number) => number,
  k11: number,
  k12: number,
  k22: number,
): number {
  const s1 = Math.sqrt(k11);
  const s2 = Math.sqrt(k22);
  const rho = s1 > 0 && s2 > 0 ? Math.max(-1, Math.min(1, k12 / (s1 * s2))) : 0;
  const c = Math.sqrt(1 - rho * rho);
  const twoPi = 2 * Math.PI;
  const a0 = Math.atan2(-rho, c); // v = 0 on this ray and the opposite one
  const cuts = [0, Math.PI / 2, (3 * Math.PI) / 2, twoPi]
    .concat([a0, a0 + Math.PI].map((a) => ((a % twoPi) + twoPi) % twoPi))
    .sort((p, q) => p - q);
  let total = 0;
  for (let piece = 0; piece + 1 < cuts.length; piece++) {
    const lo = cuts[piece]!;
    const hi = cuts[piece + 1]!;
    if (hi - lo < 1e-15) continue;
    for (let i = 0; i < ANGULAR.x.length; i++) {
      const alpha = (lo + hi) / 2 + ((hi - lo) / 2) * ANGULAR.x[i]!;
      const wa = ((hi - lo) / 2) * ANGULAR.w[i]!;
      const cosA = Math.cos(alpha);
      const sinA = Math.sin(alpha);
      let radial = 0;
      for (const rule of RADIAL) {
        for (let j = 0; j < rule.x.length; j++) {
          const r = rule.x[j]!;
          const u = s1 * r * cosA;
          const v = s2 * r * (rho * cosA + c * sinA);
          radial += rule.w[j]! * r * Math.exp(-0.5 * r * r) * g(u, v);
        }
      }
      total += wa * radial;
    }
  }
  return total / twoPi;
}
