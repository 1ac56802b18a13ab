// Parameter count and FLOPs of an IR graph, per sample.
// FLOPs follow the convention of NAS-Bench-201's counter (xautodl utils/flop_benchmark.py), which is
// what its tables report: multiply-accumulates of Conv and Linear (+1 per output for a bias) and
// k·k per output element of pooling; BN, activations, additions and global pooling count nothing.
import { type Graph, numel } from "./graph.js";

export function paramCount(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) for (const p of node.params) n += numel(p.shape);
  return n;
}

export function flops(graph: Graph): number {
  let total = 0;
  for (const node of graph.nodes) {
    const op = node.op;
    const outElements = numel(node.shape);
    if (op.kind === "conv") {
      const inChannels = graph.nodes[node.inputs[0]!]!.shape[0]!;
      const perOutput = (op.kernel[0] * op.kernel[1] * inChannels) / op.groups;
      total += outElements * perOutput + (op.bias ? outElements : 0);
    } else if (op.kind === "linear") {
      const inFeatures = graph.nodes[node.inputs[0]!]!.shape[0]!;
      total += outElements * inFeatures + (op.bias ? outElements : 0);
    }
  }
  return total;
}
