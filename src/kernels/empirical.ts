// Finite-width NNGP and NTK of the network a definition describes, for Monte-Carlo checks of its
// kernelFn. Per-sample gradients come from backward passes through the same layers.
import { type Mat, relativeError, rowDot, stackRows, zeros } from "./matrix.js";
import type { DenseParams, Net, Params } from "./net.js";

/** Dense layers' params in definition order. */
export function denseLayers(params: Params): DenseParams[] {
  if (params === null) return [];
  if (Array.isArray(params)) return (params as readonly Params[]).flatMap(denseLayers);
  return [params as DenseParams];
}

/** The stored parameter arrays in the order perSampleGradients lays them out (w, then b, per layer). */
export function paramArrays(params: Params): Float64Array[] {
  return denseLayers(params).flatMap((p) => (p.b === null ? [p.w] : [p.w, p.b]));
}

interface Factors {
  readonly a: Mat;
  readonly d: Mat;
}

/** One backward pass of output unit `output` for every row at once (rows never mix). */
function backwardFactors(net: Net, params: Params, cache: unknown, y: Mat, output: number) {
  if (!(output >= 0 && output < y.cols)) throw new Error(`output ${output} outside 0..${y.cols - 1}`);
  const dy = zeros(y.rows, y.cols);
  for (let i = 0; i < y.rows; i++) dy.data[i * y.cols + output] = 1;
  const factors = new Map<DenseParams, Factors>();
  net.backward(params, cache, dy, (p, a, d) => factors.set(p, { a, d }));
  return factors;
}

function run(net: Net, params: Params, x: Mat): { y: Mat; cache: unknown } {
  const r = net.forward(params, x);
  if (Array.isArray(r.y)) throw new Error(`${net.name} ends in branches`);
  return { y: r.y as Mat, cache: r.cache };
}

/** ∂f_output(x_i)/∂θ for each row x_i, flattened over paramArrays(params). */
export function perSampleGradients(net: Net, params: Params, x: Mat, output = 0): Float64Array[] {
  const { y, cache } = run(net, params, x);
  const factors = backwardFactors(net, params, cache, y, output);
  const layers = denseLayers(params);
  const size = layers.reduce((s, p) => s + p.w.length + (p.b?.length ?? 0), 0);
  return Array.from({ length: x.rows }, (_, i) => {
    const g = new Float64Array(size);
    let o = 0;
    for (const p of layers) {
      const f = factors.get(p);
      if (f === undefined) throw new Error("a Dense layer got no gradient");
      for (let k = 0; k < p.inDim; k++) {
        const ak = p.wScale * f.a.data[i * p.inDim + k]!;
        for (let j = 0; j < p.outDim; j++) g[o + k * p.outDim + j] = ak * f.d.data[i * p.outDim + j]!;
      }
      o += p.w.length;
      if (p.b !== null) {
        for (let j = 0; j < p.outDim; j++) g[o + j] = p.bScale * f.d.data[i * p.outDim + j]!;
        o += p.outDim;
      }
    }
    return g;
  });
}

export interface EmpiricalKernels {
  /** f(x1)·f(x2)ᵀ / number of outputs. */
  readonly nngp: Float64Array;
  /** Σ_θ ∂f_j(x1)/∂θ · ∂f_j(x2)/∂θ, averaged over the chosen output units j. */
  readonly ntk: Float64Array;
}

/**
 * Both kernels of one finite network. The NTK uses that a Dense layer's gradient is an outer product
 * (input ⊗ output gradient), so its block of Σ_θ is (wScale²·a·a′ + bScale²)·(d·d′) exactly.
 */
export function empiricalKernels(
  net: Net,
  params: Params,
  x1: Mat,
  x2: Mat,
  outputs: readonly number[] = [0],
): EmpiricalKernels {
  const n1 = x1.rows;
  const n2 = x2.rows;
  const { y, cache } = run(net, params, stackRows(x1, x2));
  const nngp = new Float64Array(n1 * n2);
  for (let i = 0; i < n1; i++) {
    for (let j = 0; j < n2; j++) nngp[i * n2 + j] = rowDot(y, i, y, n1 + j) / y.cols;
  }
  const ntk = new Float64Array(n1 * n2);
  for (const output of outputs) {
    for (const [p, f] of backwardFactors(net, params, cache, y, output)) {
      const bias = p.b === null ? 0 : p.bScale * p.bScale;
      for (let i = 0; i < n1; i++) {
        for (let j = 0; j < n2; j++) {
          const aa = p.wScale * p.wScale * rowDot(f.a, i, f.a, n1 + j) + bias;
          ntk[i * n2 + j]! += (aa * rowDot(f.d, i, f.d, n1 + j)) / outputs.length;
        }
      }
    }
  }
  return { nngp, ntk };
}

export interface MonteCarloOptions {
  readonly width: number;
  readonly seed: number;
  /** Independent networks averaged (default 1). */
  readonly networks?: number;
  /** Output units whose NTKs are averaged (default the first one). */
  readonly outputs?: readonly number[];
}

/** Mean empirical kernels over `networks` random draws (seeds seed, seed+1, …). */
export function monteCarloKernels(net: Net, x1: Mat, x2: Mat, options: MonteCarloOptions): EmpiricalKernels {
  const count = options.networks ?? 1;
  const nngp = new Float64Array(x1.rows * x2.rows);
  const ntk = new Float64Array(nngp.length);
  for (let s = 0; s < count; s++) {
    const params = net.init({ inputDim: x1.cols, width: options.width, seed: options.seed + s });
    const k = empiricalKernels(net, params, x1, x2, options.outputs);
    for (let i = 0; i < nngp.length; i++) {
      nngp[i]! += k.nngp[i]! / count;
      ntk[i]! += k.ntk[i]! / count;
    }
  }
  return { nngp, ntk };
}

export interface ConvergenceOptions {
  readonly widths: readonly number[];
  /** Independent Monte-Carlo estimates per width whose errors are RMS-averaged (default 1 each). */
  readonly repeats?: readonly number[];
  readonly networks: number;
  readonly outputs?: readonly number[];
  readonly seed: number;
}

export interface ConvergenceRow {
  readonly width: number;
  readonly repeats: number;
  /** RMS over repeats of ‖K̂ − K‖_F / ‖K‖_F. */
  readonly nngpError: number;
  readonly ntkError: number;
}

/** Relative error of Monte-Carlo kernels against net.kernel as the width grows. */
export function convergence(net: Net, x1: Mat, x2: Mat, options: ConvergenceOptions): ConvergenceRow[] {
  const maxRepeats = Math.max(1, ...(options.repeats ?? []));
  if (options.networks > 1000 || maxRepeats > 1000) throw new Error("at most 1000 networks and repeats");
  return options.widths.map((width, w) => {
    const exact = net.kernel(x1, x2, { width });
    const repeats = options.repeats?.[w] ?? 1;
    let nngp2 = 0;
    let ntk2 = 0;
    for (let r = 0; r < repeats; r++) {
      // Seeds depend on (width, repeat), not on the list of widths, so a row is the same in any table.
      const seed = options.seed + 1_000_000 * width + 1000 * r;
      const mc = monteCarloKernels(net, x1, x2, { ...options, width, seed });
      nngp2 += relativeError(mc.nngp, exact.nngp) ** 2 / repeats;
      ntk2 += relativeError(mc.ntk, exact.ntk) ** 2 / repeats;
    }
    return { width, repeats, nngpError: Math.sqrt(nngp2), ntkError: Math.sqrt(ntk2) };
  });
}
