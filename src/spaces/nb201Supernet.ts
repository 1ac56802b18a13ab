// The NB201 supernet that TE-NAS prunes (VITA-Group/TENAS lib/models/cell_searchs: TinyNetworkDarts
// with NAS201SearchCell): the NB201 macro network in which every edge carries a set of alive ops.
// The reference's edge is Σ_k softmax(α)_k·op_k(x) over the ops whose weight exceeds 0.01, with
// α = 0 for alive and −1000 for pruned ops, i.e. the *mean* of the alive ops (pruned ops are not
// computed at all, so their parameters and ReLUs are absent). Our IR has no scaling op, so the 1/k
// is a depthwise 1×1 conv (scope `<edge>/mean<k>`) whose weights are the constant 1/k: give a
// network its weights with `supernetWeights` (or `setEdgeScales`), and leave those convs out of
// any gradient (`isEdgeScale`). `edgeWeighting: "sum"` drops them (edge = plain sum).
//
// Each op is built in its own scope (`s0c0/e10/nor_conv_3x3/conv`), so a parameter keeps its name
// whichever other ops are alive: initWeights, which seeds every parameter by name, then gives a
// supernet and any pruned copy of it the same weights for the ops they share (TE-NAS compares the
// two at identical weights). With one op per edge the network is buildNb201's, node for node, up
// to those scope names (nb201Supernet.test.ts).
import { GraphBuilder, type Ref } from "../ir/builder.js";
import type { Graph } from "../ir/graph.js";
import {
  NB201_EDGES,
  NB201_OPS,
  NB201_THIN_INPUT_SHAPE,
  type Nb201Arch,
  type Nb201MacroOptions,
  type Nb201Op,
  nb201CellWiring,
  nb201EdgeOp,
  nb201Macro,
} from "./nb201.js";
import type { BuildOptions } from "./space.js";
import {
  type EdgeWeighting,
  edgeScaleCount,
  isEdgeScale,
  ntkParams,
  setEdgeScales,
  supernetWeights,
} from "./supernet.js";

export { type EdgeWeighting, edgeScaleCount, isEdgeScale, ntkParams, setEdgeScales, supernetWeights };

/** The alive ops of each edge, in NB201_EDGES order. */
export type Nb201OpSets = readonly (readonly Nb201Op[])[];

export interface Nb201SupernetOptions {
  /** Default "mean" (the TE-NAS reference). */
  readonly edgeWeighting?: EdgeWeighting;
}

/** The single-op-per-edge op sets of an architecture. */
export function opSetsOf(arch: Nb201Arch): Nb201OpSets {
  return arch.map((op) => [op]);
}

function checkOpSets(opSets: Nb201OpSets): void {
  if (opSets.length !== NB201_EDGES.length)
    throw new Error(`NB201 supernet needs ${NB201_EDGES.length} op sets, got ${opSets.length}`);
  opSets.forEach((ops, i) => {
    if (ops.length === 0) throw new Error(`NB201 supernet: edge ${i} has no op`);
    if (new Set(ops).size !== ops.length) throw new Error(`NB201 supernet: edge ${i} repeats an op`);
    for (const op of ops)
      if (!(NB201_OPS as readonly string[]).includes(op)) throw new Error(`unknown NB201 op "${op}"`);
  });
}

/**
 * One supernet cell on `x`: node j = Σ_{i<j} edge_ij(node i), each edge combining its alive ops
 * per `weighting`. An edge whose only op is "none" gives zero; a lone op is built exactly as
 * nb201Cell builds it (in the op's scope).
 */
export function nb201SupernetCell(
  b: GraphBuilder,
  x: Ref,
  opSets: Nb201OpSets,
  channels: number,
  weighting: EdgeWeighting = "mean",
): Ref {
  checkOpSets(opSets);
  return nb201CellWiring(b, x, (input, i) => {
    const ops = opSets[i]!;
    const live = ops.filter((op) => op !== "none");
    if (live.length === 0) return b.within("none", () => b.zero(input));
    const sum = b.add(live.map((op) => b.within(op, () => nb201EdgeOp(b, input, op, channels))));
    if (weighting === "sum" || ops.length === 1) return sum;
    // 1/k as a depthwise 1×1 conv; its weights are set by setEdgeScales.
    return b.within(`mean${ops.length}`, () => b.conv(sum, channels, 1, { groups: channels }));
  });
}

/**
 * The NB201 macro network (buildNb201's stem, stages, ResNet reductions and head) with supernet
 * cells. TE-NAS's NTK network is channels 3, cellsPerStage 1 (prune_tenas.py model_config).
 */
export function buildNb201Supernet(
  opSets: Nb201OpSets,
  options: BuildOptions & Nb201MacroOptions & Nb201SupernetOptions,
): Graph {
  const weighting = options.edgeWeighting ?? "mean";
  return nb201Macro(options, (b, x, width) => nb201SupernetCell(b, x, opSets, width, weighting));
}

/**
 * TE-NAS's thin supernet for counting linear regions (prune_tenas.py model_config_thin: C=1, N=1,
 * depth=1, use_stem=False): one supernet cell on a 1×3×3 input, then BN + ReLU, global pooling and
 * a linear head. linearRegions.ts's teNasThinNb201 is the single-path case.
 */
export function teNasThinSupernet(
  opSets: Nb201OpSets,
  numClasses = 10,
  weighting: EdgeWeighting = "mean",
): Graph {
  const b = new GraphBuilder(NB201_THIN_INPUT_SHAPE);
  const out = b.within("s0c0", () =>
    nb201SupernetCell(b, b.input, opSets, NB201_THIN_INPUT_SHAPE[0]!, weighting),
  );
  const features = b.within("head", () => b.globalAvgPool(b.relu(b.batchNorm(out))));
  const logits = b.within("head", () => b.linear(features, numClasses));
  return b.build({ features, logits });
}
