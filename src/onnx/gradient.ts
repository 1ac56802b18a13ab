// Reverse-mode differentiation emitted as ONNX. ONNX Runtime's JS packages cannot differentiate, so
// the backward pass is written into the same model as the forward: one vector-Jacobian rule per IR
// op, each a few standard ONNX nodes, applied in reverse topological order.
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import {
  type BatchNormMode,
  exposeOutput,
  isReluFamily,
  lowerForward,
  OnnxWriter,
  reluMaskName,
  tensorName,
} from "./compile.js";
import { vjp } from "./vjp.js";
import { intAttr } from "./writer.js";

/**
 * - `cross_entropy`: mean softmax cross-entropy over the batch; one-hot labels fed as `labels` [N, K].
 * - `seeded`: L = Σ seed ⊙ logits with `seed` [N, K] fed in: all ones gives the gradient of the
 *   summed logits, a one-hot row gives one sample's row of the Jacobian.
 */
export type Loss = "cross_entropy" | "seeded";

export interface GradientOptions {
  readonly bnMode: BatchNormMode;
  readonly loss: Loss;
  readonly initializers?: ReadonlyMap<string, Float32Array>;
  /** Parameters to differentiate, by name; default every parameter. */
  readonly params?: readonly string[];
  /** Also output ∂L/∂input. */
  readonly wrtInput?: boolean;
  /** Also output ∂L/∂(output of these nodes). */
  readonly wrtNodes?: readonly number[];
  /** Also output Σ_spatial y ⊙ ∂L/∂y ([N, C]) for these nodes, as `actgrad:<node name>` (Fisher). */
  readonly activationGradientProducts?: readonly number[];
  /** Forward outputs of these nodes to expose, under their node names. */
  readonly extraOutputs?: readonly number[];
  /** Expose the logits as `logits`. */
  readonly logits?: boolean;
  /**
   * `output`: also output every ReLU-family node's on/off pattern as uint8 `<node>.relu_mask`.
   * `frozen`: take those patterns as inputs instead of computing them (see LowerOptions).
   */
  readonly reluMasks?: "output" | "frozen";
}

export interface GradientModel {
  readonly bytes: Uint8Array;
  readonly weightInputs: readonly string[];
  readonly outputNames: readonly string[];
}

/** Output name of a gradient: `grad:<param name>`, `grad:input` or `grad:<node name>`. */
export const gradName = (name: string) => `grad:${name}`;
export const activationGradientName = (nodeName: string) => `actgrad:${nodeName}`;

export function compileGradient(graph: Graph, options: GradientOptions): GradientModel {
  const w = new OnnxWriter();
  const { weightInputs } = lowerForward(graph, w, {
    bnMode: options.bnMode,
    initializers: options.initializers,
    maxPoolIndices: true,
    frozenReluMasks: options.reluMasks === "frozen",
  });
  const emit = w.emit.bind(w);
  if (options.reluMasks === "output")
    for (const node of graph.nodes.filter(isReluFamily)) {
      const on = emit("Greater", [tensorName(node.inputs[0]!), w.scalar(0)], [w.name("on")]);
      emit("Cast", [on], [reluMaskName(node)], [intAttr("to", 2)]); // 2 = UINT8
      w.output(reluMaskName(node), ["N", ...node.shape], "uint8");
    }
  const logitsNode = graph.nodes[graph.logits]!;
  const classes = logitsNode.shape[0]!;
  const z = tensorName(logitsNode.id);

  // Loss and its gradient w.r.t. the logits.
  let dz: string;
  if (options.loss === "cross_entropy") {
    w.input("labels", ["N", classes]);
    const n = emit(
      "Cast",
      [
        emit(
          "Gather",
          [emit("Shape", [z], [w.name("shape")]), w.constant("i64_scalar_0", [], BigInt64Array.from([0n]))],
          [w.name("n")],
        ),
      ],
      [w.name("nf")],
      [{ name: "to", type: 2, i: 1 }],
    );
    const logp = emit("LogSoftmax", [z], [w.name("logp")], [intAttr("axis", 1)]);
    const total = emit(
      "ReduceSum",
      [emit("Mul", ["labels", logp], [w.name("ll")])],
      [w.name("lltot")],
      [intAttr("keepdims", 0)],
    );
    emit("Neg", [emit("Div", [total, n], [w.name("llmean")])], ["loss"]);
    const p = emit("Softmax", [z], [w.name("softmax")], [intAttr("axis", 1)]);
    dz = emit("Div", [emit("Sub", [p, "labels"], [w.name("resid")]), n], [w.name("dlogits")]);
  } else {
    w.input("seed", ["N", classes]);
    emit("ReduceSum", [emit("Mul", ["seed", z], [w.name("seeded")])], ["loss"], [intAttr("keepdims", 0)]);
    dz = "seed";
  }
  w.output("loss", []);

  const wantedParams = new Set(options.params ?? graph.nodes.flatMap((n) => n.params.map((p) => p.name)));
  const wantedNodes = new Set(options.wrtNodes ?? []);
  const productNodes = new Set(options.activationGradientProducts ?? []);
  // needed[v]: some wanted gradient lies at v or upstream of it, so ∂L/∂y_v must be formed.
  const needed = graph.nodes.map(() => false);
  for (const node of graph.nodes) {
    needed[node.id] =
      node.params.some((p) => wantedParams.has(p.name)) ||
      wantedNodes.has(node.id) ||
      productNodes.has(node.id) ||
      (node.op.kind === "input" && options.wrtInput === true) ||
      node.inputs.some((u) => needed[u]);
  }

  const contributions = graph.nodes.map((): string[] => []);
  contributions[logitsNode.id]!.push(dz);
  const outputs: Array<{ name: string; tensor: string; dims: ReadonlyArray<number | string> }> = [];
  const gradientOf = (node: Node): string | undefined => {
    const parts = contributions[node.id]!;
    if (parts.length === 0) return undefined;
    if (parts.length === 1) return parts[0]!;
    return emit("Sum", parts, [w.name(`g${node.id}`)]);
  };
  const zerosLike = (tensor: string) => emit("Mul", [tensor, w.scalar(0)], [w.name("zeros")]);

  for (let id = graph.nodes.length - 1; id >= 0; id--) {
    const node = graph.nodes[id]!;
    if (!needed[id]) continue;
    const dy = gradientOf(node);
    if (wantedNodes.has(id))
      outputs.push({
        name: gradName(node.name),
        tensor: dy ?? zerosLike(tensorName(id)),
        dims: ["N", ...node.shape],
      });
    if (productNodes.has(id)) {
      const product =
        dy === undefined ? zerosLike(tensorName(id)) : emit("Mul", [tensorName(id), dy], [w.name("yg")]);
      const spatial = node.shape.length === 3;
      outputs.push({
        name: activationGradientName(node.name),
        tensor: spatial
          ? emit("ReduceSum", [product, w.int64s([2, 3])], [w.name("ygs")], [intAttr("keepdims", 0)])
          : product,
        dims: ["N", node.shape[0]!],
      });
    }
    if (node.op.kind === "input" && options.wrtInput)
      outputs.push({ name: gradName("input"), tensor: dy ?? zerosLike("input"), dims: ["N", ...node.shape] });
    const rule =
      dy === undefined
        ? undefined
        : vjp(graph, node, dy, w, options.bnMode, options.initializers, options.reluMasks === "frozen");
    for (const p of node.params) {
      if (!wantedParams.has(p.name)) continue;
      const g =
        rule?.params[p.name] ??
        w.constant(`zeros_${p.shape.join("x")}`, p.shape, new Float32Array(numel(p.shape)));
      outputs.push({ name: gradName(p.name), tensor: g, dims: p.shape });
    }
    if (!rule) continue;
    node.inputs.forEach((u, k) => {
      const g = rule.inputs[k];
      if (needed[u] && g !== undefined) contributions[u]!.push(g);
    });
  }

  for (const o of outputs) {
    emit("Identity", [o.tensor], [o.name]);
    w.output(o.name, o.dims);
  }
  if (options.logits) exposeOutput(w, "logits", logitsNode);
  for (const id of options.extraOutputs ?? []) exposeOutput(w, graph.nodes[id]!.name, graph.nodes[id]!);
  return { bytes: w.encode(), weightInputs, outputNames: w.outputs.map((o) => o.name!) };
}
