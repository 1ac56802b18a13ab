// A plain-TypeScript forward pass over the IR, written for clarity not speed. It is the independent
// computation that ONNX lowering and ONNX Runtime are checked against. Each op's arithmetic is its
// module's `reference` rule (ops/<op>.ts).
import type { Graph } from "./graph.js";
import { numel } from "./graph.js";
import { opDef } from "./ops/index.js";
import type { ReferenceOptions } from "./ops/types.js";

export { erf } from "./ops/act.js";
export type { ReferenceOptions };

/** Runs the graph on a batch; returns every node's output (batch-major, float64). */
export function referenceForward(
  graph: Graph,
  weights: ReadonlyMap<string, Float32Array>,
  input: Float32Array,
  batch: number,
  options: ReferenceOptions,
): Float64Array[] {
  const values: Float64Array[] = [];
  const weight = (name: string) => {
    const v = weights.get(name);
    if (!v) throw new Error(`missing weight ${name}`);
    return v;
  };
  for (const node of graph.nodes) {
    const out = new Float64Array(batch * numel(node.shape));
    const isInput = node.inputs.length === 0;
    opDef(node.op).reference({
      node,
      op: node.op,
      inputs: isInput ? [Float64Array.from(input)] : node.inputs.map((i) => values[i]!),
      inShapes: isInput ? [graph.inputShape] : node.inputs.map((i) => graph.nodes[i]!.shape),
      out,
      batch,
      weight,
      weights,
      options,
    });
    values.push(out);
  }
  return values;
}
