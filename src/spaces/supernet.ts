// What TE-NAS needs of a space (the `supernet` hook) and the machinery every such supernet shares:
// an edge that averages its k alive ops carries a depthwise 1×1 conv in scope `<edge>/mean<k>`
// whose weights are the constant 1/k (our IR has no scaling op), set by `setEdgeScales` and left out
// of any gradient (`isEdgeScale`).
import type { Graph, Node } from "../ir/graph.js";
import { type InitScheme, initWeights } from "../ir/init.js";
import type { BuildOptions } from "./space.js";

/**
 * `mean`: edge = (1/k)·Σ of its k alive ops, as TE-NAS's supernet (softmax of equal α); "none"
 * counts in k but adds nothing. `sum`: edge = Σ of its alive ops.
 */
export type EdgeWeighting = "mean" | "sum";

/** The alive ops of each edge. */
export type OpSets = readonly (readonly string[])[];

export interface SupernetBuildOptions extends BuildOptions {
  /** Stem width of the NTK network (TE-NAS: 3). */
  readonly channels: number;
  /** Cells per stage of the NTK network (TE-NAS: 1). */
  readonly cellsPerStage: number;
  readonly edgeWeighting: EdgeWeighting;
}

/** A cell space whose every edge can hold a set of ops at once, which TE-NAS prunes one op at a time. */
export interface SupernetHook<Arch> {
  /** Number of edges. */
  readonly edges: number;
  /** The ops every edge starts with. */
  readonly ops: readonly string[];
  /** The NTK network: the space's macro network with supernet cells. */
  build(opSets: OpSets, options: SupernetBuildOptions): Graph;
  /** The thin network whose linear regions TE-NAS counts. */
  thin(opSets: OpSets, numClasses: number, weighting: EdgeWeighting): Graph;
  /** Its input shape (TE-NAS: 1×3×3 crops). */
  readonly thinInputShape: readonly number[];
  /** The architecture once every edge holds one op. */
  arch(ops: readonly string[]): Arch;
}

/** The k an edge scale divides by, from its scope (`mean<k>`), or undefined for any other node. */
export function edgeScaleCount(node: Node): number | undefined {
  if (node.op.kind !== "conv") return undefined;
  const m = /^mean(\d+)$/.exec(node.name.split("/").at(-2) ?? "");
  return m ? Number(m[1]) : undefined;
}

/** Whether a node is an edge's 1/k scaling conv (constant weights, not a trainable parameter). */
export function isEdgeScale(node: Node): boolean {
  return edgeScaleCount(node) !== undefined;
}

/** Sets every edge scale's weights to 1/k (k = the edge's op count, "none" included). */
export function setEdgeScales(graph: Graph, weights: Map<string, Float32Array>): Map<string, Float32Array> {
  for (const node of graph.nodes) {
    const k = edgeScaleCount(node);
    if (k !== undefined) weights.set(`${node.name}.weight`, new Float32Array(node.shape[0]!).fill(1 / k));
  }
  return weights;
}

/** initWeights(graph, scheme, seed, ...labels) with the edge scales set to their constants. */
export function supernetWeights(
  graph: Graph,
  scheme: InitScheme,
  seed: number,
  ...labels: Array<string | number>
): Map<string, Float32Array> {
  return setEdgeScales(graph, initWeights(graph, scheme, seed, ...labels));
}

/** Names of the trainable "weight" parameters (conv, linear, BN γ) that TE-NAS's NTK differentiates. */
export function ntkParams(graph: Graph): string[] {
  return graph.nodes
    .filter((n) => !isEdgeScale(n))
    .flatMap((n) => n.params.filter((p) => p.role === "weight" || p.role === "bn_gamma").map((p) => p.name));
}
