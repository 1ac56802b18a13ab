// AZ-NAS (Lee & Ham, CVPR 2024, "AZ-NAS: Assembling Zero-Cost Proxies for Network Architecture
// Search"), as computed by cvlab-yonsei/AZ-NAS for NAS-Bench-201: NB201/ZeroShotProxy/
// compute_az_nas_score.py `compute_nas_score`, called from NB201/tss_general.ipynb
// (`search_find_best`: AZ-NAS is not among its real-input metrics, so the input is
// torch.randn(64, 3, 32, 32) — batch 64 from the weight-sharing config — and no data), on the
// network of NB201/custom/tss_model.py whose `extract_cell_features` returns the stem output and
// every cell's output (5 + 1 + 5 + 1 + 5 cells: 18 feature maps). Network in train mode (BN on batch
// statistics), init 'kaiming_norm_fanin' (conv and linear weights N(0, 2/fan_in), BN γ=1 β=0), one
// init, one batch. With f_0 … f_L those feature maps:
//   expressivity   Σ_i H(f_i): H = −Σ p log(p + 1e-8), p = the eigenvalues of the channel covariance
//                  of f_i (rows: batch × positions, centred, divided by the row count), normalised to
//                  sum 1 — how isotropic each block's feature space is;
//   progressivity  min_i (H(f_i) − H(f_{i−1}));
//   trainability   mean_i (2 − σ_i − 1/(σ_i + 1e-6)), σ_i the largest singular value of
//                  M = g_inᵀ g_out / (rows of g_out), g_out a Rademacher (±1) cotangent on f_i and
//                  g_in = its vector-Jacobian product onto f_{i−1} (pixel-unshuffled to f_i's
//                  resolution when the block downsamples); a block whose g_in equals g_out exactly (an
//                  identity block) gives −∞ there;
//   complexity     FLOPs (the notebook takes them from the benchmark API).
// The notebook then ranks architectures by Σ_proxy log(rank/N) over the four: that is not a
// per-architecture value, but the `logrank` aggregation over a set (src/benchmarks/aggregate.ts;
// `score|correlate --aggregate logrank`). Every value is higher-is-better. The reference replaces a
// NaN proxy by −∞; here a NaN value carries a reason instead (JSON has no −∞), and the aggregation
// ranks non-finite values lowest, which is where −∞ ranks.
//
// Blocks in an arbitrary IR graph. The reference's blocks are NB201's stem and cells; here a block
// output is a *cut point* of the graph (a node every input-to-logits path passes through, so that the
// next block is a function of it alone, as a cell is of its input) — the last cut point of each block
// scope, where a node's block scope is the first `blockDepth` components of its name (the builder's
// `within` scopes: NB201 `stem`, `s0c0`, `reduce1`, …; NB-Macro `s0l1`; NB101 `stack0/module0` at
// depth 2). Cut points after the pre-pooling node (see preGapNode) and those in the logits' scope (the
// head) are left out, and so are the input and nodes that no parameter precedes (a flatten of the
// input). On NB201 this gives exactly the reference's 18 feature maps. A graph with one block has no
// progressivity or trainability (NaN, with the reason); a deep skip to the head (an MLP's "deep"
// skip) leaves no cut point after its source, so such a network has few blocks.
//
// Cost: one forward probe of every block output, then per consecutive pair a gradient session over
// that block alone (blockGraph), fed the probed f_{i−1}, so its train-mode BN sees the batch the full
// network saw; on an NB201 cell ~18 sessions, ~4–8 CPU-seconds on this machine.
import * as v from "valibot";
import type { ImageSet } from "../data/imageSet.js";
import { flops as countNb201Flops } from "../ir/cost.js";
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { initWeights } from "../ir/init.js";
import { dense, symmetricEigen } from "../linalg/kernelRegression.js";
import {
  type ForwardTimings,
  freshRunningStatistics,
  type Images,
  NodeProbe,
  newTimings,
} from "../onnx/forward.js";
import { gradName } from "../onnx/gradient.js";
import { GradientSession } from "../onnx/gradientSession.js";
import type { RuntimeOptions } from "../onnx/runtime.js";
import { Rng } from "../util/random.js";
import { dataOrGaussian, defineMetric, failed, type Metric, type MetricResult } from "./metric.js";
import { defaultsOf, initScheme, integer, type OptionsOf, oneOf, option } from "./options.js";
import { preGapNode } from "./zen.js";

export const AZNAS_OPTIONS = v.strictObject({
  /** Inputs per pass (reference: 64, the NB201 search loader's batch). */
  batchSize: option(integer(1), 64),
  /** Reference: gaussian (torch.randn inputs; AZ-NAS is not among the notebook's real-input metrics). */
  inputs: option(oneOf(["gaussian", "data"]), "gaussian"),
  /** Reference: kaiming_norm_fanin, i.e. N(0, 2/fan_in) conv and linear weights, BN γ=1 β=0. */
  init: option(initScheme(), "kaiming_normal"),
  /** Reference: train (model.train()). */
  bnMode: option(oneOf(["train", "inference"]), "train"),
  /** Leading node-name components that name a block (NB201, NB-Macro: 1; NB101's modules: 2). */
  blockDepth: option(integer(1), 1),
});

export type AznasOptions = OptionsOf<typeof AZNAS_OPTIONS>;

export const AZNAS_DEFAULTS: AznasOptions = defaultsOf(AZNAS_OPTIONS);

/** The reference's ε in −Σ p log(p + ε). */
const ENTROPY_EPS = 1e-8;
/** The reference's ε in 1/(σ + ε). */
const SIGMA_EPS = 1e-6;

// ------------------------------------------------------------------------------------------ blocks

/**
 * Nodes every input-to-logits path passes through, in order. Node ids are topological, so a path
 * avoids v exactly when one of its edges jumps from before v to after it: v is a cut point when no
 * edge between nodes on such paths spans it.
 */
export function cutPoints(graph: Graph): number[] {
  const n = graph.nodes.length;
  const fromInput = new Array<boolean>(n).fill(false);
  for (const node of graph.nodes)
    fromInput[node.id] = node.op.kind === "input" || node.inputs.some((u) => fromInput[u]);
  const toLogits = new Array<boolean>(n).fill(false);
  toLogits[graph.logits] = true;
  for (let id = n - 1; id >= 0; id--)
    if (toLogits[id]) for (const u of graph.nodes[id]!.inputs) toLogits[u] = true;
  const onPath = (id: number) => fromInput[id]! && toLogits[id]!;
  // The furthest node reached by an edge leaving a path node before the current one.
  const reach = new Array<number>(n).fill(-1);
  for (const node of graph.nodes)
    if (onPath(node.id)) for (const u of node.inputs) if (onPath(u)) reach[u] = Math.max(reach[u]!, node.id);
  const cuts: number[] = [];
  let frontier = -1;
  for (let id = 0; id < n; id++) {
    if (!onPath(id)) continue;
    if (frontier <= id) cuts.push(id);
    frontier = Math.max(frontier, reach[id]!);
  }
  return cuts;
}

/** A node's block scope: the first `depth` components of its name's scope (without the op's own name). */
export function blockScope(node: Node, depth: number): string {
  const parts = node.name.split("/");
  return parts.slice(0, Math.min(depth, parts.length - 1)).join("/") || node.name;
}

/** The block outputs AZ-NAS reads (see the file header), in order. */
export function aznasBlocks(graph: Graph, blockDepth = AZNAS_DEFAULTS.blockDepth): number[] {
  const last = preGapNode(graph);
  const head = blockScope(graph.nodes[graph.logits]!, blockDepth);
  // Nodes downstream of a parameter: a reshape of the input itself (an MLP's flatten) is no block.
  const learned = new Array<boolean>(graph.nodes.length).fill(false);
  for (const node of graph.nodes)
    learned[node.id] = node.params.length > 0 || node.inputs.some((u) => learned[u]);
  const candidates = cutPoints(graph).filter((id) => {
    const node = graph.nodes[id]!;
    return learned[id] && id <= last && blockScope(node, blockDepth) !== head;
  });
  return candidates.filter((id, k) => {
    const next = candidates[k + 1];
    return (
      next === undefined ||
      blockScope(graph.nodes[id]!, blockDepth) !== blockScope(graph.nodes[next]!, blockDepth)
    );
  });
}

/**
 * The part of `graph` from block output `from` (its input) to block output `to` (its logits, flattened
 * when a feature map), keeping node and parameter names so the full network's weights fit. As `from`
 * is a cut point, every node between the two that `to` depends on depends on `from` alone.
 */
export function blockGraph(graph: Graph, from: number, to: number): Graph {
  const wanted = new Set<number>([to]);
  for (let id = to; id > from; id--)
    if (wanted.has(id)) for (const u of graph.nodes[id]!.inputs) if (u > from) wanted.add(u);
  const source = graph.nodes[from]!;
  const nodes: Node[] = [
    {
      id: 0,
      name: `${source.name}::block_input`,
      op: { kind: "input" },
      inputs: [],
      shape: source.shape,
      params: [],
    },
  ];
  const remap = new Map<number, number>([[from, 0]]);
  for (const id of [...wanted].sort((a, b) => a - b)) {
    const node = graph.nodes[id]!;
    const inputs = node.inputs.map((u) => {
      const mapped = remap.get(u);
      if (mapped === undefined)
        throw new Error(`block ${source.name} → ${graph.nodes[to]!.name} is not closed`);
      return mapped;
    });
    remap.set(id, nodes.length);
    nodes.push({ ...node, id: nodes.length, inputs });
  }
  const out = nodes[nodes.length - 1]!;
  if (out.shape.length > 1)
    nodes.push({
      id: nodes.length,
      name: `${out.name}::flat`,
      op: { kind: "flatten" },
      inputs: [out.id],
      shape: [numel(out.shape)],
      params: [],
    });
  const logits = nodes.length - 1;
  return { nodes, inputShape: source.shape, features: logits, logits };
}

// ------------------------------------------------------------------------------------ the proxies

/** [C, H, W] (or [F] as [F, 1, 1]). */
const chw = (shape: readonly number[]): [number, number, number] =>
  shape.length === 3 ? [shape[0]!, shape[1]!, shape[2]!] : [numel(shape), 1, 1];

/**
 * H = −Σ p log(p + 1e-8) over the eigenvalues of the channel covariance of a batch of feature maps
 * (rows: every sample and position; centred; divided by the row count), normalised to sum 1. fp64.
 * NaN when the features are constant (every eigenvalue 0), as in the reference.
 */
export function isotropyEntropy(features: Float32Array, batch: number, shape: readonly number[]): number {
  const [c, h, w] = chw(shape);
  const hw = h * w;
  const rows = batch * hw;
  const mean = new Float64Array(c);
  for (let b = 0; b < batch; b++)
    for (let k = 0; k < c; k++) {
      const base = (b * c + k) * hw;
      let s = 0;
      for (let p = 0; p < hw; p++) s += features[base + p]!;
      mean[k]! += s;
    }
  for (let k = 0; k < c; k++) mean[k]! /= rows;
  // Channel-major centred copy: covariance entries are then dot products of contiguous rows.
  const centred = new Float64Array(c * rows);
  for (let b = 0; b < batch; b++)
    for (let k = 0; k < c; k++) {
      const src = (b * c + k) * hw;
      const dst = k * rows + b * hw;
      const m = mean[k]!;
      for (let p = 0; p < hw; p++) centred[dst + p] = features[src + p]! - m;
    }
  // The non-zero eigenvalues of XᵀX/n and XXᵀ/n agree (zeros add nothing to H): decompose the
  // smaller of the two (NB-Macro's 1,280-channel head at a small batch, say).
  const dim = Math.min(c, rows);
  const gram = new Float64Array(dim * dim);
  if (c <= rows)
    for (let i = 0; i < c; i++)
      for (let j = i; j < c; j++) {
        let s = 0;
        const a = i * rows;
        const bb = j * rows;
        for (let r = 0; r < rows; r++) s += centred[a + r]! * centred[bb + r]!;
        gram[i * c + j] = s / rows;
        gram[j * c + i] = s / rows;
      }
  else
    for (let i = 0; i < rows; i++)
      for (let j = i; j < rows; j++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += centred[k * rows + i]! * centred[k * rows + j]!;
        gram[i * rows + j] = s / rows;
        gram[j * rows + i] = s / rows;
      }
  const { values } = symmetricEigen(dense(dim, dim, gram));
  let total = 0;
  for (const e of values) total += e;
  let entropy = 0;
  for (const e of values) {
    const p = e / total;
    entropy -= p * Math.log(p + ENTROPY_EPS);
  }
  return entropy;
}

/** The largest singular value of a row-major [rows, cols] fp64 matrix (via the smaller Gram matrix). */
export function spectralNorm(m: Float64Array, rows: number, cols: number): number {
  const small = Math.min(rows, cols);
  const gram = new Float64Array(small * small);
  for (let i = 0; i < small; i++)
    for (let j = i; j < small; j++) {
      let s = 0;
      if (rows <= cols) for (let k = 0; k < cols; k++) s += m[i * cols + k]! * m[j * cols + k]!;
      else for (let k = 0; k < rows; k++) s += m[k * cols + i]! * m[k * cols + j]!;
      gram[i * small + j] = s;
      gram[j * small + i] = s;
    }
  const { values } = symmetricEigen(dense(small, small, gram));
  return Math.sqrt(Math.max(0, ...values));
}

/**
 * The reference's per-block trainability term 2 − σ − 1/(σ + 1e-6), σ = ‖g_inᵀ g_out‖₂ / rows, with
 * g_in pixel-unshuffled (channel c·s² + (y mod s)·s + x mod s at position (y div s, x div s)) when the
 * block downsamples by s; −∞ when g_in equals g_out exactly. Throws on shapes the reference cannot
 * pair (upsampling, a non-integer or anisotropic ratio).
 */
export function trainabilityTerm(
  gIn: Float32Array,
  inShape: readonly number[],
  gOut: Float32Array,
  outShape: readonly number[],
  batch: number,
): number {
  if (gIn.length === gOut.length && gIn.every((x, i) => x === gOut[i])) return Number.NEGATIVE_INFINITY;
  const [ci, hi, wi] = chw(inShape);
  const [co, ho, wo] = chw(outShape);
  const s = hi / ho;
  if (!(Number.isInteger(s) && s >= 1 && wi / wo === s))
    throw new Error(
      `block input ${inShape.join("x")} cannot be unshuffled onto its output ${outShape.join("x")}`,
    );
  const cu = ci * s * s;
  const hwo = ho * wo;
  const rows = batch * hwo;
  // g_in unshuffled to [batch, cu, ho·wo] (g_in itself when the resolution is kept), so that each
  // entry of M (kept as [co, cu]) is a sum of dot products of contiguous rows.
  let a: Float32Array = gIn;
  if (s > 1) {
    a = new Float32Array(gIn.length);
    for (let b = 0; b < batch; b++)
      for (let c = 0; c < ci; c++)
        for (let y = 0; y < hi; y++) {
          const src = ((b * ci + c) * hi + y) * wi;
          const chBase = b * cu + c * s * s + (y % s) * s;
          const pos = Math.floor(y / s) * wo;
          for (let x = 0; x < wi; x++) a[(chBase + (x % s)) * hwo + pos + Math.floor(x / s)] = gIn[src + x]!;
        }
  }
  const mt = new Float64Array(co * cu);
  for (let b = 0; b < batch; b++)
    for (let k = 0; k < co; k++) {
      const z = (b * co + k) * hwo;
      for (let c = 0; c < cu; c++) {
        const q = (b * cu + c) * hwo;
        let dot = 0;
        for (let p = 0; p < hwo; p++) dot += a[q + p]! * gOut[z + p]!;
        mt[k * cu + c]! += dot;
      }
    }
  for (let i = 0; i < mt.length; i++) mt[i]! /= rows;
  const sigma = spectralNorm(mt, co, cu);
  return 2 - sigma - 1 / (sigma + SIGMA_EPS);
}

/** The network's input batch: seeded N(0, 1) values (the reference's torch.randn) or the data's front. */
export function aznasInputs(input: { graph: Graph; data?: ImageSet; seed: number }, o: AznasOptions): Images {
  return dataOrGaussian(input, o, "aznas-inputs");
}

/** The Rademacher (±1) cotangent on block output `k` (1-based pair index, as the reference's loop). */
export function aznasCotangent(seed: number, k: number, size: number): Float32Array {
  const rng = new Rng(seed, "aznas-cotangent", k);
  const g = new Float32Array(size);
  for (let i = 0; i < size; i++) g[i] = rng.uniform() < 0.5 ? -1 : 1;
  return g;
}

export interface AznasScores {
  readonly expressivity: number;
  readonly progressivity: number;
  readonly trainability: number;
  /** Per block: H(f_i). */
  readonly entropies: readonly number[];
  /** Per consecutive pair (f_{i−1} → f_i), i = 1 … L. */
  readonly trainabilityTerms: readonly number[];
  readonly blocks: readonly number[];
  readonly timings: ForwardTimings;
}

/** The three network proxies (complexity is the FLOP count) under given weights and inputs. */
export async function aznasScores(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  images: Images,
  o: { bnMode: "train" | "inference"; blockDepth: number; seed: number; runtime: RuntimeOptions },
): Promise<AznasScores> {
  const timings = newTimings();
  const blocks = aznasBlocks(graph, o.blockDepth);
  const batch = images.count;
  const probe = await NodeProbe.create(graph, {
    bnMode: o.bnMode,
    nodes: blocks,
    baked: weights,
    runtime: o.runtime,
    timings,
  });
  let features: Float32Array[];
  try {
    const names = blocks.map((id) => probe.outputName(id));
    const out = await probe.run(images, names);
    features = names.map((n) => out[n]!);
  } finally {
    await probe.release();
  }
  const entropies = blocks.map((id, k) => isotropyEntropy(features[k]!, batch, graph.nodes[id]!.shape));
  const terms: number[] = [];
  for (let k = blocks.length - 1; k >= 1; k--) {
    const from = graph.nodes[blocks[k - 1]!]!;
    const to = graph.nodes[blocks[k]!]!;
    const gOut = aznasCotangent(o.seed, k, batch * numel(to.shape));
    const session = await GradientSession.create(
      blockGraph(graph, from.id, to.id),
      weights,
      { bnMode: o.bnMode, loss: "seeded", params: [], wrtInput: true },
      o.runtime,
      timings,
    );
    let gIn: Float32Array;
    try {
      gIn = (await session.run(features[k - 1]!, batch, gOut))[gradName("input")]!.data;
    } finally {
      await session.release();
    }
    terms.unshift(trainabilityTerm(gIn, from.shape, gOut, to.shape, batch));
  }
  let progressivity = Number.NaN;
  for (let k = 1; k < entropies.length; k++) {
    const step = entropies[k]! - entropies[k - 1]!;
    progressivity = k === 1 || step < progressivity || Number.isNaN(step) ? step : progressivity;
  }
  return {
    expressivity: entropies.reduce((s, e) => s + e, 0),
    progressivity,
    trainability: terms.length > 0 ? terms.reduce((s, t) => s + t, 0) / terms.length : Number.NaN,
    entropies,
    trainabilityTerms: terms,
    blocks,
    timings,
  };
}

// ----------------------------------------------------------------------------------------- metric

const VALUE_NAMES = [
  "aznas_expressivity",
  "aznas_progressivity",
  "aznas_trainability",
  "aznas_complexity",
] as const;

export const aznas: Metric<AznasOptions> = defineMetric({
  name: "aznas",
  description:
    "AZ-NAS's four proxies: block-feature isotropy, its least increase, block Jacobian norms near 1, FLOPs (cvlab-yonsei/AZ-NAS)",
  values: [
    {
      name: "aznas_expressivity",
      higherIsBetter: true,
      description: "Σ over blocks of the entropy of the normalised channel-covariance eigenvalues",
    },
    {
      name: "aznas_progressivity",
      higherIsBetter: true,
      description: "least increase of that entropy from one block to the next",
    },
    {
      name: "aznas_trainability",
      higherIsBetter: true,
      description:
        "mean over consecutive blocks of 2 − σ − 1/σ, σ a Rademacher estimate of the Jacobian's spectral norm",
    },
    {
      name: "aznas_complexity",
      higherIsBetter: true,
      description: "FLOPs per image (the space's benchmark count)",
    },
  ],
  options: AZNAS_OPTIONS,
  images: (o) => (o.inputs === "data" ? o.batchSize : 0),
  async run(input, o): Promise<MetricResult> {
    const complexity = (input.countFlops ?? countNb201Flops)(input.graph);
    const blocks = aznasBlocks(input.graph, o.blockDepth);
    if (blocks.length === 0)
      return failed(aznas, "the graph has no block output (no cut point before its head)");
    const weights = initWeights(input.graph, o.init, input.seed, "aznas");
    if (o.bnMode === "inference") for (const [k, w] of freshRunningStatistics(input.graph)) weights.set(k, w);
    let r: AznasScores;
    try {
      r = await aznasScores(input.graph, weights, aznasInputs(input, o), {
        bnMode: o.bnMode,
        blockDepth: o.blockDepth,
        seed: input.seed,
        runtime: input.runtime,
      });
    } catch (e) {
      return failed(aznas, e instanceof Error ? e.message : String(e));
    }
    const values: Record<(typeof VALUE_NAMES)[number], number> = {
      aznas_expressivity: r.expressivity,
      aznas_progressivity: r.progressivity,
      aznas_trainability: r.trainability,
      aznas_complexity: complexity,
    };
    const reasons: string[] = [];
    if (blocks.length < 2) reasons.push("one block only: no progressivity or trainability");
    const flat = r.entropies.findIndex((e) => !Number.isFinite(e));
    if (flat >= 0)
      reasons.push(`block ${input.graph.nodes[r.blocks[flat]!]!.name} has constant features (covariance 0)`);
    const identity = r.trainabilityTerms.indexOf(Number.NEGATIVE_INFINITY);
    if (identity >= 0)
      reasons.push(
        `block ${input.graph.nodes[r.blocks[identity + 1]!]!.name} is the identity (the reference's trainability is −∞)`,
      );
    for (const k of VALUE_NAMES) if (!Number.isFinite(values[k])) values[k] = Number.NaN;
    const diagnostics = { aznas_blocks: blocks.length };
    const bad = VALUE_NAMES.filter((k) => Number.isNaN(values[k]));
    if (bad.length === 0) return { values, diagnostics };
    return {
      values,
      diagnostics,
      reason: reasons.length > 0 ? reasons.join("; ") : `non-finite ${bad.join(", ")}`,
    };
  },
});
