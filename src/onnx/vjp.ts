// Vector-Jacobian rules: the driver. Each op's rule lives in its module (ir/ops/<op>.ts); given
// ∂L/∂y of a node (tensor name `dy`) it emits ∂L/∂(each input) and ∂L/∂(each parameter).
import type { Graph, Node } from "../ir/graph.js";
import { opDef } from "../ir/ops/index.js";
import type { Vjp } from "../ir/ops/types.js";
import { type BatchNormMode, type OnnxWriter, tensorName } from "./writer.js";

export type { Vjp } from "../ir/ops/types.js";

export function vjp(
  graph: Graph,
  node: Node,
  dy: string,
  w: OnnxWriter,
  bnMode: BatchNormMode,
  initializers: ReadonlyMap<string, Float32Array> | undefined,
  frozenReluMasks = false,
): Vjp {
  const y = tensorName(node.id);
  return opDef(node.op).vjp({
    graph,
    node,
    op: node.op,
    inputs: node.inputs.map(tensorName),
    x: tensorName(node.inputs[0] ?? node.id),
    y,
    dy,
    inShapes: node.inputs.map((i) => graph.nodes[i]!.shape),
    inShape: graph.nodes[node.inputs[0] ?? node.id]!.shape,
    w,
    fresh: (what) => w.name(`${y}_${what}`),
    bnMode,
    initializers,
    frozenReluMasks,
  });
}
