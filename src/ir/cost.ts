// Parameter count and FLOPs of an IR graph, per sample.
// FLOPs follow the convention of NAS-Bench-201's counter (xautodl utils/flop_benchmark.py), which is
// what its tables report: multiply-accumulates of Conv and Linear (+1 per output for a bias);
// pooling (which xautodl hooks but leaves out of its total), BN, activations, additions and global
// pooling count nothing. Each op's count is its module's `flops` rule (ops/<op>.ts).
import { type Graph, type Node, numel } from "./graph.js";
import { opDef } from "./ops/index.js";

export function paramCount(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) for (const p of node.params) n += numel(p.shape);
  return n;
}

/** One node's FLOPs per sample (NAS-Bench-201's convention). */
export function nodeFlops(graph: Graph, node: Node): number {
  return opDef(node.op).flops({
    op: node.op,
    inShapes: node.inputs.map((i) => graph.nodes[i]!.shape),
    outShape: node.shape,
  });
}

export function flops(graph: Graph): number {
  let total = 0;
  for (const node of graph.nodes) total += nodeFlops(graph, node);
  return total;
}
