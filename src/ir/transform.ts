// Graph-to-graph rewrites that some metrics evaluate instead of the network itself (e.g. synflow
// without BN, Zen-NAS without residual links). Every transform returns a new graph with node ids
// 0..n-1 in topological order, as compile and the reference forward expect.
import type { Graph, Node } from "./graph.js";

/** BN nodes become identities and lose their parameters (synflow removes BN before scoring). */
export function withoutBatchNorm(graph: Graph): Graph {
  return {
    ...graph,
    nodes: graph.nodes.map((n) =>
      n.op.kind === "batchnorm" ? { ...n, op: { kind: "identity" as const }, params: [] } : n,
    ),
  };
}

/** Nodes in order, keeping only those `features` or `logits` depend on; ids and inputs renumbered. */
export function withoutDeadNodes(graph: Graph): Graph {
  const live = new Set<number>();
  const stack = [graph.features, graph.logits];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (live.has(id)) continue;
    live.add(id);
    stack.push(...graph.nodes[id]!.inputs);
  }
  live.add(0); // the input node stays even when nothing reads it
  const newId = new Map<number, number>();
  const nodes: Node[] = [];
  for (const n of graph.nodes) {
    if (!live.has(n.id)) continue;
    newId.set(n.id, nodes.length);
    nodes.push({ ...n, id: nodes.length, inputs: n.inputs.map((i) => newId.get(i)!) });
  }
  return { ...graph, nodes, features: newId.get(graph.features)!, logits: newId.get(graph.logits)! };
}

function consumers(graph: Graph): number[][] {
  const out: number[][] = graph.nodes.map(() => []);
  for (const n of graph.nodes) for (const i of n.inputs) out[i]!.push(n.id);
  return out;
}

/**
 * The add inputs that are residual shortcuts: within one add, a branch that leaves the same fork node
 * as another branch of that add but passes through no activation, while the other branch does. A
 * branch is traced back from the add through single-input nodes until a node read by more than one
 * node (the fork) or the graph input.
 *
 * On NB201 this finds exactly the avg-pool + 1×1-conv shortcut of each ResNet reduction block: cell
 * edges (skip_connect, avg_pool) always start from a different cell node than the other terms of
 * their sum, so the searched cell is left as it is.
 */
export function residualShortcuts(graph: Graph): Array<{ add: number; input: number }> {
  const readers = consumers(graph);
  const trace = (start: number) => {
    let id = start;
    let nonlinear = false;
    for (;;) {
      const n = graph.nodes[id]!;
      // An identity shortcut reads the fork itself; a branch ends where it meets a node read elsewhere.
      if (readers[id]!.length > 1 || n.inputs.length !== 1) return { fork: id, nonlinear };
      if (n.op.kind === "act") nonlinear = true;
      id = n.inputs[0]!;
    }
  };
  const found: Array<{ add: number; input: number }> = [];
  for (const n of graph.nodes) {
    if (n.op.kind !== "add") continue;
    const branches = n.inputs.map((input) => ({ input, ...trace(input) }));
    for (const b of branches) {
      if (b.nonlinear) continue;
      if (branches.some((o) => o !== b && o.fork === b.fork && o.nonlinear))
        found.push({ add: n.id, input: b.input });
    }
  }
  return found;
}

/**
 * The network with its residual shortcuts (see residualShortcuts) removed, as Zen-NAS scores its
 * networks (`no_reslink=True`): an add left with one input becomes an identity, and the shortcut
 * branch's nodes are dropped.
 */
export function withoutResidualShortcuts(graph: Graph): Graph {
  const drop = residualShortcuts(graph);
  if (drop.length === 0) return graph;
  const nodes = graph.nodes.map((n) => {
    const dropped = drop.filter((d) => d.add === n.id).map((d) => d.input);
    if (dropped.length === 0) return n;
    const inputs = n.inputs.filter((i) => !dropped.includes(i));
    return inputs.length === 1 ? { ...n, op: { kind: "identity" as const }, inputs } : { ...n, inputs };
  });
  return withoutDeadNodes({ ...graph, nodes });
}
