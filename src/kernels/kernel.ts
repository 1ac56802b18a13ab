// Kernel state flowing through a network definition, as in neural-tangents' stax: for inputs
// x1 (n1 × d) and x2 (n2 × d), the NNGP and NTK cross-covariances (n1 × n2, row-major) and the
// NNGP variances of each input (cov1, cov2) that the nonlinearities need.
import type { Mat } from "./matrix.js";
import { rowDot } from "./matrix.js";

export interface Kernel {
  readonly n1: number;
  readonly n2: number;
  readonly nngp: Float64Array;
  readonly ntk: Float64Array;
  readonly cov1: Float64Array;
  readonly cov2: Float64Array;
  /** Mean-zero Gaussian outputs (after a Dense); fanInSum only adds such kernels, as stax does. */
  readonly isGaussian: boolean;
  /** Channel count of the matching finite network; only the "standard" parameterisation needs it. */
  readonly channels: number;
}

/** Input kernel: the feature mean x1·x2ᵀ / d (stax default); the inputs carry no NTK. */
export function inputKernel(x1: Mat, x2: Mat): Kernel {
  if (x1.cols !== x2.cols) throw new Error(`x1 has ${x1.cols} features, x2 has ${x2.cols}`);
  const d = x1.cols;
  const nngp = new Float64Array(x1.rows * x2.rows);
  for (let i = 0; i < x1.rows; i++) {
    for (let j = 0; j < x2.rows; j++) nngp[i * x2.rows + j] = rowDot(x1, i, x2, j) / d;
  }
  const diag = (x: Mat) => Float64Array.from({ length: x.rows }, (_, i) => rowDot(x, i, x, i) / d);
  return {
    n1: x1.rows,
    n2: x2.rows,
    nngp,
    ntk: new Float64Array(nngp.length),
    cov1: diag(x1),
    cov2: diag(x2),
    isGaussian: false,
    channels: d,
  };
}
