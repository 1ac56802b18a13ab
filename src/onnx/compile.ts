// IR graph → ONNX ModelProto. The driver: it declares inputs and weights and asks each node's op
// module (ir/ops) for its forward lowering; nothing else in nasprobe writes forward ONNX nodes.
import { batchNormNodes, type Graph, type Node, numel } from "../ir/graph.js";
import { isPiecewiseLinear, opDef } from "../ir/ops/index.js";
import type { LowerOptions } from "../ir/ops/types.js";
import {
  type BatchNormMode,
  floatTensor,
  OnnxWriter,
  runningMeanName,
  runningVarName,
  tensorName,
} from "./writer.js";

export type { LowerOptions } from "../ir/ops/types.js";
export {
  type BatchNormMode,
  batchMeanName,
  batchVarName,
  maxPoolIndicesName,
  OnnxWriter,
  OPSET,
  reluMaskFloatName,
  reluMaskName,
  runningMeanName,
  runningVarName,
  tensorName,
} from "./writer.js";

export interface CompileOptions {
  readonly bnMode: BatchNormMode;
  /** Bake these tensors (params and running stats, by name) as initializers; the rest stay graph inputs. */
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Which of the graph's outputs to expose. */
  readonly outputs?: ReadonlyArray<"features" | "logits">;
  /** Further nodes whose outputs to expose, under their node names. */
  readonly extraOutputs?: readonly number[];
}

export interface CompiledModel {
  readonly bytes: Uint8Array;
  /** Graph inputs other than `input`, in order: params and BN statistics not baked in. */
  readonly weightInputs: readonly string[];
  readonly outputNames: readonly string[];
}

/** All named tensors a graph reads besides its input: params, then BN running statistics. */
export function weightSpecs(graph: Graph, bnMode: BatchNormMode): Array<{ name: string; shape: number[] }> {
  const specs = graph.nodes.flatMap((n) => n.params.map((p) => ({ name: p.name, shape: [...p.shape] })));
  if (bnMode === "inference") {
    for (const bn of batchNormNodes(graph)) {
      const c = bn.shape[0]!;
      specs.push({ name: runningMeanName(bn), shape: [c] }, { name: runningVarName(bn), shape: [c] });
    }
  }
  return specs;
}

/** ReLU and leaky ReLU nodes: piecewise linear with an on/off pattern (see LowerOptions.frozenReluMasks). */
export const isReluFamily = (node: Node) => node.op.kind === "act" && isPiecewiseLinear(node.op.fn);

/** Declares the input, binds weights (baked or as graph inputs) and emits every node's forward op. */
export function lowerForward(graph: Graph, w: OnnxWriter, options: LowerOptions): { weightInputs: string[] } {
  const weightInputs: string[] = [];
  w.input("input", ["N", ...graph.inputShape]);
  for (const spec of weightSpecs(graph, options.bnMode)) {
    const baked = options.initializers?.get(spec.name);
    if (baked) {
      if (baked.length !== numel(spec.shape)) {
        throw new Error(`initializer ${spec.name} has ${baked.length} values, expected ${numel(spec.shape)}`);
      }
      w.initializers.push(floatTensor(spec.name, spec.shape, baked));
    } else {
      w.input(spec.name, spec.shape);
      weightInputs.push(spec.name);
    }
  }
  for (const node of graph.nodes) {
    const isInput = node.inputs.length === 0;
    opDef(node.op).lower({
      graph,
      node,
      op: node.op,
      inputs: isInput ? ["input"] : node.inputs.map(tensorName),
      inShapes: isInput ? [graph.inputShape] : node.inputs.map((i) => graph.nodes[i]!.shape),
      out: tensorName(node.id),
      w,
      options,
    });
  }
  return { weightInputs };
}

/** Exposes node outputs under `name`, batch-major. */
export function exposeOutput(w: OnnxWriter, name: string, node: Node): void {
  w.emit("Identity", [tensorName(node.id)], [name]);
  w.output(name, ["N", ...node.shape]);
}

export function compileToOnnx(graph: Graph, options: CompileOptions): CompiledModel {
  const w = new OnnxWriter();
  const { weightInputs } = lowerForward(graph, w, options);
  const exposed: Array<{ name: string; node: Node }> = [];
  for (const which of options.outputs ?? ["features", "logits"])
    exposed.push({ name: which, node: graph.nodes[graph[which]]! });
  for (const id of options.extraOutputs ?? [])
    exposed.push({ name: graph.nodes[id]!.name, node: graph.nodes[id]! });
  for (const { name, node } of exposed) exposeOutput(w, name, node);
  return { bytes: w.encode(), weightInputs, outputNames: w.outputs.map((o) => o.name!) };
}
