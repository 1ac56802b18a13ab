// MeCo and MeCo_opt (Jiang, Wang & Bie, NeurIPS 2023, "MeCo: Zero-Shot NAS with One Data and Single
// Forward Pass via Minimum Eigenvalue of Correlation"), as computed by HamsterMimi/MeCo
// (correlation/NAS_Bench_201.py, get_score, the script behind the paper's NATS-Bench-TSS figures;
// the same rule is compute_meco in correlation/foresight/pruners/measures/meco.py): one training
// image (batch_size 1) goes through the network at PyTorch's default init (init_net 'none') with BN
// in train mode (the model is never put in eval mode); a forward hook on every module takes the first
// sample of its output, reshapes it to channels × positions, and computes λ_min of the channels'
// Pearson correlation matrix (torch.corrcoef; NaN/Inf entries, i.e. the rows and columns of constant
// channels, set to 0); MeCo is the sum over modules. MeCo_opt draws 8 channels at random, takes
// λ_min of their 8×8 correlation and scales it by C/8.
//
// "Every module" is a notion of PyTorch code, not of a graph: the reference's containers repeat their
// last child's output (a ReLUConvBN's BN output is hooked three times), and its Python-level sums
// are hooked only where a module returns them. Here every IR node counts once (each is one op, i.e.
// one leaf module or functional op), identity and zero nodes included as the reference's Identity and
// Zero modules are (a zero map's correlation is all NaN → 0, contributing 0). Only feature maps
// [C, H, W] with H·W ≥ 2 are scored: a vector output [F] of one sample is F variables with one
// observation each, all NaN in the reference, so it adds 0 there too. A graph with no such map (an
// MLP) fails with a reason. Where a map has fewer channels than MeCo_opt samples, all are used (the
// reference's random.sample would raise). Eigenvalues in float64 (the reference: torch.linalg.eig
// on the float32 matrix, real parts).
import * as v from "valibot";
import type { Graph, Node } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import {
  type ForwardTimings,
  freshRunningStatistics,
  type Images,
  NodeProbe,
  newTimings,
} from "../onnx/forward.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { checkFinite, dataOrGaussian, defineMetric, failed, type Metric } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, oneOf, option } from "./options.js";

export const MECO_OPTIONS = v.strictObject({
  /**
   * Images in the forward pass (reference: --batch_size 1). Only the first image's feature maps are
   * scored, as the reference's hook reads data_output[0]; more images change only train-mode BN's
   * statistics.
   */
  batchSize: option(integer(1), 1),
  /**
   * "data": the first images of the data (reference: one CIFAR training image). "gaussian": N(0,1)
   * images of the graph's input shape, seeded (the reference's NAS pipeline, zero-cost-nas/
   * foresight/pruners/measures/meco.py, feeds torch.randn instead of data).
   */
  inputs: option(oneOf(["data", "gaussian"]), "data"),
  /**
   * Reference: init_net(net, 'none', 'none'), PyTorch's default init: kaiming_uniform conv and linear
   * weights, BN γ=1 β=0. PyTorch's biases are U(±1/√fan_in) where ours are zero; a conv bias before a
   * train-mode BN cancels, and NB201's convs have none.
   */
  init: option(initScheme(), "kaiming_uniform"),
  /** Reference: train (net.train() by default, never changed). */
  bnMode: option(oneOf(["train", "inference"]), "train"),
  /** Channels MeCo_opt samples per feature map (reference: 8). */
  optChannels: option(integer(1), 8),
});

export type MecoOptions = OptionsOf<typeof MECO_OPTIONS>;

export const MECO_DEFAULTS: MecoOptions = defaultsOf(MECO_OPTIONS);

/** The nodes MeCo scores: every feature map [C, H, W] with at least two positions. */
export function mecoLayers(graph: Graph): Node[] {
  return graph.nodes.filter(
    (n) => n.op.kind !== "input" && n.shape.length === 3 && n.shape[1]! * n.shape[2]! >= 2,
  );
}

/**
 * Pearson correlation of the `channels` rows (each `positions` long) of `values` from `offset`, in
 * float64, as torch.corrcoef followed by the reference's NaN/Inf → 0: a constant channel's row and
 * column, its diagonal included, are 0.
 */
export function channelCorrelation(
  values: ArrayLike<number>,
  channels: number,
  positions: number,
  offset = 0,
): Float64Array {
  const centred = new Float64Array(channels * positions);
  const norms = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    const base = offset + c * positions;
    let mean = 0;
    for (let p = 0; p < positions; p++) mean += values[base + p]!;
    mean /= positions;
    let ss = 0;
    for (let p = 0; p < positions; p++) {
      const d = values[base + p]! - mean;
      centred[c * positions + p] = d;
      ss += d * d;
    }
    norms[c] = Math.sqrt(ss);
  }
  const corr = new Float64Array(channels * channels);
  // Every channel constant (a zero map): every entry is 0/0 → 0.
  if (norms.every((n) => n === 0)) return corr;
  const put = (i: number, k: number, s: number) => {
    const r = s / (norms[i]! * norms[k]!);
    const entry = Number.isFinite(r) ? r : 0;
    corr[i * channels + k] = entry;
    corr[k * channels + i] = entry;
  };
  for (let i = 0; i < channels; i++) {
    // Four rows against row i per pass over the positions: one load of row i serves four sums, each
    // still summed in position order (the same values as one sum at a time), ~2× faster here.
    const ri = centred.subarray(i * positions, (i + 1) * positions);
    let k = i;
    for (; k + 3 < channels; k += 4) {
      const r0 = centred.subarray(k * positions, (k + 1) * positions);
      const r1 = centred.subarray((k + 1) * positions, (k + 2) * positions);
      const r2 = centred.subarray((k + 2) * positions, (k + 3) * positions);
      const r3 = centred.subarray((k + 3) * positions, (k + 4) * positions);
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let p = 0; p < positions; p++) {
        const x = ri[p]!;
        s0 += x * r0[p]!;
        s1 += x * r1[p]!;
        s2 += x * r2[p]!;
        s3 += x * r3[p]!;
      }
      put(i, k, s0);
      put(i, k + 1, s1);
      put(i, k + 2, s2);
      put(i, k + 3, s3);
    }
    for (; k < channels; k++) {
      const rk = centred.subarray(k * positions, (k + 1) * positions);
      let s = 0;
      for (let p = 0; p < positions; p++) s += ri[p]! * rk[p]!;
      put(i, k, s);
    }
  }
  return corr;
}

/**
 * The smallest eigenvalue of a symmetric n×n matrix (row-major), float64: Householder reduction to
 * tridiagonal form, then bisection on Sturm counts. Only λ_min is wanted, so no eigenvectors are
 * formed (ml-matrix's full decomposition cost ~5 ms per 64×64 map, several times the forward pass
 * over an NB201 cell's ~300 maps).
 */
export function minEigenvalue(matrix: Float64Array, n: number): number {
  if (n === 1) return matrix[0]!;
  const a = Float64Array.from(matrix);
  const diag = new Float64Array(n);
  const off = new Float64Array(n - 1);
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    // Reflect column k below the diagonal onto its first entry: H = I − 2vvᵀ on rows/columns > k.
    let norm = 0;
    for (let i = k + 1; i < n; i++) norm += a[i * n + k]! ** 2;
    norm = Math.sqrt(norm);
    const head = a[(k + 1) * n + k]!;
    const alpha = head > 0 ? -norm : norm;
    off[k] = alpha;
    if (norm === 0) continue;
    let vNorm = 0;
    for (let i = k + 1; i < n; i++) {
      v[i] = a[i * n + k]! - (i === k + 1 ? alpha : 0);
      vNorm += v[i]! ** 2;
    }
    vNorm = Math.sqrt(vNorm);
    if (vNorm === 0) continue;
    for (let i = k + 1; i < n; i++) v[i]! /= vNorm;
    // B ← HBH = B − 2vqᵀ − 2qvᵀ with p = Bv, q = p − (vᵀp)v.
    let vp = 0;
    for (let i = k + 1; i < n; i++) {
      let s = 0;
      for (let j = k + 1; j < n; j++) s += a[i * n + j]! * v[j]!;
      p[i] = s;
      vp += v[i]! * s;
    }
    for (let i = k + 1; i < n; i++) p[i]! -= vp * v[i]!;
    for (let i = k + 1; i < n; i++)
      for (let j = k + 1; j < n; j++) a[i * n + j]! -= 2 * (v[i]! * p[j]! + p[i]! * v[j]!);
  }
  off[n - 2] = a[(n - 1) * n + n - 2]!;
  for (let i = 0; i < n; i++) diag[i] = a[i * n + i]!;
  // Gershgorin bounds, then bisect on the number of eigenvalues below x (LDLᵀ pivots' signs).
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(off[i - 1]!) : 0) + (i < n - 1 ? Math.abs(off[i]!) : 0);
    lo = Math.min(lo, diag[i]! - r);
    hi = Math.max(hi, diag[i]! + r);
  }
  const tiny = Number.EPSILON * Math.max(Math.abs(lo), Math.abs(hi), Number.MIN_VALUE);
  const below = (x: number) => {
    let count = 0;
    let q = 1;
    for (let i = 0; i < n; i++) {
      q = diag[i]! - x - (i > 0 ? off[i - 1]! ** 2 / q : 0);
      if (q === 0) q = -tiny;
      if (q < 0) count++;
    }
    return count;
  };
  for (let iteration = 0; iteration < 200 && hi - lo > 2 * tiny; iteration++) {
    const mid = 0.5 * (lo + hi);
    if (below(mid) >= 1) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/** The principal submatrix of rows and columns `rows` of an n×n matrix. */
function principal(matrix: Float64Array, n: number, rows: readonly number[]): Float64Array {
  const k = rows.length;
  const out = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out[i * k + j] = matrix[rows[i]! * n + rows[j]!]!;
  return out;
}

/** `count` distinct indices of 0..n−1, uniformly (a partial Fisher–Yates shuffle). */
export function sampleChannels(rng: Rng, n: number, count: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const k = Math.min(count, n);
  for (let i = 0; i < k; i++) {
    const j = i + rng.int(n - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, k);
}

export interface MecoLayerScore {
  readonly node: string;
  /** λ_min of the full channel correlation. */
  readonly meco: number;
  /** λ_min of the sampled channels' correlation times C / sampled. */
  readonly mecoOpt: number;
}

/**
 * Both scores of one feature map (the first sample's, `values` from `offset`). The sampled
 * correlation is the principal submatrix of the full one (Pearson's r of two channels does not
 * depend on the others).
 */
export function layerScores(
  values: ArrayLike<number>,
  shape: readonly number[],
  optChannels: number,
  rng: Rng,
  offset = 0,
): { meco: number; mecoOpt: number } {
  const [channels, height, width] = shape as [number, number, number];
  const positions = height * width;
  if (channels > positions - 1) {
    // Centred rows lie in the (P − 1)-dimensional complement of the all-ones vector, so with more
    // channels than that the correlation is singular and λ_min = 0 exactly (the reference's float32
    // eig returns rounding noise of ~1e-7 there). No full C × C matrix is formed: on wide maps
    // (NAS-Bench-Macro's 1,536 channels over 8 × 8 positions) that alone took seconds.
    if (channels <= optChannels) return { meco: 0, mecoOpt: 0 };
    const rows = sampleChannels(rng, channels, optChannels);
    const picked = new Float64Array(rows.length * positions);
    rows.forEach((c, i) => {
      for (let p = 0; p < positions; p++) picked[i * positions + p] = values[offset + c * positions + p]!;
    });
    const sub = channelCorrelation(picked, rows.length, positions);
    return { meco: 0, mecoOpt: (minEigenvalue(sub, rows.length) * channels) / optChannels };
  }
  const corr = channelCorrelation(values, channels, positions, offset);
  const meco = minEigenvalue(corr, channels);
  if (channels <= optChannels) return { meco, mecoOpt: meco };
  const rows = sampleChannels(rng, channels, optChannels);
  const mecoOpt = (minEigenvalue(principal(corr, channels, rows), optChannels) * channels) / optChannels;
  return { meco, mecoOpt };
}

export interface MecoResult {
  readonly meco: number;
  readonly mecoOpt: number;
  readonly layers: readonly MecoLayerScore[];
  readonly timings: ForwardTimings & { eigen: number };
}

/** The scores of a graph for one batch (only its first image is scored) under seeded weights. */
export async function mecoScore(
  graph: Graph,
  images: Images,
  options: Partial<MecoOptions> & { seed?: number } = {},
  runtime: RuntimeOptions = {},
): Promise<MecoResult> {
  const o = { ...MECO_DEFAULTS, ...options };
  const seed = options.seed ?? 0;
  const timings = { ...newTimings(), eigen: 0 };
  const nodes = mecoLayers(graph);
  if (nodes.length === 0) return { meco: Number.NaN, mecoOpt: Number.NaN, layers: [], timings };
  const weights = initWeights(graph, o.init, seed, "meco");
  if (o.bnMode === "inference") for (const [k, w] of freshRunningStatistics(graph)) weights.set(k, w);
  const ids = nodes.map((n) => n.id);
  const probe = await NodeProbe.create(graph, {
    bnMode: o.bnMode,
    nodes: ids,
    baked: weights,
    runtime,
    timings,
  });
  let outputs: Record<string, Float32Array>;
  const names = ids.map((id) => probe.outputName(id));
  try {
    outputs = await probe.run(images, names);
  } finally {
    await probe.release();
  }
  const start = performance.now();
  const layers = nodes.map((node, i) => {
    // Each map's channel draw has its own stream, so adding a layer leaves the others' draws unchanged.
    const rng = new Rng(seed, "meco_opt", node.name);
    return { node: node.name, ...layerScores(outputs[names[i]!]!, node.shape, o.optChannels, rng) };
  });
  timings.eigen = (performance.now() - start) / 1000;
  let meco = 0;
  let mecoOpt = 0;
  for (const l of layers) {
    meco += l.meco;
    mecoOpt += l.mecoOpt;
  }
  return { meco, mecoOpt, layers, timings };
}

export const meco: Metric<MecoOptions> = defineMetric({
  name: "meco",
  description:
    "MeCo: Σ over feature maps of λ_min of the channels' Pearson correlation, one image (HamsterMimi/MeCo)",
  values: [
    {
      name: "meco",
      higherIsBetter: true,
      description: "Σ_layers λ_min(corr of the C channels over H·W positions), first image, train-mode BN",
    },
    {
      name: "meco_opt",
      higherIsBetter: true,
      description: "Σ_layers (C/8)·λ_min(corr of 8 seeded random channels)",
    },
  ],
  options: MECO_OPTIONS,
  images: (o) => (o.inputs === "data" ? o.batchSize : 0),
  async run(input, o) {
    const images = dataOrGaussian(input, o, "meco-inputs");
    const r = await mecoScore(input.graph, images, { ...o, seed: input.seed }, input.runtime);
    if (r.layers.length === 0)
      return failed(meco, "the graph has no feature map [C, H, W] with H·W ≥ 2 to correlate channels over");
    return {
      ...checkFinite({ meco: r.meco, meco_opt: r.mecoOpt }),
      diagnostics: { layers: r.layers.length },
    };
  },
});
